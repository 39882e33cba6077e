//! Workflow rules: when (a trigger), for which cases (conditions on case fields), do what
//! (actions). Matching is pure, over the case as the API shows it (a JSON object) and the
//! fields the event changed.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::{string_enum, CaseStatus, CaseType, Priority};

string_enum! {
    /// What starts a rule.
    Trigger {
        CaseCreated => "case_created",
        CaseUpdated => "case_updated",
        MessageReceived => "message_received",
        StatusChanged => "status_changed",
        SlaWarning => "sla_warning",
        SlaBreached => "sla_breached",
        TimeInStatus => "time_in_status",
    }
}

string_enum! {
    /// How a condition compares a case field with its value.
    Operator {
        Equals => "equals",
        In => "in",
        Contains => "contains",
        ChangedTo => "changed_to",
    }
}

/// Case fields conditions may test.
pub const FIELDS: &[&str] = &[
    "status",
    "priority",
    "case_type",
    "channel",
    "team_id",
    "assignee_id",
    "organization_id",
    "product_id",
    "support_line",
    "tags",
    "subject",
];

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Condition {
    /// One of `status`, `priority`, `case_type`, `channel`, `team_id`, `assignee_id`,
    /// `organization_id`, `product_id`, `support_line`, `tags`, `subject`.
    pub field: String,
    pub op: Operator,
    /// A value (`equals`, `contains`, `changed_to`; `null` tests for empty) or a list (`in`).
    pub value: Value,
}

/// What a rule does, in order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum Action {
    /// Give the case to the next agent of the team's rotation.
    AssignRoundRobin {
        team_id: i64,
    },
    /// Give the case to the team's agent with the fewest open cases.
    AssignLeastBusy {
        team_id: i64,
    },
    AssignUser {
        user_id: i64,
    },
    AssignTeam {
        team_id: i64,
    },
    SetPriority {
        priority: Priority,
    },
    SetStatus {
        status: CaseStatus,
    },
    SetType {
        case_type: CaseType,
    },
    SetSupportLine {
        support_line: i32,
    },
    AddTags {
        tags: Vec<String>,
    },
    AddFollowers {
        user_ids: Vec<i64>,
    },
    /// An in-app notification to these users.
    NotifyUsers {
        user_ids: Vec<i64>,
        text: String,
    },
    /// An in-app notification to the team's members; no team: the case's team, or else the
    /// first-line teams.
    NotifyTeam {
        #[serde(default)]
        team_id: Option<i64>,
        text: String,
    },
    /// An email to the requester; `{number}` and `{subject}` are filled in.
    SendEmail {
        subject: String,
        body: String,
    },
    /// Move the case to the next support line's team.
    Escalate,
}

fn text(v: &Value) -> String {
    match v {
        Value::String(s) => s.to_lowercase(),
        other => other.to_string(),
    }
}

/// Whether one condition holds for `case`, given the fields the event `changed` (new values).
pub fn holds(c: &Condition, case: &Map<String, Value>, changed: &Map<String, Value>) -> bool {
    let actual = case.get(&c.field).unwrap_or(&Value::Null);
    match c.op {
        Operator::Equals => text(actual) == text(&c.value),
        Operator::In => c
            .value
            .as_array()
            .is_some_and(|list| list.iter().any(|v| text(v) == text(actual))),
        Operator::Contains => match actual {
            Value::Array(items) => items.iter().any(|v| text(v) == text(&c.value)),
            Value::String(s) => s.to_lowercase().contains(&text(&c.value)),
            _ => false,
        },
        Operator::ChangedTo => changed
            .get(&c.field)
            .is_some_and(|new| text(new) == text(&c.value)),
    }
}

/// Whether a rule's conditions hold: all of them, or any (no conditions: always).
pub fn matches(
    conditions: &[Condition],
    match_all: bool,
    case: &Map<String, Value>,
    changed: &Map<String, Value>,
) -> bool {
    if conditions.is_empty() {
        return true;
    }
    if match_all {
        conditions.iter().all(|c| holds(c, case, changed))
    } else {
        conditions.iter().any(|c| holds(c, case, changed))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn obj(v: Value) -> Map<String, Value> {
        v.as_object().unwrap().clone()
    }

    fn cond(field: &str, op: Operator, value: Value) -> Condition {
        Condition {
            field: field.into(),
            op,
            value,
        }
    }

    #[test]
    fn operators() {
        let case = obj(
            json!({ "priority": "high", "channel": "portal", "tags": ["vip", "billing"],
                               "subject": "Invoice is wrong", "assignee_id": null, "team_id": 3 }),
        );
        let none = Map::new();
        assert!(holds(
            &cond("priority", Operator::Equals, json!("high")),
            &case,
            &none
        ));
        assert!(holds(
            &cond("assignee_id", Operator::Equals, Value::Null),
            &case,
            &none
        ));
        assert!(holds(
            &cond("team_id", Operator::Equals, json!(3)),
            &case,
            &none
        ));
        assert!(holds(
            &cond("channel", Operator::In, json!(["email", "portal"])),
            &case,
            &none
        ));
        assert!(!holds(
            &cond("channel", Operator::In, json!(["email"])),
            &case,
            &none
        ));
        assert!(holds(
            &cond("tags", Operator::Contains, json!("VIP")),
            &case,
            &none
        ));
        assert!(holds(
            &cond("subject", Operator::Contains, json!("invoice")),
            &case,
            &none
        ));
        assert!(!holds(
            &cond("status", Operator::ChangedTo, json!("open")),
            &case,
            &none
        ));
        let changed = obj(json!({ "status": "open" }));
        assert!(holds(
            &cond("status", Operator::ChangedTo, json!("open")),
            &case,
            &changed
        ));
    }

    #[test]
    fn all_or_any() {
        let case = obj(json!({ "priority": "low", "channel": "email" }));
        let none = Map::new();
        let list = [
            cond("priority", Operator::Equals, json!("urgent")),
            cond("channel", Operator::Equals, json!("email")),
        ];
        assert!(!matches(&list, true, &case, &none));
        assert!(matches(&list, false, &case, &none));
        assert!(matches(&[], true, &case, &none));
    }

    #[test]
    fn actions_read_as_documented() {
        let a: Vec<Action> = serde_json::from_value(json!([
            { "type": "assign_round_robin", "team_id": 2 },
            { "type": "set_priority", "priority": "urgent" },
            { "type": "notify_team", "text": "New portal case" },
            { "type": "escalate" }
        ]))
        .unwrap();
        assert_eq!(a[0], Action::AssignRoundRobin { team_id: 2 });
        assert_eq!(
            a[2],
            Action::NotifyTeam {
                team_id: None,
                text: "New portal case".into()
            }
        );
        assert!(serde_json::from_value::<Action>(json!({ "type": "format_disk" })).is_err());
    }
}
