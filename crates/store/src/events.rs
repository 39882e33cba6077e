//! The transactional outbox: every change writes an `events` row in its own transaction;
//! consumers (the worker) read and mark them afterwards.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::schema::events;
use crate::{AnyConnection, StoreError};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = events)]
pub struct EventRow {
    pub id: i64,
    pub event_type: String,
    pub aggregate_type: String,
    pub aggregate_id: i64,
    pub actor_user_id: Option<i64>,
    pub payload: String,
    pub created_at: NaiveDateTime,
    pub processed_at: Option<NaiveDateTime>,
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = events, treat_none_as_default_value = false)]
pub struct NewEvent<'a> {
    pub event_type: &'a str,
    pub aggregate_type: &'a str,
    pub aggregate_id: i64,
    pub actor_user_id: Option<i64>,
    pub payload: String,
    pub created_at: NaiveDateTime,
}

pub fn insert_event(conn: &mut AnyConnection, event: &NewEvent<'_>) -> Result<i64, StoreError> {
    Ok(diesel::insert_into(events::table)
        .values(event)
        .returning(events::id)
        .get_result(conn)?)
}

/// The oldest unprocessed events, in the order they were written.
pub fn unprocessed(conn: &mut AnyConnection, limit: i64) -> Result<Vec<EventRow>, StoreError> {
    Ok(events::table
        .filter(events::processed_at.is_null())
        .order(events::id.asc())
        .limit(limit)
        .select(EventRow::as_select())
        .load(conn)?)
}

/// Marks events processed; returns how many were still unprocessed (another worker may have
/// taken some in between).
pub fn mark_processed(
    conn: &mut AnyConnection,
    ids: &[i64],
    now: NaiveDateTime,
) -> Result<usize, StoreError> {
    Ok(diesel::update(
        events::table
            .filter(events::id.eq_any(ids))
            .filter(events::processed_at.is_null()),
    )
    .set(events::processed_at.eq(now))
    .execute(conn)?)
}

pub fn for_aggregate(
    conn: &mut AnyConnection,
    aggregate_type: &str,
    aggregate_id: i64,
) -> Result<Vec<EventRow>, StoreError> {
    Ok(events::table
        .filter(events::aggregate_type.eq(aggregate_type))
        .filter(events::aggregate_id.eq(aggregate_id))
        .order(events::id.asc())
        .select(EventRow::as_select())
        .load(conn)?)
}
