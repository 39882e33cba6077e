use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

use crate::{double_option, page, CaseStatus, CaseType, Channel, Priority, SystemEvent};

mod actions;

pub use actions::*;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Case {
    pub id: i64,
    /// The registration number people quote; `[#number]` tags e-mail about the case.
    pub number: i64,
    pub subject: String,
    pub description: String,
    pub status: CaseStatus,
    pub priority: Priority,
    pub case_type: CaseType,
    pub channel: Channel,
    pub organization_id: Option<i64>,
    /// The contract holder, when it differs from the organization.
    pub customer_id: Option<i64>,
    pub requester_id: Option<i64>,
    /// Every contact on the case, the requester included.
    pub contact_ids: Vec<i64>,
    pub product_id: Option<i64>,
    pub component_id: Option<i64>,
    pub support_line: i32,
    pub team_id: Option<i64>,
    pub assignee_id: Option<i64>,
    pub system_info: Option<String>,
    pub tags: Vec<String>,
    pub created_by_id: Option<i64>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// The resolution note of the last `resolve`.
    pub resolution: Option<String>,
    /// Where a `merged` case lives on.
    pub merged_into_id: Option<i64>,
    /// The closed case a customer wrote to again, when this case was opened for it.
    pub follow_up_of_id: Option<i64>,
    /// The mailbox the case came in by; replies go out from its address.
    #[serde(default)]
    pub mailbox_id: Option<i64>,
    pub closed_at: Option<DateTime<Utc>>,
    /// The SLA policy and clocks; none when no policy covers the case.
    #[serde(default)]
    pub sla: Option<crate::sla::CaseSla>,
}
page!(CasePage, Case);

#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct NewCase {
    #[validate(length(min = 1, max = 500), custom(function = "crate::not_blank"))]
    pub subject: String,
    #[serde(default)]
    #[validate(length(max = 100000))]
    pub description: String,
    pub priority: Option<Priority>,
    /// `consultation` unless given; other types need an active contract for the product.
    pub case_type: Option<CaseType>,
    /// How the case reached us; `agent` unless given (`phone` for a call).
    pub channel: Option<Channel>,
    pub organization_id: Option<i64>,
    pub customer_id: Option<i64>,
    pub requester_id: Option<i64>,
    #[serde(default)]
    #[validate(length(max = 50))]
    pub contact_ids: Vec<i64>,
    pub product_id: Option<i64>,
    pub component_id: Option<i64>,
    #[validate(range(min = 1, max = 3))]
    pub support_line: Option<i32>,
    pub team_id: Option<i64>,
    pub assignee_id: Option<i64>,
    #[validate(length(max = 20000))]
    pub system_info: Option<String>,
    #[serde(default)]
    #[validate(length(max = 50))]
    pub tags: Vec<String>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct CasePatch {
    #[validate(length(min = 1, max = 500), custom(function = "crate::not_blank"))]
    pub subject: Option<String>,
    #[validate(length(max = 100000))]
    pub description: Option<String>,
    pub priority: Option<Priority>,
    pub case_type: Option<CaseType>,
    #[serde(
        default,
        deserialize_with = "double_option",
        skip_serializing_if = "Option::is_none"
    )]
    #[schema(value_type = Option<i64>)]
    pub organization_id: Option<Option<i64>>,
    #[serde(
        default,
        deserialize_with = "double_option",
        skip_serializing_if = "Option::is_none"
    )]
    #[schema(value_type = Option<i64>)]
    pub customer_id: Option<Option<i64>>,
    #[serde(
        default,
        deserialize_with = "double_option",
        skip_serializing_if = "Option::is_none"
    )]
    #[schema(value_type = Option<i64>)]
    pub requester_id: Option<Option<i64>>,
    #[validate(length(max = 50))]
    pub contact_ids: Option<Vec<i64>>,
    #[serde(
        default,
        deserialize_with = "double_option",
        skip_serializing_if = "Option::is_none"
    )]
    #[schema(value_type = Option<i64>)]
    pub product_id: Option<Option<i64>>,
    #[serde(
        default,
        deserialize_with = "double_option",
        skip_serializing_if = "Option::is_none"
    )]
    #[schema(value_type = Option<i64>)]
    pub component_id: Option<Option<i64>>,
    #[validate(range(min = 1, max = 3))]
    pub support_line: Option<i32>,
    #[serde(
        default,
        deserialize_with = "double_option",
        skip_serializing_if = "Option::is_none"
    )]
    #[schema(value_type = Option<i64>)]
    pub team_id: Option<Option<i64>>,
    #[serde(
        default,
        deserialize_with = "double_option",
        skip_serializing_if = "Option::is_none"
    )]
    #[schema(value_type = Option<i64>)]
    pub assignee_id: Option<Option<i64>>,
    #[serde(
        default,
        deserialize_with = "double_option",
        skip_serializing_if = "Option::is_none"
    )]
    #[schema(value_type = Option<String>)]
    pub system_info: Option<Option<String>>,
    #[validate(length(max = 50))]
    pub tags: Option<Vec<String>>,
}

