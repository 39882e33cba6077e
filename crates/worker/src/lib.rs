//! Background jobs. Each job exposes `run_next`, one step that a test can call directly; the
//! loop in [`run`] only repeats steps and sleeps when there is nothing to do.
//!
//! Jobs: the outbox consumer, which takes committed events in order, fans each out into
//! notifications and queued emails (the rules are the service's) and marks it processed, all in
//! one transaction; and the [`mailer::Mailer`], which sends queued emails over SMTP. Webhooks,
//! workflow rules and SLA clocks plug in here as handlers of the same events. What must not live
//! here: business rules (they are in the service).

pub mod imap;
pub mod mailer;
pub mod webhooks;

use std::time::Duration;

use helpdesk_service::{AppError, Services};
use helpdesk_store::events;

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

    /// Claims the oldest unprocessed events, fans each out and marks them processed, in one
    /// transaction: a failure leaves every one of them for the next step.
    pub fn run_next(&self) -> Result<Outcome, AppError> {
        let now = self.services.clock.now();
        let handled = self.services.db.write(|c| -> Result<usize, AppError> {
            let claimed = events::claim_unprocessed(c, self.batch, now)?;
            let webhooks = if claimed.is_empty() {
                Vec::new()
            } else {
                self.services.active_webhooks(c)?
            };
            for e in &claimed {
                // Workflow rules first: their changes are in the case when people are told.
                let rules = self.services.run_rules(c, e)?;
                if rules > 0 {
                    tracing::debug!(event_id = e.id, rules, "workflow rules acted");
                }
                let out = self.services.fan_out(c, e)?;
                let hooks = self.services.enqueue_webhooks(c, e, &webhooks)?;
                tracing::debug!(event_id = e.id, event_type = %e.event_type, aggregate_id = e.aggregate_id,
                    notifications = out.notifications, mails = out.mails, webhooks = hooks, "event");
            }
            Ok(claimed.len())
        })?;
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

/// Runs the jobs until `shutdown` resolves. Without a mailer, queued emails wait (and none are
/// queued unless a sender address is configured).
pub async fn run(
    services: Services,
    mailer: Option<mailer::Mailer>,
    imap: imap::ImapPoller,
    mut shutdown: tokio::sync::watch::Receiver<bool>,
) {
    let watchers = tokio::spawn(watch_mailboxes(imap, services.clone(), shutdown.clone()));
    let importer = tokio::spawn(run_imports(services.clone(), shutdown.clone()));
    let hooks = webhooks::WebhookSender::new(services.clone());
    let outbox = std::sync::Arc::new(OutboxConsumer::new(services));
    tracing::info!(mail = mailer.is_some(), "worker started");
    let mut timers_checked = std::time::Instant::now() - SLA_TIMER_INTERVAL;
    let mut closing_checked = std::time::Instant::now() - AUTO_CLOSE_INTERVAL;
    loop {
        if closing_checked.elapsed() >= AUTO_CLOSE_INTERVAL {
            closing_checked = std::time::Instant::now();
            let svc = outbox.services.clone();
            match tokio::task::spawn_blocking(move || svc.auto_close()).await {
                Ok(Ok(0)) => {}
                Ok(Ok(n)) => tracing::info!(cases = n, "cases closed automatically"),
                Ok(Err(e)) => tracing::error!(error = %e, "auto-close failed; retrying"),
                Err(e) => tracing::error!(error = %e, "auto-close panicked; retrying"),
            }
            let svc = outbox.services.clone();
            match tokio::task::spawn_blocking(move || svc.purge_idempotency_keys()).await {
                Ok(Ok(n)) => tracing::debug!(keys = n, "expired idempotency keys forgotten"),
                Ok(Err(e)) => tracing::error!(error = %e, "purging idempotency keys failed"),
                Err(e) => tracing::error!(error = %e, "purging idempotency keys panicked"),
            }
        }
        // SLA timers (warnings, breaches, recomputation after policy changes): due ones fire,
        // including those missed while no worker ran.
        if timers_checked.elapsed() >= SLA_TIMER_INTERVAL {
            timers_checked = std::time::Instant::now();
            let svc = outbox.services.clone();
            match tokio::task::spawn_blocking(move || svc.run_due_jobs(200)).await {
                Ok(Ok(0)) => {}
                Ok(Ok(n)) => tracing::info!(announced = n, "SLA timers fired"),
                Ok(Err(e)) => tracing::error!(error = %e, "SLA timers failed; retrying"),
                Err(e) => tracing::error!(error = %e, "SLA timers panicked; retrying"),
            }
            let svc = outbox.services.clone();
            match tokio::task::spawn_blocking(move || svc.run_time_rules()).await {
                Ok(Ok(0)) => {}
                Ok(Ok(n)) => tracing::info!(rules = n, "time-in-status rules acted"),
                Ok(Err(e)) => tracing::error!(error = %e, "time-in-status rules failed; retrying"),
                Err(e) => tracing::error!(error = %e, "time-in-status rules panicked; retrying"),
            }
        }
        // Received mail whose processing did not finish (a crash, a failure) is taken up again.
        let svc = outbox.services.clone();
        match tokio::task::spawn_blocking(move || svc.process_pending_email(50)).await {
            Ok(Ok(0)) => {}
            Ok(Ok(n)) => tracing::info!(messages = n, "stored mail processed"),
            Ok(Err(e)) => tracing::error!(error = %e, "processing stored mail failed"),
            Err(e) => tracing::error!(error = %e, "processing stored mail panicked"),
        }
        let job = outbox.clone();
        let step = tokio::task::spawn_blocking(move || job.run_next()).await;
        let sent = match &mailer {
            Some(m) => match m.run_next().await {
                Ok(Outcome::Processed(n)) => n,
                Ok(Outcome::Idle) => 0,
                Err(e) => {
                    tracing::error!(error = %e, "mail step failed; retrying");
                    0
                }
            },
            None => 0,
        };
        let hooks_sent = match hooks.run_next().await {
            Ok(Outcome::Processed(n)) => n,
            Ok(Outcome::Idle) => 0,
            Err(e) => {
                tracing::error!(error = %e, "webhook step failed; retrying");
                0
            }
        };
        let pause = match step {
            Ok(Ok(Outcome::Idle)) if sent > 0 || hooks_sent > 0 => Duration::ZERO,
            Ok(Ok(Outcome::Processed(n))) => {
                tracing::debug!(events = n, "outbox step");
                Duration::ZERO
            }
            Ok(Ok(Outcome::Idle)) => Duration::from_millis(500),
            Ok(Err(e)) => {
                tracing::error!(error = %e, "outbox step failed; retrying");
                Duration::from_secs(2)
            }
            Err(e) => {
                tracing::error!(error = %e, "outbox step panicked; retrying");
                Duration::from_secs(2)
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
    let _ = watchers.await;
    let _ = importer.await;
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
                tracing::error!(error = %e, "import step failed; retrying");
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
