//! What happened, as the outbox keeps it: one variant per event type, each with its payload
//! typed. A change writes its event in its own transaction; the consumers (workflow rules,
//! notifications, webhooks, the live feed) read it back as this type, never as loose JSON.
//!
//! The stored form is the type's name (`case.status_changed`) beside the payload, a JSON object
//! of the variant's fields: [`Event::type_name`] and [`Event::payload`] write it,
//! [`Event::from_stored`] reads it back. A stored event that does not read back is an error
//! naming it, never a default.

use chrono::{DateTime, NaiveDateTime, Utc};
use serde::{Deserialize, Deserializer, Serialize};

use crate::sla::Metric;
use crate::{string_enum, CaseStatus, CaseType, Channel, Priority, Role};

string_enum! {
    /// The kinds of entry in a case's stream.
    EntryKind { Public => "public", Internal => "internal", System => "system" }
}

/// Every event the outbox carries.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", content = "data")]
pub enum Event {
    #[serde(rename = "case.created")]
    CaseCreated {
        id: i64,
        number: i64,
        channel: Channel,
        status: CaseStatus,
        assignee_id: Option<i64>,
        team_id: Option<i64>,
    },
    /// Fields of the case changed; those named are given as they are now.
    #[serde(rename = "case.updated")]
    CaseUpdated {
        id: i64,
        number: i64,
        #[serde(flatten)]
        fields: CaseFields,
        /// The workflow rule that made the change, if one did.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        by_rule: Option<i64>,
    },
    #[serde(rename = "case.assigned")]
    CaseAssigned {
        id: i64,
        number: i64,
        assignee_id: Option<i64>,
        assignee_changed: bool,
        team_id: Option<i64>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        by_rule: Option<i64>,
    },
    #[serde(rename = "case.escalated")]
    CaseEscalated {
        id: i64,
        number: i64,
        support_line: i32,
        team_id: Option<i64>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        by_rule: Option<i64>,
    },
    #[serde(rename = "case.merged")]
    CaseMerged {
        id: i64,
        number: i64,
        target_id: i64,
        target_number: i64,
    },
    #[serde(rename = "case.status_changed")]
    CaseStatusChanged {
        id: i64,
        number: i64,
        from: CaseStatus,
        to: CaseStatus,
    },
    /// An entry joined the case's stream.
    #[serde(rename = "case.entry_added")]
    EntryAdded {
        case_id: i64,
        #[serde(default)]
        number: Option<i64>,
        entry_id: i64,
        kind: EntryKind,
        /// A mail filed as a suggested follow-up (a sender who is not a participant).
        #[serde(default, skip_serializing_if = "is_false")]
        suggested: bool,
        /// A suggested follow-up an agent accepted into the case.
        #[serde(default, skip_serializing_if = "is_false")]
        accepted: bool,
    },
    #[serde(rename = "sla.warning")]
    SlaWarning(SlaAlert),
    #[serde(rename = "sla.breached")]
    SlaBreached(SlaAlert),
    #[serde(rename = "contact.created")]
    ContactCreated {
        id: i64,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        from_lead_id: Option<i64>,
    },
    /// The contact changed; `merged_ids` names the records merged into it, if that was the change.
    #[serde(rename = "contact.updated")]
    ContactUpdated {
        id: i64,
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        merged_ids: Vec<i64>,
    },
    #[serde(rename = "contact.portal_invited")]
    ContactPortalInvited {
        id: i64,
        user_id: i64,
        expires_at: DateTime<Utc>,
    },
    #[serde(rename = "organization.created")]
    OrganizationCreated {
        id: i64,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        from_lead_id: Option<i64>,
    },
    /// The organization changed; `merged_ids` as for contacts.
    #[serde(rename = "organization.updated")]
    OrganizationUpdated {
        id: i64,
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        merged_ids: Vec<i64>,
    },
    #[serde(rename = "lead.created")]
    LeadCreated {
        id: i64,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        number: Option<i64>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        copy_of: Option<i64>,
    },
    #[serde(rename = "lead.converted")]
    LeadConverted {
        id: i64,
        organization_id: Option<i64>,
        contact_id: i64,
        case_id: Option<i64>,
    },
    #[serde(rename = "lead.merged")]
    LeadMerged { id: i64, merged_ids: Vec<i64> },
    #[serde(rename = "product.created")]
    ProductCreated { id: i64 },
    #[serde(rename = "product.updated")]
    ProductUpdated { id: i64 },
    #[serde(rename = "contract.created")]
    ContractCreated { id: i64 },
    #[serde(rename = "contract.updated")]
    ContractUpdated { id: i64 },
    #[serde(rename = "user.created")]
    UserCreated { id: i64, role: Role },
    #[serde(rename = "user.updated")]
    UserUpdated { id: i64 },
    #[serde(rename = "user.invitation_accepted")]
    UserInvitationAccepted { id: i64, contact_id: Option<i64> },
    #[serde(rename = "user.password_reset_requested")]
    UserPasswordResetRequested { id: i64 },
    #[serde(rename = "team.created")]
    TeamCreated { id: i64 },
    #[serde(rename = "team.updated")]
    TeamUpdated { id: i64 },
    #[serde(rename = "webhook.disabled")]
    WebhookDisabled {
        id: i64,
        url: String,
        reason: String,
    },
}

