//! Webhooks: subscriptions (admins), deliveries written from outbox events, the retry
//! schedule, the failure streak that turns a subscription off, signing, and the SSRF guard.
//!
//! The worker takes an event from the outbox and, in the same transaction, writes one delivery
//! per subscription that wants it, with the body fixed then. Sending is the worker's
//! ([`Services::claim_webhook_deliveries`] then [`Services::record_webhook_attempts`]); what to do
//! with the answer is decided here.

use chrono::{Duration, NaiveDateTime};
use helpdesk_api_types::cases::StreamKind;
use helpdesk_api_types::webhooks::{
    CaseAssignedData, CaseEventData, CaseStatusChangedData, ContactCreatedData, DeliveryQuery,
    DeliveryStatus, MessageCreatedData, OrganizationCreatedData, PingData, SlaEventData,
    Visibility, WebhookAttempt, WebhookDelivery, WebhookDeliveryDetail, WebhookDeliveryPage,
    WebhookEvent, WebhookEventType, WebhookEventTypeInfo, WebhookInput, WebhookSubscription,
};
use helpdesk_api_types::CaseStatus;
use helpdesk_store::events::EventRow;
use helpdesk_store::notifications::{self as note_store, NewNotification};
use helpdesk_store::webhooks::{self as store, AttemptResult, DeliveryRow, SubscriptionRow};
use helpdesk_store::{cases as case_store, users as user_store, AnyConnection};
use serde_json::{json, Value};
use validator::Validate;

use crate::cases::{case_snapshot, one_entry};
use crate::outbox::emit;
use crate::users::not_found;
use crate::webhook_security::new_secret;
pub use crate::webhook_security::{check_target, is_internal_address, sign};
use crate::{cursor_string, from_json, page_params, to_json, Actor, AppError, Services};

/// Settings of webhook delivery.
#[derive(Debug, Clone)]
pub struct WebhookSettings {
    /// Allow targets on loopback, private, link-local and metadata addresses (off by default).
    pub allow_private_targets: bool,
    /// A subscription whose every attempt has failed for this long is turned off.
    pub disable_after: Duration,
}

impl Default for WebhookSettings {
    fn default() -> Self {
        WebhookSettings {
            allow_private_targets: false,
            disable_after: Duration::days(3),
        }
    }
}

/// Waits before the 2nd, 3rd... attempt (the Standard Webhooks schedule): with the first, eight
/// attempts over 27 h 35 min.
pub const RETRY_SCHEDULE: [Duration; 7] = [
    Duration::seconds(5),
    Duration::minutes(5),
    Duration::minutes(30),
    Duration::hours(2),
    Duration::hours(5),
    Duration::hours(10),
    Duration::hours(10),
];

/// How long a worker holds a delivery it is sending before another may take it.
const LEASE: Duration = Duration::minutes(2);

/// While a subscription fails, how often one of its deliveries is tried ahead of its schedule:
/// a receiver that recovers gets its backlog within this long, without the schedule's later
/// retries (hours apart) hammering one that does not.
pub const PROBE_EVERY: Duration = Duration::minutes(1);

/// What one attempt came to: the receiver's status, or why there was none; how long it took.
#[derive(Debug, Clone)]
pub struct Attempted {
    pub delivery_id: i64,
    pub status_code: Option<u16>,
    pub error: Option<String>,
    pub latency_ms: u64,
    /// Sent ahead of its schedule to see whether a failing receiver is back.
    pub probe: bool,
}

/// A delivery ready to send.
#[derive(Debug, Clone)]
pub struct Outgoing {
    pub delivery_id: i64,
    pub subscription_id: i64,
    pub url: String,
    pub message_id: String,
    pub body: String,
    secret: String,
    /// Sent ahead of its schedule to see whether a failing receiver is back.
    pub probe: bool,
}

