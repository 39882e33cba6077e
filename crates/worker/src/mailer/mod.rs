//! Sending queued emails over SMTP.
//!
//! The queue is worked like every other (`helpdesk_store::queue::MailQueue`). Each mail goes
//! through three recorded steps, each committed before the next begins: `claimed` (leased by
//! this worker), `sending` (the server greeted; the message is being handed over), and its
//! outcome — `sent`; back to `pending` after a transient failure, as the mail retry rule says
//! (`helpdesk_domain::retry::MAIL`); `failed` after a permanent one or when the retries are
//! spent. So a worker that dies loses nothing: a claim it never took to a server runs out and
//! the mail is sent by another worker; only a mail whose SMTP conversation was cut mid-way is
//! marked `unknown` (it may have been accepted, so it is not sent twice by itself; an admin sees
//! it and may resend).
//!
//! Mails are sent several at a time, each bounded by its own time limits, so one server that
//! accepts connections and never answers holds only the mails meant for it.

use std::sync::Arc;
use std::time::Duration;

use futures_util::stream::{self, StreamExt};
use helpdesk_service::{AppError, Services};
use helpdesk_store::notifications::{self as store, MailRow};
use helpdesk_store::queue::{lease_until, Failed, Lease, MailQueue};
use lettre::message::header::{ContentType, Header, HeaderName, HeaderValue};
use lettre::message::{Attachment, Mailbox, MultiPart, SinglePart};
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use tokio::sync::{watch, Semaphore};

use crate::Outcome;

mod parts;

use parts::{extras, smtp_transport, Extras};

/// A mail left `sending` this long belongs to a worker that died mid-conversation.
const STUCK_AFTER_MINUTES: i64 = 10;
/// A claim this old belongs to a worker that died before reaching any server.
const CLAIM_SECONDS: i64 = 120;
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

    /// Claims up to `limit` due mails (first marking mails a stopped worker left mid-way as
    /// `unknown`; claims that ran out are taken again like any due mail).
    async fn claim(&self, limit: i64) -> Result<Vec<(MailRow, Lease)>, AppError> {
        let svc = self.services.clone();
        tokio::task::spawn_blocking(move || {
            let now = svc.clock.now();
            svc.db
                .write(|c| -> Result<Vec<(MailRow, Lease)>, AppError> {
                    let abandoned = MailQueue::expire(
                    c,
                    "sending",
                    "unknown",
                    "the worker stopped during the SMTP conversation; it may have been delivered",
                    now,
                )?;
                    if abandoned > 0 {
                        tracing::warn!(
                            abandoned,
                            "mails left mid-conversation by a stopped worker; marked unknown"
                        );
                    }
                    let until = lease_until(now, chrono::Duration::seconds(CLAIM_SECONDS));
                    let leases = MailQueue::take_due(c, now, until, limit)?;
                    let ids: Vec<i64> = leases.iter().map(|l| l.id).collect();
                    let rows = store::mails_by_id(c, &ids)?;
                    Ok(rows.into_iter().zip(leases).collect())
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
            .for_each_concurrent(CONCURRENCY, |(m, lease)| {
                self.deliver(m, lease, running.clone())
            })
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
                        for (mail, lease) in mails {
                            let Ok(permit) = slots.clone().acquire_owned().await else {
                                break;
                            };
                            let me = self.clone();
                            let stop = shutdown.clone();
                            tokio::spawn(async move {
                                me.deliver(mail, lease, stop).await;
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
    async fn deliver(&self, mail: MailRow, lease: Lease, mut stopping: watch::Receiver<bool>) {
        let mut lease = lease;
        let attempt = self.attempt(&mail, &mut lease, &mut stopping).await;
        match &attempt {
            Attempt::Sent => tracing::info!(mail_id = mail.id, kind = %mail.kind, "mail sent"),
            Attempt::Released => tracing::info!(mail_id = mail.id, "mail released unsent"),
            Attempt::Retry(why) | Attempt::Refused(why) | Attempt::Unknown(why) => {
                tracing::warn!(mail_id = mail.id, attempts = mail.attempts + 1, error = %why, "mail not sent");
            }
        }
        let svc = self.services.clone();
        let id = mail.id;
        let recorded = tokio::task::spawn_blocking(move || {
            let now = svc.clock.now();
            svc.db.write(|c| -> Result<(), AppError> {
                match &attempt {
                    Attempt::Sent => store::mark_sent(c, id, now)?,
                    Attempt::Released => {
                        MailQueue::release(c, lease, now)?;
                    }
                    Attempt::Unknown(why) => MailQueue::finish(c, id, "unknown", Some(why))?,
                    Attempt::Refused(why) => MailQueue::finish(c, id, "failed", Some(why))?,
                    Attempt::Retry(why) => {
                        match MailQueue::failed(c, id, Some(lease.until), why, now)? {
                            Failed::RetryAt(at) => {
                                tracing::info!(mail_id = id, %at, "mail to be tried again");
                            }
                            Failed::GivenUp => {
                                tracing::warn!(
                                    mail_id = id,
                                    "mail given up after its last attempt"
                                );
                            }
                            Failed::NotHeld => {
                                tracing::warn!(
                                    mail_id = id,
                                    "the mail's claim ran out before its outcome was recorded"
                                );
                            }
                        }
                    }
                }
                Ok(())
            })
        })
        .await;
        match recorded {
            Ok(Ok(())) => {}
            // The row stays `claimed` or `sending`; its lease running out settles it.
            Ok(Err(e)) => {
                tracing::error!(mail_id = id, error = %helpdesk_service::error::chain(&e), "recording a mail's outcome failed");
            }
            Err(e) => {
                tracing::error!(mail_id = id, error = %e, "recording a mail's outcome panicked");
            }
        }
    }

    /// One attempt at `mail`; `lease` follows the claim as it moves to `sending`.
    async fn attempt(
        &self,
        mail: &MailRow,
        lease: &mut Lease,
        stopping: &mut watch::Receiver<bool>,
    ) -> Attempt {
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
        let held = *lease;
        let ours = tokio::task::spawn_blocking(move || {
            let now = svc.clock.now();
            let until = lease_until(now, chrono::Duration::minutes(STUCK_AFTER_MINUTES));
            svc.db
                .write(|c| MailQueue::advance(c, held, "sending", until))
        })
        .await;
        match ours {
            Ok(Ok(Some(sending))) => *lease = sending,
            Ok(Ok(None)) => return Attempt::Released,
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