/// Moves a case to another status; refused with 409 when the status machine does not allow it.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct StatusChange {
    pub status: CaseStatus,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum StreamKind {
    /// Between the customer and support; the portal shows these.
    Public,
    /// Between agents only; never shown to a customer.
    Internal,
    /// Written by the system: status, assignment and similar events.
    System,
}

impl StreamKind {
    pub fn as_str(self) -> &'static str {
        match self {
            StreamKind::Public => "public",
            StreamKind::Internal => "internal",
            StreamKind::System => "system",
        }
    }
}

impl From<StreamKind> for helpdesk_domain::EntryKind {
    fn from(kind: StreamKind) -> Self {
        match kind {
            StreamKind::Public => helpdesk_domain::EntryKind::Public,
            StreamKind::Internal => helpdesk_domain::EntryKind::Internal,
            StreamKind::System => helpdesk_domain::EntryKind::System,
        }
    }
}

impl From<helpdesk_domain::EntryKind> for StreamKind {
    fn from(kind: helpdesk_domain::EntryKind) -> Self {
        match kind {
            helpdesk_domain::EntryKind::Public => StreamKind::Public,
            helpdesk_domain::EntryKind::Internal => StreamKind::Internal,
            helpdesk_domain::EntryKind::System => StreamKind::System,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct StreamEntry {
    pub id: i64,
    pub case_id: i64,
    pub kind: StreamKind,
    pub author_user_id: Option<i64>,
    pub author_contact_id: Option<i64>,
    pub body: String,
    pub created_at: DateTime<Utc>,
    /// Files sent with the entry.
    #[serde(default)]
    pub attachments: Vec<Attachment>,
    /// For an entry that came by email: the sender's address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email_from: Option<String>,
    /// For an entry that came by email: how it found its case — `in_reply_to`, `references`,
    /// `subject_tag`, or `new_case`; or, for a mail whose headers named the case but whose
    /// sender is not a participant, `suggested` (an internal entry waiting for an agent),
    /// then `accepted` or `split`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub thread_rule: Option<String>,
    /// For an entry that came by email with an HTML body: that body, sanitized for display.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body_html: Option<String>,
    /// For a system entry: what it says, as data, for showing it in the reader's language
    /// (`body` says the same in English). Absent on other entries and on system entries written
    /// before events were kept.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub events: Vec<SystemEvent>,
}
page!(StreamPage, StreamEntry);

/// A file on a case, usually on one of its stream entries. Its bytes are fetched from the
/// authorized download endpoint, never from a public address.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Attachment {
    pub id: i64,
    pub case_id: i64,
    /// The entry it was sent with; none for a file uploaded and not yet sent.
    pub entry_id: Option<i64>,
    pub filename: String,
    pub content_type: String,
    /// Bytes.
    pub size: i64,
    /// SHA-256 of the bytes, lowercase hex.
    pub sha256: String,
    pub uploaded_by_id: Option<i64>,
    pub created_at: DateTime<Utc>,
    /// Why the bytes were not kept (a mail attachment over the size limit); absent for a
    /// stored file.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refused: Option<String>,
}

/// The multipart form of an upload: one or more parts named `file`, each with a file name.
#[derive(Debug, ToSchema)]
#[allow(dead_code)]
pub struct AttachmentUpload {
    #[schema(value_type = Vec<String>, format = Binary, content_media_type = "application/octet-stream")]
    pub file: Vec<Vec<u8>>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct NewStreamEntry {
    /// `public` (a reply the customer sees) or `internal` (a note for agents).
    pub kind: StreamKind,
    #[validate(length(min = 1, max = 100000), custom(function = "crate::not_blank"))]
    pub body: String,
    /// Files uploaded to the case by the same user and not yet sent, to send with this entry.
    #[serde(default)]
    #[validate(length(max = 20))]
    pub attachment_ids: Vec<i64>,
}

/// A case as its customer sees it in the portal: no team, assignee or tags.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct PortalCase {
    pub id: i64,
    pub number: i64,
    pub subject: String,
    pub description: String,
    pub status: CaseStatus,
    pub priority: Priority,
    pub case_type: CaseType,
    pub organization_id: Option<i64>,
    pub requester_id: Option<i64>,
    pub product_id: Option<i64>,
    pub component_id: Option<i64>,
    pub system_info: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub resolution: Option<String>,
    /// The closed case this one continues.
    pub follow_up_of_id: Option<i64>,
}
page!(PortalCasePage, PortalCase);

#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct PortalNewCase {
    #[validate(length(min = 1, max = 500), custom(function = "crate::not_blank"))]
    pub subject: String,
    #[serde(default)]
    #[validate(length(max = 100000))]
    pub description: String,
    pub priority: Option<Priority>,
    pub case_type: Option<CaseType>,
    pub product_id: Option<i64>,
    pub component_id: Option<i64>,
    #[validate(length(max = 20000))]
    pub system_info: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct PortalMessage {
    #[validate(length(min = 1, max = 100000), custom(function = "crate::not_blank"))]
    pub body: String,
    /// Files this user uploaded to the case and has not sent yet, to send with the message.
    #[serde(default)]
    #[validate(length(max = 20))]
    pub attachment_ids: Vec<i64>,
}

/// The customer closes their case: it needs nothing more from support.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct PortalCloseCase {
    /// A last word to support (what helped, say), added as the customer's message.
    #[serde(default)]
    #[validate(length(min = 1, max = 100000), custom(function = "crate::not_blank"))]
    pub message: Option<String>,
}

/// Filters of the case list; all optional and combined with AND.
#[derive(Debug, Clone, Default, Serialize, Deserialize, IntoParams, Validate)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct CaseQuery {
    /// Page size, 1–200 (default 50).
    #[validate(range(min = 1, max = 200))]
    pub limit: Option<i64>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
    /// Comma-separated statuses, e.g. `new,open`.
    pub status: Option<String>,
    /// Comma-separated priorities.
    pub priority: Option<String>,
    /// An agent's id, or `none` for unassigned cases, or `me`.
    pub assignee: Option<String>,
    pub team_id: Option<i64>,
    pub organization_id: Option<i64>,
    pub requester_id: Option<i64>,
    pub product_id: Option<i64>,
    /// The case with this registration number (the `#1234` people see).
    pub number: Option<i64>,
    #[validate(range(min = 1, max = 3))]
    pub support_line: Option<i32>,
    /// Created at or after (UTC, `YYYY-MM-DDTHH:MM:SS`).
    pub created_from: Option<DateTime<Utc>>,
    /// Created before.
    pub created_to: Option<DateTime<Utc>>,
    pub updated_from: Option<DateTime<Utc>>,
    pub updated_to: Option<DateTime<Utc>>,
    /// Text the subject contains (case-insensitive).
    #[validate(length(min = 1, max = 200))]
    pub q: Option<String>,
    /// `-created_at` (newest first, default), `created_at`, or `sla_due` (cases with a running
    /// SLA deadline, the soonest first).
    pub sort: Option<String>,
    /// `breached` (a clock is past its target) or `breaching_soon` (a running clock is due
    /// within `sla_within_minutes`).
    pub sla: Option<String>,
    /// The window of `breaching_soon`, 1–10080 minutes (default 60).
    #[validate(range(min = 1, max = 10080))]
    pub sla_within_minutes: Option<i64>,
}