/// The case fields a `case.updated` names, each as it is after the change. A field left out
/// did not change; `Some(None)` is a field cleared.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct CaseFields {
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "present"
    )]
    pub assignee_id: Option<Option<i64>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub assignee_changed: Option<bool>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "present"
    )]
    pub team_id: Option<Option<i64>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub priority: Option<Priority>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub case_type: Option<CaseType>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub support_line: Option<i32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tags: Option<Vec<String>>,
}

/// An SLA clock reaching its warning share or its deadline.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SlaAlert {
    pub id: i64,
    pub number: i64,
    pub metric: Metric,
    pub policy_id: i64,
    pub due_at: Option<DateTime<Utc>>,
    pub left_seconds: i64,
}

/// A field that is present reads as `Some`, even when it is `null` (a cleared field).
fn present<'de, D: Deserializer<'de>, T: Deserialize<'de>>(
    d: D,
) -> Result<Option<Option<T>>, D::Error> {
    Option::<T>::deserialize(d).map(Some)
}

#[expect(
    clippy::trivially_copy_pass_by_ref,
    reason = "serde's skip_serializing_if passes a reference"
)]
fn is_false(b: &bool) -> bool {
    !*b
}

/// An event read back from the outbox, with where and when it was written.
#[derive(Debug, Clone, PartialEq)]
pub struct Recorded {
    pub id: i64,
    pub event: Event,
    pub actor_user_id: Option<i64>,
    pub created_at: NaiveDateTime,
}

/// A stored event that does not read back as an [`Event`].
#[derive(Debug, thiserror::Error)]
#[error("outbox event {id} ({event_type}) does not read back")]
pub struct UnreadableEvent {
    pub id: i64,
    pub event_type: String,
    #[source]
    pub source: serde_json::Error,
}