impl Outgoing {
    /// The three Standard Webhooks headers for sending at `timestamp` (Unix seconds).
    pub fn headers(&self, timestamp: i64) -> [(&'static str, String); 3] {
        [
            ("webhook-id", self.message_id.clone()),
            ("webhook-timestamp", timestamp.to_string()),
            (
                "webhook-signature",
                sign(&self.secret, &self.message_id, timestamp, &self.body),
            ),
        ]
    }
}

fn subscription_dto(row: SubscriptionRow, with_secret: bool) -> WebhookSubscription {
    let names: Vec<String> = from_json(&row.event_types);
    WebhookSubscription {
        id: row.id,
        url: row.url,
        description: row.description,
        event_types: names
            .iter()
            .filter_map(|n| WebhookEventType::parse(n))
            .collect(),
        include_internal: row.include_internal,
        active: row.active,
        disabled_reason: row.disabled_reason,
        failing_since: row.failing_since.map(|t| t.and_utc()),
        secret: with_secret.then_some(row.secret),
        created_at: row.created_at.and_utc(),
        updated_at: row.updated_at.and_utc(),
    }
}

fn delivery_dto(row: &DeliveryRow) -> Result<WebhookDelivery, AppError> {
    Ok(WebhookDelivery {
        id: row.id,
        subscription_id: row.subscription_id,
        event_id: row.event_id,
        event_type: WebhookEventType::parse(&row.event_type).ok_or_else(|| {
            AppError::Internal(format!("delivery {}: unknown event type", row.id))
        })?,
        message_id: row.message_id.clone(),
        status: match DeliveryStatus::parse(&row.status) {
            Some(DeliveryStatus::Scheduled) if row.attempts > 0 => DeliveryStatus::Retrying,
            Some(s) => s,
            None => {
                return Err(AppError::Internal(format!(
                    "delivery {}: unknown status",
                    row.id
                )))
            }
        },
        attempts: row.attempts,
        next_attempt_at: (row.status == store::PENDING).then(|| row.next_attempt_at.and_utc()),
        last_status_code: row.last_status_code,
        last_error: row.last_error.clone(),
        last_latency_ms: row.last_latency_ms,
        created_at: row.created_at.and_utc(),
        delivered_at: row.delivered_at.map(|t| t.and_utc()),
    })
}

/// Whether a subscription wants an event of this type.
fn wants(sub: &SubscriptionRow, t: WebhookEventType, internal: bool) -> bool {
    if internal && !sub.include_internal {
        return false;
    }
    let names: Vec<String> = from_json(&sub.event_types);
    names.is_empty() || names.iter().any(|n| n == t.as_str())
}

/// The webhook an outbox event becomes: its type, ordering key, data, and whether it is internal.
type Mapped = (WebhookEventType, String, Value, bool);

fn data<T: serde::Serialize>(value: &T) -> Result<Value, AppError> {
    serde_json::to_value(value).map_err(|e| AppError::Internal(format!("webhook data: {e}")))
}

fn map_event(c: &mut AnyConnection, e: &EventRow) -> Result<Option<Mapped>, AppError> {
    let payload: Value = serde_json::from_str(&e.payload).unwrap_or(Value::Null);
    let key = format!("{}:{}", e.aggregate_type, e.aggregate_id);
    let case =
        |c: &mut AnyConnection| -> Result<Option<helpdesk_api_types::cases::Case>, AppError> {
            match case_snapshot(c, e.aggregate_id) {
                Ok((_, dto)) => Ok(Some(dto)),
                Err(AppError::NotFound(_)) => Ok(None),
                Err(other) => Err(other),
            }
        };
    let status = |field: &str| {
        payload[field]
            .as_str()
            .and_then(|s| CaseStatus::parse(s).ok())
    };
    let mapped = match (e.aggregate_type.as_str(), e.event_type.as_str()) {
        ("case", "case.created") => case(c)?.map(|case| {
            data(&CaseEventData { case }).map(|d| (WebhookEventType::CaseCreated, d, false))
        }),
        ("case", "case.updated" | "case.escalated" | "case.merged") => case(c)?.map(|case| {
            data(&CaseEventData { case }).map(|d| (WebhookEventType::CaseUpdated, d, false))
        }),
        ("case", "case.status_changed") => match (status("from"), status("to"), case(c)?) {
            (Some(from), Some(to), Some(case)) => Some(
                data(&CaseStatusChangedData { case, from, to })
                    .map(|d| (WebhookEventType::CaseStatusChanged, d, false)),
            ),
            _ => None,
        },
        ("case", "case.assigned") => case(c)?.map(|case| {
            data(&CaseAssignedData {
                assignee_id: case.assignee_id,
                team_id: case.team_id,
                case,
            })
            .map(|d| (WebhookEventType::CaseAssigned, d, false))
        }),
        ("case", "case.entry_added") => {
            let Some(entry_id) = payload["entry_id"].as_i64() else {
                return Ok(None);
            };
            let entry = match one_entry(c, entry_id) {
                Ok(entry) => entry,
                Err(AppError::NotFound(_)) => return Ok(None),
                Err(other) => return Err(other),
            };
            let visibility = match entry.kind {
                StreamKind::Public => Visibility::Public,
                StreamKind::Internal => Visibility::Internal,
                StreamKind::System => return Ok(None),
            };
            let number = case_store::case(c, e.aggregate_id)
                .map(|r| r.number)
                .unwrap_or_default();
            Some(
                data(&MessageCreatedData {
                    case_id: e.aggregate_id,
                    case_number: number,
                    visibility,
                    entry,
                })
                .map(|d| {
                    (
                        WebhookEventType::MessageCreated,
                        d,
                        visibility == Visibility::Internal,
                    )
                }),
            )
        }
        ("case", t @ ("sla.warning" | "sla.breached")) => case(c)?.map(|case| {
            let kind = if t == "sla.warning" {
                WebhookEventType::SlaWarning
            } else {
                WebhookEventType::SlaBreached
            };
            data(&SlaEventData {
                case,
                metric: payload["metric"].as_str().unwrap_or_default().to_owned(),
                due_at: payload["due_at"]
                    .as_str()
                    .and_then(|s| s.parse::<NaiveDateTime>().ok())
                    .map(|t| t.and_utc()),
                policy_id: payload["policy_id"].as_i64(),
            })
            .map(|d| (kind, d, false))
        }),
        ("contact", "contact.created") => {
            let contact = crate::crm::contact_by_id(c, e.aggregate_id)?;
            Some(
                data(&ContactCreatedData { contact })
                    .map(|d| (WebhookEventType::ContactCreated, d, false)),
            )
        }
        ("organization", "organization.created") => {
            let organization = crate::crm::organization_by_id(c, e.aggregate_id)?;
            Some(
                data(&OrganizationCreatedData { organization })
                    .map(|d| (WebhookEventType::OrganizationCreated, d, false)),
            )
        }
        _ => None,
    };
    match mapped {
        None => Ok(None),
        Some(r) => {
            let (t, d, internal) = r?;
            Ok(Some((t, key, d, internal)))
        }
    }
}

fn envelope(t: WebhookEventType, at: NaiveDateTime, data: Value) -> String {
    to_json(&json!({
        "type": t.as_str(),
        "timestamp": at.and_utc().to_rfc3339_opts(chrono::SecondsFormat::Micros, true),
        "data": data,
    }))
}

impl Services {
    /// The subscriptions that receive events now.
    pub fn active_webhooks(&self, c: &mut AnyConnection) -> Result<Vec<SubscriptionRow>, AppError> {
        Ok(store::active_subscriptions(c)?)
    }

