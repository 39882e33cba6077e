//! Sending queued emails over SMTP.
//!
//! Each mail goes through three recorded steps, each committed before the next begins:
//! `claimed` (taken from the queue by this worker), `sending` (the server greeted; the message is
//! being handed over), and its outcome — `sent`; back to `pending` with exponential back-off
//! after a transient failure; `failed` after a permanent one or too many attempts. So a worker
//! that dies loses nothing: a claim it never took to a server goes stale and the mail is sent by
//! another worker; only a mail whose SMTP conversation was cut mid-way is marked `unknown` (it may
//! have been accepted, so it is not sent twice by itself; an admin sees it and may resend).
//!
//! Mails are sent several at a time, each bounded by its own time limits, so one server that
//! accepts connections and never answers holds only the mails meant for it.

use std::sync::Arc;
use std::time::Duration;

use futures_util::stream::{self, StreamExt};
use helpdesk_service::{AppError, Services};
use helpdesk_store::notifications::{self as store, MailRow};
use lettre::message::header::{ContentType, Header, HeaderName, HeaderValue};
use lettre::message::{Attachment, Mailbox, MultiPart, SinglePart};
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use tokio::sync::{watch, Semaphore};

use crate::Outcome;

mod parts;

use parts::{extras, smtp_transport, Extras};

/// Attempts before a mail is given up.
pub const MAX_ATTEMPTS: i32 = 8;
/// A mail left `sending` this long belongs to a worker that died mid-conversation.
const STUCK_AFTER_MINUTES: i64 = 10;
/// A claim this old belongs to a worker that died before reaching any server.
const STALE_CLAIM_SECONDS: i64 = 120;
/// Mails in flight at once.
pub const CONCURRENCY: usize = 4;
/// How long a stopping worker waits for the mails it is handing over.
pub const DRAIN: Duration = Duration::from_secs(8);

/// How long a server has to greet (connect, TLS, sign-in) and to take one message.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub greeting: Duration,
    pub transaction: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            greeting: Duration::from_secs(15),
            transaction: Duration::from_secs(60),
        }
    }
}

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

/// What became of one attempt.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Attempt {
    Sent,
    /// Not handed over; worth trying again later.
    Retry(String),
    /// Not handed over; trying again would not help.
    Refused(String),
    /// Cut off while being handed over: the server may have it.
    Unknown(String),
    /// Not begun: the worker is stopping or the claim is no longer ours.
    Released,
}

