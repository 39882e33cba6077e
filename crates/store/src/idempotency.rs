//! Stored answers of requests sent with an `Idempotency-Key`.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::AnyConnection;
use crate::schema::idempotency_keys;
use crate::StoreError;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = idempotency_keys)]
pub struct KeyRow {
    pub id: i64,
    pub principal: String,
    pub idem_key: String,
    pub fingerprint: String,
    pub status_code: Option<i32>,
    pub content_type: Option<String>,
    pub response_body: Option<String>,
    pub created_at: NaiveDateTime,
}

pub fn find(
    conn: &mut AnyConnection,
    principal: &str,
    key: &str,
) -> Result<Option<KeyRow>, StoreError> {
    Ok(idempotency_keys::table
        .filter(idempotency_keys::principal.eq(principal))
        .filter(idempotency_keys::idem_key.eq(key))
        .select(KeyRow::as_select())
        .first(conn)
        .optional()?)
}

/// Records that a request with this key is being handled; false when the key is taken.
pub fn claim(
    conn: &mut AnyConnection,
    principal: &str,
    key: &str,
    fingerprint: &str,
    now: NaiveDateTime,
) -> Result<bool, StoreError> {
    let insert = diesel::insert_into(idempotency_keys::table)
        .values((
            idempotency_keys::principal.eq(principal),
            idempotency_keys::idem_key.eq(key),
            idempotency_keys::fingerprint.eq(fingerprint),
            idempotency_keys::created_at.eq(now),
        ))
        .on_conflict_do_nothing();
    let n = match conn {
        AnyConnection::Postgresql(c) => insert.execute(c)?,
        AnyConnection::Sqlite(c) => insert.execute(c)?,
    };
    Ok(n == 1)
}

/// Stores the answer to replay.
pub fn complete(
    conn: &mut AnyConnection,
    principal: &str,
    key: &str,
    status: i32,
    content_type: Option<&str>,
    body: &str,
) -> Result<(), StoreError> {
    diesel::update(
        idempotency_keys::table
            .filter(idempotency_keys::principal.eq(principal))
            .filter(idempotency_keys::idem_key.eq(key)),
    )
    .set((
        idempotency_keys::status_code.eq(status),
        idempotency_keys::content_type.eq(content_type),
        idempotency_keys::response_body.eq(body),
    ))
    .execute(conn)?;
    Ok(())
}

pub fn delete(conn: &mut AnyConnection, principal: &str, key: &str) -> Result<(), StoreError> {
    diesel::delete(
        idempotency_keys::table
            .filter(idempotency_keys::principal.eq(principal))
            .filter(idempotency_keys::idem_key.eq(key)),
    )
    .execute(conn)?;
    Ok(())
}

/// Forgets keys created before `cutoff`; returns how many.
pub fn purge(conn: &mut AnyConnection, cutoff: NaiveDateTime) -> Result<usize, StoreError> {
    Ok(
        diesel::delete(idempotency_keys::table.filter(idempotency_keys::created_at.lt(cutoff)))
            .execute(conn)?,
    )
}
