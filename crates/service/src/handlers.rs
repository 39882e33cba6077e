//! Who consumes events, listed in one place.
//!
//! A change writes its [`Event`] to the outbox in its own transaction (`outbox::emit`), and the
//! case's SLA clocks move in that same transaction (they are part of the case, not a consumer).
//! Everything else happens after the commit, in the worker, through the handlers of
//! [`Services::event_handlers`]: each batch of events is claimed, every handler runs on each
//! event in the order listed, and the batch is marked processed, all in one transaction, so a
//! failure leaves every event for the next try and nobody is told twice. The live feed of each
//! API process reads the outbox table on its own (it is about connections, not the database).
//!
//! [`Event`]: helpdesk_domain::event::Event

use helpdesk_domain::event::Recorded;
use helpdesk_store::events;
use helpdesk_store::webhooks::SubscriptionRow;
use helpdesk_store::AnyConnection;

use crate::{AppError, Services};

/// A consumer of committed events, run by the worker in the transaction that marks each event
/// processed.
pub trait EventHandler {
    /// Its name, for the logs.
    fn name(&self) -> &'static str;

    /// Reads once per batch what every event of it needs (the webhook subscriptions, say).
    fn begin(&mut self, _svc: &Services, _c: &mut AnyConnection) -> Result<(), AppError> {
        Ok(())
    }

    /// Does what one event means for this consumer; tells how many things it wrote.
    fn handle(
        &mut self,
        svc: &Services,
        c: &mut AnyConnection,
        event: &Recorded,
    ) -> Result<usize, AppError>;
}

/// Workflow rules first: what they change is in the case when people are told.
struct WorkflowRules;

impl EventHandler for WorkflowRules {
    fn name(&self) -> &'static str {
        "workflow rules"
    }

    fn handle(
        &mut self,
        svc: &Services,
        c: &mut AnyConnection,
        event: &Recorded,
    ) -> Result<usize, AppError> {
        svc.run_rules(c, event)
    }
}

/// Notifications in the app and mail to people (queued; the mailer sends it).
struct Notifications;

impl EventHandler for Notifications {
    fn name(&self) -> &'static str {
        "notifications"
    }

    fn handle(
        &mut self,
        svc: &Services,
        c: &mut AnyConnection,
        event: &Recorded,
    ) -> Result<usize, AppError> {
        let out = svc.fan_out(c, event)?;
        Ok(out.notifications + out.mails)
    }
}

/// Webhook deliveries (queued; the webhook sender sends them, in order per case).
#[derive(Default)]
struct Webhooks {
    subscriptions: Vec<SubscriptionRow>,
}

impl EventHandler for Webhooks {
    fn name(&self) -> &'static str {
        "webhooks"
    }

    fn begin(&mut self, svc: &Services, c: &mut AnyConnection) -> Result<(), AppError> {
        self.subscriptions = svc.active_webhooks(c)?;
        Ok(())
    }

    fn handle(
        &mut self,
        svc: &Services,
        c: &mut AnyConnection,
        event: &Recorded,
    ) -> Result<usize, AppError> {
        svc.enqueue_webhooks(c, event, &self.subscriptions)
    }
}

impl Services {
    /// Every consumer of committed events, in the order each event meets them.
    pub fn event_handlers(&self) -> Vec<Box<dyn EventHandler>> {
        vec![
            Box::new(WorkflowRules),
            Box::new(Notifications),
            Box::new(Webhooks::default()),
        ]
    }

    /// Claims up to `limit` unprocessed events in commit order, runs every handler on each and
    /// marks them processed, in one transaction; returns how many events it took. An event that
    /// does not read back as its type is logged with its id and left unhandled, rather than
    /// holding up every event after it.
    pub fn process_events(&self, limit: i64) -> Result<usize, AppError> {
        let now = self.now();
        let mut handlers = self.event_handlers();
        self.db.write(|c| -> Result<usize, AppError> {
            let claimed = events::claim_unprocessed(c, limit, now)?;
            if claimed.is_empty() {
                return Ok(0);
            }
            for h in &mut handlers {
                h.begin(self, c)?;
            }
            for row in &claimed {
                let event = match crate::outbox::recorded(row) {
                    Ok(event) => event,
                    Err(e) => {
                        tracing::error!(event_id = row.id, error = %crate::error::chain(&e),
                            "an outbox event does not read back; no one is told of it");
                        continue;
                    }
                };
                for h in &mut handlers {
                    let did = h.handle(self, c, &event)?;
                    if did > 0 {
                        tracing::debug!(event_id = row.id, event_type = %row.event_type,
                            handler = h.name(), did, "event handled");
                    }
                }
            }
            Ok(claimed.len())
        })
    }
}
