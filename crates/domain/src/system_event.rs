//! What a system entry of a case's stream says, as data. The app renders it in the reader's
//! language with names; [`SystemEvent::english`] writes the entry's `body` (read by API clients,
//! search and exports), in the words the stream has always used.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::sla::Metric;
use crate::{CaseStatus, CaseType, Priority};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "code", rename_all = "snake_case")]
pub enum SystemEvent {
    /// The case moved from one status to another.
    StatusChanged {
        from: CaseStatus,
        to: CaseStatus,
    },
    /// Given to an agent (`user_id`, with the name they had), or to nobody.
    Assigned {
        user_id: Option<i64>,
        name: Option<String>,
    },
    /// Given to a team (`team_id`, with the name it had), or to none.
    TeamSet {
        team_id: Option<i64>,
        name: Option<String>,
    },
    Resolved {
        resolution: String,
    },
    Rejected {
        reason: String,
    },
    /// This case was merged into case `number`.
    MergedInto {
        number: i64,
    },
    /// Case `number` was merged into this one.
    MergedFrom {
        number: i64,
    },
    /// Handed to the next support line, to a team of it.
    Escalated {
        line: i32,
        team: String,
    },
    /// The customer wrote after the reopen window; case `number` continues this one.
    FollowUp {
        number: i64,
    },
    /// A workflow rule acted on the case; `outcomes` says what each of its actions did.
    Rule {
        name: String,
        outcomes: Vec<RuleOutcome>,
    },
    /// An SLA target is near (`breached` false) or was missed.
    Sla {
        metric: Metric,
        breached: bool,
        due_at: Option<DateTime<Utc>>,
    },
}

impl SystemEvent {
    /// The event in English, as the entry's text.
    pub fn english(&self) -> String {
        match self {
            SystemEvent::StatusChanged { from, to } => format!("Status: {from} → {to}"),
            SystemEvent::Assigned { name: Some(n), .. } => format!("Assigned to {n}"),
            SystemEvent::Assigned { .. } => "Unassigned".to_owned(),
            SystemEvent::TeamSet { name: Some(n), .. } => format!("Team: {n}"),
            SystemEvent::TeamSet { .. } => "No team".to_owned(),
            SystemEvent::Resolved { resolution } => format!("Resolution: {resolution}"),
            SystemEvent::Rejected { reason } => format!("Rejected: {reason}"),
            SystemEvent::MergedInto { number } => format!("Merged into #{number}"),
            SystemEvent::MergedFrom { number } => format!("Case #{number} merged into this case"),
            SystemEvent::Escalated { line, team } => {
                format!("Escalated to line {line}, team {team}")
            }
            SystemEvent::FollowUp { number } => {
                format!("The customer wrote again after closing; follow-up case #{number}")
            }
            SystemEvent::Rule { name, outcomes } => {
                let did: Vec<String> = outcomes.iter().map(RuleOutcome::english).collect();
                format!("Rule «{name}»: {}", did.join("; "))
            }
            SystemEvent::Sla {
                metric,
                breached,
                due_at,
            } => {
                let metric = metric.as_str().replace('_', " ");
                let due = due_at
                    .map(|d| d.format("%Y-%m-%d %H:%M UTC").to_string())
                    .unwrap_or_default();
                if *breached {
                    format!("SLA: the {metric} target was breached (due {due})")
                } else {
                    format!("SLA: the {metric} target is due {due}")
                }
            }
        }
    }

    /// Several events of one change, as one entry's text.
    pub fn english_all(events: &[SystemEvent]) -> String {
        events
            .iter()
            .map(SystemEvent::english)
            .collect::<Vec<_>>()
            .join("; ")
    }
}

/// What one action of a workflow rule did to a case (or why it did nothing).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "code", rename_all = "snake_case")]
pub enum RuleOutcome {
    Assigned {
        user_id: i64,
        name: String,
    },
    /// Nobody in the team was available to take the case.
    NobodyFree {
        team_id: i64,
    },
    /// The user named by the rule is not an active agent (`exists` false: no such user).
    NotAssigned {
        user_id: i64,
        exists: bool,
    },
    TeamSet {
        team_id: i64,
        name: String,
    },
    NoSuchTeam {
        team_id: i64,
    },
    PrioritySet {
        priority: Priority,
    },
    TypeSet {
        case_type: CaseType,
    },
    LineSet {
        line: i32,
    },
    StatusSet {
        status: CaseStatus,
    },
    /// The status machine refused the move.
    StatusKept {
        from: CaseStatus,
        to: CaseStatus,
    },
    TagsAdded {
        tags: Vec<String>,
    },
    FollowersAdded {
        user_ids: Vec<i64>,
    },
    /// Agents told in the app (and by mail, as they chose).
    UsersTold {
        count: usize,
    },
    TeamTold {
        count: usize,
    },
    Emailed {
        to: String,
    },
    NotEmailed {
        why: NoEmail,
    },
    Escalated {
        line: i32,
    },
    /// Already on the last support line.
    NotEscalated,
}