impl Event {
    /// The name stored beside the payload and sent to webhooks and the live feed.
    pub fn type_name(&self) -> &'static str {
        match self {
            Event::CaseCreated { .. } => "case.created",
            Event::CaseUpdated { .. } => "case.updated",
            Event::CaseAssigned { .. } => "case.assigned",
            Event::CaseEscalated { .. } => "case.escalated",
            Event::CaseMerged { .. } => "case.merged",
            Event::CaseStatusChanged { .. } => "case.status_changed",
            Event::EntryAdded { .. } => "case.entry_added",
            Event::SlaWarning(_) => "sla.warning",
            Event::SlaBreached(_) => "sla.breached",
            Event::ContactCreated { .. } => "contact.created",
            Event::ContactUpdated { .. } => "contact.updated",
            Event::ContactPortalInvited { .. } => "contact.portal_invited",
            Event::OrganizationCreated { .. } => "organization.created",
            Event::OrganizationUpdated { .. } => "organization.updated",
            Event::LeadCreated { .. } => "lead.created",
            Event::LeadConverted { .. } => "lead.converted",
            Event::LeadMerged { .. } => "lead.merged",
            Event::ProductCreated { .. } => "product.created",
            Event::ProductUpdated { .. } => "product.updated",
            Event::ContractCreated { .. } => "contract.created",
            Event::ContractUpdated { .. } => "contract.updated",
            Event::UserCreated { .. } => "user.created",
            Event::UserUpdated { .. } => "user.updated",
            Event::UserInvitationAccepted { .. } => "user.invitation_accepted",
            Event::UserPasswordResetRequested { .. } => "user.password_reset_requested",
            Event::TeamCreated { .. } => "team.created",
            Event::TeamUpdated { .. } => "team.updated",
            Event::WebhookDisabled { .. } => "webhook.disabled",
        }
    }

    /// The record the event is about: its kind and id.
    pub fn aggregate(&self) -> (&'static str, i64) {
        match self {
            Event::CaseCreated { id, .. }
            | Event::CaseUpdated { id, .. }
            | Event::CaseAssigned { id, .. }
            | Event::CaseEscalated { id, .. }
            | Event::CaseMerged { id, .. }
            | Event::CaseStatusChanged { id, .. }
            | Event::EntryAdded { case_id: id, .. }
            | Event::SlaWarning(SlaAlert { id, .. })
            | Event::SlaBreached(SlaAlert { id, .. }) => ("case", *id),
            Event::ContactCreated { id, .. }
            | Event::ContactUpdated { id, .. }
            | Event::ContactPortalInvited { id, .. } => ("contact", *id),
            Event::OrganizationCreated { id, .. } | Event::OrganizationUpdated { id, .. } => {
                ("organization", *id)
            }
            Event::LeadCreated { id, .. }
            | Event::LeadConverted { id, .. }
            | Event::LeadMerged { id, .. } => ("lead", *id),
            Event::ProductCreated { id } | Event::ProductUpdated { id } => ("product", *id),
            Event::ContractCreated { id } | Event::ContractUpdated { id } => ("contract", *id),
            Event::UserCreated { id, .. }
            | Event::UserUpdated { id }
            | Event::UserInvitationAccepted { id, .. }
            | Event::UserPasswordResetRequested { id } => ("user", *id),
            Event::TeamCreated { id } | Event::TeamUpdated { id } => ("team", *id),
            Event::WebhookDisabled { id, .. } => ("webhook", *id),
        }
    }

    /// The case the event is about, if it is about one.
    pub fn case_id(&self) -> Option<i64> {
        match self.aggregate() {
            ("case", id) => Some(id),
            _ => None,
        }
    }

    /// The workflow rule that caused it, if one did: rules do not run on their own changes.
    pub fn by_rule(&self) -> Option<i64> {
        match self {
            Event::CaseUpdated { by_rule, .. }
            | Event::CaseAssigned { by_rule, .. }
            | Event::CaseEscalated { by_rule, .. } => *by_rule,
            _ => None,
        }
    }

    /// The stored payload: the variant's fields as a JSON object.
    pub fn payload(&self) -> serde_json::Value {
        match serde_json::to_value(self) {
            Ok(serde_json::Value::Object(mut tagged)) => tagged
                .remove("data")
                .unwrap_or_else(|| serde_json::Value::Object(serde_json::Map::new())),
            // Every variant serializes to a tagged object (tested below).
            _ => serde_json::Value::Null,
        }
    }

    /// Reads a stored event back.
    pub fn from_stored(id: i64, event_type: &str, payload: &str) -> Result<Event, UnreadableEvent> {
        let unreadable = |source| UnreadableEvent {
            id,
            event_type: event_type.to_owned(),
            source,
        };
        let data: serde_json::Value = serde_json::from_str(payload).map_err(unreadable)?;
        serde_json::from_value(serde_json::json!({ "type": event_type, "data": data }))
            .map_err(unreadable)
    }
}

#[cfg(test)]
mod tests;
