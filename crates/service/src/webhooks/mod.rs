//! Webhooks: subscriptions (admins), deliveries written from outbox events, the retry
//! schedule, the failure streak that turns a subscription off, signing, and the SSRF guard.
//!
//! The worker takes an event from the outbox and, in the same transaction, writes one delivery
//! per subscription that wants it, with the body fixed then. Sending is the worker's
//! ([`Services::claim_webhook_deliveries`] then [`Services::record_webhook_attempts`]); what to do
//! with the answer is decided here.
//!
//! By module: `events` (which events each subscription gets, as payloads), `delivery` (claimed,
//! attempted, recorded), `subscriptions` (admins' management), `log` (the delivery log). The
//! imports below serve every submodule.

mod delivery;
mod events;
mod log;
mod subscriptions;

use events::*;
use log::*;

use chrono::{Duration, NaiveDateTime};
use helpdesk_api_types::cases::StreamKind;
use helpdesk_api_types::webhooks::{
    CaseAssignedData, CaseEventData, CaseStatusChangedData, ContactCreatedData, DeliveryQuery,
    DeliveryStatus, MessageCreatedData, OrganizationCreatedData, PingData, SlaEventData,
    Visibility, WebhookAttempt, WebhookDelivery, WebhookDeliveryDetail, WebhookDeliveryPage,
    WebhookEvent, WebhookEventType, WebhookEventTypeInfo, WebhookInput, WebhookSubscription,
};

use helpdesk_domain::event::{Event, Recorded};
use helpdesk_store::notifications::{self as note_store, NewNotification};
use helpdesk_store::queue::{lease_until, DeliveryQueue, Failed};
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

/// How long a worker holds a delivery it is sending before another may take it.
pub(crate) const LEASE: Duration = Duration::minutes(2);

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
    /// The lease it was sent under ([`Outgoing::lease_until`]).
    pub lease_until: NaiveDateTime,
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
    /// Until when this worker holds it.
    pub lease_until: NaiveDateTime,
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
