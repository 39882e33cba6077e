//! A case's stream: adding messages and notes, and reading it.

use super::*;
use helpdesk_domain::event::Event;

impl Services {
    pub fn add_stream_entry(
        &self,
        actor: &Actor,
        case_id: i64,
        input: &NewStreamEntry,
    ) -> Result<StreamEntry, AppError> {
        actor.staff_write()?;
        input.validate()?;
        if input.kind == StreamKind::System {
            return Err(AppError::field(
                "kind",
                "system entries are written by the helpdesk itself",
            ));
        }
        let now = self.now();
        let entry = self.db.write(|c| -> Result<i64, AppError> {
            let case = store::case(c, case_id).map_err(not_found("case"))?;
            if case.status == CaseStatus::Merged {
                return Err(AppError::Conflict(format!(
                    "case #{} was merged; write to its target",
                    case.number
                )));
            }
            let entry = store::insert_stream_entry(
                c,
                &store::NewStreamEntry {
                    case_id,
                    kind: input.kind.into(),
                    author_user_id: Some(actor.user_id),
                    author_contact_id: None,
                    body: &input.body,
                    created_at: now,
                },
            )?;
            self.bind_attachments(c, actor, case_id, (case_id, entry), &input.attachment_ids)?;
            // An agent's public reply hands the turn to the customer.
            if input.kind == StreamKind::Public
                && matches!(case.status, CaseStatus::New | CaseStatus::Open)
            {
                let to = CaseStatus::AwaitingCustomer;
                self.move_case(c, Some(actor), &case, to, CaseChanges::default(), now)?;
            } else {
                store::touch_case(c, case_id, now)?;
            }
            emit(
                c,
                now,
                Some(actor),
                &Event::EntryAdded {
                    case_id,
                    number: Some(case.number),
                    entry_id: entry,
                    kind: input.kind.into(),
                    suggested: false,
                    accepted: false,
                },
            )?;
            Ok(entry)
        })?;
        self.db.read(|c| one_entry(c, entry))
    }

    pub fn stream(
        &self,
        actor: &Actor,
        case_id: i64,
        q: &PageQuery,
    ) -> Result<StreamPage, AppError> {
        actor.staff_read()?;
        let (limit, cursor) = page_params(q.limit, q.cursor.as_deref())?;
        self.db.read(|c| {
            store::case(c, case_id).map_err(not_found("case"))?;
            let page = store::stream(c, case_id, None, limit, cursor)?;
            Ok(StreamPage {
                items: self.entries_for_reader(c, page.items)?,
                next_cursor: cursor_string(page.next_cursor),
            })
        })
    }
}
