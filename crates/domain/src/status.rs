//! The case status machine (DESIGN.md §4).

use crate::{string_enum, DomainError};

string_enum! {
    /// Where a case stands. `awaiting_customer`, `information_requested` and `on_hold` pause
    /// the SLA clocks. `information_requested` is an agent's explicit question to the customer
    /// («На запросе информации»); `awaiting_customer` follows any public reply.
    CaseStatus {
        New => "new",
        Open => "open",
        AwaitingCustomer => "awaiting_customer",
        InformationRequested => "information_requested",
        OnHold => "on_hold",
        Resolved => "resolved",
        Closed => "closed",
        Rejected => "rejected",
        Merged => "merged",
    }
}

impl CaseStatus {
    /// Statuses in which nobody works on the case any more.
    pub fn is_terminal(self) -> bool {
        matches!(
            self,
            CaseStatus::Closed | CaseStatus::Rejected | CaseStatus::Merged
        )
    }

    /// Statuses counted as "open work" in queues.
    pub fn is_active(self) -> bool {
        matches!(
            self,
            CaseStatus::New
                | CaseStatus::Open
                | CaseStatus::AwaitingCustomer
                | CaseStatus::InformationRequested
                | CaseStatus::OnHold
        )
    }

    /// Whether a case may move from `self` to `to`.
    ///
    /// - `merged` is final: a merged case lives on in its target.
    /// - `closed` and `rejected` may only be reopened (back to `open`).
    /// - `resolved` may be closed, or reopened when the customer answers.
    /// - nothing goes back to `new`: once somebody touched a case it is `open`.
    /// - staying in the same status is not a transition.
    pub fn can_become(self, to: CaseStatus) -> bool {
        use CaseStatus::*;
        if self == to {
            return false;
        }
        match (self, to) {
            (Merged, _) => false,
            (_, New) => false,
            (Closed | Rejected, Open) => true,
            (Closed | Rejected, _) => false,
            (Resolved, Open | Closed) => true,
            (Resolved, _) => false,
            (New | Open | AwaitingCustomer | InformationRequested | OnHold, _) => true,
        }
    }

