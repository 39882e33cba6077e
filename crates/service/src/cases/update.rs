//! Changing a case: its fields, its status through the status machine, and the system entries
//! that record both in the stream.

use super::*;
use helpdesk_domain::event::{CaseFields, Event};

impl Services {
    pub fn update_case(&self, actor: &Actor, id: i64, input: &CasePatch) -> Result<Case, AppError> {
        actor.staff_write()?;
        input.validate()?;
        let now = self.now();
        self.db.write(|c| -> Result<(), AppError> {
            let (current, before) = case_snapshot(c, id)?;
            if current.status.is_terminal() {
                return Err(AppError::Conflict(format!(
                    "case #{} is {}; reopen it before changing it",
                    current.number, current.status
                )));
            }
            let mut refs = References {
                organization_id: input.organization_id.unwrap_or(current.organization_id),
                customer_id: input.customer_id.unwrap_or(current.customer_id),
                requester_id: input.requester_id.unwrap_or(current.requester_id),
                contact_ids: input
                    .contact_ids
                    .clone()
                    .unwrap_or_else(|| before.contact_ids.clone()),
                product_id: input.product_id.unwrap_or(current.product_id),
                component_id: input.component_id.unwrap_or(current.component_id),
                team_id: input.team_id.unwrap_or(current.team_id),
                assignee_id: input.assignee_id.unwrap_or(current.assignee_id),
            };
            check_references(c, &mut refs)?;
            let case_type = input.case_type.unwrap_or(current.case_type);
            let type_relevant = input.case_type.is_some()
                || input.product_id.is_some()
                || input.organization_id.is_some()
                || input.customer_id.is_some();
            if type_relevant {
                check_type(
                    c,
                    case_type,
                    refs.customer_id.or(refs.organization_id),
                    refs.product_id,
                    now.date(),
                )?;
            }
            let assignee_changed =
                input.assignee_id.is_some() && refs.assignee_id != current.assignee_id;
            // Assigning a new case opens it; nothing else moves the status here.
            let status = (assignee_changed
                && current.status == CaseStatus::New
                && refs.assignee_id.is_some())
            .then_some(CaseStatus::Open);
            store::update_case(
                c,
                id,
                &CaseChanges {
                    subject: input.subject.as_ref().map(|s| s.trim().to_owned()),
                    description: input.description.clone(),
                    status,
                    priority: input.priority,
                    case_type: input.case_type,
                    organization_id: Some(refs.organization_id),
                    customer_id: input.customer_id,
                    requester_id: Some(refs.requester_id),
                    product_id: input.product_id,
                    component_id: input.component_id,
                    support_line: input.support_line,
                    team_id: input.team_id,
                    assignee_id: input.assignee_id,
                    system_info: input.system_info.clone(),
                    tags: input.tags.as_ref().map(|t| to_json(&clean_tags(t))),
                    updated_at: Some(now),
                    ..Default::default()
                },
            )?;
            store::set_case_contacts(c, id, &refs.contact_ids)?;
            if let Some(uid) = refs.assignee_id.filter(|_| assignee_changed) {
                store::follow(c, id, uid, now)?;
            }
            if assignee_changed {
                let name = match refs.assignee_id {
                    Some(uid) => Some(users::user(c, uid)?.name),
                    None => None,
                };
                let event = SystemEvent::Assigned {
                    user_id: refs.assignee_id,
                    name,
                };
                self.system_entry(c, id, actor, event)?;
            }
            if let Some(to) = status {
                let event = SystemEvent::StatusChanged {
                    from: current.status,
                    to,
                };
                self.system_entry(c, id, actor, event)?;
            }
            emit(
                c,
                now,
                Some(actor),
                &Event::CaseUpdated {
                    id,
                    number: current.number,
                    fields: CaseFields {
                        assignee_id: Some(refs.assignee_id),
                        team_id: Some(refs.team_id),
                        assignee_changed: Some(assignee_changed),
                        ..CaseFields::default()
                    },
                    by_rule: None,
                },
            )?;
            let (_, after) = case_snapshot(c, id)?;
            crate::audit::record(c, Some(actor), ("case", id), &before, &after, now)?;
            Ok(())
        })?;
        self.get_case(actor, id)
    }

    fn system_entry(
        &self,
        c: &mut AnyConnection,
        case_id: i64,
        actor: &Actor,
        event: SystemEvent,
    ) -> Result<i64, AppError> {
        self.system_entry_as(c, case_id, Some(actor), &[event], self.now())
    }

    /// A `system` entry in the stream; `actor` is who caused it (none for the helpdesk itself).
    /// Its `body` is the events in English; the events themselves are kept for the app, which
    /// shows them in the reader's language.
    pub(crate) fn system_entry_as(
        &self,
        c: &mut AnyConnection,
        case_id: i64,
        actor: Option<&Actor>,
        events: &[SystemEvent],
        now: chrono::NaiveDateTime,
    ) -> Result<i64, AppError> {
        let data = serde_json::to_string(events)
            .map_err(|e| AppError::failed("storing system events", e))?;
        Ok(store::insert_system_entry(
            c,
            &store::NewStreamEntry {
                case_id,
                kind: helpdesk_domain::EntryKind::System,
                author_user_id: actor.map(|a| a.user_id),
                author_contact_id: actor.and_then(|a| a.contact_id),
                body: &SystemEvent::english_all(events),
                created_at: now,
            },
            &data,
        )?)
    }

    /// Moves a case through the status machine; a refused move is a 409 saying why.
    pub fn change_status(
        &self,
        actor: &Actor,
        id: i64,
        input: &StatusChange,
    ) -> Result<Case, AppError> {
        actor.staff_write()?;
        if input.status == CaseStatus::Merged {
            return Err(AppError::field(
                "status",
                "cases are merged with the merge action, not by setting the status",
            ));
        }
        let now = self.now();
        self.db.write(|c| -> Result<(), AppError> {
            let (current, before) = case_snapshot(c, id)?;
            let changes = CaseChanges::default();
            self.move_case(c, Some(actor), &current, input.status, changes, now)?;
            let (_, after) = case_snapshot(c, id)?;
            crate::audit::record(c, Some(actor), ("case", id), &before, &after, now)?;
            Ok(())
        })?;
        self.get_case(actor, id)
    }
}
