use chrono::{DateTime, Utc};
pub use helpdesk_domain::assignment::AssignmentStrategy;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::Validate;

use crate::{double_option, page, Role};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct User {
    pub id: i64,
    pub email: String,
    pub name: String,
    pub role: Role,
    pub support_line: Option<i32>,
    pub language: String,
    pub contact_id: Option<i64>,
    pub active: bool,
    /// False while the agent is away (out of office): automatic assignment passes them over.
    #[serde(default = "yes")]
    pub available: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}
page!(UserPage, User);

fn yes() -> bool {
    true
}

/// The caller's own availability (out of office or back).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Availability {
    pub available: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct NewUser {
    #[validate(length(min = 3, max = 254))]
    pub email: String,
    #[validate(length(min = 1, max = 200), custom(function = "crate::not_blank"))]
    pub name: String,
    pub role: Role,
    /// At least 10 characters. Without one the user cannot sign in until an admin sets one.
    #[validate(length(min = 10, max = 1024))]
    pub password: Option<String>,
    /// 1, 2 or 3 for agents.
    #[validate(range(min = 1, max = 3))]
    pub support_line: Option<i32>,
    /// `en` or `ru`.
    pub language: Option<String>,
    /// Required for portal users: the contact they act as.
    pub contact_id: Option<i64>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct UserPatch {
    #[validate(length(min = 1, max = 200), custom(function = "crate::not_blank"))]
    pub name: Option<String>,
    pub role: Option<Role>,
    #[validate(length(min = 10, max = 1024))]
    pub password: Option<String>,
    #[serde(
        default,
        deserialize_with = "double_option",
        skip_serializing_if = "Option::is_none"
    )]
    #[schema(value_type = Option<i32>)]
    pub support_line: Option<Option<i32>>,
    pub language: Option<String>,
    #[serde(
        default,
        deserialize_with = "double_option",
        skip_serializing_if = "Option::is_none"
    )]
    #[schema(value_type = Option<i64>)]
    pub contact_id: Option<Option<i64>>,
    pub active: Option<bool>,
    pub available: Option<bool>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Team {
    pub id: i64,
    pub name: String,
    pub support_line: Option<i32>,
    pub description: Option<String>,
    pub member_ids: Vec<i64>,
    /// How new unassigned cases of the team are given out.
    #[serde(default = "manual")]
    pub assignment: AssignmentStrategy,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct NewTeam {
    #[validate(length(min = 1, max = 200), custom(function = "crate::not_blank"))]
    pub name: String,
    #[validate(range(min = 1, max = 3))]
    pub support_line: Option<i32>,
    #[validate(length(max = 10000))]
    pub description: Option<String>,
    #[serde(default)]
    pub member_ids: Vec<i64>,
    /// Default `manual`.
    #[serde(default)]
    pub assignment: Option<AssignmentStrategy>,
}

fn manual() -> AssignmentStrategy {
    AssignmentStrategy::Manual
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct TeamPatch {
    #[validate(length(min = 1, max = 200), custom(function = "crate::not_blank"))]
    pub name: Option<String>,
    #[serde(
        default,
        deserialize_with = "double_option",
        skip_serializing_if = "Option::is_none"
    )]
    #[schema(value_type = Option<i32>)]
    pub support_line: Option<Option<i32>>,
    #[serde(
        default,
        deserialize_with = "double_option",
        skip_serializing_if = "Option::is_none"
    )]
    #[schema(value_type = Option<String>)]
    pub description: Option<Option<String>>,
    pub member_ids: Option<Vec<i64>>,
    pub assignment: Option<AssignmentStrategy>,
}
