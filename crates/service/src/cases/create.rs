//! Opening a case: the one insert every channel goes through (agents, the portal, e-mail, web
//! forms, leads), and the agents' endpoint.

use super::*;
use helpdesk_domain::event::Event;

impl Services {
    pub(crate) fn insert_case(
        &self,
        c: &mut AnyConnection,
        by: Option<&Actor>,
        mut d: Draft,
    ) -> Result<Inserted, AppError> {
        let now = self.now();
        let team = check_references(c, &mut d.refs)?;
        check_type(
            c,
            d.case_type,
            d.refs.customer_id.or(d.refs.organization_id),
            d.refs.product_id,
            now.date(),
        )?;
        let creator = Creator {
            user_id: by.map_or(0, |a| a.user_id),
            // Mail is written by a customer, like a portal message.
            role: by.map_or(Role::Portal, |a| a.role),
            line: by.and_then(|a| a.line),
        };
        let mut start = initial_assignment(creator, d.refs.assignee_id);
        if let (None, Some(team)) = (start.assignee_id, &team) {
            // The team gives its new cases out (round-robin or least-busy), if it does.
            if let Some(agent) = crate::assignment::pick_assignee(c, team, now)? {
                start.assignee_id = Some(agent);
                start.status = CaseStatus::Open;
            }
        }
        // The assignee, the requester's portal account and agents who follow every new case.
        let mut followers: Vec<i64> = start.assignee_id.into_iter().collect();
        // A portal user registering the case follows it; otherwise the requester's portal users.
        let requester = match by.filter(|a| a.role == Role::Portal) {
            Some(actor) => {
                followers.push(actor.user_id);
                None
            }
            None => d.refs.requester_id,
        };
        // The description opens the stream, as the customer's first message.
        let from_portal = by.is_none_or(|a| a.role == Role::Portal);
        let first_entry = (!d.description.trim().is_empty()).then(|| store::FirstEntry {
            author_user_id: by.filter(|_| !from_portal).map(|a| a.user_id),
            author_contact_id: if from_portal {
                by.and_then(|a| a.contact_id).or(d.refs.requester_id)
            } else {
                d.refs.requester_id
            },
            body: &d.description,
        });
        let case = store::NewCase {
            subject: d.subject.trim().to_owned(),
            description: d.description.clone(),
            status: start.status,
            priority: d.priority,
            case_type: d.case_type,
            channel: d.channel,
            organization_id: d.refs.organization_id,
            customer_id: d.refs.customer_id,
            requester_id: d.refs.requester_id,
            product_id: d.refs.product_id,
            component_id: d.refs.component_id,
            support_line: d.support_line,
            team_id: d.refs.team_id,
            assignee_id: start.assignee_id,
            system_info: d.system_info.clone(),
            tags: to_json(&d.tags),
            created_by_id: by.map(|a| a.user_id),
            created_at: now,
            updated_at: now,
            follow_up_of_id: d.follow_up_of_id,
            mailbox_id: d.mailbox_id,
        };
        let (row, first_entry_id) = store::insert_new_case(
            c,
            &store::NewCaseRows {
                case: &case,
                contact_ids: &d.refs.contact_ids,
                followers: &followers,
                requester,
                first_entry,
            },
        )?;
        let id = row.id;
        let (_, timed) = emit_timed(
            c,
            now,
            by,
            &Event::CaseCreated {
                id,
                number: row.number,
                channel: d.channel,
                status: start.status,
                assignee_id: start.assignee_id,
                team_id: d.refs.team_id,
            },
        )?;
        Ok(Inserted {
            row,
            contact_ids: d.refs.contact_ids,
            first_entry_id,
            timed,
        })
    }

    pub fn create_case(&self, actor: &Actor, input: &NewCase) -> Result<Case, AppError> {
        actor.staff_write()?;
        input.validate()?;
        let channel = input.channel.unwrap_or(Channel::Agent);
        if !matches!(
            channel,
            Channel::Agent | Channel::Phone | Channel::Api | Channel::Email
        ) {
            return Err(AppError::field(
                "channel",
                "agents register cases as agent, phone, email or api",
            ));
        }
        let channel = if actor.scopes.is_some() && input.channel.is_none() {
            Channel::Api
        } else {
            channel
        };
        let line = input
            .support_line
            .map(i64::from)
            .map(SupportLine::new)
            .transpose()?;
        let draft = Draft {
            subject: input.subject.clone(),
            description: input.description.clone(),
            priority: input.priority.unwrap_or(Priority::Normal),
            case_type: input.case_type.unwrap_or(CaseType::Consultation),
            channel,
            refs: References {
                organization_id: input.organization_id,
                customer_id: input.customer_id,
                requester_id: input.requester_id,
                contact_ids: input.contact_ids.clone(),
                product_id: input.product_id,
                component_id: input.component_id,
                team_id: input.team_id,
                assignee_id: input.assignee_id,
            },
            support_line: line.or(actor.line).map_or(1, |l| l.get().into()),
            system_info: input.system_info.clone(),
            tags: clean_tags(&input.tags),
            follow_up_of_id: None,
            mailbox_id: None,
        };
        let (new, sla) = self.db.write(|c| -> Result<_, AppError> {
            let new = self.insert_case(c, Some(actor), draft)?;
            // Read back inside the transaction: no second connection, and no read at all
            // when no policy runs clocks.
            let sla = if new.timed {
                self.sla_of(c, new.row.id)?
            } else {
                None
            };
            Ok((new, sla))
        })?;
        let mut dto = case_dto(new.row, new.contact_ids)?;
        dto.sla = sla;
        Ok(dto)
    }
}

pub(crate) struct Draft {
    pub(crate) subject: String,
    pub(crate) description: String,
    pub(crate) priority: Priority,
    pub(crate) case_type: CaseType,
    pub(crate) channel: Channel,
    pub(crate) refs: References,
    pub(crate) support_line: i32,
    pub(crate) system_info: Option<String>,
    pub(crate) tags: Vec<String>,
    pub(crate) follow_up_of_id: Option<i64>,
    /// The mailbox a case came in by (its replies go out from there).
    pub(crate) mailbox_id: Option<i64>,
}

/// A case just inserted: its row, its contacts and the entry its description opened the stream
/// with.
pub(crate) struct Inserted {
    pub(crate) row: store::CaseRow,
    pub(crate) contact_ids: Vec<i64>,
    pub(crate) first_entry_id: Option<i64>,
    /// Whether an SLA policy was active, so the case may have clocks to show.
    pub(crate) timed: bool,
}
