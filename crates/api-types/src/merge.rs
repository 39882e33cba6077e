//! Merging two or more organizations, contacts or leads into one.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::Validate;

use crate::crm::{Contact, Organization};
use crate::leads::Lead;

/// Which records to merge, and whose value each field keeps.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct MergeRequest {
    /// The record that stays.
    pub survivor_id: i64,
    /// The records merged into it (1–50). They stay as tombstones that point at the survivor.
    #[validate(length(min = 1, max = 50))]
    pub merged_ids: Vec<i64>,
    /// Per field, the id of the record (the survivor or one of the merged) whose value the
    /// survivor keeps, e.g. `{"name": 12, "inn": 15}`. A field not named keeps the survivor's
    /// value, or the first merged record's when the survivor has none; lists (phones, emails,
    /// addresses) are united; do-not-email and do-not-call are kept when any record has them.
    #[serde(default)]
    pub fields: BTreeMap<String, i64>,
}

/// What a merge moved to the survivor, by kind (`cases`, `contacts`, `comments`, ...).
pub type Relinked = BTreeMap<String, i64>;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct OrganizationMerge {
    pub survivor: Organization,
    pub merged_ids: Vec<i64>,
    /// What was moved to the survivor, by kind.
    pub relinked: BTreeMap<String, i64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ContactMerge {
    pub survivor: Contact,
    pub merged_ids: Vec<i64>,
    /// What was moved to the survivor, by kind.
    pub relinked: BTreeMap<String, i64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct LeadMerge {
    pub survivor: Lead,
    pub merged_ids: Vec<i64>,
    /// What was moved to the survivor, by kind.
    pub relinked: BTreeMap<String, i64>,
}
