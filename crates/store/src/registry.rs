//! Cached answers of the company registry.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::AnyConnection;
use crate::schema::registry_cache;
use crate::StoreError;

/// The cached answer for an INN and when it was fetched.
pub fn cached(
    conn: &mut AnyConnection,
    inn: &str,
) -> Result<Option<(String, NaiveDateTime)>, StoreError> {
    Ok(registry_cache::table
        .find(inn)
        .select((registry_cache::payload, registry_cache::fetched_at))
        .first(conn)
        .optional()?)
}

pub fn store(
    conn: &mut AnyConnection,
    inn: &str,
    payload: &str,
    now: NaiveDateTime,
) -> Result<(), StoreError> {
    diesel::delete(registry_cache::table.find(inn)).execute(conn)?;
    diesel::insert_into(registry_cache::table)
        .values((
            registry_cache::inn.eq(inn),
            registry_cache::payload.eq(payload),
            registry_cache::fetched_at.eq(now),
        ))
        .execute(conn)?;
    Ok(())
}
