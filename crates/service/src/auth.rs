//! Credentials: passwords (argon2id), access tokens (JWT, HS256 only) checked against their
//! session on every request, and personal API tokens with scopes. Signing in and its throttling
//! are in [`crate::sign_in`]; sessions and their rotating refresh tokens in [`crate::sessions`].

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use base64::Engine;
use chrono::Duration;
use helpdesk_api_types::auth::{ApiToken, ApiTokenCreated, Me, NewApiToken};
use helpdesk_domain::security::SecurityEventKind;
use helpdesk_domain::{Role, Scope, SupportLine};
use helpdesk_store::{auth as store, users as user_store};
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use rand::RngCore;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use validator::Validate;

use crate::security_log::{self, Entry};
use crate::{Actor, AppError, Services};

/// Prefix of personal API tokens, so they are told apart from JWTs and found by secret scanners.
pub const API_TOKEN_PREFIX: &str = "hd_";

/// What an access token says. Only who and which session: the role, contact and support line
/// are read from the database on each request, so a change to them counts at once.
#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct Claims {
    pub(crate) sub: String,
    /// The session ([`store::SessionRow`]) the token belongs to.
    pub(crate) sid: i64,
    pub(crate) iat: i64,
    pub(crate) exp: i64,
}

/// Where a sign-in comes from, remembered with its session so that a user can tell their
/// sessions apart.
#[derive(Debug, Clone, Default)]
pub struct ClientInfo {
    pub ip: String,
    pub user_agent: String,
}

impl ClientInfo {
    pub fn new(ip: impl Into<String>, user_agent: &str) -> Self {
        ClientInfo {
            ip: ip.into(),
            user_agent: user_agent.chars().take(300).collect(),
        }
    }
}

pub fn random_token(bytes: usize) -> String {
    let mut buf = vec![0u8; bytes];
    rand::rngs::OsRng.fill_bytes(&mut buf);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(buf)
}

/// HMAC-SHA256 under `key` of `parts` fed one after the other. Every seal the server makes
/// with its key goes through here; each names its purpose in its first part (`b"helpdesk
/// device\0"`), so no seal made for one purpose is valid for another.
#[allow(clippy::expect_used, reason = "HMAC takes a key of any length")]
pub(crate) fn keyed_mac(key: &[u8], parts: &[&[u8]]) -> [u8; 32] {
    use hmac::{Hmac, Mac};
    let mut mac =
        <Hmac<Sha256> as Mac>::new_from_slice(key).expect("HMAC takes a key of any length");
    for part in parts {
        mac.update(part);
    }
    mac.finalize().into_bytes().into()
}

/// [`keyed_mac`] as URL-safe base64 without padding, for tokens and signed links.
pub(crate) fn keyed_seal(key: &[u8], parts: &[&[u8]]) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(keyed_mac(key, parts))
}

/// Compares secrets (tokens, signatures) in time that does not depend on where they differ.
pub(crate) fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

pub(crate) fn sha256_hex(text: &str) -> String {
    hex::encode(Sha256::digest(text.as_bytes()))
}

/// Argon2id with OWASP's "m = 7 MiB, t = 5, p = 1": as strong as the crate's default
/// (19 MiB, t = 2) by OWASP's table of equivalent settings, at a third of the memory each sign-in
/// holds. Stored hashes carry their own parameters, so older ones still verify.
fn argon2() -> Result<Argon2<'static>, AppError> {
    let params = argon2::Params::new(7 * 1024, 5, 1, None)
        .map_err(|e| AppError::Internal(format!("argon2 parameters: {e}")))?;
    Ok(Argon2::new(
        argon2::Algorithm::Argon2id,
        argon2::Version::V0x13,
        params,
    ))
}

