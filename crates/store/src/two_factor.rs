//! Two-factor sign-in: each user's sealed authenticator secret, the last step a code was used
//! for, and their recovery codes (hashed).

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::schema::{recovery_codes, two_factor};
use crate::{AnyConnection, StoreError};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = two_factor)]
pub struct TwoFactorRow {
    pub user_id: i64,
    /// Sealed with the server's key; the service opens it.
    pub secret: String,
    pub created_at: NaiveDateTime,
    /// `None` while the enrolment waits for its first code.
    pub confirmed_at: Option<NaiveDateTime>,
    pub last_step: i64,
}

pub fn two_factor(
    conn: &mut AnyConnection,
    user_id: i64,
) -> Result<Option<TwoFactorRow>, StoreError> {
    Ok(two_factor::table
        .find(user_id)
        .select(TwoFactorRow::as_select())
        .first(conn)
        .optional()?)
}

/// Starts an enrolment: replaces any earlier unconfirmed secret of the user. Refuses (conflict)
/// when the user has two factors on already.
pub fn start_enrolment(
    conn: &mut AnyConnection,
    user_id: i64,
    sealed_secret: &str,
    now: NaiveDateTime,
) -> Result<(), StoreError> {
    if two_factor(conn, user_id)?.is_some_and(|row| row.confirmed_at.is_some()) {
        return Err(StoreError::Conflict(
            "two-factor sign-in is on already; turn it off first".into(),
        ));
    }
    diesel::delete(two_factor::table.find(user_id)).execute(conn)?;
    diesel::insert_into(two_factor::table)
        .values((
            two_factor::user_id.eq(user_id),
            two_factor::secret.eq(sealed_secret),
            two_factor::created_at.eq(now),
            two_factor::last_step.eq(0i64),
        ))
        .execute(conn)?;
    Ok(())
}

/// Takes `step` as used when it is later than the last one used (one winner among concurrent
/// sign-ins with the same code); confirms a pending enrolment with it. `false` when the step
/// was used already.
pub fn use_step(
    conn: &mut AnyConnection,
    user_id: i64,
    step: i64,
    now: NaiveDateTime,
) -> Result<bool, StoreError> {
    let target = two_factor::table
        .filter(two_factor::user_id.eq(user_id))
        .filter(two_factor::last_step.lt(step));
    let changed = diesel::update(target)
        .set(two_factor::last_step.eq(step))
        .execute(conn)?;
    if changed == 1 {
        let pending = two_factor::table
            .filter(two_factor::user_id.eq(user_id))
            .filter(two_factor::confirmed_at.is_null());
        diesel::update(pending)
            .set(two_factor::confirmed_at.eq(now))
            .execute(conn)?;
    }
    Ok(changed == 1)
}

/// Turns two factors off for the user: the secret and every recovery code go. `false` when
/// they were off.
pub fn remove(conn: &mut AnyConnection, user_id: i64) -> Result<bool, StoreError> {
    diesel::delete(recovery_codes::table.filter(recovery_codes::user_id.eq(user_id)))
        .execute(conn)?;
    Ok(diesel::delete(two_factor::table.find(user_id)).execute(conn)? == 1)
}

/// Replaces the user's recovery codes with `hashes`.
pub fn replace_recovery_codes(
    conn: &mut AnyConnection,
    user_id: i64,
    hashes: &[String],
    now: NaiveDateTime,
) -> Result<(), StoreError> {
    diesel::delete(recovery_codes::table.filter(recovery_codes::user_id.eq(user_id)))
        .execute(conn)?;
    // One statement per code: batch inserts do not cross backends.
    for hash in hashes {
        diesel::insert_into(recovery_codes::table)
            .values((
                recovery_codes::user_id.eq(user_id),
                recovery_codes::code_hash.eq(hash),
                recovery_codes::created_at.eq(now),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// Uses the user's unused recovery code of `hash`: `false` when there is none (wrong, or used).
pub fn use_recovery_code(
    conn: &mut AnyConnection,
    user_id: i64,
    hash: &str,
    now: NaiveDateTime,
) -> Result<bool, StoreError> {
    let target = recovery_codes::table
        .filter(recovery_codes::user_id.eq(user_id))
        .filter(recovery_codes::code_hash.eq(hash))
        .filter(recovery_codes::used_at.is_null());
    Ok(diesel::update(target)
        .set(recovery_codes::used_at.eq(now))
        .execute(conn)?
        == 1)
}

/// How many of the user's recovery codes are unused.
pub fn recovery_codes_left(conn: &mut AnyConnection, user_id: i64) -> Result<i64, StoreError> {
    Ok(recovery_codes::table
        .filter(recovery_codes::user_id.eq(user_id))
        .filter(recovery_codes::used_at.is_null())
        .count()
        .get_result(conn)?)
}

/// The users among `user_ids` who have two factors on.
pub fn enabled_among(conn: &mut AnyConnection, user_ids: &[i64]) -> Result<Vec<i64>, StoreError> {
    Ok(two_factor::table
        .filter(two_factor::user_id.eq_any(user_ids))
        .filter(two_factor::confirmed_at.is_not_null())
        .select(two_factor::user_id)
        .load(conn)?)
}
