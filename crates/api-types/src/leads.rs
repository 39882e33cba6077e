//! Leads (potential customers), their conversion into an organization and a contact, and
//! comments on leads, organizations and contacts.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

use crate::page;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum LeadStatus {
    New,
    Contacted,
    Qualified,
    Lost,
    /// Set by conversion only.
    Converted,
}

impl LeadStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            LeadStatus::New => "new",
            LeadStatus::Contacted => "contacted",
            LeadStatus::Qualified => "qualified",
            LeadStatus::Lost => "lost",
            LeadStatus::Converted => "converted",
        }
    }

    pub fn parse(s: &str) -> Option<LeadStatus> {
        [
            LeadStatus::New,
            LeadStatus::Contacted,
            LeadStatus::Qualified,
            LeadStatus::Lost,
            LeadStatus::Converted,
        ]
        .into_iter()
        .find(|l| l.as_str() == s)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Lead {
    pub id: i64,
    /// Auto number, shown as `L-1042`.
    pub number: i64,
    pub first_name: Option<String>,
    pub last_name: String,
    pub organization_name: Option<String>,
    pub title: Option<String>,
    pub phones: Vec<String>,
    pub emails: Vec<String>,
    pub website: Option<String>,
    pub source: Option<String>,
    pub status: LeadStatus,
    pub rating: Option<String>,
    pub industry: Option<String>,
    pub annual_revenue: Option<i64>,
    pub employees: Option<i32>,
    pub social_profiles: Vec<String>,
    pub do_not_email: bool,
    pub address: Option<String>,
    pub description: Option<String>,
    pub owner_id: Option<i64>,
    pub created_by_id: Option<i64>,
    pub converted_organization_id: Option<i64>,
    pub converted_contact_id: Option<i64>,
    pub converted_case_id: Option<i64>,
    pub converted_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// Set only on a merged record (as the export shows it): the record it was merged into.
    /// Reading a merged record's id answers with that record.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub merged_into_id: Option<i64>,
    /// Only in the answer to a create or update: other leads with the same email or phone
    /// (saved anyway).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub likely_duplicates: Vec<i64>,
}
page!(LeadPage, Lead);

/// A lead's fields (create, and replace with PUT).
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct LeadInput {
    #[serde(default)]
    #[validate(length(max = 100))]
    pub first_name: Option<String>,
    #[validate(length(min = 1, max = 100), custom(function = "crate::not_blank"))]
    pub last_name: String,
    #[serde(default)]
    #[validate(length(max = 300))]
    pub organization_name: Option<String>,
    #[serde(default)]
    #[validate(length(max = 200))]
    pub title: Option<String>,
    /// E.164 after normalisation (`+7 495 123-45-67` is accepted).
    #[serde(default)]
    #[validate(length(max = 10))]
    pub phones: Vec<String>,
    #[serde(default)]
    #[validate(length(max = 10))]
    pub emails: Vec<String>,
    #[serde(default)]
    #[validate(length(max = 300))]
    pub website: Option<String>,
    /// Where the lead came from: `web`, `referral`, `exhibition`, `cold_call`...
    #[serde(default)]
    #[validate(length(max = 100))]
    pub source: Option<String>,
    /// Default `new`; `converted` is set by conversion only.
    #[serde(default)]
    pub status: Option<LeadStatus>,
    /// `hot`, `warm`, `cold`...
    #[serde(default)]
    #[validate(length(max = 50))]
    pub rating: Option<String>,
    #[serde(default)]
    #[validate(length(max = 100))]
    pub industry: Option<String>,
    #[serde(default)]
    #[validate(range(min = 0))]
    pub annual_revenue: Option<i64>,
    #[serde(default)]
    #[validate(range(min = 0))]
    pub employees: Option<i32>,
    #[serde(default)]
    #[validate(length(max = 10))]
    pub social_profiles: Vec<String>,
    #[serde(default)]
    pub do_not_email: bool,
    #[serde(default)]
    #[validate(length(max = 1000))]
    pub address: Option<String>,
    #[serde(default)]
    #[validate(length(max = 20000))]
    pub description: Option<String>,
    #[serde(default)]
    pub owner_id: Option<i64>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct LeadQuery {
    pub status: Option<LeadStatus>,
    pub owner_id: Option<i64>,
    pub source: Option<String>,
    /// Text in the name, organization name or email addresses.
    pub q: Option<String>,
    /// 1..=200, default 50.
    pub limit: Option<i64>,
    pub cursor: Option<String>,
}

/// Changes applied to every selected lead (converted ones are left alone).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct LeadMassUpdate {
    #[validate(length(min = 1, max = 500))]
    pub ids: Vec<i64>,
    #[serde(default)]
    pub status: Option<LeadStatus>,
    #[serde(default)]
    pub owner_id: Option<i64>,
    #[serde(default)]
    #[validate(length(max = 50))]
    pub rating: Option<String>,
    #[serde(default)]
    #[validate(length(max = 100))]
    pub source: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct LeadSelection {
    #[validate(length(min = 1, max = 500))]
    pub ids: Vec<i64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct MassResult {
    /// How many records were changed or deleted.
    pub affected: usize,
}

/// What a conversion makes. By default it creates an organization (when the lead names one)
/// and a contact from the lead; give ids to link existing records instead.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct LeadConversion {
    /// Link this organization instead of creating one.
    #[serde(default)]
    pub organization_id: Option<i64>,
    /// Do not create an organization even when the lead names one.
    #[serde(default)]
    pub skip_organization: bool,
    /// Link this contact instead of creating one.
    #[serde(default)]
    pub contact_id: Option<i64>,
    /// Open a first case for the new contact.
    #[serde(default)]
    #[validate(nested)]
    pub first_case: Option<FirstCase>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct FirstCase {
    #[validate(length(min = 1, max = 300), custom(function = "crate::not_blank"))]
    pub subject: String,
    #[serde(default)]
    #[validate(length(max = 100000))]
    pub description: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ConversionResult {
    /// The lead, now `converted` and still readable.
    pub lead: Lead,
    pub organization_id: Option<i64>,
    pub contact_id: i64,
    pub case_id: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Comment {
    pub id: i64,
    pub author_id: Option<i64>,
    pub body: String,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct CommentInput {
    #[validate(length(min = 1, max = 20000), custom(function = "crate::not_blank"))]
    pub body: String,
}