/// Runs one argon2 computation when a core is free for it. Each holds its memory for its
/// duration, so a burst of sign-ins queues here instead of multiplying the process's size.
fn with_hash_slot<T>(f: impl FnOnce() -> T) -> T {
    struct Slots {
        free: std::sync::Mutex<usize>,
        freed: std::sync::Condvar,
    }
    /// Gives the slot back when the hash is done, even if it panicked.
    struct Held(&'static Slots);
    impl Drop for Held {
        fn drop(&mut self) {
            *self
                .0
                .free
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner) += 1;
            self.0.freed.notify_one();
        }
    }
    static SLOTS: std::sync::OnceLock<Slots> = std::sync::OnceLock::new();
    let slots = SLOTS.get_or_init(|| Slots {
        free: std::sync::Mutex::new(std::thread::available_parallelism().map_or(2, usize::from)),
        freed: std::sync::Condvar::new(),
    });
    // A poisoned lock only means a hash panicked; the count it guards is still right.
    let mut free = slots
        .free
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    while *free == 0 {
        free = slots
            .freed
            .wait(free)
            .unwrap_or_else(std::sync::PoisonError::into_inner);
    }
    *free -= 1;
    drop(free);
    let _held = Held(slots);
    f()
}

pub fn hash_password(password: &str) -> Result<String, AppError> {
    let salt = SaltString::generate(&mut argon2::password_hash::rand_core::OsRng);
    let hasher = argon2()?;
    with_hash_slot(|| {
        hasher
            .hash_password(password.as_bytes(), &salt)
            .map(|h| h.to_string())
    })
    .map_err(|e| AppError::Internal(format!("password hashing failed: {e}")))
}

pub(crate) fn verify_password(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash)
        .map(|parsed| {
            with_hash_slot(|| {
                Argon2::default()
                    .verify_password(password.as_bytes(), &parsed)
                    .is_ok()
            })
        })
        .unwrap_or(false)
}

/// A hash of a password nobody has, verified when the account does not exist so that the
/// answer takes as long as for a wrong password.
pub(crate) fn dummy_hash() -> &'static str {
    static HASH: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    HASH.get_or_init(|| hash_password(&random_token(16)).unwrap_or_default())
}

impl Services {
    /// Resolves an `Authorization: Bearer` credential: a JWT access token or an API token.
    /// Either way the database is asked whether it is still good: an access token's session
    /// must not be revoked and its user must be active, and the role, contact and support line
    /// are the user's current ones. One indexed read.
    pub fn authenticate(&self, bearer: &str) -> Result<Actor, AppError> {
        if let Some(secret) = bearer.strip_prefix(API_TOKEN_PREFIX) {
            return self.authenticate_api_token(secret);
        }
        let (user_id, session_id) = self.decode_access_token(bearer)?;
        self.session_actor(user_id, session_id)
    }

    /// The user and session of a JWT access token whose signature, algorithm and expiry
    /// check out; `None` for an API token or an access token that does not.
    pub fn access_session(&self, bearer: &str) -> Option<(i64, i64)> {
        if bearer.starts_with(API_TOKEN_PREFIX) {
            return None;
        }
        self.decode_access_token(bearer).ok()
    }

    /// Who a session acts as now: refused when the session is revoked or unknown or its user
    /// disabled; otherwise the user's current role, contact and support line. One indexed
    /// read (two for a portal user, whose contact may have been merged).
    pub fn session_actor(&self, user_id: i64, session_id: i64) -> Result<Actor, AppError> {
        let standing = self
            .db
            .read(|c| store::session_standing(c, session_id))?
            .filter(|s| s.user_id == user_id)
            .ok_or_else(|| AppError::Unauthorized("this session is unknown".into()))?;
        if standing.revoked.is_some() {
            return Err(AppError::Unauthorized(
                "this session has ended; sign in again".into(),
            ));
        }
        if !standing.active {
            return Err(AppError::Unauthorized("account disabled".into()));
        }
        let role = standing.role;
        let mut actor = Actor {
            user_id,
            role,
            contact_id: standing.contact_id,
            line: standing
                .support_line
                .and_then(|l| SupportLine::new(l.into()).ok()),
            scopes: None,
            session_id: Some(session_id),
            client: ClientInfo::default(),
        };
        // A customer's contact may have been merged since: act as the contact it was merged
        // into (one more indexed read, for portal users only).
        if let Some(id) = actor.contact_id.filter(|_| actor.role == Role::Portal) {
            actor.contact_id = self
                .db
                .read(|conn| helpdesk_store::crm::resolve_contacts(conn, &[id]))?
                .first()
                .map_or(Some(id), |(_, live)| Some(*live));
        }
        Ok(actor)
    }

