//! Webhook subscriptions, their delivery log, and the events they carry.
//!
//! Every delivery is a POST of a [`WebhookEvent`] signed per the Standard Webhooks convention:
//! `webhook-id`, `webhook-timestamp` and `webhook-signature: v1,<base64 HMAC-SHA256 of
//! "{id}.{timestamp}.{body}">` keyed with the subscription's secret (`whsec_<base64>`; the key is
//! the decoded part after the prefix).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

use crate::cases::{Case, StreamEntry};
use crate::crm::{Contact, Organization};
use crate::{page, CaseStatus};

/// The events a subscription can receive.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
pub enum WebhookEventType {
    /// A case was registered (any channel). Data: [`CaseEventData`].
    #[serde(rename = "case.created")]
    CaseCreated,
    /// Fields of a case changed (also escalation and merge). Data: [`CaseEventData`].
    #[serde(rename = "case.updated")]
    CaseUpdated,
    /// A case moved to another status. Data: [`CaseStatusChangedData`].
    #[serde(rename = "case.status_changed")]
    CaseStatusChanged,
    /// A case got an assignee or a team. Data: [`CaseAssignedData`].
    #[serde(rename = "case.assigned")]
    CaseAssigned,
    /// A public message or an internal note was added to a case's stream (internal ones only to
    /// subscriptions with `include_internal`). Data: [`MessageCreatedData`].
    #[serde(rename = "message.created")]
    MessageCreated,
    /// An SLA target is close. Data: [`SlaEventData`].
    #[serde(rename = "sla.warning")]
    SlaWarning,
    /// An SLA target was missed. Data: [`SlaEventData`].
    #[serde(rename = "sla.breached")]
    SlaBreached,
    /// Data: [`ContactCreatedData`].
    #[serde(rename = "contact.created")]
    ContactCreated,
    /// Data: [`OrganizationCreatedData`].
    #[serde(rename = "organization.created")]
    OrganizationCreated,
    /// Sent on request to test an endpoint; every subscription receives it. Data: [`PingData`].
    #[serde(rename = "ping")]
    Ping,
}

impl WebhookEventType {
    pub const ALL: [WebhookEventType; 10] = [
        WebhookEventType::CaseCreated,
        WebhookEventType::CaseUpdated,
        WebhookEventType::CaseStatusChanged,
        WebhookEventType::CaseAssigned,
        WebhookEventType::MessageCreated,
        WebhookEventType::SlaWarning,
        WebhookEventType::SlaBreached,
        WebhookEventType::ContactCreated,
        WebhookEventType::OrganizationCreated,
        WebhookEventType::Ping,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            WebhookEventType::CaseCreated => "case.created",
            WebhookEventType::CaseUpdated => "case.updated",
            WebhookEventType::CaseStatusChanged => "case.status_changed",
            WebhookEventType::CaseAssigned => "case.assigned",
            WebhookEventType::MessageCreated => "message.created",
            WebhookEventType::SlaWarning => "sla.warning",
            WebhookEventType::SlaBreached => "sla.breached",
            WebhookEventType::ContactCreated => "contact.created",
            WebhookEventType::OrganizationCreated => "organization.created",
            WebhookEventType::Ping => "ping",
        }
    }

    pub fn parse(s: &str) -> Option<WebhookEventType> {
        WebhookEventType::ALL.into_iter().find(|t| t.as_str() == s)
    }

    /// The schema (in this document's components) of the event's `data`.
    pub fn data_schema(self) -> &'static str {
        match self {
            WebhookEventType::CaseCreated | WebhookEventType::CaseUpdated => "CaseEventData",
            WebhookEventType::CaseStatusChanged => "CaseStatusChangedData",
            WebhookEventType::CaseAssigned => "CaseAssignedData",
            WebhookEventType::MessageCreated => "MessageCreatedData",
            WebhookEventType::SlaWarning | WebhookEventType::SlaBreached => "SlaEventData",
            WebhookEventType::ContactCreated => "ContactCreatedData",
            WebhookEventType::OrganizationCreated => "OrganizationCreatedData",
            WebhookEventType::Ping => "PingData",
        }
    }

    pub fn description(self) -> &'static str {
        match self {
            WebhookEventType::CaseCreated => "A case was registered",
            WebhookEventType::CaseUpdated => "Fields of a case changed (also escalation, merge)",
            WebhookEventType::CaseStatusChanged => "A case moved to another status",
            WebhookEventType::CaseAssigned => "A case got an assignee or a team",
            WebhookEventType::MessageCreated => {
                "A public message or (to subscriptions that opt in) an internal note"
            }
            WebhookEventType::SlaWarning => "An SLA target is close",
            WebhookEventType::SlaBreached => "An SLA target was missed",
            WebhookEventType::ContactCreated => "A contact was created",
            WebhookEventType::OrganizationCreated => "An organization was created",
            WebhookEventType::Ping => "A test event, sent on request",
        }
    }
}

/// The body of every webhook delivery.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct WebhookEvent {
    /// The event type, e.g. `case.created`.
    #[serde(rename = "type")]
    pub event_type: WebhookEventType,
    /// When the event happened.
    pub timestamp: DateTime<Utc>,
    /// One of the `*Data` schemas, by `type` (see `GET /api/v1/webhooks/event-types`).
    #[schema(value_type = Object)]
    pub data: serde_json::Value,
}

/// `case.created`, `case.updated`: the case as it was right after the change.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct CaseEventData {
    pub case: Case,
}

