//! Auto-close: a case waiting on the customer with no message for `awaiting_days`, or resolved
//! for `resolved_days`, is closed by the worker, with a public entry that tells the requester
//! why (mailed to them like any reply). The clock is the last public message or the move into
//! the status, whichever is later — not any update of the case.

use chrono::NaiveDateTime;
use diesel::sql_types::BigInt;
use diesel::{QueryableByName, RunQueryDsl};
use helpdesk_domain::CaseStatus;
use helpdesk_store::cases::{self as store, CaseChanges};
use helpdesk_store::{AnyConnection, StoreError};
use serde_json::json;

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

#[derive(QueryableByName)]
struct Id {
    #[diesel(sql_type = BigInt)]
    id: i64,
}

/// Cases in `status` whose last public message and move into `status` are both before
/// `cutoff` (and `only`, when given, is the case).
fn stale(
    c: &mut AnyConnection,
    status: &str,
    cutoff: NaiveDateTime,
    only: Option<i64>,
    limit: i64,
) -> Result<Vec<i64>, StoreError> {
    // Literals are our own values (a status name, a formatted time, numbers), never input.
    let cutoff = cutoff.format("%Y-%m-%d %H:%M:%S%.6f");
    let only = only
        .map(|id| format!("AND c.id = {id}"))
        .unwrap_or_default();
    let sql = format!(
        "SELECT c.id AS id FROM cases c \
         WHERE c.status = '{status}' {only} \
         AND NOT EXISTS (SELECT 1 FROM stream_entries s WHERE s.case_id = c.id AND s.kind = 'public' AND s.created_at >= '{cutoff}') \
         AND NOT EXISTS (SELECT 1 FROM events e WHERE e.aggregate_type = 'case' AND e.aggregate_id = c.id \
                         AND e.event_type = 'case.status_changed' AND e.created_at >= '{cutoff}') \
         ORDER BY c.id LIMIT {limit}"
    );
    Ok(diesel::sql_query(sql)
        .load::<Id>(c)?
        .into_iter()
        .map(|r| r.id)
        .collect())
}

impl Services {
    /// Closes every stale case; returns how many. Each closes in its own transaction, checked
    /// again inside it, so a customer message that just arrived keeps the case open.
    pub fn auto_close(&self) -> Result<usize, AppError> {
        let now = self.now();
        let mut closed = 0;
        for (status, days) in [
            (CaseStatus::AwaitingCustomer, self.auto_close.awaiting_days),
            (CaseStatus::Resolved, self.auto_close.resolved_days),
        ] {
            if days <= 0 {
                continue;
            }
            let cutoff = now - chrono::Duration::days(days);
            loop {
                let ids = self
                    .db
                    .read(|c| stale(c, status.as_str(), cutoff, None, 200))?;
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
            if stale(c, status.as_str(), cutoff, Some(id), 1)?.is_empty() {
                return Ok(false);
            }
            let row = store::case(c, id)?;
            let ru = self.notify.default_language.starts_with("ru");
            let text = match (status, ru) {
                (CaseStatus::AwaitingCustomer, false) => format!(
                    "We closed case #{} because we have not heard from you for {days} days. If you still need help, just reply.",
                    row.number
                ),
                (CaseStatus::AwaitingCustomer, true) => format!(
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
                    kind: "public",
                    author_user_id: None,
                    author_contact_id: None,
                    body: &text,
                    created_at: now,
                },
            )?;
            emit(
                c,
                now,
                None,
                "case.entry_added",
                ("case", id),
                json!({ "case_id": id, "number": row.number, "entry_id": entry, "kind": "public" }),
            )?;
            let row = store::case(c, id)?;
            self.move_case(c, None, &row, CaseStatus::Closed, CaseChanges::default(), now)?;
            Ok::<_, AppError>(true)
        })
    }
}
