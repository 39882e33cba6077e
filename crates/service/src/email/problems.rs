//! Received mail that needs an admin: messages whose processing failed every retry (and those
//! waiting for the next one), and trying a failed one again by hand.

use helpdesk_api_types::mailboxes::{ReceivedMail, ReceivedMailPage, ReceivedMailQuery};

use super::*;
use crate::{cursor_string, page_params, Actor};

fn dto(row: store::InboundRow) -> ReceivedMail {
    let waiting = row.status == "received" && row.attempts > 0;
    ReceivedMail {
        id: row.id,
        mailbox_id: row.mailbox_id,
        message_id: row.message_id,
        from_address: row.from_address,
        subject: row.subject,
        status: row.status,
        attempts: row.attempts,
        last_error: row.last_error,
        received_at: row.received_at.and_utc(),
        next_attempt_at: waiting.then(|| row.next_attempt_at.and_utc()),
    }
}

impl Services {
    /// Received messages, newest first; by default only those that need attention (admins).
    pub fn list_received_mail(
        &self,
        actor: &Actor,
        q: &ReceivedMailQuery,
    ) -> Result<ReceivedMailPage, AppError> {
        actor.admin()?;
        let (limit, cursor) = page_params(q.limit, q.cursor.as_deref())?;
        let problems = q.problems.unwrap_or(true);
        self.db.read(|c| {
            let page = store::list_inbound(c, problems, limit, cursor)?;
            Ok(ReceivedMailPage {
                items: page.items.into_iter().map(dto).collect(),
                next_cursor: cursor_string(page.next_cursor),
            })
        })
    }

    /// Puts a message that failed every retry back in the queue, due at once with a fresh
    /// count (admins); the worker processes it within a second.
    pub fn retry_received_mail(&self, actor: &Actor, id: i64) -> Result<ReceivedMail, AppError> {
        actor.admin()?;
        let now = self.now();
        self.db.write(|c| {
            let before = store::inbound(c, id).map_err(|e| match e {
                StoreError::NotFound => AppError::NotFound("received message"),
                other => other.into(),
            })?;
            if !store::retry_inbound(c, id, now)? {
                return Err(AppError::Conflict(format!(
                    "only a received message that failed every retry can be tried again; this one is {}",
                    before.status
                )));
            }
            Ok(dto(store::inbound(c, id)?))
        })
    }
}