/// `case.status_changed`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct CaseStatusChangedData {
    pub case: Case,
    pub from: CaseStatus,
    pub to: CaseStatus,
}

/// `case.assigned`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct CaseAssignedData {
    pub case: Case,
    pub assignee_id: Option<i64>,
    pub team_id: Option<i64>,
}

/// Who may read a stream entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Visibility {
    /// Seen by the customer.
    Public,
    /// Agents only.
    Internal,
}

/// `message.created`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct MessageCreatedData {
    pub case_id: i64,
    pub case_number: i64,
    pub visibility: Visibility,
    pub entry: StreamEntry,
}

/// `sla.warning`, `sla.breached`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct SlaEventData {
    pub case: Case,
    /// `first_response`, `next_response` or `resolution`.
    pub metric: String,
    pub due_at: Option<DateTime<Utc>>,
    pub policy_id: Option<i64>,
}

/// `contact.created`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ContactCreatedData {
    pub contact: Contact,
}

/// `organization.created`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct OrganizationCreatedData {
    pub organization: Organization,
}

/// `ping`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct PingData {
    pub subscription_id: i64,
}

/// One entry of the event catalog.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct WebhookEventTypeInfo {
    #[serde(rename = "type")]
    pub event_type: WebhookEventType,
    pub description: String,
    /// The component schema of the event's `data`.
    pub data_schema: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct WebhookSubscription {
    pub id: i64,
    pub url: String,
    pub description: String,
    /// The events sent; empty means every event.
    pub event_types: Vec<WebhookEventType>,
    /// Whether internal notes are sent as `message.created` (visibility `internal`).
    pub include_internal: bool,
    pub active: bool,
    /// Why the helpdesk turned it off (after failing for too long); cleared when re-activated.
    pub disabled_reason: Option<String>,
    /// Since when every attempt has failed; absent while deliveries succeed.
    pub failing_since: Option<DateTime<Utc>>,
    /// The signing secret; only in the answer to create and to secret rotation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secret: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct WebhookInput {
    /// An `https://` or `http://` URL. Targets on loopback, private, link-local or metadata
    /// addresses are refused unless the server allows them (`HELPDESK_WEBHOOK_ALLOW_PRIVATE`).
    #[validate(length(min = 1, max = 2000), custom(function = "crate::not_blank"))]
    pub url: String,
    #[serde(default)]
    #[validate(length(max = 500))]
    pub description: Option<String>,
    /// Empty (the default) means every event.
    #[serde(default)]
    pub event_types: Vec<WebhookEventType>,
    /// Default false.
    #[serde(default)]
    pub include_internal: Option<bool>,
    /// Default true. Setting it true again re-activates a disabled subscription.
    #[serde(default)]
    pub active: Option<bool>,
}

/// The state of a delivery.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DeliveryStatus {
    /// Not tried yet: it goes when due (`next_attempt_at`), after earlier events of its case.
    Scheduled,
    /// Tried and failed; the next attempt is at `next_attempt_at` (or sooner, when a probe of
    /// the failing subscription finds the receiver back).
    Retrying,
    Delivered,
    /// Every attempt of the retry schedule failed.
    Failed,
}

impl DeliveryStatus {
    /// As stored: a delivery waiting for an attempt is stored `pending` (read back as
    /// `scheduled`, or `retrying` once tried).
    pub fn as_str(self) -> &'static str {
        match self {
            DeliveryStatus::Scheduled | DeliveryStatus::Retrying => "pending",
            DeliveryStatus::Delivered => "delivered",
            DeliveryStatus::Failed => "failed",
        }
    }

    pub fn parse(s: &str) -> Option<DeliveryStatus> {
        [
            DeliveryStatus::Scheduled,
            DeliveryStatus::Delivered,
            DeliveryStatus::Failed,
        ]
        .into_iter()
        .find(|d| d.as_str() == s)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct WebhookDelivery {
    pub id: i64,
    pub subscription_id: i64,
    /// The outbox event (absent for pings).
    pub event_id: Option<i64>,
    pub event_type: WebhookEventType,
    /// The `webhook-id` header: the same on every attempt, for the receiver to deduplicate.
    pub message_id: String,
    pub status: DeliveryStatus,
    pub attempts: i32,
    /// When a pending delivery is tried next.
    pub next_attempt_at: Option<DateTime<Utc>>,
    pub last_status_code: Option<i32>,
    pub last_error: Option<String>,
    pub last_latency_ms: Option<i32>,
    pub created_at: DateTime<Utc>,
    pub delivered_at: Option<DateTime<Utc>>,
}
page!(WebhookDeliveryPage, WebhookDelivery);

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct WebhookAttempt {
    pub attempted_at: DateTime<Utc>,
    /// The receiver's HTTP status; absent when no answer came.
    pub status_code: Option<i32>,
    pub error: Option<String>,
    pub latency_ms: i32,
}

/// A delivery with its body and every attempt.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct WebhookDeliveryDetail {
    pub delivery: WebhookDelivery,
    pub payload: WebhookEvent,
    pub attempt_log: Vec<WebhookAttempt>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct DeliveryQuery {
    /// `scheduled`, `retrying`, `delivered` or `failed`.
    pub status: Option<DeliveryStatus>,
    /// 1..=200, default 50.
    pub limit: Option<i64>,
    pub cursor: Option<String>,
}
