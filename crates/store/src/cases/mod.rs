//! Cases, their contacts and their stream: the rows and their changes here, the list and its
//! filters in [`list`], the stream in [`stream`], a new case's rows in one round trip in
//! `new_case`.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use helpdesk_domain::{CaseStatus, CaseType, Channel, EntryKind, Priority};

use crate::crm::{like_pattern, lower};
use crate::schema::{case_contacts, case_followers, case_sla, cases, stream_entries};
use crate::{AnyConnection, Page, StoreError};

mod list;
mod new_case;
mod stream;

pub use list::*;
pub use new_case::{insert_new_case, FirstEntry, NewCaseRows};
pub use stream::*;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = cases)]
pub struct CaseRow {
    pub id: i64,
    pub number: i64,
    pub subject: String,
    pub description: String,
    pub status: CaseStatus,
    pub priority: Priority,
    pub case_type: CaseType,
    pub channel: Channel,
    pub organization_id: Option<i64>,
    pub customer_id: Option<i64>,
    pub requester_id: Option<i64>,
    pub product_id: Option<i64>,
    pub component_id: Option<i64>,
    pub support_line: i32,
    pub team_id: Option<i64>,
    pub assignee_id: Option<i64>,
    pub system_info: Option<String>,
    pub tags: String,
    pub created_by_id: Option<i64>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub resolution: Option<String>,
    pub merged_into_id: Option<i64>,
    pub follow_up_of_id: Option<i64>,
    pub closed_at: Option<NaiveDateTime>,
    pub mailbox_id: Option<i64>,
}

/// A new case. `None` fields are stored as NULL (not as SQL `DEFAULT`), so the INSERT has one
/// shape and PostgreSQL reuses its prepared statement.
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = cases, treat_none_as_default_value = false)]
pub struct NewCase {
    pub subject: String,
    pub description: String,
    pub status: CaseStatus,
    pub priority: Priority,
    pub case_type: CaseType,
    pub channel: Channel,
    pub organization_id: Option<i64>,
    pub customer_id: Option<i64>,
    pub requester_id: Option<i64>,
    pub product_id: Option<i64>,
    pub component_id: Option<i64>,
    pub support_line: i32,
    pub team_id: Option<i64>,
    pub assignee_id: Option<i64>,
    pub system_info: Option<String>,
    pub tags: String,
    pub created_by_id: Option<i64>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub follow_up_of_id: Option<i64>,
    pub mailbox_id: Option<i64>,
}

#[derive(Debug, Clone, Default, AsChangeset)]
#[diesel(table_name = cases)]
pub struct CaseChanges {
    pub subject: Option<String>,
    pub description: Option<String>,
    pub status: Option<CaseStatus>,
    pub priority: Option<Priority>,
    pub case_type: Option<CaseType>,
    pub organization_id: Option<Option<i64>>,
    pub customer_id: Option<Option<i64>>,
    pub requester_id: Option<Option<i64>>,
    pub product_id: Option<Option<i64>>,
    pub component_id: Option<Option<i64>>,
    pub support_line: Option<i32>,
    pub team_id: Option<Option<i64>>,
    pub assignee_id: Option<Option<i64>>,
    pub system_info: Option<Option<String>>,
    pub tags: Option<String>,
    pub updated_at: Option<NaiveDateTime>,
    pub resolution: Option<Option<String>>,
    pub merged_into_id: Option<Option<i64>>,
    pub closed_at: Option<Option<NaiveDateTime>>,
}

/// Inserts a case and returns the stored row (with its id and number) in the same round trip.
/// Inserts a case. `number` is `None` where the database assigns it (PostgreSQL's sequence
/// default); see [`crate::next_case_number`].
pub fn insert_case(
    conn: &mut AnyConnection,
    new: &NewCase,
    number: Option<i64>,
) -> Result<CaseRow, StoreError> {
    let row = match number {
        Some(n) => diesel::insert_into(cases::table)
            .values((new, cases::number.eq(n)))
            .returning(cases::all_columns)
            .get_result(conn)?,
        None => diesel::insert_into(cases::table)
            .values(new)
            .returning(cases::all_columns)
            .get_result(conn)?,
    };
    Ok(row)
}

pub fn update_case(
    conn: &mut AnyConnection,
    id: i64,
    changes: &CaseChanges,
) -> Result<(), StoreError> {
    match diesel::update(cases::table.find(id))
        .set(changes)
        .execute(conn)?
    {
        0 => Err(StoreError::NotFound),
        _ => Ok(()),
    }
}

pub fn touch_case(conn: &mut AnyConnection, id: i64, now: NaiveDateTime) -> Result<(), StoreError> {
    diesel::update(cases::table.find(id))
        .set(cases::updated_at.eq(now))
        .execute(conn)?;
    Ok(())
}

pub fn case(conn: &mut AnyConnection, id: i64) -> Result<CaseRow, StoreError> {
    Ok(cases::table
        .find(id)
        .select(CaseRow::as_select())
        .first(conn)?)
}

pub fn case_contact_ids(conn: &mut AnyConnection, case_id: i64) -> Result<Vec<i64>, StoreError> {
    Ok(case_contacts::table
        .filter(case_contacts::case_id.eq(case_id))
        .order(case_contacts::contact_id)
        .select(case_contacts::contact_id)
        .load(conn)?)
}

