//! Deliveries in flight: claimed under a lease by one worker, each attempt recorded, a receiver
//! that keeps failing turned off.

use super::*;
use helpdesk_domain::event::Event;

impl Services {
    /// Takes up to `limit` deliveries that may go now, leased to this caller for two minutes.
    pub fn claim_webhook_deliveries(&self, limit: i64) -> Result<Vec<Outgoing>, AppError> {
        let now = self.now();
        self.db.write(|c| {
            let mut ids = store::due_heads(c, now, limit)?;
            // One early try per failing subscription and minute.
            let mut probes = Vec::new();
            for (sub, id) in store::probe_heads(c, now)? {
                store::set_probe_at(c, sub, now + PROBE_EVERY)?;
                if !ids.contains(&id) {
                    ids.push(id);
                    probes.push(id);
                }
            }
            let until = lease_until(now, LEASE);
            let rows = store::lease(c, &ids, now, until)?;
            let mut out = Vec::with_capacity(rows.len());
            let mut subs: Vec<SubscriptionRow> = Vec::new();
            for row in rows {
                let sub = match subs.iter().find(|s| s.id == row.subscription_id) {
                    Some(s) => s.clone(),
                    None => {
                        let s = store::subscription(c, row.subscription_id)?;
                        subs.push(s.clone());
                        s
                    }
                };
                out.push(Outgoing {
                    delivery_id: row.id,
                    subscription_id: row.subscription_id,
                    url: sub.url,
                    message_id: row.message_id,
                    body: row.payload,
                    secret: sub.secret,
                    probe: probes.contains(&row.id),
                    lease_until: until,
                });
            }
            Ok::<_, AppError>(out)
        })
    }

    /// Records what a batch of attempts came to, in one transaction: each delivered (2xx), or
    /// failed with the next attempt per the webhook retry rule
    /// ([`helpdesk_domain::retry::WEBHOOKS`]) — or no more attempts once it is spent. A subscription failing for longer than the configured streak is turned off and
    /// every admin is told.
    pub fn record_webhook_attempts(&self, batch: &[Attempted]) -> Result<(), AppError> {
        let now = self.now();
        self.db.write(|c| {
            for a in batch {
                self.record_one(c, a, now)?;
            }
            Ok(())
        })
    }

    pub(super) fn record_one(
        &self,
        c: &mut AnyConnection,
        a: &Attempted,
        now: NaiveDateTime,
    ) -> Result<(), AppError> {
        let attempt = AttemptResult {
            at: now,
            status_code: a.status_code.map(i32::from),
            error: a.error.as_ref().map(|e| e.chars().take(500).collect()),
            latency_ms: a.latency_ms.min(i32::MAX as u64) as i32,
        };
        let ok = a.status_code.is_some_and(|s| (200..300).contains(&s));
        let row = store::delivery(c, a.delivery_id)?;
        if ok {
            DeliveryQueue::finish(c, a.delivery_id, store::DELIVERED, None)?;
            store::note_attempt(c, a.delivery_id, &attempt, true)?;
            if row.attempts > 0 || a.probe {
                // Back after failing: what waits for later retries goes now, in order.
                store::release_backlog(c, row.subscription_id, now)?;
            }
            store::clear_failing(c, row.subscription_id)?;
            return Ok(());
        }
        if a.probe {
            // Still down: the probe is logged; the delivery keeps its place in the schedule.
            store::record_probe(c, a.delivery_id, &attempt)?;
            return Ok(());
        }
        let why = attempt
            .error
            .as_deref()
            .unwrap_or("the receiver refused it");
        let outcome = DeliveryQueue::failed(c, a.delivery_id, Some(a.lease_until), why, now)?;
        store::note_attempt(c, a.delivery_id, &attempt, false)?;
        if outcome == Failed::NotHeld {
            // Its lease ran out and another worker has it now: that attempt decides.
            return Ok(());
        }
        let since = store::mark_failing(c, row.subscription_id, now)?;
        // The receiver was just tried: the next probe a minute from now.
        store::set_probe_at(c, row.subscription_id, now + PROBE_EVERY)?;
        if now - since >= self.webhooks.disable_after {
            self.disable_webhook(c, row.subscription_id, since, now)?;
        }
        Ok(())
    }

    pub(super) fn disable_webhook(
        &self,
        c: &mut AnyConnection,
        id: i64,
        since: NaiveDateTime,
        now: NaiveDateTime,
    ) -> Result<(), AppError> {
        let since_text = since.format("%Y-%m-%d %H:%M UTC").to_string();
        let reason = format!("every delivery failed since {since_text}");
        if !store::disable(c, id, &reason, now)? {
            return Ok(());
        }
        let sub = store::subscription(c, id)?;
        tracing::warn!(subscription_id = id, url = %sub.url, "webhook subscription disabled");
        let event_id = emit(
            c,
            now,
            None,
            &Event::WebhookDisabled {
                id,
                url: sub.url.clone(),
                reason: reason.clone(),
            },
        )?;
        let admins: Vec<NewNotification> = user_store::active_staff(c)?
            .into_iter()
            .filter(|u| u.role == helpdesk_domain::Role::Admin)
            .map(|u| NewNotification {
                user_id: u.id,
                event_id,
                kind: helpdesk_api_types::notifications::NotificationKind::System
                    .as_str()
                    .to_owned(),
                case_id: None,
                entry_id: None,
                actor_user_id: None,
                title: if u.language == "ru" {
                    format!(
                        "Вебхук {} отключён: с {since_text} все доставки завершались ошибкой",
                        sub.url
                    )
                } else {
                    format!("Webhook {} was turned off: {reason}", sub.url)
                },
                created_at: now,
            })
            .collect();
        note_store::insert_notifications(c, &admins)?;
        Ok(())
    }
}
