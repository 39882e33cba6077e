//! Background jobs. Each job exposes `run_next`, one step that a test can call directly; the
//! loop in [`run`] only repeats steps and sleeps when there is nothing to do.
//!
//! For now there is one job: the outbox consumer, which takes committed events in order and
//! marks them processed. Webhooks, notifications, workflow rules and SLA clocks plug in here as
//! handlers of those events. What must not live here: business rules (they are in the service).

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

    /// Takes the oldest unprocessed events and marks them processed, in one transaction.
    pub fn run_next(&self) -> Result<Outcome, AppError> {
        let now = self.services.clock.now();
        let handled = self.services.db.write(|c| -> Result<usize, AppError> {
            let pending = events::unprocessed(c, self.batch)?;
            if pending.is_empty() {
                return Ok(0);
            }
            for e in &pending {
                tracing::debug!(event_id = e.id, event_type = %e.event_type, aggregate_id = e.aggregate_id, "event");
            }
            let ids: Vec<i64> = pending.iter().map(|e| e.id).collect();
            Ok(events::mark_processed(c, &ids, now)?)
        })?;
        Ok(if handled == 0 {
            Outcome::Idle
        } else {
            Outcome::Processed(handled)
        })
    }
}

/// Runs the jobs until `shutdown` resolves.
pub async fn run(services: Services, mut shutdown: tokio::sync::watch::Receiver<bool>) {
    let outbox = std::sync::Arc::new(OutboxConsumer::new(services));
    tracing::info!("worker started");
    loop {
        let job = outbox.clone();
        let step = tokio::task::spawn_blocking(move || job.run_next()).await;
        let pause = match step {
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
    tracing::info!("worker stopped");
}