/// Contact ids of several cases at once, as (case, contact) pairs: one query for a whole page.
pub fn contact_ids_of_cases(
    conn: &mut AnyConnection,
    case_ids: &[i64],
) -> Result<Vec<(i64, i64)>, StoreError> {
    Ok(case_contacts::table
        .filter(case_contacts::case_id.eq_any(case_ids))
        .order((case_contacts::case_id, case_contacts::contact_id))
        .select((case_contacts::case_id, case_contacts::contact_id))
        .load(conn)?)
}

/// Adds contacts to a case that has none yet (a new case).
pub fn add_case_contacts(
    conn: &mut AnyConnection,
    case_id: i64,
    contact_ids: &[i64],
) -> Result<(), StoreError> {
    for contact_id in contact_ids {
        diesel::insert_into(case_contacts::table)
            .values((
                case_contacts::case_id.eq(case_id),
                case_contacts::contact_id.eq(contact_id),
            ))
            .execute(conn)?;
    }
    Ok(())
}

pub fn set_case_contacts(
    conn: &mut AnyConnection,
    case_id: i64,
    contact_ids: &[i64],
) -> Result<(), StoreError> {
    diesel::delete(case_contacts::table.filter(case_contacts::case_id.eq(case_id)))
        .execute(conn)?;
    for contact_id in contact_ids {
        diesel::insert_into(case_contacts::table)
            .values((
                case_contacts::case_id.eq(case_id),
                case_contacts::contact_id.eq(contact_id),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// The users who followed a case at `at` (those who started later did not see what happened
/// then), in the order they started.
pub fn followers_at(
    conn: &mut AnyConnection,
    case_id: i64,
    at: NaiveDateTime,
) -> Result<Vec<i64>, StoreError> {
    Ok(case_followers::table
        .filter(case_followers::case_id.eq(case_id))
        .filter(case_followers::created_at.le(at))
        .order((case_followers::created_at, case_followers::user_id))
        .select(case_followers::user_id)
        .load(conn)?)
}

/// The users following a case, in the order they started.
pub fn followers(conn: &mut AnyConnection, case_id: i64) -> Result<Vec<i64>, StoreError> {
    Ok(case_followers::table
        .filter(case_followers::case_id.eq(case_id))
        .order((case_followers::created_at, case_followers::user_id))
        .select(case_followers::user_id)
        .load(conn)?)
}

/// Adds a follower; following twice is not an error. Returns whether it is new.
pub fn follow(
    conn: &mut AnyConnection,
    case_id: i64,
    user_id: i64,
    now: NaiveDateTime,
) -> Result<bool, StoreError> {
    let already = case_followers::table
        .find((case_id, user_id))
        .count()
        .get_result::<i64>(conn)?
        > 0;
    if !already {
        diesel::insert_into(case_followers::table)
            .values((
                case_followers::case_id.eq(case_id),
                case_followers::user_id.eq(user_id),
                case_followers::created_at.eq(now),
            ))
            .execute(conn)?;
    }
    Ok(!already)
}

pub fn unfollow(conn: &mut AnyConnection, case_id: i64, user_id: i64) -> Result<bool, StoreError> {
    Ok(diesel::delete(case_followers::table.find((case_id, user_id))).execute(conn)? > 0)
}

/// The first team of a support line (by id), for escalation without a named team.
pub fn first_team_of_line(conn: &mut AnyConnection, line: i32) -> Result<Option<i64>, StoreError> {
    use crate::schema::teams;
    Ok(teams::table
        .filter(teams::support_line.eq(line))
        .order(teams::id)
        .select(teams::id)
        .first(conn)
        .optional()?)
}

/// The case with registration number `number`.
pub fn case_by_number(
    conn: &mut AnyConnection,
    number: i64,
) -> Result<Option<CaseRow>, StoreError> {
    Ok(cases::table
        .filter(cases::number.eq(number))
        .select(CaseRow::as_select())
        .first(conn)
        .optional()?)
}

/// The rows of several cases, by id.
pub fn cases_by_ids(conn: &mut AnyConnection, ids: &[i64]) -> Result<Vec<CaseRow>, StoreError> {
    Ok(cases::table
        .filter(cases::id.eq_any(ids))
        .order(cases::id.asc())
        .select(CaseRow::as_select())
        .load(conn)?)
}

/// A row of a raw query that selects case ids.
#[derive(diesel::QueryableByName)]
struct CaseId {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    id: i64,
}

/// For auto-close: cases in `status` whose last public message and move into `status` are both before
/// `cutoff` (and `only`, when given, is the case).
pub fn stale_cases(
    c: &mut AnyConnection,
    status: &str,
    cutoff: NaiveDateTime,
    only: Option<i64>,
    limit: i64,
) -> Result<Vec<i64>, StoreError> {
    // Literals are our own values (a status name, a formatted time, numbers), never input.
    let cutoff = cutoff.format("%Y-%m-%d %H:%M:%S%.6f");
    let only = only
        .map(|id| format!("AND c.id = {id}"))
        .unwrap_or_default();
    let sql = format!(
        "SELECT c.id AS id FROM cases c \
         WHERE c.status = '{status}' {only} \
         AND NOT EXISTS (SELECT 1 FROM stream_entries s WHERE s.case_id = c.id AND s.kind = 'public' AND s.created_at >= '{cutoff}') \
         AND NOT EXISTS (SELECT 1 FROM events e WHERE e.aggregate_type = 'case' AND e.aggregate_id = c.id \
                         AND e.event_type = 'case.status_changed' AND e.created_at >= '{cutoff}') \
         ORDER BY c.id LIMIT {limit}"
    );
    Ok(diesel::sql_query(sql)
        .load::<CaseId>(c)?
        .into_iter()
        .map(|r| r.id)
        .collect())
}
