//! The customer portal: a portal user's own cases (and their organization's when their contact
//! allows it), public entries only, new cases and messages with the stream's status rules.

use helpdesk_api_types::cases::{
    PageQuery, PortalCase, PortalCasePage, PortalCloseCase, PortalMessage, PortalNewCase,
    StreamEntry, StreamPage,
};
use helpdesk_domain::event::{EntryKind, Event};
use helpdesk_domain::{CaseStatus, CaseType, Channel, Priority, SystemEvent};
use helpdesk_store::cases::{self as store, CaseChanges, CaseFilter, PortalScope};
use helpdesk_store::{crm, AnyConnection};
use validator::Validate;

use crate::cases::{case_snapshot, one_entry, Draft, References};
use crate::outbox::emit;
use crate::users::not_found;
use crate::{cursor_string, from_json, page_params, Actor, AppError, Services};

fn portal_dto(row: store::CaseRow) -> Result<PortalCase, AppError> {
    Ok(PortalCase {
        status: row.status,
        priority: row.priority,
        case_type: row.case_type,
        id: row.id,
        number: row.number,
        subject: row.subject,
        description: row.description,
        organization_id: row.organization_id,
        requester_id: row.requester_id,
        product_id: row.product_id,
        component_id: row.component_id,
        system_info: row.system_info,
        created_at: row.created_at.and_utc(),
        updated_at: row.updated_at.and_utc(),
        resolution: row.resolution,
        follow_up_of_id: row.follow_up_of_id,
    })
}

/// Whether a portal user of `scope` sees the case: theirs (as requester or contact) or their
/// organization's when allowed, and not merged into another.
pub(crate) fn portal_sees(
    c: &mut AnyConnection,
    scope: PortalScope,
    row: &store::CaseRow,
) -> Result<bool, AppError> {
    if row.status == CaseStatus::Merged {
        return Ok(false);
    }
    Ok(row.requester_id == Some(scope.contact_id)
        || scope.organization_id.is_some() && row.organization_id == scope.organization_id
        || store::case_contact_ids(c, row.id)?.contains(&scope.contact_id))
}

impl Services {
    /// What the portal user may see: their own cases, and their organization's when allowed.
    pub(crate) fn portal_scope(
        &self,
        c: &mut AnyConnection,
        actor: &Actor,
    ) -> Result<PortalScope, AppError> {
        let contact_id = actor.portal_contact()?;
        let contact = crm::contact(c, contact_id).map_err(not_found("contact"))?;
        if !contact.portal_access {
            return Err(AppError::forbidden(
                "portal access is switched off for this contact",
            ));
        }
        Ok(PortalScope {
            contact_id,
            organization_id: contact
                .organization_id
                .filter(|_| contact.portal_sees_organization),
        })
    }

    /// Loads a case the portal user may see, or answers "not found" (never "forbidden", which
    /// would tell them the case exists).
    pub(crate) fn portal_case_row(
        &self,
        c: &mut AnyConnection,
        actor: &Actor,
        id: i64,
    ) -> Result<store::CaseRow, AppError> {
        let scope = self.portal_scope(c, actor)?;
        let row = store::case(c, id).map_err(not_found("case"))?;
        if portal_sees(c, scope, &row)? {
            Ok(row)
        } else {
            Err(AppError::NotFound("case"))
        }
    }

    pub fn portal_list_cases(
        &self,
        actor: &Actor,
        q: &PageQuery,
    ) -> Result<PortalCasePage, AppError> {
        actor.any_read()?;
        let (limit, cursor) = page_params(q.limit, q.cursor.as_deref())?;
        self.db.read(|c| {
            let scope = self.portal_scope(c, actor)?;
            let filter = CaseFilter {
                portal: Some(scope),
                sla: None,
                ..Default::default()
            };
            let page = store::list_cases(c, &filter, limit, cursor)?;
            Ok(PortalCasePage {
                items: page
                    .items
                    .into_iter()
                    .filter(|r| r.status != CaseStatus::Merged)
                    .map(portal_dto)
                    .collect::<Result<_, _>>()?,
                next_cursor: cursor_string(page.next_cursor),
            })
        })
    }

    pub fn portal_get_case(&self, actor: &Actor, id: i64) -> Result<PortalCase, AppError> {
        actor.any_read()?;
        self.db
            .read(|c| portal_dto(self.portal_case_row(c, actor, id)?))
    }