    /// Writes the deliveries an outbox event causes, one per subscription that wants it; call
    /// it in the transaction that marks the event processed. Returns how many.
    /// `subs` are the active subscriptions ([`Services::active_webhooks`]), read once per batch.
    pub fn enqueue_webhooks(
        &self,
        c: &mut AnyConnection,
        e: &EventRow,
        subs: &[SubscriptionRow],
    ) -> Result<usize, AppError> {
        if subs.is_empty() {
            return Ok(0);
        }
        let Some((t, key, data, internal)) = map_event(c, e)? else {
            return Ok(0);
        };
        let body = envelope(t, e.created_at, data);
        let now = self.now();
        let mut n = 0;
        for sub in subs.iter().filter(|s| wants(s, t, internal)) {
            store::insert_delivery(
                c,
                &store::NewDelivery {
                    subscription_id: sub.id,
                    event_id: Some(e.id),
                    event_type: t.as_str().to_owned(),
                    ordering_key: key.clone(),
                    message_id: format!("msg_evt{}", e.id),
                    payload: body.clone(),
                    status: store::PENDING.to_owned(),
                    next_attempt_at: now,
                    created_at: now,
                },
            )?;
            n += 1;
        }
        Ok(n)
    }

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
            let rows = store::lease(c, &ids, now, now + LEASE)?;
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
                });
            }
            Ok::<_, AppError>(out)
        })
    }

    /// Records what a batch of attempts came to, in one transaction: each delivered (2xx), or
    /// failed with the next attempt per [`RETRY_SCHEDULE`] — or no more attempts once it is
    /// spent. A subscription failing for longer than the configured streak is turned off and
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

    fn record_one(
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
            store::record_attempt(c, a.delivery_id, &attempt, store::DELIVERED, now)?;
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
        let done = row.attempts as usize; // attempts before this one
        match RETRY_SCHEDULE.get(done) {
            Some(wait) => {
                store::record_attempt(c, a.delivery_id, &attempt, store::PENDING, now + *wait)?
            }
            None => store::record_attempt(c, a.delivery_id, &attempt, store::FAILED, now)?,
        }
        let since = store::mark_failing(c, row.subscription_id, now)?;
        // The receiver was just tried: the next probe a minute from now.
        store::set_probe_at(c, row.subscription_id, now + PROBE_EVERY)?;
        if now - since >= self.webhooks.disable_after {
            self.disable_webhook(c, row.subscription_id, since, now)?;
        }
        Ok(())
    }

    fn disable_webhook(
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
            "webhook.disabled",
            ("webhook", id),
            json!({ "id": id, "url": sub.url, "reason": reason }),
        )?;
        let admins: Vec<NewNotification> = user_store::active_staff(c)?
            .into_iter()
            .filter(|u| u.role == "admin")
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

    pub fn list_webhooks(&self, actor: &Actor) -> Result<Vec<WebhookSubscription>, AppError> {
        actor.admin()?;
        Ok(self
            .db
            .read(store::subscriptions)?
            .into_iter()
            .map(|r| subscription_dto(r, false))
            .collect())
    }

    pub fn get_webhook(&self, actor: &Actor, id: i64) -> Result<WebhookSubscription, AppError> {
        actor.admin()?;
        let row = self
            .db
            .read(|c| store::subscription(c, id))
            .map_err(not_found("webhook subscription"))?;
        Ok(subscription_dto(row, false))
    }

    fn webhook_values(
        &self,
        input: &WebhookInput,
        now: NaiveDateTime,
    ) -> Result<store::SubscriptionValues, AppError> {
        input.validate()?;
        check_target(&input.url, self.webhooks.allow_private_targets)
            .map_err(|why| AppError::field("url", why))?;
        let mut names: Vec<&str> = input.event_types.iter().map(|t| t.as_str()).collect();
        names.sort_unstable();
        names.dedup();
        Ok(store::SubscriptionValues {
            url: input.url.trim().to_owned(),
            description: input
                .description
                .as_deref()
                .unwrap_or_default()
                .trim()
                .to_owned(),
            event_types: to_json(&names),
            include_internal: input.include_internal.unwrap_or(false),
            active: input.active.unwrap_or(true),
            disabled_reason: None,
            failing_since: None,
            updated_at: now,
        })
    }

    /// Adds a subscription; the answer carries its signing secret.
    pub fn create_webhook(
        &self,
        actor: &Actor,
        input: &WebhookInput,
    ) -> Result<WebhookSubscription, AppError> {
        actor.admin()?;
        let now = self.now();
        let values = self.webhook_values(input, now)?;
        let row = self
            .db
            .write(|c| store::insert_subscription(c, &values, &new_secret(), now))?;
        Ok(subscription_dto(row, true))
    }

    /// Replaces a subscription's settings (the secret stays); re-activating clears the streak.
    pub fn update_webhook(
        &self,
        actor: &Actor,
        id: i64,
        input: &WebhookInput,
    ) -> Result<WebhookSubscription, AppError> {
        actor.admin()?;
        let now = self.now();
        let values = self.webhook_values(input, now)?;
        let row = self
            .db
            .write(|c| {
                let old = store::subscription(c, id)?;
                let mut values = values;
                if !values.active {
                    values.disabled_reason = old.disabled_reason;
                } else if old.active {
                    values.failing_since = old.failing_since;
                }
                store::update_subscription(c, id, &values)
            })
            .map_err(not_found("webhook subscription"))?;
        Ok(subscription_dto(row, false))
    }

    pub fn delete_webhook(&self, actor: &Actor, id: i64) -> Result<(), AppError> {
        actor.admin()?;
        self.db
            .write(|c| store::delete_subscription(c, id))
            .map_err(not_found("webhook subscription"))
    }

    /// A new signing secret; the old one stops working at once.
    pub fn rotate_webhook_secret(
        &self,
        actor: &Actor,
        id: i64,
    ) -> Result<WebhookSubscription, AppError> {
        actor.admin()?;
        let now = self.now();
        let row = self
            .db
            .write(|c| {
                store::set_secret(c, id, &new_secret(), now)?;
                store::subscription(c, id)
            })
            .map_err(not_found("webhook subscription"))?;
        Ok(subscription_dto(row, true))
    }

    /// Queues a `ping` to the subscription (sent even when it filters events).
    pub fn ping_webhook(&self, actor: &Actor, id: i64) -> Result<WebhookDelivery, AppError> {
        actor.admin()?;
        let now = self.now();
        let message_id = format!("msg_ping{}", crate::auth::random_token(12));
        let body = envelope(
            WebhookEventType::Ping,
            now,
            data(&PingData {
                subscription_id: id,
            })?,
        );
        let row = self
            .db
            .write(|c| {
                store::subscription(c, id)?;
                store::insert_delivery(
                    c,
                    &store::NewDelivery {
                        subscription_id: id,
                        event_id: None,
                        event_type: WebhookEventType::Ping.as_str().to_owned(),
                        ordering_key: message_id.clone(),
                        message_id: message_id.clone(),
                        payload: body,
                        status: store::PENDING.to_owned(),
                        next_attempt_at: now,
                        created_at: now,
                    },
                )
            })
            .map_err(not_found("webhook subscription"))?;
        delivery_dto(&row)
    }

    pub fn webhook_deliveries(
        &self,
        actor: &Actor,
        id: i64,
        q: &DeliveryQuery,
    ) -> Result<WebhookDeliveryPage, AppError> {
        actor.admin()?;
        let (limit, cursor) = page_params(q.limit, q.cursor.as_deref())?;
        let page = self
            .db
            .read(|c| {
                store::subscription(c, id)?;
                store::deliveries(
                    c,
                    id,
                    q.status.map(|s| s.as_str()),
                    match q.status {
                        Some(DeliveryStatus::Scheduled) => Some(false),
                        Some(DeliveryStatus::Retrying) => Some(true),
                        _ => None,
                    },
                    limit,
                    cursor,
                )
            })
            .map_err(not_found("webhook subscription"))?;
        Ok(WebhookDeliveryPage {
            items: page
                .items
                .iter()
                .map(delivery_dto)
                .collect::<Result<_, _>>()?,
            next_cursor: cursor_string(page.next_cursor),
        })
    }

    fn subscription_delivery(
        c: &mut AnyConnection,
        id: i64,
        delivery_id: i64,
    ) -> Result<DeliveryRow, AppError> {
        match store::delivery(c, delivery_id) {
            Ok(row) if row.subscription_id == id => Ok(row),
            Ok(_) | Err(helpdesk_store::StoreError::NotFound) => {
                Err(AppError::NotFound("webhook delivery"))
            }
            Err(e) => Err(e.into()),
        }
    }

    pub fn webhook_delivery(
        &self,
        actor: &Actor,
        id: i64,
        delivery_id: i64,
    ) -> Result<WebhookDeliveryDetail, AppError> {
        actor.admin()?;
        let (row, attempts) = self.db.read(|c| {
            let row = Self::subscription_delivery(c, id, delivery_id)?;
            let attempts = store::attempts(c, delivery_id)?;
            Ok::<_, AppError>((row, attempts))
        })?;
        Ok(WebhookDeliveryDetail {
            delivery: delivery_dto(&row)?,
            payload: serde_json::from_str::<WebhookEvent>(&row.payload)
                .map_err(|e| AppError::Internal(format!("delivery {delivery_id}: {e}")))?,
            attempt_log: attempts
                .into_iter()
                .map(|a| WebhookAttempt {
                    attempted_at: a.attempted_at.and_utc(),
                    status_code: a.status_code,
                    error: a.error,
                    latency_ms: a.latency_ms,
                })
                .collect(),
        })
    }

    /// Sends a delivery again (due now, after earlier pending ones of the same case).
    pub fn redeliver_webhook(
        &self,
        actor: &Actor,
        id: i64,
        delivery_id: i64,
    ) -> Result<WebhookDelivery, AppError> {
        actor.admin()?;
        let now = self.now();
        let row = self.db.write(|c| {
            Self::subscription_delivery(c, id, delivery_id)?;
            Ok::<_, AppError>(store::requeue(c, delivery_id, now)?)
        })?;
        delivery_dto(&row)
    }

    /// The event catalog.
    pub fn webhook_event_types(
        &self,
        actor: &Actor,
    ) -> Result<Vec<WebhookEventTypeInfo>, AppError> {
        actor.staff_read()?;
        Ok(WebhookEventType::ALL
            .into_iter()
            .map(|t| WebhookEventTypeInfo {
                event_type: t,
                description: t.description().to_owned(),
                data_schema: t.data_schema().to_owned(),
            })
            .collect())
    }
}