    /// Whether the session an actor came with is still in force (for long-lived requests such
    /// as the live feed, which outlive the check made when they started). API tokens and
    /// internal callers have no session and are taken as they are.
    pub fn still_signed_in(&self, actor: &Actor) -> bool {
        let Some(session) = actor.session_id else {
            return true;
        };
        matches!(
            self.db.read(|c| store::session_standing(c, session)),
            Ok(Some(s)) if s.revoked.is_none() && s.active && s.user_id == actor.user_id
        )
    }

    /// Refuses, without the database, a credential that cannot be good: an access token with
    /// a bad signature, algorithm or claims, or expired. `None` when it needs the database.
    pub fn refuse_offline(&self, bearer: &str) -> Option<AppError> {
        if bearer.starts_with(API_TOKEN_PREFIX) {
            return None;
        }
        self.decode_access_token(bearer).err()
    }

    /// The user and session a JWT access token names, once its signature, algorithm and
    /// expiry check out.
    pub(crate) fn decode_access_token(&self, bearer: &str) -> Result<(i64, i64), AppError> {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.leeway = 5;
        validation.set_required_spec_claims(&["exp", "sub"]);
        let data = jsonwebtoken::decode::<Claims>(
            bearer,
            &DecodingKey::from_secret(&self.auth.jwt_secret),
            &validation,
        )
        .map_err(|e| AppError::Unauthorized(format!("access token not accepted: {e}")))?;
        let user_id = data
            .claims
            .sub
            .parse()
            .map_err(|_| AppError::Unauthorized("bad subject".into()))?;
        Ok((user_id, data.claims.sid))
    }

    fn authenticate_api_token(&self, secret: &str) -> Result<Actor, AppError> {
        let now = self.now();
        let hash = sha256_hex(&format!("{API_TOKEN_PREFIX}{secret}"));
        let token = self
            .db
            .read(|c| store::api_token_by_hash(c, &hash))?
            .filter(|t| t.revoked_at.is_none() && t.expires_at.is_none_or(|e| e > now))
            .ok_or_else(|| {
                AppError::Unauthorized("API token unknown, revoked or expired".into())
            })?;
        let user = self.db.read(|c| user_store::user(c, token.user_id))?;
        if !user.active {
            return Err(AppError::Unauthorized("account disabled".into()));
        }
        // Record use at most once a minute: a write per request would cost more than the request.
        if token
            .last_used_at
            .is_none_or(|t| now - t > Duration::minutes(1))
        {
            self.db
                .write(|c| store::touch_api_token(c, token.id, now))?;
        }
        Ok(Actor {
            user_id: user.id,
            role: user.role,
            contact_id: user.contact_id,
            line: user
                .support_line
                .and_then(|l| SupportLine::new(l.into()).ok()),
            scopes: Some(parse_scopes(&token.scopes)),
            session_id: None,
            client: ClientInfo::default(),
        })
    }

    pub fn me(&self, actor: &Actor) -> Result<Me, AppError> {
        actor.any_read()?;
        self.db.read(|c| {
            let user = user_store::user(c, actor.user_id)?;
            let teams = user_store::teams_of(c, user.id)?;
            me(&user, teams)
        })
    }

