//! Background jobs. Each job exposes `run_next`, one step that a test can call directly; the
//! loop in [`run`] only repeats steps and sleeps when there is nothing to do.
//!
//! Jobs: the outbox consumer, which takes committed events in order and runs every consumer
//! the service lists (`helpdesk_service::handlers`: workflow rules, notifications, webhook
//! deliveries) on each, marking it processed in the same transaction; the [`mailer::Mailer`],
//! which sends queued emails over SMTP; the webhook sender; SLA timers; received mail; auto-close;
//! imports; IMAP. What must not live here: business rules (they are in the service).

pub mod imap;
pub mod mailer;
pub mod webhooks;

use std::time::Duration;

use helpdesk_service::error::chain;
use helpdesk_service::{AppError, Services};

/// What one step did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// This many events were handled.
    Processed(usize),
    /// Nothing was waiting.
    Idle,
}

/// Reads the outbox in commit order.
pub struct OutboxConsumer {
    services: Services,
    batch: i64,
}

impl OutboxConsumer {
    pub fn new(services: Services) -> Self {
        OutboxConsumer {
            services,
            batch: 100,
        }
    }

    /// Claims the oldest unprocessed events, runs every consumer on each
    /// ([`Services::event_handlers`]) and marks them processed, in one transaction: a failure
    /// leaves every one of them for the next step.
    pub fn run_next(&self) -> Result<Outcome, AppError> {
        let handled = self.services.process_events(self.batch)?;
        Ok(if handled == 0 {
            Outcome::Idle
        } else {
            Outcome::Processed(handled)
        })
    }
}

/// How often stale cases are looked for to close.
pub const AUTO_CLOSE_INTERVAL: Duration = Duration::from_secs(60);

/// How often due SLA timers are looked for.
pub const SLA_TIMER_INTERVAL: Duration = Duration::from_secs(1);

/// How often a mailbox whose server has no IDLE is polled.
pub const IMAP_INTERVAL: Duration = Duration::from_secs(15);

/// How long a job waits after finding nothing to do.
const IDLE_PAUSE: Duration = Duration::from_millis(500);

/// How long a job waits after a failed step before trying again.
const ERROR_PAUSE: Duration = Duration::from_secs(2);

/// Runs a blocking step on the blocking pool; a panic counts as a failure of the step.
async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, AppError> + Send + 'static,
) -> Result<T, AppError> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| AppError::failed("the step panicked", e))?
}

/// Repeats one job's step until `shutdown`: at once after a step that did something, after
/// `idle` when there was nothing to do, after [`ERROR_PAUSE`] when it failed. Each job runs in
/// its own task, so a slow step (a hung server) delays only its own job.
async fn repeat<F, Fut>(
    job: &'static str,
    idle: Duration,
    mut shutdown: tokio::sync::watch::Receiver<bool>,
    mut step: F,
) where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<Outcome, AppError>>,
{
    loop {
        if *shutdown.borrow() {
            break;
        }
        let pause = match step().await {
            Ok(Outcome::Processed(n)) => {
                tracing::debug!(job, n, "step done");
                Duration::ZERO
            }
            Ok(Outcome::Idle) => idle,
            Err(e) => {
                tracing::error!(job, error = %chain(&e), "step failed; retrying");
                ERROR_PAUSE
            }
        };
        if pause.is_zero() {
            tokio::task::yield_now().await;
            continue;
        }
        tokio::select! {
            _ = tokio::time::sleep(pause) => {}
            _ = shutdown.changed() => {}
        }
    }
    tracing::debug!(job, "stopped");
}

/// A count of things done as a step's outcome.
fn counted(n: usize) -> Outcome {
    if n == 0 {
        Outcome::Idle
    } else {
        Outcome::Processed(n)
    }
}

