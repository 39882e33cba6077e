//! What authentication keeps: sessions and their refresh-token families, API tokens,
//! settings. Sign-in throttles and the security log are in [`crate::security`].

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::schema::{api_tokens, refresh_tokens, sessions, settings, users};
use crate::{AnyConnection, StoreError};

pub fn setting(conn: &mut AnyConnection, key: &str) -> Result<Option<String>, StoreError> {
    Ok(settings::table
        .find(key)
        .select(settings::value)
        .first(conn)
        .optional()?)
}

/// Stores `value` under `key`, replacing what was there.
pub fn put_setting(conn: &mut AnyConnection, key: &str, value: &str) -> Result<(), StoreError> {
    diesel::delete(settings::table.find(key)).execute(conn)?;
    diesel::insert_into(settings::table)
        .values((settings::key.eq(key), settings::value.eq(value)))
        .execute(conn)?;
    Ok(())
}

/// Stores `value` under `key` unless a value is already there; returns the value that is kept,
/// so two processes starting together agree on one secret.
pub fn setting_or_insert(
    conn: &mut AnyConnection,
    key: &str,
    value: &str,
) -> Result<String, StoreError> {
    if let Some(existing) = setting(conn, key)? {
        return Ok(existing);
    }
    match diesel::insert_into(settings::table)
        .values((settings::key.eq(key), settings::value.eq(value)))
        .execute(conn)
    {
        Ok(_) => Ok(value.to_owned()),
        Err(e) => match StoreError::from(e) {
            StoreError::Conflict(_) => setting(conn, key)?.ok_or(StoreError::NotFound),
            other => Err(other),
        },
    }
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = refresh_tokens)]
pub struct RefreshTokenRow {
    pub id: i64,
    pub user_id: i64,
    pub family: String,
    pub token_hash: String,
    pub created_at: NaiveDateTime,
    pub expires_at: NaiveDateTime,
    pub used_at: Option<NaiveDateTime>,
    pub revoked_at: Option<NaiveDateTime>,
}

pub fn insert_refresh_token(
    conn: &mut AnyConnection,
    user_id: i64,
    family: &str,
    token_hash: &str,
    now: NaiveDateTime,
    expires_at: NaiveDateTime,
) -> Result<(), StoreError> {
    diesel::insert_into(refresh_tokens::table)
        .values((
            refresh_tokens::user_id.eq(user_id),
            refresh_tokens::family.eq(family),
            refresh_tokens::token_hash.eq(token_hash),
            refresh_tokens::created_at.eq(now),
            refresh_tokens::expires_at.eq(expires_at),
        ))
        .execute(conn)?;
    Ok(())
}

pub fn refresh_token_by_hash(
    conn: &mut AnyConnection,
    token_hash: &str,
) -> Result<Option<RefreshTokenRow>, StoreError> {
    Ok(refresh_tokens::table
        .filter(refresh_tokens::token_hash.eq(token_hash))
        .select(RefreshTokenRow::as_select())
        .first(conn)
        .optional()?)
}

/// Marks a token used; returns false when another request used it first.
pub fn mark_refresh_token_used(
    conn: &mut AnyConnection,
    id: i64,
    now: NaiveDateTime,
) -> Result<bool, StoreError> {
    let n = diesel::update(
        refresh_tokens::table
            .find(id)
            .filter(refresh_tokens::used_at.is_null()),
    )
    .set(refresh_tokens::used_at.eq(now))
    .execute(conn)?;
    Ok(n == 1)
}

/// Ends a session: its refresh tokens and the access tokens that name it stop working.
pub fn revoke_refresh_family(
    conn: &mut AnyConnection,
    family: &str,
    now: NaiveDateTime,
) -> Result<usize, StoreError> {
    diesel::update(
        sessions::table
            .filter(sessions::family.eq(family))
            .filter(sessions::revoked_at.is_null()),
    )
    .set(sessions::revoked_at.eq(now))
    .execute(conn)?;
    Ok(diesel::update(
        refresh_tokens::table
            .filter(refresh_tokens::family.eq(family))
            .filter(refresh_tokens::revoked_at.is_null()),
    )
    .set(refresh_tokens::revoked_at.eq(now))
    .execute(conn)?)
}

/// Ends every session of a user.
pub fn revoke_user_refresh_tokens(
    conn: &mut AnyConnection,
    user_id: i64,
    now: NaiveDateTime,
) -> Result<usize, StoreError> {
    diesel::update(
        sessions::table
            .filter(sessions::user_id.eq(user_id))
            .filter(sessions::revoked_at.is_null()),
    )
    .set(sessions::revoked_at.eq(now))
    .execute(conn)?;
    Ok(diesel::update(
        refresh_tokens::table
            .filter(refresh_tokens::user_id.eq(user_id))
            .filter(refresh_tokens::revoked_at.is_null()),
    )
    .set(refresh_tokens::revoked_at.eq(now))
    .execute(conn)?)
}

