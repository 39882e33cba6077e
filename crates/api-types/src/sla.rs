//! SLA: business-hour calendars, policies and the clocks of a case.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::Validate;

pub use helpdesk_domain::sla::{ClockState, Conditions, Metric, Targets};

/// A working interval of a day, in local time: `"09:00"`–`"13:00"`; `"24:00"` ends at midnight.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Interval {
    #[schema(example = "09:00")]
    pub start: String,
    #[schema(example = "18:00")]
    pub end: String,
}

/// Days off: one date, or an inclusive range.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Holiday {
    pub from: NaiveDate,
    /// The last day off; none: just `from`.
    #[serde(default)]
    pub to: Option<NaiveDate>,
    #[serde(default)]
    pub name: Option<String>,
}

/// Business hours: working intervals for each weekday, Monday first (several a day for lunch
/// breaks; an empty list is a day off), in an IANA time zone, and holidays.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Calendar {
    pub id: i64,
    pub name: String,
    pub time_zone: String,
    pub week: Vec<Vec<Interval>>,
    pub holidays: Vec<Holiday>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct CalendarInput {
    #[validate(length(min = 1, max = 200), custom(function = "crate::not_blank"))]
    pub name: String,
    #[schema(example = "Europe/Moscow")]
    #[validate(length(min = 1, max = 64), custom(function = "crate::not_blank"))]
    pub time_zone: String,
    /// Seven lists, Monday to Sunday.
    #[validate(length(equal = 7))]
    pub week: Vec<Vec<Interval>>,
    #[serde(default)]
    #[validate(length(max = 1000))]
    pub holidays: Vec<Holiday>,
}

/// Targets of a policy for each priority.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PriorityTargets {
    #[serde(default)]
    pub low: Targets,
    #[serde(default)]
    pub normal: Targets,
    #[serde(default)]
    pub high: Targets,
    #[serde(default)]
    pub urgent: Targets,
}

/// An SLA policy: the first active one (by `position`) whose conditions match a case sets its
/// targets; time counts in the calendar's business hours (none: round the clock).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct SlaPolicy {
    pub id: i64,
    pub name: String,
    pub position: i32,
    pub active: bool,
    pub calendar_id: Option<i64>,
    pub conditions: Conditions,
    pub targets: PriorityTargets,
    /// The share of a target, in percent, at which a warning fires.
    pub warn_percent: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct SlaPolicyInput {
    #[validate(length(min = 1, max = 200), custom(function = "crate::not_blank"))]
    pub name: String,
    /// Lower positions are tried first; default 100.
    #[serde(default)]
    #[validate(range(min = 0, max = 1000000))]
    pub position: Option<i32>,
    #[serde(default)]
    pub active: Option<bool>,
    #[serde(default)]
    pub calendar_id: Option<i64>,
    #[serde(default)]
    pub conditions: Conditions,
    pub targets: PriorityTargets,
    /// Default 80.
    #[serde(default)]
    #[validate(range(min = 1, max = 99))]
    pub warn_percent: Option<i32>,
}

/// One clock of a case, as of the moment of the response.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct SlaClock {
    pub metric: Metric,
    pub state: ClockState,
    pub started_at: DateTime<Utc>,
    /// When the target is due (or was); none while paused short of it.
    pub due_at: Option<DateTime<Utc>>,
    /// When the warning is due (or was).
    pub warn_at: Option<DateTime<Utc>>,
    pub stopped_at: Option<DateTime<Utc>>,
    pub target_seconds: i64,
    /// Working time counted so far.
    pub elapsed_seconds: i64,
    /// Working time left before the target; negative when overdue.
    pub left_seconds: i64,
}

/// The SLA of a case: the policy that applies and its clocks.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct CaseSla {
    pub policy_id: i64,
    /// The next deadline among running clocks.
    pub due_at: Option<DateTime<Utc>>,
    /// Whether any clock is breached.
    pub breached: bool,
    pub clocks: Vec<SlaClock>,
}
