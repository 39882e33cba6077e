//! Who may do what.

use crate::string_enum;

string_enum! {
    /// A user's role. Portal users are customers: they only ever see their own records.
    Role {
        Admin => "admin",
        Agent => "agent",
        Portal => "portal",
    }
}

impl Role {
    /// Agents and admins work cases and see internal notes.
    pub fn is_staff(self) -> bool {
        matches!(self, Role::Admin | Role::Agent)
    }

    /// Only admins manage users, teams, products and contracts.
    pub fn can_administer(self) -> bool {
        self == Role::Admin
    }
}

string_enum! {
    /// What a personal API token may do. A token never exceeds its owner's role.
    Scope {
        Read => "read",
        Write => "write",
        Admin => "admin",
    }
}

impl Scope {
    /// Whether this scope covers `needed`: `admin` covers everything, `write` covers `read`.
    pub fn covers(self, needed: Scope) -> bool {
        match self {
            Scope::Admin => true,
            Scope::Write => needed != Scope::Admin,
            Scope::Read => needed == Scope::Read,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn staff_and_admin() {
        assert!(Role::Admin.is_staff() && Role::Agent.is_staff() && !Role::Portal.is_staff());
        assert!(Role::Admin.can_administer() && !Role::Agent.can_administer());
    }

    #[test]
    fn scopes_nest() {
        assert!(Scope::Admin.covers(Scope::Write) && Scope::Write.covers(Scope::Read));
        assert!(!Scope::Read.covers(Scope::Write) && !Scope::Write.covers(Scope::Admin));
    }
}
