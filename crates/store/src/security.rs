//! Sign-in throttle counters and the security event log.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use helpdesk_domain::throttle::Counter;

use crate::schema::{login_throttles, password_resets, security_events};
use crate::{AnyConnection, Page, StoreError};

/// The counters under `keys`, locked until the transaction ends (PostgreSQL; a SQLite write
/// transaction is exclusive anyway), so that concurrent sign-ins decide one after the other.
/// Missing counters are created first, so there is always a row to lock. Keys are locked in
/// sorted order, so two sign-ins sharing keys never deadlock.
pub fn lock_counters(
    conn: &mut AnyConnection,
    keys: &[String],
    now: NaiveDateTime,
) -> Result<Vec<(String, Counter)>, StoreError> {
    let mut sorted = keys.to_vec();
    sorted.sort();
    sorted.dedup();
    let mut out = Vec::with_capacity(sorted.len());
    for key in sorted {
        let fresh = (
            login_throttles::key.eq(&key),
            login_throttles::failures.eq(0),
            login_throttles::next_at.eq(now),
            login_throttles::updated_at.eq(now),
        );
        let insert = diesel::insert_into(login_throttles::table)
            .values(fresh)
            .on_conflict_do_nothing();
        let find = login_throttles::table.find(&key).select((
            login_throttles::failures,
            login_throttles::next_at,
            login_throttles::updated_at,
        ));
        let (failures, next_at, updated_at) = match conn {
            AnyConnection::Postgresql(c) => {
                insert.execute(c)?;
                find.for_update()
                    .first::<(i32, NaiveDateTime, NaiveDateTime)>(c)?
            }
            AnyConnection::Sqlite(c) => {
                insert.execute(c)?;
                find.first::<(i32, NaiveDateTime, NaiveDateTime)>(c)?
            }
        };
        out.push((
            key,
            Counter {
                failures,
                next_at,
                updated_at,
            },
        ));
    }
    Ok(out)
}

pub fn save_counter(
    conn: &mut AnyConnection,
    key: &str,
    counter: &Counter,
) -> Result<(), StoreError> {
    diesel::update(login_throttles::table.find(key))
        .set((
            login_throttles::failures.eq(counter.failures),
            login_throttles::next_at.eq(counter.next_at),
            login_throttles::updated_at.eq(counter.updated_at),
        ))
        .execute(conn)?;
    Ok(())
}

pub fn clear_counter(conn: &mut AnyConnection, key: &str) -> Result<(), StoreError> {
    diesel::delete(login_throttles::table.find(key)).execute(conn)?;
    Ok(())
}

/// Forgets counters unchanged since `before`; returns how many.
pub fn purge_counters(
    conn: &mut AnyConnection,
    before: NaiveDateTime,
) -> Result<usize, StoreError> {
    Ok(
        diesel::delete(login_throttles::table.filter(login_throttles::updated_at.lt(before)))
            .execute(conn)?,
    )
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = security_events)]
pub struct SecurityEventRow {
    pub id: i64,
    pub occurred_at: NaiveDateTime,
    pub kind: String,
    pub user_id: Option<i64>,
    pub actor_id: Option<i64>,
    pub email: Option<String>,
    pub ip: String,
    pub user_agent: String,
    pub reason: Option<String>,
    pub session_id: Option<i64>,
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = security_events)]
pub struct NewSecurityEvent<'a> {
    pub occurred_at: NaiveDateTime,
    pub kind: &'a str,
    pub user_id: Option<i64>,
    pub actor_id: Option<i64>,
    pub email: Option<&'a str>,
    pub ip: &'a str,
    pub user_agent: &'a str,
    pub reason: Option<&'a str>,
    pub session_id: Option<i64>,
}

pub fn record(conn: &mut AnyConnection, event: &NewSecurityEvent) -> Result<(), StoreError> {
    diesel::insert_into(security_events::table)
        .values(event)
        .execute(conn)?;
    Ok(())
}