/// Why a rule's mail to the requester was not sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum NoEmail {
    /// Outgoing mail is not set up.
    NotConfigured,
    NoRequester,
    NoAddress,
}

impl RuleOutcome {
    /// The outcome in English, as part of the entry's text.
    pub fn english(&self) -> String {
        match self {
            RuleOutcome::Assigned { name, .. } => format!("assigned to {name}"),
            RuleOutcome::NobodyFree { team_id } => {
                format!("nobody in team {team_id} could take the case")
            }
            RuleOutcome::NotAssigned { user_id, exists } => {
                if *exists {
                    format!("not assigned: user {user_id} is not an active agent")
                } else {
                    format!("not assigned: user {user_id} does not exist")
                }
            }
            RuleOutcome::TeamSet { team_id, .. } => format!("team {team_id}"),
            RuleOutcome::NoSuchTeam { team_id } => format!("team {team_id} does not exist"),
            RuleOutcome::PrioritySet { priority } => format!("priority {priority}"),
            RuleOutcome::TypeSet { case_type } => format!("type {case_type}"),
            RuleOutcome::LineSet { line } => format!("support line {line}"),
            RuleOutcome::StatusSet { status } => format!("status {status}"),
            RuleOutcome::StatusKept { from, to } => {
                format!("status stays {from}: it cannot become {to}")
            }
            RuleOutcome::TagsAdded { tags } => format!("tags {}", tags.join(", ")),
            RuleOutcome::FollowersAdded { user_ids } => format!("followers {user_ids:?}"),
            RuleOutcome::UsersTold { count } => format!("{count} told"),
            RuleOutcome::TeamTold { count } => format!("{count} team members told"),
            RuleOutcome::Emailed { to } => format!("email to {to}"),
            RuleOutcome::NotEmailed { why } => match why {
                NoEmail::NotConfigured => "no email: sending is not configured".into(),
                NoEmail::NoRequester => "no email: the case has no requester".into(),
                NoEmail::NoAddress => "no email: the requester has no address".into(),
            },
            RuleOutcome::Escalated { line } => format!("escalated to line {line}"),
            RuleOutcome::NotEscalated => "not escalated: already on the last line".into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_english_text_is_the_streams_own() {
        let moved = SystemEvent::StatusChanged {
            from: CaseStatus::Open,
            to: CaseStatus::AwaitingCustomer,
        };
        assert_eq!(moved.english(), "Status: open → awaiting_customer");
        let handoff = [
            SystemEvent::Assigned {
                user_id: Some(2),
                name: Some("Anna".into()),
            },
            SystemEvent::TeamSet {
                team_id: None,
                name: None,
            },
        ];
        assert_eq!(
            SystemEvent::english_all(&handoff),
            "Assigned to Anna; No team"
        );
        let sla = SystemEvent::Sla {
            metric: Metric::FirstResponse,
            breached: true,
            due_at: "2026-12-04T10:00:00Z".parse().ok(),
        };
        assert_eq!(
            sla.english(),
            "SLA: the first response target was breached (due 2026-12-04 10:00 UTC)"
        );
    }

    #[test]
    fn a_rules_entry_lists_what_each_action_did() {
        let e = SystemEvent::Rule {
            name: "Urgent".into(),
            outcomes: vec![
                RuleOutcome::PrioritySet {
                    priority: Priority::Urgent,
                },
                RuleOutcome::FollowersAdded {
                    user_ids: vec![3, 4],
                },
                RuleOutcome::NotEmailed {
                    why: NoEmail::NoAddress,
                },
            ],
        };
        assert_eq!(
            e.english(),
            "Rule «Urgent»: priority urgent; followers [3, 4]; no email: the requester has no address"
        );
        let json = serde_json::to_value(&e).unwrap();
        assert_eq!(json["outcomes"][0]["code"], "priority_set");
        assert_eq!(json["outcomes"][2]["why"], "no_address");
    }

    #[test]
    fn events_are_stored_as_tagged_json() {
        let e = SystemEvent::MergedInto { number: 1042 };
        let json = serde_json::to_string(&e).unwrap();
        assert_eq!(json, r#"{"code":"merged_into","number":1042}"#);
        assert_eq!(serde_json::from_str::<SystemEvent>(&json).ok(), Some(e));
    }
}
