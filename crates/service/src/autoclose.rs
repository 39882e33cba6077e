//! Auto-close: a case waiting on the customer with no message for `awaiting_days`, or resolved
//! for `resolved_days`, is closed by the worker, with a public entry that tells the requester
//! why (mailed to them like any reply). The clock is the last public message or the move into
//! the status, whichever is later — not any update of the case.

use chrono::NaiveDateTime;
use helpdesk_domain::event::{EntryKind, Event};
use helpdesk_domain::CaseStatus;
use helpdesk_store::cases::{self as store, CaseChanges};

use crate::outbox::emit;
use crate::{AppError, Services};

/// Days after which cases close by themselves; 0 turns a rule off.
#[derive(Debug, Clone, Copy)]
pub struct AutoClose {
    pub awaiting_days: i64,
    pub resolved_days: i64,
}

impl Default for AutoClose {
    fn default() -> Self {
        AutoClose {
            awaiting_days: 7,
            resolved_days: 3,
        }
    }
}

impl Services {
    /// Closes every stale case; returns how many. Each closes in its own transaction, checked
    /// again inside it, so a customer message that just arrived keeps the case open.
    pub fn auto_close(&self) -> Result<usize, AppError> {
        let now = self.now();
        let mut closed = 0;
        for (status, days) in [
            (CaseStatus::AwaitingCustomer, self.auto_close.awaiting_days),
            (
                CaseStatus::InformationRequested,
                self.auto_close.awaiting_days,
            ),
            (CaseStatus::Resolved, self.auto_close.resolved_days),
        ] {
            if days <= 0 {
                continue;
            }
            let cutoff = now - chrono::Duration::days(days);
            loop {
                let ids = self
                    .db
                    .read(|c| store::stale_cases(c, status.as_str(), cutoff, None, 200))?;
                let batch = ids.len();
                for id in ids {
                    if self.close_stale(id, status, days, cutoff, now)? {
                        closed += 1;
                    }
                }
                if batch < 200 {
                    break;
                }
            }
        }
        Ok(closed)
    }

    fn close_stale(
        &self,
        id: i64,
        status: CaseStatus,
        days: i64,
        cutoff: NaiveDateTime,
        now: NaiveDateTime,
    ) -> Result<bool, AppError> {
        self.db.write(|c| {
            if store::stale_cases(c, status.as_str(), cutoff, Some(id), 1)?.is_empty() {
                return Ok(false);
            }
            let row = store::case(c, id)?;
            let ru = self.notify.default_language.starts_with("ru");
            let text = match (status, ru) {
                (CaseStatus::AwaitingCustomer | CaseStatus::InformationRequested, false) => format!(
                    "We closed case #{} because we have not heard from you for {days} days. If you still need help, just reply.",
                    row.number
                ),
                (CaseStatus::AwaitingCustomer | CaseStatus::InformationRequested, true) => format!(
                    "Обращение #{} закрыто, так как мы не получали от вас ответа {days} дн. Если помощь ещё нужна, просто ответьте.",
                    row.number
                ),
                (_, false) => format!(
                    "Case #{} was resolved {days} days ago and is now closed. If the problem returns, just reply.",
                    row.number
                ),
                (_, true) => format!(
                    "Обращение #{} решено {days} дн. назад и теперь закрыто. Если проблема вернётся, просто ответьте.",
                    row.number
                ),
            };
            // A public entry from the helpdesk itself: the requester is mailed it, like a reply.
            let entry = store::insert_stream_entry(
                c,
                &store::NewStreamEntry {
                    case_id: id,
                    kind: helpdesk_domain::EntryKind::Public,
                    author_user_id: None,
                    author_contact_id: None,
                    body: &text,
                    created_at: now,
                },
            )?;
            emit(c, now, None, &Event::EntryAdded { case_id: id, number: Some(row.number), entry_id: entry, kind: EntryKind::Public, suggested: false, accepted: false })?;
            let row = store::case(c, id)?;
            self.move_case(c, None, &row, CaseStatus::Closed, CaseChanges::default(), now)?;
            Ok::<_, AppError>(true)
        })
    }
}