    pub fn create_api_token(
        &self,
        actor: &Actor,
        input: &NewApiToken,
    ) -> Result<ApiTokenCreated, AppError> {
        input.validate()?;
        if actor.scopes.is_some() {
            return Err(AppError::forbidden(
                "API tokens are created from a signed-in session",
            ));
        }
        actor.staff_write()?;
        if input.scopes.contains(&Scope::Admin) && !actor.role.can_administer() {
            return Err(AppError::field(
                "scopes",
                "only admins may grant the `admin` scope",
            ));
        }
        let now = self.now();
        let token = format!("{API_TOKEN_PREFIX}{}", random_token(32));
        let scopes: Vec<&str> = input.scopes.iter().map(|s| s.as_str()).collect();
        let expires_at = input.expires_in_days.map(|d| now + Duration::days(d));
        let id = self.db.write(|c| -> Result<i64, AppError> {
            let id = store::insert_api_token(
                c,
                actor.user_id,
                &input.name,
                &sha256_hex(&token),
                &scopes.join(","),
                now,
                expires_at,
            )?;
            let what = format!("#{id} {} ({})", input.name, scopes.join(","));
            security_log::record(
                c,
                now,
                Entry::by(actor, SecurityEventKind::ApiTokenCreated, actor.user_id).reason(&what),
            )?;
            Ok(id)
        })?;
        Ok(ApiTokenCreated {
            token,
            details: ApiToken {
                id,
                name: input.name.clone(),
                scopes: input.scopes.clone(),
                created_at: now.and_utc(),
                expires_at: expires_at.map(|t| t.and_utc()),
                last_used_at: None,
                revoked: false,
            },
        })
    }

    pub fn list_api_tokens(&self, actor: &Actor) -> Result<Vec<ApiToken>, AppError> {
        actor.staff_read()?;
        let rows = self.db.read(|c| store::api_tokens_of(c, actor.user_id))?;
        Ok(rows
            .into_iter()
            .map(|t| ApiToken {
                id: t.id,
                name: t.name,
                scopes: parse_scopes(&t.scopes),
                created_at: t.created_at.and_utc(),
                expires_at: t.expires_at.map(|t| t.and_utc()),
                last_used_at: t.last_used_at.map(|t| t.and_utc()),
                revoked: t.revoked_at.is_some(),
            })
            .collect())
    }

    pub fn revoke_api_token(&self, actor: &Actor, id: i64) -> Result<(), AppError> {
        actor.staff_write()?;
        let now = self.now();
        self.db.write(|c| -> Result<(), AppError> {
            store::revoke_api_token(c, id, actor.user_id, now).map_err(|e| match e {
                helpdesk_store::StoreError::NotFound => AppError::NotFound("API token"),
                other => other.into(),
            })?;
            let what = format!("#{id}");
            security_log::record(
                c,
                now,
                Entry::by(actor, SecurityEventKind::ApiTokenRevoked, actor.user_id).reason(&what),
            )
        })
    }
}

/// Whether a portal user's contact (or the contact it was merged into) has portal access.
pub(crate) fn portal_open(
    c: &mut helpdesk_store::AnyConnection,
    user: &user_store::UserRow,
) -> Result<bool, AppError> {
    let Some(id) = user.contact_id else {
        return Ok(false);
    };
    let live = helpdesk_store::crm::resolve_contacts(c, &[id])?
        .first()
        .map_or(id, |(_, live)| *live);
    Ok(helpdesk_store::crm::contact(c, live).is_ok_and(|ct| ct.portal_access))
}

fn parse_scopes(text: &str) -> Vec<Scope> {
    text.split(',')
        .filter_map(|s| Scope::parse(s.trim()).ok())
        .collect()
}

pub(crate) fn me(user: &user_store::UserRow, team_ids: Vec<i64>) -> Result<Me, AppError> {
    Ok(Me {
        id: user.id,
        email: user.email.clone(),
        name: user.name.clone(),
        role: user.role,
        language: user.language.clone(),
        support_line: user.support_line,
        contact_id: user.contact_id,
        team_ids,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 4231 test case 2, fed in pieces: seals already handed out (device tokens, refresh
    /// successors, Message-IDs of sent mails) stay valid as long as this holds.
    #[test]
    fn keyed_mac_is_hmac_sha256_of_the_parts_in_order() {
        let mac = keyed_mac(b"Jefe", &[b"what do ya want ", b"", b"for nothing?"]);
        assert_eq!(
            hex::encode(mac),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }
}
