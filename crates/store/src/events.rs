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

/// Claims the oldest unprocessed events: marks them processed and returns those this call
/// marked. Concurrent callers never get the same event (on PostgreSQL the second UPDATE waits for
/// the first and then skips rows it finds processed). Run it in the transaction that handles them.
pub fn claim_unprocessed(
    conn: &mut AnyConnection,
    limit: i64,
    now: NaiveDateTime,
) -> Result<Vec<EventRow>, StoreError> {
    let ids: Vec<i64> = events::table
        .filter(events::processed_at.is_null())
        .order(events::id.asc())
        .limit(limit)
        .select(events::id)
        .load(conn)?;
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let mut rows: Vec<EventRow> = diesel::update(
        events::table
            .filter(events::id.eq_any(&ids))
            .filter(events::processed_at.is_null()),
    )
    .set(events::processed_at.eq(now))
    .returning(events::all_columns)
    .get_results(conn)?;
    rows.sort_by_key(|e| e.id);
    Ok(rows)
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

/// Case events with an id above `after`, oldest first (the live feed for agents).
pub fn case_events_after(
    conn: &mut AnyConnection,
    after: i64,
    limit: i64,
) -> Result<Vec<EventRow>, StoreError> {
    Ok(events::table
        .filter(events::id.gt(after))
        .filter(events::aggregate_type.eq("case"))
        .order(events::id.asc())
        .limit(limit)
        .select(EventRow::as_select())
        .load(conn)?)
}

/// The newest event id (0 when there is none).
pub fn latest_id(conn: &mut AnyConnection) -> Result<i64, StoreError> {
    Ok(events::table
        .select(diesel::dsl::max(events::id))
        .first::<Option<i64>>(conn)?
        .unwrap_or(0))
}

/// The case events among `ids` (ids a live reader saw missing and waits for).
pub fn case_events_in(conn: &mut AnyConnection, ids: &[i64]) -> Result<Vec<EventRow>, StoreError> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    Ok(events::table
        .filter(events::id.eq_any(ids))
        .filter(events::aggregate_type.eq("case"))
        .order(events::id.asc())
        .select(EventRow::as_select())
        .load(conn)?)
}

/// The channel committed events are announced on (PostgreSQL; a trigger on `events` notifies it,
/// delivered at commit).
pub const CHANNEL: &str = "helpdesk_events";

/// Makes `conn` receive the announcements of committed events (PostgreSQL; on SQLite, where
/// every writer is this process or a worker beside it, there is nothing to listen to).
pub fn listen(conn: &mut AnyConnection) -> Result<(), StoreError> {
    use diesel::connection::SimpleConnection;
    if let AnyConnection::Postgresql(c) = conn {
        c.batch_execute(&format!("LISTEN {CHANNEL}"))?;
    }
    Ok(())
}

/// How many announcements reached a listening connection since the last call. Reads what the
/// server already sent (no round trip); an error means the connection broke.
pub fn announcements(conn: &mut AnyConnection) -> Result<usize, StoreError> {
    let AnyConnection::Postgresql(c) = conn else {
        return Ok(0);
    };
    let mut n = 0;
    for note in c.notifications_iter() {
        note?;
        n += 1;
    }
    Ok(n)
}
