//! Sending queued emails over SMTP.
//!
//! A step claims due mails (status `sending`, committed before the SMTP conversation starts),
//! sends them, and records each outcome: `sent`; back to `pending` with exponential back-off after
//! a transient failure; `failed` after a permanent one or too many attempts. A mail whose worker
//! died mid-conversation stays `sending` and is later marked `unknown`, never sent again: a
//! recipient gets a message at most once.

use std::time::Duration;

use chrono::NaiveDateTime;
use helpdesk_service::{AppError, Services};
use helpdesk_store::notifications::{self as store, MailRow};
use lettre::message::header::{ContentType, Header, HeaderName, HeaderValue};
use lettre::message::{Attachment, Mailbox, MultiPart, SinglePart};
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use crate::Outcome;

/// Attempts before a mail is given up.
pub const MAX_ATTEMPTS: i32 = 8;
/// A mail left `sending` this long belongs to a worker that died.
const STUCK_AFTER_MINUTES: i64 = 10;

/// Delay before attempt `attempts + 1`: 30 s, 1 min, 2 min ... at most an hour.
pub fn backoff(attempts: i32) -> Duration {
    let exp = attempts.clamp(1, 8) as u32 - 1;
    Duration::from_secs((30u64 << exp).min(3600))
}

/// `Auto-Submitted` (RFC 3834): `auto-generated` notifications, `auto-replied` auto-replies, so
/// that auto-responders do not answer them.
#[derive(Debug, Clone)]
struct AutoSubmitted(String);

impl Header for AutoSubmitted {
    fn name() -> HeaderName {
        HeaderName::new_from_ascii_str("Auto-Submitted")
    }

    fn parse(s: &str) -> Result<Self, Box<dyn std::error::Error + Send + Sync>> {
        Ok(AutoSubmitted(s.trim().to_owned()))
    }

    fn display(&self) -> HeaderValue {
        HeaderValue::new(Self::name(), self.0.clone())
    }
}

/// Sends the mail queue through one SMTP server.
pub struct Mailer {
    services: Services,
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
    batch: i64,
}

impl std::fmt::Debug for Mailer {
    // The SMTP URL may carry a password: it is never printed.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Mailer").field("from", &self.from).finish()
    }
}

impl Mailer {
    /// `smtp_url` as lettre reads it: `smtp://host:25`, `smtp://user:pass@host:587?tls=required`,
    /// `smtps://host:465`. The sender is the services' `notify.mail_from`.
    pub fn new(services: Services, smtp_url: &str) -> Result<Mailer, String> {
        let from = services
            .notify
            .mail_from
            .as_deref()
            .ok_or("no sender address (HELPDESK_MAIL_FROM) is configured")?
            .parse::<Mailbox>()
            .map_err(|e| format!("the sender address is not an address: {e}"))?;
        let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(smtp_url)
            // The URL is not repeated: it may hold a password.
            .map_err(|e| format!("the SMTP URL is not usable: {e}"))?
            .timeout(Some(Duration::from_secs(30)))
            .build();
        Ok(Mailer {
            services,
            transport,
            from,
            batch: 20,
        })
    }

    /// Sends the mails that are due; returns how many were attempted.
    pub async fn run_next(&self) -> Result<Outcome, AppError> {
        let svc = self.services.clone();
        let batch = self.batch;
        let claimed = tokio::task::spawn_blocking(move || {
            let now = svc.clock.now();
            let mails = svc.db.write(|c| -> Result<Vec<MailRow>, AppError> {
                let stuck = now - chrono::Duration::minutes(STUCK_AFTER_MINUTES);
                let abandoned = store::abandon_stuck_mails(c, stuck)?;
                if abandoned > 0 {
                    tracing::warn!(
                        abandoned,
                        "mails left mid-send by a stopped worker; not resent"
                    );
                }
                Ok(store::claim_due_mails(c, now, batch)?)
            })?;
            mails
                .into_iter()
                .map(|m| {
                    let extras = extras(&svc, &m)?;
                    Ok((m, extras))
                })
                .collect::<Result<Vec<_>, AppError>>()
        })
        .await
        .map_err(|e| AppError::Internal(e.to_string()))??;
        if claimed.is_empty() {
            return Ok(Outcome::Idle);
        }
        let mut outcomes = Vec::with_capacity(claimed.len());
        for (mail, extras) in &claimed {
            let outcome = self.send(mail, extras).await;
            match &outcome {
                Ok(()) => tracing::info!(mail_id = mail.id, kind = %mail.kind, "mail sent"),
                Err((permanent, why)) => {
                    tracing::warn!(mail_id = mail.id, attempts = mail.attempts, permanent, error = %why, "mail not sent")
                }
            }
            outcomes.push((mail.id, mail.attempts, outcome));
        }
        let n = outcomes.len();
        let svc = self.services.clone();
        tokio::task::spawn_blocking(move || {
            let now: NaiveDateTime = svc.clock.now();
            svc.db.write(|c| -> Result<(), AppError> {
                for (id, attempts, outcome) in &outcomes {
                    match outcome {
                        Ok(()) => store::finish_mail(c, *id, "sent", None, None, now)?,
                        Err((permanent, why)) if *permanent || *attempts >= MAX_ATTEMPTS => {
                            store::finish_mail(c, *id, "failed", None, Some(why), now)?
                        }
                        Err((_, why)) => {
                            let delay = chrono::Duration::from_std(backoff(*attempts))
                                .unwrap_or_else(|_| chrono::Duration::hours(1));
                            store::finish_mail(
                                c,
                                *id,
                                "pending",
                                Some(now + delay),
                                Some(why),
                                now,
                            )?
                        }
                    }
                }
                Ok(())
            })
        })
        .await
        .map_err(|e| AppError::Internal(e.to_string()))??;
        Ok(Outcome::Processed(n))
    }