/// Revokes every session of a user but `keep` (a password changed from that session).
pub fn revoke_other_sessions(
    conn: &mut AnyConnection,
    user_id: i64,
    keep: i64,
    now: NaiveDateTime,
) -> Result<usize, StoreError> {
    let kept_family: Option<String> = sessions::table
        .find(keep)
        .filter(sessions::user_id.eq(user_id))
        .select(sessions::family)
        .first(conn)
        .optional()?;
    let kept_family = kept_family.unwrap_or_default();
    let ended = diesel::update(
        sessions::table
            .filter(sessions::user_id.eq(user_id))
            .filter(sessions::id.ne(keep))
            .filter(sessions::revoked_at.is_null()),
    )
    .set(sessions::revoked_at.eq(now))
    .execute(conn)?;
    diesel::update(
        refresh_tokens::table
            .filter(refresh_tokens::user_id.eq(user_id))
            .filter(refresh_tokens::family.ne(kept_family))
            .filter(refresh_tokens::revoked_at.is_null()),
    )
    .set(refresh_tokens::revoked_at.eq(now))
    .execute(conn)?;
    Ok(ended)
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = sessions)]
pub struct SessionRow {
    pub id: i64,
    pub user_id: i64,
    pub family: String,
    pub created_at: NaiveDateTime,
    pub last_used_at: NaiveDateTime,
    pub revoked_at: Option<NaiveDateTime>,
    pub ip: String,
    pub user_agent: String,
    /// Started by single sign-on: signing out ends the provider's session too.
    pub sso: bool,
}

/// Marks a session as started by single sign-on.
pub fn mark_single_sign_on(conn: &mut AnyConnection, session_id: i64) -> Result<(), StoreError> {
    diesel::update(sessions::table.find(session_id))
        .set(sessions::sso.eq(true))
        .execute(conn)?;
    Ok(())
}

/// Starts a session (a sign-in); returns its id, which every access token of it names.
pub fn insert_session(
    conn: &mut AnyConnection,
    user_id: i64,
    family: &str,
    now: NaiveDateTime,
    ip: &str,
    user_agent: &str,
) -> Result<i64, StoreError> {
    Ok(diesel::insert_into(sessions::table)
        .values((
            sessions::user_id.eq(user_id),
            sessions::family.eq(family),
            sessions::created_at.eq(now),
            sessions::last_used_at.eq(now),
            sessions::ip.eq(ip),
            sessions::user_agent.eq(user_agent),
        ))
        .returning(sessions::id)
        .get_result(conn)?)
}

pub fn session_by_family(
    conn: &mut AnyConnection,
    family: &str,
) -> Result<Option<SessionRow>, StoreError> {
    Ok(sessions::table
        .filter(sessions::family.eq(family))
        .select(SessionRow::as_select())
        .first(conn)
        .optional()?)
}

/// Records that a session refreshed its tokens.
pub fn touch_session(
    conn: &mut AnyConnection,
    id: i64,
    now: NaiveDateTime,
) -> Result<(), StoreError> {
    diesel::update(sessions::table.find(id))
        .set(sessions::last_used_at.eq(now))
        .execute(conn)?;
    Ok(())
}

/// The sessions of a user still in force: not revoked, and refreshed since `since`.
pub fn live_sessions_of(
    conn: &mut AnyConnection,
    user_id: i64,
    since: NaiveDateTime,
) -> Result<Vec<SessionRow>, StoreError> {
    Ok(sessions::table
        .filter(sessions::user_id.eq(user_id))
        .filter(sessions::revoked_at.is_null())
        .filter(sessions::last_used_at.ge(since))
        .order(sessions::last_used_at.desc())
        .select(SessionRow::as_select())
        .load(conn)?)
}

pub fn session(conn: &mut AnyConnection, id: i64) -> Result<SessionRow, StoreError> {
    sessions::table
        .find(id)
        .select(SessionRow::as_select())
        .first(conn)
        .optional()?
        .ok_or(StoreError::NotFound)
}

/// What each request needs to know of the session its access token names, and of the user.
#[derive(Debug, Clone, Queryable)]
pub struct SessionStanding {
    pub user_id: i64,
    pub revoked: Option<NaiveDateTime>,
    pub active: bool,
    pub role: helpdesk_domain::Role,
    pub contact_id: Option<i64>,
    pub support_line: Option<i32>,
}

