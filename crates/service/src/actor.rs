//! Who is asking, and the checks every use case starts with.

use helpdesk_domain::{Role, Scope, SupportLine};

use crate::auth::ClientInfo;
use crate::AppError;

/// The authenticated caller: a signed-in user, or a user acting through an API token.
#[derive(Debug, Clone)]
pub struct Actor {
    pub user_id: i64,
    pub role: Role,
    /// For portal users: the contact they act as.
    pub contact_id: Option<i64>,
    pub line: Option<SupportLine>,
    /// `None` for a session (the role decides); the token's scopes for an API token.
    pub scopes: Option<Vec<Scope>>,
    /// The session an access token belongs to; `None` for API tokens and internal callers.
    pub session_id: Option<i64>,
    /// Where the request came from (empty for internal callers), for the security log.
    pub client: ClientInfo,
}

impl Actor {
    fn scope(&self, needed: Scope) -> Result<(), AppError> {
        match &self.scopes {
            Some(scopes) if !scopes.iter().any(|s| s.covers(needed)) => Err(AppError::Forbidden(
                format!("this API token lacks the `{needed}` scope"),
            )),
            _ => Ok(()),
        }
    }

    /// Agents and admins reading.
    pub fn is_portal(&self) -> bool {
        self.role == Role::Portal
    }

    pub fn staff_read(&self) -> Result<(), AppError> {
        if !self.role.is_staff() {
            return Err(AppError::forbidden("this is for agents and admins"));
        }
        self.scope(Scope::Read)
    }

    /// Agents and admins changing something.
    pub fn staff_write(&self) -> Result<(), AppError> {
        self.staff_read()?;
        self.scope(Scope::Write)
    }

    /// Admins only (users, teams, products, contracts).
    pub fn admin(&self) -> Result<(), AppError> {
        if !self.role.can_administer() {
            return Err(AppError::forbidden("this is for admins"));
        }
        self.scope(Scope::Admin)
    }

    /// A portal user acting as their contact; returns the contact.
    pub fn portal_contact(&self) -> Result<i64, AppError> {
        match (self.role, self.contact_id) {
            (Role::Portal, Some(contact)) => Ok(contact),
            (Role::Portal, None) => Err(AppError::forbidden("this portal account has no contact")),
            _ => Err(AppError::forbidden(
                "this is the customer portal; agents use /api/v1/cases",
            )),
        }
    }

    /// Any signed-in user reading their own data.
    pub fn any_read(&self) -> Result<(), AppError> {
        self.scope(Scope::Read)
    }

    pub fn any_write(&self) -> Result<(), AppError> {
        self.scope(Scope::Write)
    }
}