    pub fn portal_create_case(
        &self,
        actor: &Actor,
        input: &PortalNewCase,
    ) -> Result<PortalCase, AppError> {
        actor.any_write()?;
        input.validate()?;
        let row = self.db.write(|c| -> Result<store::CaseRow, AppError> {
            let scope = self.portal_scope(c, actor)?;
            let contact = crm::contact(c, scope.contact_id)?;
            let draft = Draft {
                subject: input.subject.clone(),
                description: input.description.clone(),
                priority: input.priority.unwrap_or(Priority::Normal),
                case_type: input.case_type.unwrap_or(CaseType::Consultation),
                channel: Channel::Portal,
                refs: References {
                    organization_id: contact.organization_id,
                    customer_id: None,
                    requester_id: Some(contact.id),
                    contact_ids: vec![contact.id],
                    product_id: input.product_id,
                    component_id: input.component_id,
                    team_id: None,
                    assignee_id: None,
                },
                support_line: 1,
                system_info: input.system_info.clone(),
                tags: Vec::new(),
                follow_up_of_id: None,
                mailbox_id: None,
            };
            Ok(self.insert_case(c, Some(actor), draft)?.row)
        })?;
        portal_dto(row)
    }

    pub fn portal_stream(
        &self,
        actor: &Actor,
        case_id: i64,
        q: &PageQuery,
    ) -> Result<StreamPage, AppError> {
        actor.any_read()?;
        let (limit, cursor) = page_params(q.limit, q.cursor.as_deref())?;
        self.db.read(|c| {
            self.portal_case_row(c, actor, case_id)?;
            // Only public entries: internal notes and system events never reach the portal.
            let page = store::stream(c, case_id, Some(&["public"]), limit, cursor)?;
            Ok(StreamPage {
                items: self.entries_for_reader(c, page.items)?,
                next_cursor: cursor_string(page.next_cursor),
            })
        })
    }

    pub fn portal_post_message(
        &self,
        actor: &Actor,
        case_id: i64,
        input: &PortalMessage,
    ) -> Result<StreamEntry, AppError> {
        actor.any_write()?;
        input.validate()?;
        let now = self.now();
        let entry = self.db.write(|c| -> Result<i64, AppError> {
            let row = self.portal_case_row(c, actor, case_id)?;
            let message = CustomerMessage {
                by: Some(actor),
                contact_id: actor.contact_id,
                body: &input.body,
                channel: Channel::Portal,
                moves_status: true,
            };
            let (into_case, entry) = self.customer_message(c, &row, &message, now)?;
            let ids = &input.attachment_ids;
            self.bind_attachments(c, actor, case_id, (into_case, entry), ids)?;
            Ok(entry)
        })?;
        self.db.read(|c| one_entry(c, entry))
    }

    /// The customer closes their case, with an optional last message to support. A case
    /// already closed, rejected or merged answers 409; agents following the case are told.
    pub fn portal_close_case(
        &self,
        actor: &Actor,
        case_id: i64,
        input: &PortalCloseCase,
    ) -> Result<PortalCase, AppError> {
        actor.any_write()?;
        input.validate()?;
        let now = self.now();
        let row = self.db.write(|c| -> Result<store::CaseRow, AppError> {
            let row = self.portal_case_row(c, actor, case_id)?;
            if row.status.is_terminal() {
                return Err(AppError::Conflict(format!(
                    "case #{} is already {}",
                    row.number, row.status
                )));
            }
            let (_, before) = case_snapshot(c, case_id)?;
            if let Some(body) = input.message.as_deref() {
                let message = CustomerMessage {
                    by: Some(actor),
                    contact_id: actor.contact_id,
                    body: body.trim(),
                    channel: Channel::Portal,
                    moves_status: false,
                };
                self.customer_message(c, &row, &message, now)?;
            }
            let changes = CaseChanges::default();
            self.move_case(c, Some(actor), &row, CaseStatus::Closed, changes, now)?;
            let (after_row, after) = case_snapshot(c, case_id)?;
            crate::audit::record(c, Some(actor), ("case", case_id), &before, &after, now)?;
            Ok(after_row)
        })?;
        portal_dto(row)
    }