/// One indexed read per request: the session, and its user's current standing (so a demotion
/// or a disabled account counts from the next request on).
pub fn session_standing(
    conn: &mut AnyConnection,
    session_id: i64,
) -> Result<Option<SessionStanding>, StoreError> {
    Ok(sessions::table
        .inner_join(users::table)
        .filter(sessions::id.eq(session_id))
        .select((
            sessions::user_id,
            sessions::revoked_at,
            users::active,
            users::role,
            users::contact_id,
            users::support_line,
        ))
        .first(conn)
        .optional()?)
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = api_tokens)]
pub struct ApiTokenRow {
    pub id: i64,
    pub user_id: i64,
    pub name: String,
    pub token_hash: String,
    pub scopes: String,
    pub created_at: NaiveDateTime,
    pub expires_at: Option<NaiveDateTime>,
    pub last_used_at: Option<NaiveDateTime>,
    pub revoked_at: Option<NaiveDateTime>,
}

pub fn insert_api_token(
    conn: &mut AnyConnection,
    user_id: i64,
    name: &str,
    token_hash: &str,
    scopes: &str,
    now: NaiveDateTime,
    expires_at: Option<NaiveDateTime>,
) -> Result<i64, StoreError> {
    Ok(diesel::insert_into(api_tokens::table)
        .values((
            api_tokens::user_id.eq(user_id),
            api_tokens::name.eq(name),
            api_tokens::token_hash.eq(token_hash),
            api_tokens::scopes.eq(scopes),
            api_tokens::created_at.eq(now),
            api_tokens::expires_at.eq(expires_at),
        ))
        .returning(api_tokens::id)
        .get_result(conn)?)
}

pub fn api_token_by_hash(
    conn: &mut AnyConnection,
    token_hash: &str,
) -> Result<Option<ApiTokenRow>, StoreError> {
    Ok(api_tokens::table
        .filter(api_tokens::token_hash.eq(token_hash))
        .select(ApiTokenRow::as_select())
        .first(conn)
        .optional()?)
}

pub fn api_tokens_of(
    conn: &mut AnyConnection,
    user_id: i64,
) -> Result<Vec<ApiTokenRow>, StoreError> {
    Ok(api_tokens::table
        .filter(api_tokens::user_id.eq(user_id))
        .order(api_tokens::id)
        .select(ApiTokenRow::as_select())
        .load(conn)?)
}

pub fn touch_api_token(
    conn: &mut AnyConnection,
    id: i64,
    now: NaiveDateTime,
) -> Result<(), StoreError> {
    diesel::update(api_tokens::table.find(id))
        .set(api_tokens::last_used_at.eq(now))
        .execute(conn)?;
    Ok(())
}

pub fn revoke_api_token(
    conn: &mut AnyConnection,
    id: i64,
    user_id: i64,
    now: NaiveDateTime,
) -> Result<(), StoreError> {
    let n = diesel::update(
        api_tokens::table
            .find(id)
            .filter(api_tokens::user_id.eq(user_id)),
    )
    .set(api_tokens::revoked_at.eq(now))
    .execute(conn)?;
    if n == 0 {
        return Err(StoreError::NotFound);
    }
    Ok(())
}

/// Of `ids`, the sessions that no longer stand: revoked, their user disabled, or gone. One query
/// for every live feed of a process.
pub fn ended_sessions(conn: &mut AnyConnection, ids: &[i64]) -> Result<Vec<i64>, StoreError> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let standing: Vec<i64> = sessions::table
        .inner_join(users::table)
        .filter(sessions::id.eq_any(ids))
        .filter(sessions::revoked_at.is_null())
        .filter(users::active.eq(true))
        .select(sessions::id)
        .load(conn)?;
    Ok(ids
        .iter()
        .copied()
        .filter(|id| !standing.contains(id))
        .collect())
}

/// The channel on which PostgreSQL announces, at commit, a change to what an access token's
/// check reads (triggers on `sessions`, `users` and `contacts`): the user's id, or `*` when a
/// change may touch any user (a contact merged).
pub const STANDING_CHANNEL: &str = "helpdesk_standing";

/// Makes `conn` receive the announcements of changed standing; `false` on SQLite, which
/// announces nothing.
pub fn listen_standing(conn: &mut AnyConnection) -> Result<bool, StoreError> {
    use diesel::connection::SimpleConnection;
    match conn {
        AnyConnection::Postgresql(c) => {
            c.batch_execute(&format!("LISTEN {STANDING_CHANNEL}"))?;
            Ok(true)
        }
        AnyConnection::Sqlite(_) => Ok(false),
    }
}

/// What changed standing was announced to a listening connection since the last call: one
/// entry per announcement, `Some(user)` or `None` for "anyone". Reads what the server already
/// sent (no round trip); an error means the connection broke.
pub fn standing_changes(conn: &mut AnyConnection) -> Result<Vec<Option<i64>>, StoreError> {
    let AnyConnection::Postgresql(c) = conn else {
        return Ok(Vec::new());
    };
    let mut changed = Vec::new();
    for note in c.notifications_iter() {
        changed.push(note?.payload.parse().ok());
    }
    Ok(changed)
}
