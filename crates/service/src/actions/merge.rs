//! Merging a case into another: its stream, contacts and followers move to the target.

use super::*;
use helpdesk_domain::event::Event;

impl Services {
    /// Merge case `id` into `target_id`: its stream, contacts and followers move to the target;
    /// the source becomes `merged` and points at the target.
    pub fn merge(&self, actor: &Actor, id: i64, input: &MergeAction) -> Result<Case, AppError> {
        input.validate()?;
        self.act(actor, id, |c, row, now| {
            let (field, target) = match (input.target_id, input.target_number) {
                (Some(target_id), None) => match store::case(c, target_id) {
                    Ok(t) => ("target_id", t),
                    Err(StoreError::NotFound) => {
                        return Err(AppError::field(
                            "target_id",
                            format!("case {target_id} does not exist"),
                        ))
                    }
                    Err(e) => return Err(e.into()),
                },
                (None, Some(number)) => match store::case_by_number(c, number)? {
                    Some(t) => ("target_number", t),
                    None => {
                        return Err(AppError::field(
                            "target_number",
                            format!("there is no case #{number}"),
                        ))
                    }
                },
                _ => {
                    return Err(AppError::field(
                        "target_number",
                        "name the target case by `target_number` or by `target_id` (one of them)",
                    ))
                }
            };
            let target_id = target.id;
            if target_id == id {
                return Err(AppError::field(
                    field,
                    "a case cannot be merged into itself",
                ));
            }
            if target.status.is_terminal() {
                return Err(AppError::Conflict(format!(
                    "case #{} is {}; merge into a case that is still worked on",
                    target.number, target.status
                )));
            }
            // Checked before anything moves: a merged case is final.
            row.status.transition(CaseStatus::Merged)?;
            // The customers of each case would read the other's messages: said, not silent.
            if target.organization_id != row.organization_id && !input.confirm_other_organization
            {
                let name = match target.organization_id {
                    Some(org) => format!("«{}»", helpdesk_store::crm::organization(c, org)?.name),
                    None => "no organization".to_owned(),
                };
                return Err(AppError::field(
                    "confirm_other_organization",
                    format!(
                        "case #{} belongs to {name}, not to this case's organization: its customers would read this case's messages and this case's customers its messages; confirm to merge anyway",
                        target.number
                    ),
                ));
            }
            store::move_stream(c, id, target_id)?;
            helpdesk_store::attachments::move_to_case(c, id, target_id)?;
            self.move_case(
                c,
                Some(actor),
                &row,
                CaseStatus::Merged,
                CaseChanges {
                    merged_into_id: Some(Some(target_id)),
                    ..Default::default()
                },
                now,
            )?;
            let mut contacts = store::case_contact_ids(c, target_id)?;
            let missing: Vec<i64> = store::case_contact_ids(c, id)?
                .into_iter()
                .filter(|ct| !contacts.contains(ct))
                .collect();
            store::add_case_contacts(c, target_id, &missing)?;
            contacts.extend(missing);
            for uid in store::followers(c, id)? {
                store::follow(c, target_id, uid, now)?;
            }
            store::touch_case(c, target_id, now)?;
            // The source keeps one entry saying where it went; the target says what arrived.
            let into = SystemEvent::MergedInto {
                number: target.number,
            };
            self.system_entry_as(c, id, Some(actor), &[into], now)?;
            let from = SystemEvent::MergedFrom { number: row.number };
            self.system_entry_as(c, target_id, Some(actor), &[from], now)?;
            emit(c, now, Some(actor), &Event::CaseMerged { id, number: row.number, target_id, target_number: target.number })?;
            Ok(())
        })
    }
}