    pub fn transition(self, to: CaseStatus) -> Result<CaseStatus, DomainError> {
        if self.can_become(to) {
            Ok(to)
        } else {
            Err(DomainError::Transition {
                from: self.as_str(),
                to: to.as_str(),
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::CaseStatus::{self, *};

    /// Every allowed edge, written out by hand so a change to the machine shows up here.
    const ALLOWED: &[(CaseStatus, CaseStatus)] = &[
        (New, Open),
        (New, AwaitingCustomer),
        (New, OnHold),
        (New, Resolved),
        (New, Closed),
        (New, Rejected),
        (New, Merged),
        (Open, AwaitingCustomer),
        (Open, OnHold),
        (Open, Resolved),
        (Open, Closed),
        (Open, Rejected),
        (Open, Merged),
        (AwaitingCustomer, Open),
        (AwaitingCustomer, OnHold),
        (AwaitingCustomer, Resolved),
        (AwaitingCustomer, Closed),
        (AwaitingCustomer, Rejected),
        (AwaitingCustomer, Merged),
        (OnHold, Open),
        (OnHold, AwaitingCustomer),
        (OnHold, Resolved),
        (OnHold, Closed),
        (OnHold, Rejected),
        (OnHold, Merged),
        (New, InformationRequested),
        (Open, InformationRequested),
        (AwaitingCustomer, InformationRequested),
        (OnHold, InformationRequested),
        (InformationRequested, Open),
        (InformationRequested, AwaitingCustomer),
        (InformationRequested, OnHold),
        (InformationRequested, Resolved),
        (InformationRequested, Closed),
        (InformationRequested, Rejected),
        (InformationRequested, Merged),
        (Resolved, Open),
        (Resolved, Closed),
        (Closed, Open),
        (Rejected, Open),
    ];

    /// One test per ordered pair of statuses: the full edge table of the machine.
    macro_rules! edges {
        ($($name:ident: $from:ident => $to:ident, $verdict:ident;)+) => {
            mod edge {
                use super::super::CaseStatus::*;
                $(
                    #[test]
                    fn $name() {
                        let allowed = stringify!($verdict) == "allowed";
                        assert_eq!($from.can_become($to), allowed);
                        assert_eq!($from.transition($to).is_ok(), allowed);
                    }
                )+
            }
        };
    }

    edges! {
        new_to_new: New => New, refused;
        new_to_open: New => Open, allowed;
        new_to_awaiting_customer: New => AwaitingCustomer, allowed;
        new_to_on_hold: New => OnHold, allowed;
        new_to_resolved: New => Resolved, allowed;
        new_to_closed: New => Closed, allowed;
        new_to_rejected: New => Rejected, allowed;
        new_to_merged: New => Merged, allowed;
        open_to_new: Open => New, refused;
        open_to_open: Open => Open, refused;
        open_to_awaiting_customer: Open => AwaitingCustomer, allowed;
        open_to_on_hold: Open => OnHold, allowed;
        open_to_resolved: Open => Resolved, allowed;
        open_to_closed: Open => Closed, allowed;
        open_to_rejected: Open => Rejected, allowed;
        open_to_merged: Open => Merged, allowed;
        awaiting_customer_to_new: AwaitingCustomer => New, refused;
        awaiting_customer_to_open: AwaitingCustomer => Open, allowed;
        awaiting_customer_to_awaiting_customer: AwaitingCustomer => AwaitingCustomer, refused;
        awaiting_customer_to_on_hold: AwaitingCustomer => OnHold, allowed;
        awaiting_customer_to_resolved: AwaitingCustomer => Resolved, allowed;
        awaiting_customer_to_closed: AwaitingCustomer => Closed, allowed;
        awaiting_customer_to_rejected: AwaitingCustomer => Rejected, allowed;
        awaiting_customer_to_merged: AwaitingCustomer => Merged, allowed;
        on_hold_to_new: OnHold => New, refused;
        on_hold_to_open: OnHold => Open, allowed;
        on_hold_to_awaiting_customer: OnHold => AwaitingCustomer, allowed;
        on_hold_to_on_hold: OnHold => OnHold, refused;
        on_hold_to_resolved: OnHold => Resolved, allowed;
        on_hold_to_closed: OnHold => Closed, allowed;
        on_hold_to_rejected: OnHold => Rejected, allowed;
        on_hold_to_merged: OnHold => Merged, allowed;
        resolved_to_new: Resolved => New, refused;
        resolved_to_open: Resolved => Open, allowed;
        resolved_to_awaiting_customer: Resolved => AwaitingCustomer, refused;
        resolved_to_on_hold: Resolved => OnHold, refused;
        resolved_to_resolved: Resolved => Resolved, refused;
        resolved_to_closed: Resolved => Closed, allowed;
        resolved_to_rejected: Resolved => Rejected, refused;
        resolved_to_merged: Resolved => Merged, refused;
        closed_to_new: Closed => New, refused;
        closed_to_open: Closed => Open, allowed;
        closed_to_awaiting_customer: Closed => AwaitingCustomer, refused;
        closed_to_on_hold: Closed => OnHold, refused;
        closed_to_resolved: Closed => Resolved, refused;
        closed_to_closed: Closed => Closed, refused;
        closed_to_rejected: Closed => Rejected, refused;
        closed_to_merged: Closed => Merged, refused;
        rejected_to_new: Rejected => New, refused;
        rejected_to_open: Rejected => Open, allowed;
        rejected_to_awaiting_customer: Rejected => AwaitingCustomer, refused;
        rejected_to_on_hold: Rejected => OnHold, refused;
        rejected_to_resolved: Rejected => Resolved, refused;
        rejected_to_closed: Rejected => Closed, refused;
        rejected_to_rejected: Rejected => Rejected, refused;
        rejected_to_merged: Rejected => Merged, refused;
        merged_to_new: Merged => New, refused;
        merged_to_open: Merged => Open, refused;
        merged_to_awaiting_customer: Merged => AwaitingCustomer, refused;
        merged_to_on_hold: Merged => OnHold, refused;
        merged_to_resolved: Merged => Resolved, refused;
        merged_to_closed: Merged => Closed, refused;
        merged_to_rejected: Merged => Rejected, refused;
        merged_to_merged: Merged => Merged, refused;
        new_to_information_requested: New => InformationRequested, allowed;
        open_to_information_requested: Open => InformationRequested, allowed;
        awaiting_customer_to_information_requested: AwaitingCustomer => InformationRequested, allowed;
        on_hold_to_information_requested: OnHold => InformationRequested, allowed;
        resolved_to_information_requested: Resolved => InformationRequested, refused;
        closed_to_information_requested: Closed => InformationRequested, refused;
        rejected_to_information_requested: Rejected => InformationRequested, refused;
        merged_to_information_requested: Merged => InformationRequested, refused;
        information_requested_to_new: InformationRequested => New, refused;
        information_requested_to_open: InformationRequested => Open, allowed;
        information_requested_to_awaiting_customer: InformationRequested => AwaitingCustomer, allowed;
        information_requested_to_information_requested: InformationRequested => InformationRequested, refused;
        information_requested_to_on_hold: InformationRequested => OnHold, allowed;
        information_requested_to_resolved: InformationRequested => Resolved, allowed;
        information_requested_to_closed: InformationRequested => Closed, allowed;
        information_requested_to_rejected: InformationRequested => Rejected, allowed;
        information_requested_to_merged: InformationRequested => Merged, allowed;
    }

    #[test]
    fn every_pair_is_allowed_exactly_when_listed() {
        for &from in CaseStatus::ALL {
            for &to in CaseStatus::ALL {
                let listed = ALLOWED.contains(&(from, to));
                assert_eq!(from.can_become(to), listed, "{from} -> {to}");
                match from.transition(to) {
                    Ok(next) => assert_eq!(next, to),
                    Err(e) => {
                        assert!(!listed);
                        assert_eq!(
                            e.to_string(),
                            format!("a case cannot go from `{from}` to `{to}`")
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn merged_is_final() {
        assert!(CaseStatus::ALL.iter().all(|&to| !Merged.can_become(to)));
    }

    #[test]
    fn nothing_returns_to_new() {
        assert!(CaseStatus::ALL.iter().all(|&from| !from.can_become(New)));
    }

    #[test]
    fn names_round_trip() {
        for &s in CaseStatus::ALL {
            assert_eq!(CaseStatus::parse(s.as_str()), Ok(s));
        }
        assert!(CaseStatus::parse("pending").is_err());
    }
}