/// Page parameters shared by the other lists.
#[derive(Debug, Clone, Default, Serialize, Deserialize, IntoParams, Validate)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct PageQuery {
    /// Page size, 1–200 (default 50).
    #[validate(range(min = 1, max = 200))]
    pub limit: Option<i64>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

/// One changed field of a case, organization or contact.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct AuditEntry {
    pub id: i64,
    pub field: String,
    /// The value before, as JSON text (`null` when there was none).
    pub old_value: Option<String>,
    /// The value after, as JSON text.
    pub new_value: Option<String>,
    /// Who changed it; none for changes the helpdesk made by itself.
    pub actor_user_id: Option<i64>,
    pub created_at: DateTime<Utc>,
}
page!(AuditPage, AuditEntry);

/// Where the live feed starts and how long it stays open.
#[derive(Debug, Clone, Default, Serialize, Deserialize, IntoParams, Validate)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct LiveQuery {
    /// Deliver events after this id (the `id:` of the last event received); the
    /// `Last-Event-ID` header does the same. Default: only events from now on.
    #[validate(range(min = 0))]
    pub after: Option<i64>,
    /// Seconds before the server ends the stream (the browser's EventSource reconnects by
    /// itself, resuming after the last id). 0 sends what is pending and ends. Default 300.
    #[validate(range(min = 0, max = 3600))]
    pub wait_seconds: Option<u64>,
}

/// One live-feed event: a new case, a new stream entry, an assignment, a status change, ...
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct LiveEvent {
    pub id: i64,
    /// e.g. `case.created`, `case.entry_added`, `case.assigned`, `case.status_changed`.
    pub event_type: String,
    pub case_id: i64,
    pub actor_user_id: Option<i64>,
    /// The event's details (ids, numbers, statuses; never message bodies).
    #[schema(value_type = Object)]
    pub payload: serde_json::Value,
    pub created_at: DateTime<Utc>,
}

/// One of the agent's saved views: its key, how many cases it holds and the list query
/// (`GET /api/v1/cases?{query}`) that shows them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct QueueView {
    /// `mine`, `unassigned`, `team` (the agent's first team; absent without one),
    /// `awaiting_customer`, `breaching_sla` or `all_open`.
    pub key: String,
    pub count: i64,
    pub query: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Queues {
    pub views: Vec<QueueView>,
}
