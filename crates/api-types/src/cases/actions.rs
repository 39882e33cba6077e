//! The bodies of case actions (assign, request information, escalate, resolve, reject, merge, a note) and the followers of a case.

use super::*;

/// Assign a case to an agent and/or a team. `null` clears one; a field left out stays.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct AssignAction {
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
    #[schema(value_type = Option<i64>)]
    pub team_id: Option<Option<i64>>,
}

/// An action with an optional note. For `request-info` the note is a public message to the
/// customer; for the others it is an internal note beside the system entry.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct ActionNote {
    #[validate(length(min = 1, max = 100000), custom(function = "crate::not_blank"))]
    pub note: Option<String>,
}

/// Whom "request information" asks.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum AskWhom {
    /// The requester, in a public message; the case waits for them
    /// (`information_requested`: SLA paused, auto-closed like `awaiting_customer`, back to
    /// `open` when they answer).
    #[default]
    Customer,
    /// A colleague (`user_id`), in an internal note that mentions them; the case keeps its
    /// status (the customer is still waiting on us).
    Colleague,
}

/// Ask for what the case needs to go on: a question to the customer or to a colleague.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct RequestInfo {
    /// The question.
    #[validate(length(min = 1, max = 100000), custom(function = "crate::not_blank"))]
    pub note: String,
    #[serde(default)]
    pub ask: AskWhom,
    /// The colleague asked, when `ask` is `colleague`: an active agent or admin.
    pub user_id: Option<i64>,
}

/// Escalate to the next support line: to `team_id` (a team of that line) or the line's first team.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct EscalateAction {
    pub team_id: Option<i64>,
    #[validate(length(min = 1, max = 100000), custom(function = "crate::not_blank"))]
    pub note: Option<String>,
}

/// Resolve a case; the resolution says what fixed it.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct ResolveAction {
    #[validate(length(min = 1, max = 100000), custom(function = "crate::not_blank"))]
    pub resolution: String,
}

/// Reject a case; the reason is recorded in the stream.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct RejectAction {
    #[validate(length(min = 1, max = 100000), custom(function = "crate::not_blank"))]
    pub reason: String,
}

/// Merge this case into another, named by `target_number` (the `#1234` people see) or by
/// `target_id`: its stream and contacts move there and it becomes `merged`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct MergeAction {
    /// The target's id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_id: Option<i64>,
    /// The target's registration number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_number: Option<i64>,
    /// Needed when the target belongs to another organization than this case: the customers
    /// of each would then read the other's messages. Without it such a merge is refused (422
    /// at this field, naming the other organization).
    #[serde(default)]
    pub confirm_other_organization: bool,
}

/// The users who follow a case.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Followers {
    pub user_ids: Vec<i64>,
}
