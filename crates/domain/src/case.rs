//! Case attributes and the rules applied when a case is created.

use crate::{string_enum, CaseStatus, DomainError, Role};

string_enum! {
    Priority { Low => "low", Normal => "normal", High => "high", Urgent => "urgent" }
}

string_enum! {
    /// What the customer asks for. Only consultations are free of a contract.
    CaseType {
        Consultation => "consultation",
        Error => "error",
        Enhancement => "enhancement",
        Configuration => "configuration",
    }
}

string_enum! {
    /// How the case reached us.
    Channel {
        Agent => "agent",
        Portal => "portal",
        Email => "email",
        WebForm => "web_form",
        Api => "api",
        Workflow => "workflow",
        Phone => "phone",
    }
}

/// First, second or third line of support.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SupportLine(u8);

impl SupportLine {
    pub const FIRST: SupportLine = SupportLine(1);

    pub fn new(line: i64) -> Result<Self, DomainError> {
        match line {
            1..=3 => Ok(SupportLine(line as u8)),
            _ => Err(DomainError::Invalid(
                "support line must be 1, 2 or 3".into(),
            )),
        }
    }

    pub fn get(self) -> u8 {
        self.0
    }
}

/// Without an active contract for the case's product and organization only a consultation is
/// accepted.
pub fn check_case_type(case_type: CaseType, has_active_contract: bool) -> Result<(), DomainError> {
    if case_type == CaseType::Consultation || has_active_contract {
        Ok(())
    } else {
        Err(DomainError::TypeNeedsContract)
    }
}

/// The person creating a case, as far as the creation rules care.
#[derive(Debug, Clone, Copy)]
pub struct Creator {
    pub user_id: i64,
    pub role: Role,
    /// The agent's support line; `None` for users outside the lines (admins, portal, API).
    pub line: Option<SupportLine>,
}

/// Who the new case belongs to and the status it starts in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InitialAssignment {
    pub assignee_id: Option<i64>,
    pub status: CaseStatus,
}

/// A first-line agent who registers a case (a phone call, a walk-in) handles it: they become the
/// assignee unless they name someone else. Portal, e-mail and web-form cases arrive unassigned in
/// the queue. A case with an assignee is `open`, without one `new`.
pub fn initial_assignment(creator: Creator, requested: Option<i64>) -> InitialAssignment {
    let assignee_id = match creator.role {
        Role::Portal => None,
        Role::Agent if requested.is_none() && creator.line == Some(SupportLine::FIRST) => {
            Some(creator.user_id)
        }
        Role::Agent | Role::Admin => requested,
    };
    let status = if assignee_id.is_some() {
        CaseStatus::Open
    } else {
        CaseStatus::New
    };
    InitialAssignment {
        assignee_id,
        status,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn agent(line: u8) -> Creator {
        Creator {
            user_id: 7,
            role: Role::Agent,
            line: Some(SupportLine(line)),
        }
    }

    #[test]
    fn consultation_needs_no_contract() {
        assert_eq!(check_case_type(CaseType::Consultation, false), Ok(()));
        for t in [
            CaseType::Error,
            CaseType::Enhancement,
            CaseType::Configuration,
        ] {
            assert_eq!(
                check_case_type(t, false),
                Err(DomainError::TypeNeedsContract)
            );
            assert_eq!(check_case_type(t, true), Ok(()));
        }
    }

    #[test]
    fn first_line_agent_takes_own_case() {
        let a = initial_assignment(agent(1), None);
        assert_eq!(
            a,
            InitialAssignment {
                assignee_id: Some(7),
                status: CaseStatus::Open
            }
        );
    }

    #[test]
    fn named_assignee_wins() {
        assert_eq!(initial_assignment(agent(1), Some(9)).assignee_id, Some(9));
    }

    #[test]
    fn second_line_agent_does_not_self_assign() {
        let a = initial_assignment(agent(2), None);
        assert_eq!(
            a,
            InitialAssignment {
                assignee_id: None,
                status: CaseStatus::New
            }
        );
    }

    #[test]
    fn portal_case_is_unassigned_whatever_is_asked() {
        let portal = Creator {
            user_id: 3,
            role: Role::Portal,
            line: None,
        };
        assert_eq!(
            initial_assignment(portal, Some(7)),
            InitialAssignment {
                assignee_id: None,
                status: CaseStatus::New
            }
        );
    }

    #[test]
    fn support_line_bounds() {
        assert!(SupportLine::new(0).is_err() && SupportLine::new(4).is_err());
        assert_eq!(SupportLine::new(2).map(SupportLine::get), Ok(2));
    }
}