    /// Sends one mail; on failure says whether retrying is pointless, and why.
    async fn send(&self, mail: &MailRow, extras: &Extras) -> Result<(), (bool, String)> {
        let to: Mailbox = mail
            .recipient
            .parse()
            .map_err(|e| (true, format!("bad recipient address: {e}")))?;
        let from = match mail.from_address.as_deref() {
            // A mailbox's own address, with the configured sender's display name.
            Some(address) => Mailbox::new(
                self.from.name.clone(),
                address
                    .parse()
                    .map_err(|e| (true, format!("bad sender address: {e}")))?,
            ),
            None => self.from.clone(),
        };
        let mut builder = Message::builder()
            .from(from)
            .to(to)
            .subject(mail.subject.clone())
            .message_id(Some(mail.message_id.clone()))
            .header(AutoSubmitted(mail.auto_submitted.clone()));
        if let Some(id) = &mail.in_reply_to {
            builder = builder.in_reply_to(id.clone());
        }
        if let Some(refs) = &mail.references_header {
            builder = builder.references(refs.clone());
        }
        let message = if extras.files.is_empty() {
            builder
                .header(ContentType::TEXT_PLAIN)
                .body(mail.body.clone())
        } else {
            let mut parts = MultiPart::mixed().singlepart(SinglePart::plain(mail.body.clone()));
            for f in &extras.files {
                let ct = ContentType::parse(&f.content_type).unwrap_or(ContentType::TEXT_PLAIN);
                parts =
                    parts.singlepart(Attachment::new(f.filename.clone()).body(f.bytes.clone(), ct));
            }
            builder.multipart(parts)
        }
        .map_err(|e| (true, format!("building the message: {e}")))?;
        let sent = match &extras.smtp {
            // The mailbox's own SMTP server.
            Some(smtp) => {
                smtp_transport(smtp)
                    .map_err(|e| (false, e))?
                    .send(message)
                    .await
            }
            None => self.transport.send(message).await,
        };
        sent.map(|_| ())
            .map_err(|e| (e.is_permanent(), e.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn back_off_doubles_up_to_an_hour() {
        assert_eq!(backoff(1), Duration::from_secs(30));
        assert_eq!(backoff(2), Duration::from_secs(60));
        assert_eq!(backoff(4), Duration::from_secs(240));
        assert_eq!(backoff(8), Duration::from_secs(3600));
        assert_eq!(backoff(100), Duration::from_secs(3600));
    }
}

/// A file to attach.
struct File {
    filename: String,
    content_type: String,
    bytes: Vec<u8>,
}

/// A mailbox's SMTP server.
struct Smtp {
    host: String,
    port: Option<u16>,
    tls: String,
    user: Option<String>,
    password: Option<String>,
}

/// What a mail needs besides its row: its files and its mailbox's SMTP server.
#[derive(Default)]
struct Extras {
    files: Vec<File>,
    smtp: Option<Smtp>,
}

fn extras(svc: &Services, mail: &MailRow) -> Result<Extras, AppError> {
    let ids: Vec<i64> = serde_json::from_str(&mail.attachment_ids).unwrap_or_default();
    let mut out = Extras::default();
    svc.db.read(|c| -> Result<(), AppError> {
        for id in ids {
            let a = helpdesk_store::attachments::attachment(c, id)?;
            if let Some(path) = svc.files.path_of(&a.sha256) {
                let bytes = std::fs::read(&path)
                    .map_err(|e| AppError::Internal(format!("reading attachment {id}: {e}")))?;
                out.files.push(File {
                    filename: a.filename,
                    content_type: a.content_type,
                    bytes,
                });
            }
        }
        if let Some(id) = mail.mailbox_id {
            let m = helpdesk_store::email::mailbox(c, id)?;
            if let Some(host) = m.smtp_host.clone() {
                out.smtp = Some(Smtp {
                    host,
                    port: m.smtp_port.map(|p| p as u16),
                    tls: m.smtp_tls.clone(),
                    user: m.smtp_user.clone(),
                    password: m
                        .smtp_password_enc
                        .as_deref()
                        .and_then(|sealed| svc.secrets.as_ref()?.open(sealed)),
                });
            }
        }
        Ok(())
    })?;
    Ok(out)
}

fn smtp_transport(smtp: &Smtp) -> Result<AsyncSmtpTransport<Tokio1Executor>, String> {
    let mut builder = match smtp.tls.as_str() {
        "tls" => AsyncSmtpTransport::<Tokio1Executor>::relay(&smtp.host),
        "starttls" => AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(&smtp.host),
        _ => Ok(AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(
            &smtp.host,
        )),
    }
    .map_err(|e| format!("the mailbox's SMTP server: {e}"))?;
    if let Some(port) = smtp.port {
        builder = builder.port(port);
    }
    if let (Some(user), Some(password)) = (&smtp.user, &smtp.password) {
        builder = builder.credentials(Credentials::new(user.clone(), password.clone()));
    }
    Ok(builder.timeout(Some(Duration::from_secs(30))).build())
}
