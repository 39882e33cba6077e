//! Single sign-on: sign-ins in flight with an OpenID provider, and which account each of the
//! provider's subjects is.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::schema::{sso_logins, user_identities};
use crate::{AnyConnection, StoreError};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = sso_logins)]
pub struct SsoLoginRow {
    pub state: String,
    pub nonce: String,
    pub verifier: String,
    pub return_to: String,
    pub created_at: NaiveDateTime,
    pub user_id: Option<i64>,
    pub handoff_hash: Option<String>,
    pub signed_in_at: Option<NaiveDateTime>,
    pub used_at: Option<NaiveDateTime>,
}

pub fn start_login(
    conn: &mut AnyConnection,
    state: &str,
    nonce: &str,
    verifier: &str,
    return_to: &str,
    now: NaiveDateTime,
) -> Result<(), StoreError> {
    diesel::insert_into(sso_logins::table)
        .values((
            sso_logins::state.eq(state),
            sso_logins::nonce.eq(nonce),
            sso_logins::verifier.eq(verifier),
            sso_logins::return_to.eq(return_to),
            sso_logins::created_at.eq(now),
        ))
        .execute(conn)?;
    Ok(())
}

/// Takes the sign-in of `state` for its callback: `None` when unknown, answered already or
/// started before `since`. Only one of two concurrent callbacks gets it.
pub fn take_login(
    conn: &mut AnyConnection,
    state: &str,
    since: NaiveDateTime,
    now: NaiveDateTime,
) -> Result<Option<SsoLoginRow>, StoreError> {
    let target = sso_logins::table
        .filter(sso_logins::state.eq(state))
        .filter(sso_logins::signed_in_at.is_null())
        .filter(sso_logins::created_at.ge(since));
    if diesel::update(target)
        .set(sso_logins::signed_in_at.eq(now))
        .execute(conn)?
        != 1
    {
        return Ok(None);
    }
    Ok(Some(
        sso_logins::table
            .find(state)
            .select(SsoLoginRow::as_select())
            .first(conn)?,
    ))
}

/// Records who the sign-in of `state` signed in, and the hash of the code that hands their
/// session to the app.
pub fn signed_in(
    conn: &mut AnyConnection,
    state: &str,
    user_id: i64,
    handoff_hash: &str,
) -> Result<(), StoreError> {
    diesel::update(sso_logins::table.find(state))
        .set((
            sso_logins::user_id.eq(user_id),
            sso_logins::handoff_hash.eq(handoff_hash),
        ))
        .execute(conn)?;
    Ok(())
}

/// Uses the hand-off code of `hash` once: the sign-in, when it was answered after `since` and
/// not used yet.
pub fn use_handoff(
    conn: &mut AnyConnection,
    hash: &str,
    since: NaiveDateTime,
    now: NaiveDateTime,
) -> Result<Option<SsoLoginRow>, StoreError> {
    let target = sso_logins::table
        .filter(sso_logins::handoff_hash.eq(hash))
        .filter(sso_logins::used_at.is_null())
        .filter(sso_logins::signed_in_at.ge(since));
    if diesel::update(target)
        .set(sso_logins::used_at.eq(now))
        .execute(conn)?
        != 1
    {
        return Ok(None);
    }
    Ok(Some(
        sso_logins::table
            .filter(sso_logins::handoff_hash.eq(hash))
            .select(SsoLoginRow::as_select())
            .first(conn)?,
    ))
}

/// Forgets sign-ins started before `before`.
pub fn purge_logins(conn: &mut AnyConnection, before: NaiveDateTime) -> Result<usize, StoreError> {
    Ok(
        diesel::delete(sso_logins::table.filter(sso_logins::created_at.lt(before)))
            .execute(conn)?,
    )
}

/// The account of the provider's `subject`.
pub fn user_of(
    conn: &mut AnyConnection,
    issuer: &str,
    subject: &str,
) -> Result<Option<i64>, StoreError> {
    Ok(user_identities::table
        .find((issuer, subject))
        .select(user_identities::user_id)
        .first(conn)
        .optional()?)
}

pub fn link(
    conn: &mut AnyConnection,
    issuer: &str,
    subject: &str,
    user_id: i64,
    now: NaiveDateTime,
) -> Result<(), StoreError> {
    diesel::insert_into(user_identities::table)
        .values((
            user_identities::issuer.eq(issuer),
            user_identities::subject.eq(subject),
            user_identities::user_id.eq(user_id),
            user_identities::created_at.eq(now),
        ))
        .execute(conn)?;
    Ok(())
}