/// Which events a listing returns; every part is optional.
#[derive(Debug, Clone, Default)]
pub struct EventFilter {
    pub kinds: Vec<String>,
    pub user_id: Option<i64>,
    pub ip: Option<String>,
    pub since: Option<NaiveDateTime>,
    pub until: Option<NaiveDateTime>,
}

/// Security events, newest first.
pub fn list(
    conn: &mut AnyConnection,
    filter: &EventFilter,
    limit: i64,
    cursor: Option<i64>,
) -> Result<Page<SecurityEventRow>, StoreError> {
    let mut q = security_events::table
        .select(SecurityEventRow::as_select())
        .into_boxed();
    if !filter.kinds.is_empty() {
        q = q.filter(security_events::kind.eq_any(filter.kinds.clone()));
    }
    if let Some(user) = filter.user_id {
        q = q.filter(
            security_events::user_id
                .eq(user)
                .or(security_events::actor_id.eq(user)),
        );
    }
    if let Some(ip) = &filter.ip {
        q = q.filter(security_events::ip.eq(ip.clone()));
    }
    if let Some(since) = filter.since {
        q = q.filter(security_events::occurred_at.ge(since));
    }
    if let Some(until) = filter.until {
        q = q.filter(security_events::occurred_at.lt(until));
    }
    if let Some(c) = cursor {
        q = q.filter(security_events::id.lt(c));
    }
    let rows = q
        .order(security_events::id.desc())
        .limit(limit + 1)
        .load(conn)?;
    Ok(Page::from_overfetch(rows, limit, |r| r.id))
}

/// Forgets events older than `before`; returns how many.
pub fn purge_events(conn: &mut AnyConnection, before: NaiveDateTime) -> Result<usize, StoreError> {
    Ok(
        diesel::delete(security_events::table.filter(security_events::occurred_at.lt(before)))
            .execute(conn)?,
    )
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = password_resets)]
pub struct PasswordResetRow {
    pub id: i64,
    pub user_id: i64,
    pub token_hash: String,
    pub created_at: NaiveDateTime,
    pub expires_at: NaiveDateTime,
    pub used_at: Option<NaiveDateTime>,
}

/// Stores a reset link for `user_id`, voiding the user's earlier unused ones.
pub fn replace_password_reset(
    conn: &mut AnyConnection,
    user_id: i64,
    token_hash: &str,
    now: NaiveDateTime,
    expires_at: NaiveDateTime,
) -> Result<(), StoreError> {
    diesel::delete(
        password_resets::table
            .filter(password_resets::user_id.eq(user_id))
            .filter(password_resets::used_at.is_null()),
    )
    .execute(conn)?;
    diesel::insert_into(password_resets::table)
        .values((
            password_resets::user_id.eq(user_id),
            password_resets::token_hash.eq(token_hash),
            password_resets::created_at.eq(now),
            password_resets::expires_at.eq(expires_at),
        ))
        .execute(conn)?;
    Ok(())
}

/// When the user's newest reset link was made, if any.
pub fn last_password_reset(
    conn: &mut AnyConnection,
    user_id: i64,
) -> Result<Option<NaiveDateTime>, StoreError> {
    Ok(password_resets::table
        .filter(password_resets::user_id.eq(user_id))
        .select(diesel::dsl::max(password_resets::created_at))
        .first::<Option<NaiveDateTime>>(conn)?)
}

pub fn password_reset_by_hash(
    conn: &mut AnyConnection,
    token_hash: &str,
) -> Result<Option<PasswordResetRow>, StoreError> {
    Ok(password_resets::table
        .filter(password_resets::token_hash.eq(token_hash))
        .select(PasswordResetRow::as_select())
        .first(conn)
        .optional()?)
}

/// Marks a reset link used; `false` when it already was (two submissions racing: one wins).
pub fn use_password_reset(
    conn: &mut AnyConnection,
    id: i64,
    now: NaiveDateTime,
) -> Result<bool, StoreError> {
    Ok(diesel::update(
        password_resets::table
            .find(id)
            .filter(password_resets::used_at.is_null()),
    )
    .set(password_resets::used_at.eq(now))
    .execute(conn)?
        == 1)
}
