//! Request counts per key and one-minute window, shared by every API replica.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::AnyConnection;
use crate::schema::rate_limits;
use crate::StoreError;

/// Counts one request of `key` in the window starting at `window`; returns the requests counted
/// in it so far, this one included. One statement, atomic under concurrency.
pub fn hit(conn: &mut AnyConnection, key: &str, window: NaiveDateTime) -> Result<i32, StoreError> {
    let insert = diesel::insert_into(rate_limits::table)
        .values((
            rate_limits::key.eq(key),
            rate_limits::window_start.eq(window),
            rate_limits::hits.eq(1),
        ))
        .on_conflict((rate_limits::key, rate_limits::window_start))
        .do_update()
        .set(rate_limits::hits.eq(rate_limits::hits + 1))
        .returning(rate_limits::hits);
    Ok(match conn {
        AnyConnection::Postgresql(c) => insert.get_result(c)?,
        AnyConnection::Sqlite(c) => insert.get_result(c)?,
    })
}

/// Forgets windows that began before `before`; returns how many.
pub fn purge(conn: &mut AnyConnection, before: NaiveDateTime) -> Result<usize, StoreError> {
    Ok(
        diesel::delete(rate_limits::table.filter(rate_limits::window_start.lt(before)))
            .execute(conn)?,
    )
}