/// Runs the jobs until `shutdown` turns true, each in its own task: the outbox consumer, the
/// mailer, webhook deliveries, SLA timers and time rules, received mail left unprocessed,
/// auto-close, CSV imports and the IMAP watchers. Without a mailer, queued emails wait (and none
/// are queued unless a sender address is configured). Returns when every job has stopped: steps
/// under way finish; the mailer releases what it has not begun and waits briefly for the rest.
pub async fn run(
    services: Services,
    mailer: Option<mailer::Mailer>,
    imap: imap::ImapPoller,
    shutdown: tokio::sync::watch::Receiver<bool>,
) {
    tracing::info!(mail = mailer.is_some(), "worker started");
    let mut jobs = vec![
        tokio::spawn(watch_mailboxes(imap, services.clone(), shutdown.clone())),
        tokio::spawn(run_imports(services.clone(), shutdown.clone())),
    ];
    if let Some(m) = mailer {
        jobs.push(tokio::spawn(std::sync::Arc::new(m).run(shutdown.clone())));
    }
    let outbox = std::sync::Arc::new(OutboxConsumer::new(services.clone()));
    jobs.push(tokio::spawn(repeat(
        "outbox",
        IDLE_PAUSE,
        shutdown.clone(),
        move || {
            let job = outbox.clone();
            blocking(move || job.run_next())
        },
    )));
    let hooks = std::sync::Arc::new(webhooks::WebhookSender::new(services.clone()));
    jobs.push(tokio::spawn(repeat(
        "webhooks",
        IDLE_PAUSE,
        shutdown.clone(),
        move || {
            let hooks = hooks.clone();
            async move { hooks.run_next().await }
        },
    )));
    // SLA timers (warnings, breaches, recomputation after policy changes) and time-in-status
    // rules: due ones fire, including those missed while no worker ran.
    let svc = services.clone();
    jobs.push(tokio::spawn(repeat(
        "SLA timers",
        SLA_TIMER_INTERVAL,
        shutdown.clone(),
        move || {
            let svc = svc.clone();
            blocking(move || {
                let fired = svc.run_due_jobs(200)?;
                if fired > 0 {
                    tracing::info!(announced = fired, "SLA timers fired");
                }
                let rules = svc.run_time_rules()?;
                if rules > 0 {
                    tracing::info!(rules, "time-in-status rules acted");
                }
                // A full batch: more may be due.
                Ok(if fired >= 200 {
                    Outcome::Processed(fired)
                } else {
                    Outcome::Idle
                })
            })
        },
    )));
    // Received mail whose processing did not finish (a crash, a failure) is taken up again.
    let svc = services.clone();
    jobs.push(tokio::spawn(repeat(
        "received mail",
        IDLE_PAUSE,
        shutdown.clone(),
        move || {
            let svc = svc.clone();
            blocking(move || {
                let n = svc.process_pending_email(50)?;
                if n > 0 {
                    tracing::info!(messages = n, "stored mail processed");
                }
                Ok(counted(n))
            })
        },
    )));
    let svc = services;
    jobs.push(tokio::spawn(repeat(
        "auto-close",
        AUTO_CLOSE_INTERVAL,
        shutdown,
        move || {
            let svc = svc.clone();
            blocking(move || {
                let closed = svc.auto_close()?;
                if closed > 0 {
                    tracing::info!(cases = closed, "cases closed automatically");
                }
                let keys = svc.purge_idempotency_keys()?;
                tracing::debug!(keys, "expired idempotency keys forgotten");
                let windows = svc.purge_rate_limits()?;
                tracing::debug!(windows, "past rate-limit windows forgotten");
                let forgotten = svc.purge_security_log()?;
                tracing::debug!(
                    forgotten,
                    "old security events and quiet sign-in counters forgotten"
                );
                let logins = svc.purge_sso_logins()?;
                tracing::debug!(logins, "single sign-ons of more than a day ago forgotten");
                Ok(Outcome::Idle)
            })
        },
    )));
    for job in jobs {
        let _ = job.await;
    }
    tracing::info!("worker stopped");
}

/// How often queued CSV imports are looked for.
pub const IMPORT_INTERVAL: Duration = Duration::from_secs(2);

/// Runs queued CSV imports (and those a stopped worker left), one at a time, each to its end;
/// every batch commits with its progress, so a stop loses nothing and repeats nothing.
async fn run_imports(services: Services, mut shutdown: tokio::sync::watch::Receiver<bool>) {
    loop {
        let svc = services.clone();
        let pause = match tokio::task::spawn_blocking(move || svc.run_next_import()).await {
            Ok(Ok(true)) => Duration::ZERO,
            Ok(Ok(false)) => IMPORT_INTERVAL,
            Ok(Err(e)) => {
                tracing::error!(error = %chain(&e), "import step failed; retrying");
                IMPORT_INTERVAL
            }
            Err(e) => {
                tracing::error!(error = %e, "import step panicked; retrying");
                IMPORT_INTERVAL
            }
        };
        tokio::select! {
            _ = tokio::time::sleep(pause) => {}
            _ = shutdown.changed() => break,
        }
        if *shutdown.borrow() {
            break;
        }
    }
}

/// Keeps one watcher task per active IMAP mailbox, starting watchers for new mailboxes every
/// minute; stops them all on shutdown.
async fn watch_mailboxes(
    poller: imap::ImapPoller,
    services: Services,
    mut shutdown: tokio::sync::watch::Receiver<bool>,
) {
    let poller = std::sync::Arc::new(poller);
    let mut tasks: std::collections::HashMap<i64, tokio::task::JoinHandle<()>> =
        std::collections::HashMap::new();
    loop {
        let svc = services.clone();
        let listed =
            tokio::task::spawn_blocking(move || svc.db.read(helpdesk_store::email::imap_mailboxes))
                .await;
        if let Ok(Ok(boxes)) = listed {
            tasks.retain(|_, task| !task.is_finished());
            for mailbox in boxes {
                tasks.entry(mailbox.id).or_insert_with(|| {
                    let poller = poller.clone();
                    tokio::spawn(async move { poller.keep_watching(mailbox.id).await })
                });
            }
        }
        tokio::select! {
            _ = tokio::time::sleep(Duration::from_secs(60)) => {}
            _ = shutdown.changed() => break,
        }
        if *shutdown.borrow() {
            break;
        }
    }
    for task in tasks.values() {
        task.abort();
    }
}
