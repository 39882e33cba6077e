//! Workflow rules: a trigger, conditions on case fields, actions.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::Validate;

pub use helpdesk_domain::workflow::{Action, Condition, Operator, Trigger};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct WorkflowRule {
    pub id: i64,
    pub name: String,
    /// Rules of a trigger run in ascending position, each at most once per event.
    pub position: i32,
    pub active: bool,
    pub trigger: Trigger,
    /// For `time_in_status`: the rule runs once a case has been this many minutes in one
    /// status (conditions say which).
    pub after_minutes: Option<i32>,
    /// All conditions must hold (true) or any one (false).
    pub match_all: bool,
    pub conditions: Vec<Condition>,
    pub actions: Vec<Action>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct WorkflowRuleInput {
    #[validate(length(min = 1, max = 200), custom(function = "crate::not_blank"))]
    pub name: String,
    /// Default 100.
    #[serde(default)]
    #[validate(range(min = 0, max = 1000000))]
    pub position: Option<i32>,
    #[serde(default)]
    pub active: Option<bool>,
    pub trigger: Trigger,
    /// Required with `time_in_status`: minutes in the status, 1–525600.
    #[serde(default)]
    #[validate(range(min = 1, max = 525600))]
    pub after_minutes: Option<i32>,
    /// Default true.
    #[serde(default)]
    pub match_all: Option<bool>,
    #[serde(default)]
    #[validate(length(max = 50))]
    pub conditions: Vec<Condition>,
    #[validate(length(min = 1, max = 50))]
    pub actions: Vec<Action>,
}
