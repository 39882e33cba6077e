//! The outgoing-mail queue as admins see it: what was sent, what failed and what may or may not
//! have arrived (a worker cut off mid-conversation), and resending those by hand.

use helpdesk_api_types::notifications::{
    MailStatus, OutgoingMail, OutgoingMailPage, OutgoingMailQuery,
};
use helpdesk_store::notifications::{self as store, MailRow};
use serde::Serialize;

use crate::{audit, cursor_string, page_params, Actor, AppError, Services};

fn dto(row: MailRow) -> Result<OutgoingMail, AppError> {
    let status = MailStatus::parse(&row.status)
        .ok_or_else(|| AppError::Internal(format!("unknown mail status {}", row.status)))?;
    Ok(OutgoingMail {
        id: row.id,
        recipient: row.recipient,
        kind: row.kind,
        case_id: row.case_id,
        subject: row.subject,
        status,
        attempts: row.attempts,
        last_error: row.last_error,
        created_at: row.created_at.and_utc(),
        sent_at: row.sent_at.map(|t| t.and_utc()),
        next_attempt_at: (status == MailStatus::Pending).then(|| row.next_attempt_at.and_utc()),
    })
}

/// What the audit trail keeps of a resend.
#[derive(Serialize)]
struct Audited<'a> {
    status: &'a str,
}

impl Services {
    /// Outgoing mails, newest first (admins).
    pub fn list_outgoing_mail(
        &self,
        actor: &Actor,
        q: &OutgoingMailQuery,
    ) -> Result<OutgoingMailPage, AppError> {
        actor.admin()?;
        let (limit, cursor) = page_params(q.limit, q.cursor.as_deref())?;
        let statuses: Vec<&str> = match (q.status, q.problems.unwrap_or(false)) {
            (Some(s), _) => vec![s.as_str()],
            (None, true) => vec![MailStatus::Failed.as_str(), MailStatus::Unknown.as_str()],
            (None, false) => Vec::new(),
        };
        self.db.read(|c| {
            let page = store::list_mails(c, &statuses, limit, cursor)?;
            Ok(OutgoingMailPage {
                items: page.items.into_iter().map(dto).collect::<Result<_, _>>()?,
                next_cursor: cursor_string(page.next_cursor),
            })
        })
    }

    /// Puts a failed mail, or one whose delivery is unknown, back in the queue (admins). The
    /// recipient may get it twice if an `unknown` one had in fact arrived: the admin decides.
    pub fn resend_mail(&self, actor: &Actor, id: i64) -> Result<OutgoingMail, AppError> {
        actor.admin()?;
        let now = self.clock.now();
        self.db.write(|c| {
            let before = store::mail(c, id).map_err(|e| match e {
                helpdesk_store::StoreError::NotFound => AppError::NotFound("mail"),
                other => other.into(),
            })?;
            if !store::requeue_mail(c, id, now)? {
                return Err(AppError::Conflict(format!(
                    "only failed mails and mails whose delivery is unknown can be resent; this one is {}",
                    before.status
                )));
            }
            audit::record(
                c,
                Some(actor),
                ("mail", id),
                &Audited {
                    status: &before.status,
                },
                &Audited { status: "pending" },
                now,
            )?;
            dto(store::mail(c, id)?)
        })
    }
}
