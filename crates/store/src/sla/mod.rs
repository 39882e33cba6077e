//! Calendars, SLA policies, the clocks of each case and the durable timers (jobs) that fire
//! their warnings and breaches.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use helpdesk_domain::CaseStatus;

use crate::db::AnyConnection;
use crate::schema::{calendars, case_sla, cases, events, jobs, sla_policies, stream_entries};
use crate::StoreError;

mod calendar;
mod timers;

pub use calendar::*;
pub use timers::*;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = calendars)]
pub struct CalendarRow {
    pub id: i64,
    pub name: String,
    pub time_zone: String,
    pub week: String,
    pub holidays: String,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Clone, Insertable, AsChangeset)]
#[diesel(table_name = calendars)]
pub struct CalendarValues {
    pub name: String,
    pub time_zone: String,
    pub week: String,
    pub holidays: String,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = sla_policies)]
pub struct PolicyRow {
    pub id: i64,
    pub name: String,
    pub position: i32,
    pub active: bool,
    pub calendar_id: Option<i64>,
    pub conditions: String,
    pub targets: String,
    pub warn_percent: i32,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Clone, Insertable, AsChangeset)]
#[diesel(table_name = sla_policies, treat_none_as_null = true)]
pub struct PolicyValues {
    pub name: String,
    pub position: i32,
    pub active: bool,
    pub calendar_id: Option<i64>,
    pub conditions: String,
    pub targets: String,
    pub warn_percent: i32,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = case_sla)]
pub struct CaseSlaRow {
    pub case_id: i64,
    pub policy_id: i64,
    pub clocks: String,
    pub due_at: Option<NaiveDateTime>,
    pub breached: bool,
    pub fired: String,
    pub computed_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = jobs)]
pub struct JobRow {
    pub id: i64,
    pub kind: String,
    pub case_id: Option<i64>,
    pub key: String,
    pub run_at: NaiveDateTime,
    pub status: String,
    pub created_at: NaiveDateTime,
    pub done_at: Option<NaiveDateTime>,
    /// Failed attempts to fire it (the shared queue rule retries them).
    pub attempts: i32,
    pub lease_until: Option<NaiveDateTime>,
    pub last_error: Option<String>,
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = jobs)]
pub struct NewJob {
    pub kind: String,
    pub case_id: Option<i64>,
    pub key: String,
    pub run_at: NaiveDateTime,
    pub created_at: NaiveDateTime,
}

/// Job kinds.
pub const SLA_WARNING: &str = "sla.warning";
pub const SLA_BREACH: &str = "sla.breach";
pub const SLA_RECOMPUTE: &str = "sla.recompute";
/// Timers of workflow rules triggered by time in a status.
pub const RULE_TIME: &str = "rule.time";

// The clocks of cases.

pub fn case_sla(conn: &mut AnyConnection, case_id: i64) -> Result<Option<CaseSlaRow>, StoreError> {
    Ok(case_sla::table
        .find(case_id)
        .select(CaseSlaRow::as_select())
        .first(conn)
        .optional()?)
}

/// The clocks of a case, locked until the transaction ends (PostgreSQL; a SQLite write
/// transaction is exclusive anyway). Every writer of a case's clocks and timers takes this lock
/// first, so they never interleave and never deadlock.
pub fn lock_case_sla(
    conn: &mut AnyConnection,
    case_id: i64,
) -> Result<Option<CaseSlaRow>, StoreError> {
    let row = match conn {
        AnyConnection::Postgresql(c) => case_sla::table
            .find(case_id)
            .select(CaseSlaRow::as_select())
            .for_update()
            .first(c)
            .optional()?,
        AnyConnection::Sqlite(c) => case_sla::table
            .find(case_id)
            .select(CaseSlaRow::as_select())
            .first(c)
            .optional()?,
    };
    Ok(row)
}

/// [`lock_case_sla`], or `None` at once when another transaction holds it (PostgreSQL).
pub fn try_lock_case_sla(
    conn: &mut AnyConnection,
    case_id: i64,
) -> Result<Option<CaseSlaRow>, StoreError> {
    let row = match conn {
        AnyConnection::Postgresql(c) => case_sla::table
            .find(case_id)
            .select(CaseSlaRow::as_select())
            .for_update()
            .skip_locked()
            .first(c)
            .optional()?,
        AnyConnection::Sqlite(c) => case_sla::table
            .find(case_id)
            .select(CaseSlaRow::as_select())
            .first(c)
            .optional()?,
    };
    Ok(row)
}

pub fn case_slas(conn: &mut AnyConnection, ids: &[i64]) -> Result<Vec<CaseSlaRow>, StoreError> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    Ok(case_sla::table
        .filter(case_sla::case_id.eq_any(ids))
        .select(CaseSlaRow::as_select())
        .load(conn)?)
}

pub fn save_case_sla(conn: &mut AnyConnection, row: &CaseSlaRow) -> Result<(), StoreError> {
    let insert = diesel::insert_into(case_sla::table)
        .values(row)
        .on_conflict(case_sla::case_id)
        .do_update()
        .set((
            case_sla::policy_id.eq(row.policy_id),
            case_sla::clocks.eq(&row.clocks),
            case_sla::due_at.eq(row.due_at),
            case_sla::breached.eq(row.breached),
            case_sla::fired.eq(&row.fired),
            case_sla::computed_at.eq(row.computed_at),
        ));
    match conn {
        AnyConnection::Postgresql(c) => insert.execute(c)?,
        AnyConnection::Sqlite(c) => insert.execute(c)?,
    };
    Ok(())
}

