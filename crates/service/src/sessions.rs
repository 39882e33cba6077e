//! Sessions: one per sign-in, with the family of refresh tokens that descend from it. Refresh
//! tokens rotate on each exchange (a replay ends the session; a race within the grace period
//! gets the same pair again); users and admins list and end sessions.

use chrono::Duration;
use helpdesk_api_types::auth::{SessionInfo, TokenPair};
use helpdesk_domain::security::SecurityEventKind;
use helpdesk_domain::Role;
use helpdesk_store::{auth as store, users as user_store};
use jsonwebtoken::{Algorithm, EncodingKey, Header};

use crate::auth::{keyed_seal, me, portal_open, random_token, sha256_hex, Claims, ClientInfo};
use crate::security_log::{self, Entry};
use crate::{Actor, AppError, Services};

/// How long after a refresh token was exchanged a second exchange of it is taken, by default,
/// for the same client racing itself (two tabs, or a retry after a lost answer) and answered
/// with the pair the first exchange made, rather than as a stolen token. Okta's default.
pub const REFRESH_REUSE_GRACE_SECONDS: i64 = 30;

impl Services {
    /// Exchanges a refresh token for a new pair. A token used twice means it leaked: the whole
    /// session (every token descended from that sign-in) is revoked. Except within the grace
    /// period ([`REFRESH_REUSE_GRACE_SECONDS`] by default) of the first exchange, while the pair
    /// it made is unused: that is the same client racing itself, and it gets the same refresh
    /// token again.
    pub fn refresh(&self, refresh_token: &str, client: &ClientInfo) -> Result<TokenPair, AppError> {
        let now = self.now();
        let hash = sha256_hex(refresh_token);
        let successor = self.successor_of(refresh_token);
        let outcome = self
            .db
            .write(|c| -> Result<Result<TokenPair, &'static str>, AppError> {
                let Some(row) = store::refresh_token_by_hash(c, &hash)? else {
                    return Ok(Err("unknown refresh token"));
                };
                if row.revoked_at.is_some() {
                    return Ok(Err("refresh token revoked"));
                }
                let first_use =
                    row.used_at.is_none() && store::mark_refresh_token_used(c, row.id, now)?;
                if !first_use {
                    if let Some(pair) = self.reissue_within_grace(c, &row, &successor, now)? {
                        return Ok(Ok(pair));
                    }
                    store::revoke_refresh_family(c, &row.family, now)?;
                    tracing::warn!(
                        user_id = row.user_id,
                        "refresh token reused; session revoked"
                    );
                    let session = store::session_by_family(c, &row.family)?;
                    security_log::record(
                        c,
                        now,
                        Entry {
                            kind: SecurityEventKind::RefreshReplayed,
                            user_id: Some(row.user_id),
                            actor_id: None,
                            email: None,
                            client,
                            reason: Some("a used refresh token was presented again; session ended"),
                            session_id: session.map(|s| s.id),
                        },
                    )?;
                    return Ok(Err("refresh token already used; sign in again"));
                }
                if row.expires_at <= now {
                    return Ok(Err("refresh token expired"));
                }
                let user = user_store::user(c, row.user_id)?;
                if !user.active {
                    return Ok(Err("account disabled"));
                }
                if user.role == Role::Portal && !portal_open(c, &user)? {
                    return Ok(Err("portal access is switched off"));
                }
                let Some(session) =
                    store::session_by_family(c, &row.family)?.filter(|s| s.revoked_at.is_none())
                else {
                    return Ok(Err("session ended; sign in again"));
                };
                store::insert_refresh_token(
                    c,
                    user.id,
                    &row.family,
                    &sha256_hex(&successor),
                    now,
                    now + Duration::days(self.auth.refresh_ttl_days),
                )?;
                Ok(Ok(self.token_pair(c, &user, session.id, successor)?))
            })?;
        // The family revocation above must commit even though the caller gets an error.
        outcome.map_err(|why| AppError::Unauthorized(why.into()))
    }

    /// The refresh token that exchanging `refresh_token` yields. Derived, not drawn, so that a
    /// second exchange within the grace period can answer the same one; only its hash is kept.
    fn successor_of(&self, refresh_token: &str) -> String {
        keyed_seal(
            &self.auth.jwt_secret,
            &[b"helpdesk refresh successor\0", refresh_token.as_bytes()],
        )
    }

    /// The pair a just-used refresh token made, again, when its exchange happened within the
    /// grace period and nobody has used the new refresh token yet; `None` otherwise (a replay).
    fn reissue_within_grace(
        &self,
        c: &mut helpdesk_store::AnyConnection,
        used: &store::RefreshTokenRow,
        successor: &str,
        now: chrono::NaiveDateTime,
    ) -> Result<Option<TokenPair>, AppError> {
        let Some(next) = store::refresh_token_by_hash(c, &sha256_hex(successor))? else {
            return Ok(None);
        };
        let fresh = next.used_at.is_none()
            && next.revoked_at.is_none()
            && next.family == used.family
            && now - next.created_at < Duration::seconds(self.auth.refresh_reuse_grace_seconds);
        if !fresh {
            return Ok(None);
        }
        let Some(session) =
            store::session_by_family(c, &used.family)?.filter(|s| s.revoked_at.is_none())
        else {
            return Ok(None);
        };
        let user = user_store::user(c, used.user_id)?;
        if !user.active {
            return Ok(None);
        }
        tracing::info!(
            user_id = used.user_id,
            "refresh token exchanged twice within the grace period; same pair answered"
        );
        Ok(Some(self.token_pair(
            c,
            &user,
            session.id,
            successor.to_owned(),
        )?))
    }

    /// Revokes the session the refresh token belongs to. For a session that single sign-on
    /// started, tells where to send the browser to sign out at the provider too.
    pub fn logout(
        &self,
        refresh_token: &str,
        client: &ClientInfo,
    ) -> Result<Option<String>, AppError> {
        let now = self.now();
        let hash = sha256_hex(refresh_token);
        let single_sign_on = self.db.write(|c| -> Result<bool, AppError> {
            let Some(row) = store::refresh_token_by_hash(c, &hash)? else {
                return Ok(false);
            };
            let session = store::session_by_family(c, &row.family)?;
            let already_ended = session.as_ref().is_none_or(|s| s.revoked_at.is_some());
            let single_sign_on = !already_ended && session.as_ref().is_some_and(|s| s.sso);
            store::revoke_refresh_family(c, &row.family, now)?;
            if !already_ended {
                security_log::record(
                    c,
                    now,
                    Entry {
                        kind: SecurityEventKind::SignedOut,
                        user_id: Some(row.user_id),
                        actor_id: None,
                        email: None,
                        client,
                        reason: None,
                        session_id: session.map(|s| s.id),
                    },
                )?;
            }
            Ok(single_sign_on)
        })?;
        // Asked after the commit: the provider is another server, and may be slow.
        Ok(single_sign_on
            .then(|| self.provider_sign_out_url())
            .flatten())
    }

    /// Signs a user in: a new session with its first refresh token, and an access token; with
    /// the session's id (for the security log).
    pub(crate) fn start_session(
        &self,
        conn: &mut helpdesk_store::AnyConnection,
        user: &user_store::UserRow,
        client: &ClientInfo,
    ) -> Result<(TokenPair, i64), AppError> {
        let now = self.now();
        let family = random_token(12);
        let session =
            store::insert_session(conn, user.id, &family, now, &client.ip, &client.user_agent)?;
        let refresh_token = random_token(32);
        store::insert_refresh_token(
            conn,
            user.id,
            &family,
            &sha256_hex(&refresh_token),
            now,
            now + Duration::days(self.auth.refresh_ttl_days),
        )?;
        let pair = self.token_pair(conn, user, session, refresh_token)?;
        Ok((pair, session))
    }

    /// An access token for `session` beside `refresh_token` (already stored), and who it is for.
    fn token_pair(
        &self,
        conn: &mut helpdesk_store::AnyConnection,
        user: &user_store::UserRow,
        session: i64,
        refresh_token: String,
    ) -> Result<TokenPair, AppError> {
        let now = self.now();
        store::touch_session(conn, session, now)?;
        let claims = Claims {
            sub: user.id.to_string(),
            sid: session,
            iat: now.and_utc().timestamp(),
            exp: now.and_utc().timestamp() + self.auth.access_ttl_seconds,
        };
        let access_token = jsonwebtoken::encode(
            &Header::new(Algorithm::HS256),
            &claims,
            &EncodingKey::from_secret(&self.auth.jwt_secret),
        )
        .map_err(|e| AppError::failed("signing the access token failed", e))?;
        let team_ids = user_store::teams_of(conn, user.id)?;
        Ok(TokenPair {
            access_token,
            token_type: "Bearer".into(),
            expires_in: self.auth.access_ttl_seconds,
            refresh_token,
            user: me(user, team_ids)?,
            device_token: None,
            recovery_codes: None,
        })
    }

    /// The caller's sessions still in force, the current one marked.
    pub fn my_sessions(&self, actor: &Actor) -> Result<Vec<SessionInfo>, AppError> {
        actor.any_read()?;
        self.sessions_of(actor.user_id, actor.session_id)
    }

    /// Ends one of the caller's sessions (signing out another browser or device).
    pub fn revoke_my_session(&self, actor: &Actor, id: i64) -> Result<(), AppError> {
        actor.any_write()?;
        self.revoke_session_of(actor, actor.user_id, Some(id))
    }

    /// A user's sessions still in force (admins).
    pub fn user_sessions(&self, actor: &Actor, user_id: i64) -> Result<Vec<SessionInfo>, AppError> {
        actor.admin()?;
        self.db
            .read(|c| user_store::user(c, user_id))
            .map_err(crate::users::not_found("user"))?;
        self.sessions_of(user_id, actor.session_id)
    }

    /// Ends one session of a user, or all of them with `None` (admins).
    pub fn revoke_user_session(
        &self,
        actor: &Actor,
        user_id: i64,
        id: Option<i64>,
    ) -> Result<(), AppError> {
        actor.admin()?;
        self.db
            .read(|c| user_store::user(c, user_id))
            .map_err(crate::users::not_found("user"))?;
        self.revoke_session_of(actor, user_id, id)
    }

    fn sessions_of(
        &self,
        user_id: i64,
        current: Option<i64>,
    ) -> Result<Vec<SessionInfo>, AppError> {
        let since = self.now() - Duration::days(self.auth.refresh_ttl_days);
        let rows = self
            .db
            .read(|c| store::live_sessions_of(c, user_id, since))?;
        Ok(rows
            .into_iter()
            .map(|s| SessionInfo {
                id: s.id,
                created_at: s.created_at.and_utc(),
                last_used_at: s.last_used_at.and_utc(),
                ip: s.ip,
                user_agent: s.user_agent,
                current: Some(s.id) == current,
            })
            .collect())
    }

    fn revoke_session_of(
        &self,
        actor: &Actor,
        user_id: i64,
        id: Option<i64>,
    ) -> Result<(), AppError> {
        let now = self.now();
        self.db.write(|c| -> Result<(), AppError> {
            let reason = match (id, actor.user_id == user_id) {
                (None, _) => "every session ended",
                (Some(_), true) => "ended by the user",
                (Some(_), false) => "ended by an admin",
            };
            security_log::record(
                c,
                now,
                Entry::by(actor, SecurityEventKind::SessionRevoked, user_id)
                    .reason(reason)
                    .session(id),
            )?;
            match id {
                None => {
                    store::revoke_user_refresh_tokens(c, user_id, now)?;
                }
                Some(id) => {
                    let session = store::session(c, id)
                        .ok()
                        .filter(|s| s.user_id == user_id)
                        .ok_or(AppError::NotFound("session"))?;
                    store::revoke_refresh_family(c, &session.family, now)?;
                }
            }
            tracing::info!(user_id, session = ?id, "session revoked");
            Ok(())
        })
    }
}