/// Sends the mail queue through one SMTP server (or each mailbox's own).
pub struct Mailer {
    services: Services,
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
    batch: i64,
    limits: Limits,
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
        let limits = Limits::default();
        let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(smtp_url)
            // The URL is not repeated: it may hold a password.
            .map_err(|e| format!("the SMTP URL is not usable: {e}"))?
            .timeout(Some(limits.greeting))
            .build();
        Ok(Mailer {
            services,
            transport,
            from,
            batch: 20,
            limits,
        })
    }

    /// The same mailer with other time limits.
    pub fn with_limits(mut self, limits: Limits) -> Mailer {
        self.limits = limits;
        self
    }

    /// Claims up to `limit` due mails (first returning stale claims and stuck mails to where
    /// they belong).
    async fn claim(&self, limit: i64) -> Result<Vec<MailRow>, AppError> {
        let svc = self.services.clone();
        tokio::task::spawn_blocking(move || {
            let now = svc.clock.now();
            svc.db.write(|c| -> Result<Vec<MailRow>, AppError> {
                let stuck = now - chrono::Duration::minutes(STUCK_AFTER_MINUTES);
                let abandoned = store::abandon_stuck_mails(c, stuck)?;
                if abandoned > 0 {
                    tracing::warn!(
                        abandoned,
                        "mails left mid-conversation by a stopped worker; marked unknown"
                    );
                }
                let stale = now - chrono::Duration::seconds(STALE_CLAIM_SECONDS);
                let released = store::release_stale_claims(c, stale, now)?;
                if released > 0 {
                    tracing::warn!(released, "mails claimed by a stopped worker; queued again");
                }
                Ok(store::claim_due_mails(c, now, limit)?)
            })
        })
        .await
        .map_err(|e| AppError::failed("claiming due mail", e))?
    }

    /// Sends the mails that are due now (up to a batch), several at a time; returns how many
    /// were attempted. Each outcome is recorded as soon as it is known.
    pub async fn run_next(&self) -> Result<Outcome, AppError> {
        let claimed = self.claim(self.batch).await?;
        if claimed.is_empty() {
            return Ok(Outcome::Idle);
        }
        let n = claimed.len();
        let (_keep, running) = watch::channel(false);
        stream::iter(claimed)
            .for_each_concurrent(CONCURRENCY, |m| self.deliver(m, running.clone()))
            .await;
        Ok(Outcome::Processed(n))
    }

    /// Sends mail until `shutdown` turns true: keeps up to [`CONCURRENCY`] mails in flight, so
    /// a slow server holds one slot, not the queue. On shutdown stops claiming, releases mails
    /// not yet handed to a server, and waits up to [`DRAIN`] for those being handed over.
    pub async fn run(self: Arc<Self>, mut shutdown: watch::Receiver<bool>) {
        let slots = Arc::new(Semaphore::new(CONCURRENCY));
        loop {
            if *shutdown.borrow() {
                break;
            }
            let free = slots.available_permits();
            let pause = if free == 0 {
                tokio::select! {
                    _ = slots.acquire() => {}
                    _ = shutdown.changed() => {}
                }
                continue;
            } else {
                match self.claim(free as i64).await {
                    Ok(mails) if mails.is_empty() => Duration::from_millis(500),
                    Ok(mails) => {
                        for mail in mails {
                            let Ok(permit) = slots.clone().acquire_owned().await else {
                                break;
                            };
                            let me = self.clone();
                            let stop = shutdown.clone();
                            tokio::spawn(async move {
                                me.deliver(mail, stop).await;
                                drop(permit);
                            });
                        }
                        Duration::ZERO
                    }
                    Err(e) => {
                        tracing::error!(error = %helpdesk_service::error::chain(&e), "claiming mail failed; retrying");
                        Duration::from_secs(2)
                    }
                }
            };
            tokio::select! {
                _ = tokio::time::sleep(pause) => {}
                _ = shutdown.changed() => {}
            }
        }
        let all = CONCURRENCY as u32;
        let drained = tokio::time::timeout(DRAIN, slots.acquire_many(all))
            .await
            .is_ok();
        if drained {
            tracing::info!("mailer stopped; nothing in flight");
        } else {
            tracing::warn!(
                "mailer stopped with mails still being handed over; they will show as unknown"
            );
        }
    }

    /// Takes one claimed mail through greeting, hand-over and outcome, recording each step.
    async fn deliver(&self, mail: MailRow, mut stopping: watch::Receiver<bool>) {
        let attempt = self.attempt(&mail, &mut stopping).await;
        match &attempt {
            Attempt::Sent => tracing::info!(mail_id = mail.id, kind = %mail.kind, "mail sent"),
            Attempt::Released => tracing::info!(mail_id = mail.id, "mail released unsent"),
            Attempt::Retry(why) | Attempt::Refused(why) | Attempt::Unknown(why) => {
                tracing::warn!(mail_id = mail.id, attempts = mail.attempts, error = %why, "mail not sent");
            }
        }
        let svc = self.services.clone();
        let (id, attempts) = (mail.id, mail.attempts);
        let recorded = tokio::task::spawn_blocking(move || {
            let now = svc.clock.now();
            svc.db.write(|c| -> Result<(), AppError> {
                match &attempt {
                    Attempt::Sent => store::finish_mail(c, id, "sent", None, None, now)?,
                    Attempt::Released => {
                        store::release_mail(c, id, now)?;
                    }
                    Attempt::Unknown(why) => {
                        store::finish_mail(c, id, "unknown", None, Some(why), now)?;
                    }
                    Attempt::Refused(why) => {
                        store::finish_mail(c, id, "failed", None, Some(why), now)?;
                    }
                    Attempt::Retry(why) if attempts >= MAX_ATTEMPTS => {
                        store::finish_mail(c, id, "failed", None, Some(why), now)?;
                    }
                    Attempt::Retry(why) => {
                        let delay = chrono::Duration::from_std(backoff(attempts))
                            .unwrap_or_else(|_| chrono::Duration::hours(1));
                        store::finish_mail(c, id, "pending", Some(now + delay), Some(why), now)?;
                    }
                }
                Ok(())
            })
        })
        .await;
        match recorded {
            Ok(Ok(())) => {}
            // The row stays `claimed` or `sending`; the stale-claim and stuck-mail rules settle it.
            Ok(Err(e)) => {
                tracing::error!(mail_id = id, error = %helpdesk_service::error::chain(&e), "recording a mail's outcome failed");
            }
            Err(e) => {
                tracing::error!(mail_id = id, error = %e, "recording a mail's outcome panicked");
            }
        }
    }

    async fn attempt(&self, mail: &MailRow, stopping: &mut watch::Receiver<bool>) -> Attempt {
        let svc = self.services.clone();
        let row = mail.clone();
        let extras = match tokio::task::spawn_blocking(move || extras(&svc, &row)).await {
            Ok(Ok(x)) => x,
            Ok(Err(e)) => return Attempt::Retry(format!("preparing the message: {e}")),
            Err(e) => return Attempt::Retry(format!("preparing the message: {e}")),
        };
        let message = match self.message(mail, &extras) {
            Ok(m) => m,
            Err(why) => return Attempt::Refused(why),
        };
        let transport = match &extras.smtp {
            // The mailbox's own SMTP server.
            Some(smtp) => match smtp_transport(smtp, self.limits.greeting) {
                Ok(t) => t,
                Err(why) => return Attempt::Retry(why),
            },
            None => self.transport.clone(),
        };
        // Greeting: nothing is handed over yet, so a stop or a silent server costs nothing.
        let greeting = self.limits.greeting;
        let greeted = tokio::select! {
            r = tokio::time::timeout(greeting, transport.test_connection()) => r,
            _ = stopped(stopping) => return Attempt::Released,
        };
        match greeted {
            Ok(Ok(true)) => {}
            Ok(Ok(false)) => return Attempt::Retry("the server did not answer NOOP".into()),
            Ok(Err(e)) if e.is_permanent() => return Attempt::Refused(e.to_string()),
            Ok(Err(e)) => return Attempt::Retry(e.to_string()),
            Err(_) => {
                return Attempt::Retry(format!(
                    "the server did not greet within {} s",
                    greeting.as_secs()
                ))
            }
        }
        let svc = self.services.clone();
        let id = mail.id;
        let ours = tokio::task::spawn_blocking(move || {
            let now = svc.clock.now();
            svc.db.write(|c| store::start_sending(c, id, now))
        })
        .await;
        match ours {
            Ok(Ok(true)) => {}
            Ok(Ok(false)) => return Attempt::Released,
            Ok(Err(e)) => return Attempt::Retry(format!("recording the hand-over: {e}")),
            Err(e) => return Attempt::Retry(format!("recording the hand-over: {e}")),
        }
        // Hand-over: from here a cut leaves the outcome unknown.
        let limit = self.limits.transaction;
        match tokio::time::timeout(limit, transport.send(message)).await {
            Ok(Ok(_)) => Attempt::Sent,
            Ok(Err(e)) if e.is_permanent() => Attempt::Refused(e.to_string()),
            // The server answered with a 4xx: it did not take the message.
            Ok(Err(e)) if e.is_transient() => Attempt::Retry(e.to_string()),
            Ok(Err(e)) => Attempt::Unknown(format!(
                "the connection failed while the message was handed over ({e}); it may have been delivered"
            )),
            Err(_) => Attempt::Unknown(format!(
                "the server did not finish taking the message within {} s; it may have been delivered",
                limit.as_secs()
            )),
        }
    }

    /// The message for a mail row; an error means it can never be built (a bad address).
    fn message(&self, mail: &MailRow, extras: &Extras) -> Result<Message, String> {
        let to: Mailbox = mail
            .recipient
            .parse()
            .map_err(|e| format!("bad recipient address: {e}"))?;
        let from = match mail.from_address.as_deref() {
            // A mailbox's own address, with the configured sender's display name.
            Some(address) => Mailbox::new(
                self.from.name.clone(),
                address
                    .parse()
                    .map_err(|e| format!("bad sender address: {e}"))?,
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
        if extras.files.is_empty() {
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
        .map_err(|e| format!("building the message: {e}"))
    }
}

/// Resolves once `stopping` is true (at once if it already is).
async fn stopped(stopping: &mut watch::Receiver<bool>) {
    while !*stopping.borrow() {
        if stopping.changed().await.is_err() {
            // The sender is gone without ever stopping: never resolves.
            std::future::pending::<()>().await;
        }
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