/// Records the announcements made for a case's clocks, and drops the pending timer of the one
/// just made.
pub fn mark_fired(
    conn: &mut AnyConnection,
    case_id: i64,
    fired: &str,
    key: &str,
) -> Result<(), StoreError> {
    diesel::update(case_sla::table.find(case_id))
        .set(case_sla::fired.eq(fired))
        .execute(conn)?;
    diesel::delete(
        jobs::table
            .filter(jobs::case_id.eq(case_id))
            .filter(jobs::status.eq("pending"))
            .filter(jobs::key.eq(key)),
    )
    .execute(conn)?;
    Ok(())
}

pub fn clear_case_sla(conn: &mut AnyConnection, case_id: i64) -> Result<(), StoreError> {
    diesel::delete(case_sla::table.find(case_id)).execute(conn)?;
    Ok(())
}

/// The status changes of a case in order: (when, the event's JSON payload with `from`/`to`).
pub fn status_changes(
    conn: &mut AnyConnection,
    case_id: i64,
) -> Result<Vec<(NaiveDateTime, String)>, StoreError> {
    Ok(events::table
        .filter(events::aggregate_type.eq("case"))
        .filter(events::aggregate_id.eq(case_id))
        .filter(events::event_type.eq("case.status_changed"))
        .order(events::id.asc())
        .select((events::created_at, events::payload))
        .load(conn)?)
}

/// A public entry: when, its author user, its author contact.
pub type PublicEntry = (NaiveDateTime, Option<i64>, Option<i64>);

/// Public entries of a case in order.
pub fn public_entries(
    conn: &mut AnyConnection,
    case_id: i64,
) -> Result<Vec<PublicEntry>, StoreError> {
    Ok(stream_entries::table
        .filter(stream_entries::case_id.eq(case_id))
        .filter(stream_entries::kind.eq(helpdesk_domain::EntryKind::Public))
        .order(stream_entries::id.asc())
        .select((
            stream_entries::created_at,
            stream_entries::author_user_id,
            stream_entries::author_contact_id,
        ))
        .load(conn)?)
}

/// The status changes of several cases: (case, when, payload), in order.
pub fn status_changes_of(
    conn: &mut AnyConnection,
    case_ids: &[i64],
) -> Result<Vec<(i64, NaiveDateTime, String)>, StoreError> {
    Ok(events::table
        .filter(events::aggregate_type.eq("case"))
        .filter(events::aggregate_id.eq_any(case_ids))
        .filter(events::event_type.eq("case.status_changed"))
        // In the index's order, so SQLite walks the index rather than the whole table.
        .order((events::aggregate_id.asc(), events::id.asc()))
        .select((events::aggregate_id, events::created_at, events::payload))
        .load(conn)?)
}

/// The public entries of several cases: (case, when, author user, author contact), in order.
pub fn public_entries_of(
    conn: &mut AnyConnection,
    case_ids: &[i64],
) -> Result<Vec<(i64, PublicEntry)>, StoreError> {
    let rows: Vec<(i64, NaiveDateTime, Option<i64>, Option<i64>)> = stream_entries::table
        .filter(stream_entries::case_id.eq_any(case_ids))
        .filter(stream_entries::kind.eq(helpdesk_domain::EntryKind::Public))
        .order((stream_entries::case_id.asc(), stream_entries::id.asc()))
        .select((
            stream_entries::case_id,
            stream_entries::created_at,
            stream_entries::author_user_id,
            stream_entries::author_contact_id,
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(case, at, user, contact)| (case, (at, user, contact)))
        .collect())
}

/// [`lock_case_sla`] for several cases at once (in id order).
pub fn lock_case_slas(
    conn: &mut AnyConnection,
    case_ids: &[i64],
) -> Result<Vec<CaseSlaRow>, StoreError> {
    macro_rules! rows {
        () => {
            case_sla::table
                .filter(case_sla::case_id.eq_any(case_ids))
                .order(case_sla::case_id.asc())
                .select(CaseSlaRow::as_select())
        };
    }
    Ok(match conn {
        AnyConnection::Postgresql(c) => rows!().for_update().load(c)?,
        AnyConnection::Sqlite(c) => rows!().load(c)?,
    })
}

pub fn clear_case_slas(conn: &mut AnyConnection, case_ids: &[i64]) -> Result<(), StoreError> {
    if !case_ids.is_empty() {
        diesel::delete(case_sla::table.filter(case_sla::case_id.eq_any(case_ids))).execute(conn)?;
    }
    Ok(())
}

/// Cases whose clocks may still change (not closed, rejected or merged), by id from `after`.
pub fn live_case_ids(
    conn: &mut AnyConnection,
    after: i64,
    limit: i64,
) -> Result<Vec<i64>, StoreError> {
    Ok(cases::table
        .filter(cases::id.gt(after))
        .filter(cases::status.ne_all([
            CaseStatus::Closed,
            CaseStatus::Rejected,
            CaseStatus::Merged,
        ]))
        .order(cases::id.asc())
        .limit(limit)
        .select(cases::id)
        .load(conn)?)
}

/// Drops the clocks, and their timers, of cases no active policy covers any more.
pub fn clear_uncovered(conn: &mut AnyConnection, active: &[i64]) -> Result<usize, StoreError> {
    let n =
        diesel::delete(case_sla::table.filter(case_sla::policy_id.ne_all(active))).execute(conn)?;
    if n > 0 {
        // Timers of clocks that are gone (an anti-join, not a list).
        let kept = case_sla::table.filter(case_sla::case_id.nullable().eq(jobs::case_id));
        diesel::delete(
            jobs::table
                .filter(jobs::status.eq("pending"))
                .filter(jobs::kind.eq_any([SLA_WARNING, SLA_BREACH]))
                .filter(diesel::dsl::not(diesel::dsl::exists(kept))),
        )
        .execute(conn)?;
    }
    Ok(n)
}

// Jobs.