    /// A customer's message on a case (portal or email), with the stream's rules: a case waiting
    /// for them, on hold or resolved opens again; a closed one reopens within the reopen window
    /// and otherwise gets a follow-up case. Returns the case and entry the message went to.
    pub(crate) fn customer_message(
        &self,
        c: &mut AnyConnection,
        row: &store::CaseRow,
        m: &CustomerMessage<'_>,
        now: chrono::NaiveDateTime,
    ) -> Result<(i64, i64), AppError> {
        let case_id = row.id;
        let reopen_until = row
            .closed_at
            .map(|t| t + chrono::Duration::days(self.reopen_days));
        match row.status.as_str() {
            "closed" | "rejected"
                if m.moves_status && reopen_until.is_none_or(|until| now > until) =>
            {
                // Too long after closing: the message starts a new case linked to the old one.
                return self.follow_up_case(c, m, row, now);
            }
            "awaiting_customer"
            | "information_requested"
            | "on_hold"
            | "resolved"
            | "closed"
            | "rejected"
                if m.moves_status =>
            {
                let (_, before) = case_snapshot(c, case_id)?;
                let to = CaseStatus::Open;
                self.move_case(c, m.by, row, to, CaseChanges::default(), now)?;
                let (_, after) = case_snapshot(c, case_id)?;
                crate::audit::record(c, m.by, ("case", case_id), &before, &after, now)?;
            }
            _ => store::touch_case(c, case_id, now)?,
        }
        let entry = store::insert_stream_entry(
            c,
            &store::NewStreamEntry {
                case_id,
                kind: helpdesk_domain::EntryKind::Public,
                author_user_id: m.by.map(|a| a.user_id),
                author_contact_id: m.contact_id,
                body: m.body,
                created_at: now,
            },
        )?;
        emit(
            c,
            now,
            m.by,
            &Event::EntryAdded {
                case_id,
                number: Some(row.number),
                entry_id: entry,
                kind: EntryKind::Public,
                suggested: false,
                accepted: false,
            },
        )?;
        Ok((case_id, entry))
    }

    /// A customer wrote to a case closed longer ago than the reopen window: a new case with the
    /// old one's people and product, the message as its description. Returns the new case and
    /// its first entry.
    fn follow_up_case(
        &self,
        c: &mut AnyConnection,
        m: &CustomerMessage<'_>,
        old: &store::CaseRow,
        now: chrono::NaiveDateTime,
    ) -> Result<(i64, i64), AppError> {
        let contact_ids = store::case_contact_ids(c, old.id)?;
        let tags: Vec<String> = from_json("case", old.id, "tags", &old.tags)?;
        let draft = |case_type| Draft {
            subject: old.subject.clone(),
            description: m.body.to_owned(),
            priority: old.priority,
            case_type,
            channel: m.channel,
            refs: References {
                organization_id: old.organization_id,
                customer_id: old.customer_id,
                requester_id: m.contact_id,
                contact_ids: contact_ids.clone(),
                product_id: old.product_id,
                component_id: old.component_id,
                team_id: old.team_id,
                assignee_id: None,
            },
            support_line: 1,
            system_info: old.system_info.clone(),
            tags: tags.clone(),
            follow_up_of_id: Some(old.id),
            mailbox_id: old.mailbox_id,
        };
        let old_type = old.case_type;
        let new = match self.insert_case(c, m.by, draft(old_type)) {
            // The contract may have ended since: the follow-up is then a consultation.
            Err(AppError::Validation(_)) if old_type != CaseType::Consultation => {
                self.insert_case(c, m.by, draft(CaseType::Consultation))?
            }
            other => other?,
        };
        let event = SystemEvent::FollowUp {
            number: new.row.number,
        };
        self.system_entry_as(c, old.id, m.by, &[event], now)?;
        new.first_entry_id
            .map(|e| (new.row.id, e))
            .ok_or_else(|| AppError::Internal("the follow-up case has no first entry".into()))
    }
}

/// A message from a customer: who (a portal user, or only a contact for email), what, and
/// whether it may change the status (an out-of-office reply does not).
pub(crate) struct CustomerMessage<'a> {
    pub by: Option<&'a Actor>,
    pub contact_id: Option<i64>,
    pub body: &'a str,
    pub channel: Channel,
    pub moves_status: bool,
}
