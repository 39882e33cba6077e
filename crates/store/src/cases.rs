//! Cases, their contacts and their stream.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::crm::{like_pattern, lower};
use crate::schema::{case_contacts, case_followers, case_sla, cases, stream_entries};
use crate::{AnyConnection, Page, StoreError};

mod new_case;
pub use new_case::{insert_new_case, FirstEntry, NewCaseRows};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = cases)]
pub struct CaseRow {
    pub id: i64,
    pub number: i64,
    pub subject: String,
    pub description: String,
    pub status: String,
    pub priority: String,
    pub case_type: String,
    pub channel: String,
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
    pub status: String,
    pub priority: String,
    pub case_type: String,
    pub channel: String,
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
    pub status: Option<String>,
    pub priority: Option<String>,
    pub case_type: Option<String>,
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

/// Which cases a portal user may see: those where their contact is the requester or one of the
/// contacts, and, when allowed, every case of their organization.
#[derive(Debug, Clone, Copy)]
pub struct PortalScope {
    pub contact_id: i64,
    pub organization_id: Option<i64>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum CaseSort {
    #[default]
    NewestFirst,
    OldestFirst,
    /// Cases with a running SLA deadline, the soonest first.
    SlaDue,
}

#[derive(Debug, Clone, Default)]
pub struct CaseFilter {
    pub statuses: Vec<String>,
    pub priorities: Vec<String>,
    pub assignee_id: Option<i64>,
    pub unassigned: bool,
    pub team_id: Option<i64>,
    pub organization_id: Option<i64>,
    pub requester_id: Option<i64>,
    pub product_id: Option<i64>,
    pub number: Option<i64>,
    pub support_line: Option<i32>,
    pub created_from: Option<NaiveDateTime>,
    pub created_to: Option<NaiveDateTime>,
    pub updated_from: Option<NaiveDateTime>,
    pub updated_to: Option<NaiveDateTime>,
    pub subject_contains: Option<String>,
    pub portal: Option<PortalScope>,
    pub sla: Option<SlaFilter>,
    pub sort: CaseSort,
}

/// Cases by their SLA clocks, as of `now`.
#[derive(Debug, Clone, Copy)]
pub enum SlaFilter {
    /// A clock is breached, or a running one is past due.
    Breached { now: NaiveDateTime },
    /// Not breached, and a running clock is due by `until`.
    DueBy {
        now: NaiveDateTime,
        until: NaiveDateTime,
    },
    /// Breached, or a running clock is due by `until` (the "breaching SLA" queue).
    AtRisk { until: NaiveDateTime },
}

/// Applies a [`CaseFilter`]'s conditions (not its order or cursor) to a boxed query over
/// `cases LEFT JOIN case_sla`; shared by the list and the counts.
macro_rules! filter_cases {
    ($q:ident, $f:expr) => {{
        let f: &CaseFilter = $f;
        let mut q = $q;
        // One value compares with `=`: PostgreSQL plans `= ANY($1)` without knowing it is a single
        // value and then cannot walk the (team_id, status, id) index in order.
        match f.statuses.as_slice() {
            [] => {}
            [one] => q = q.filter(cases::status.eq(one.clone())),
            many => q = q.filter(cases::status.eq_any(many.to_vec())),
        }
        match f.priorities.as_slice() {
            [] => {}
            [one] => q = q.filter(cases::priority.eq(one.clone())),
            many => q = q.filter(cases::priority.eq_any(many.to_vec())),
        }
        if let Some(v) = f.assignee_id {
            q = q.filter(cases::assignee_id.eq(v));
        }
        if f.unassigned {
            q = q.filter(cases::assignee_id.is_null());
        }
        if let Some(v) = f.team_id {
            q = q.filter(cases::team_id.eq(v));
        }
        if let Some(v) = f.organization_id {
            q = q.filter(cases::organization_id.eq(v));
        }
        if let Some(v) = f.requester_id {
            q = q.filter(cases::requester_id.eq(v));
        }
        if let Some(v) = f.product_id {
            q = q.filter(cases::product_id.eq(v));
        }
        if let Some(v) = f.number {
            q = q.filter(cases::number.eq(v));
        }
        if let Some(v) = f.support_line {
            q = q.filter(cases::support_line.eq(v));
        }
        if let Some(v) = f.created_from {
            q = q.filter(cases::created_at.ge(v));
        }
        if let Some(v) = f.created_to {
            q = q.filter(cases::created_at.lt(v));
        }
        if let Some(v) = f.updated_from {
            q = q.filter(cases::updated_at.ge(v));
        }
        if let Some(v) = f.updated_to {
            q = q.filter(cases::updated_at.lt(v));
        }
        if let Some(text) = &f.subject_contains {
            q = q.filter(lower(cases::subject).like(like_pattern(text)).escape('\\'));
        }
        if let Some(scope) = f.portal {
            let as_contact = case_contacts::table
                .filter(case_contacts::contact_id.eq(scope.contact_id))
                .select(case_contacts::case_id);
            let mine = cases::requester_id
                .eq(scope.contact_id)
                .or(cases::id.eq_any(as_contact));
            q = match scope.organization_id {
                Some(org) => q.filter(mine.or(cases::organization_id.eq(org))),
                None => q.filter(mine),
            };
        }
        match f.sla {
            None => {}
            // The clocks are joined in (left): cases without them match neither.
            Some(SlaFilter::Breached { now }) => {
                q = q.filter(case_sla::breached.eq(true).or(case_sla::due_at.le(now)));
            }
            Some(SlaFilter::AtRisk { until }) => {
                q = q.filter(case_sla::breached.eq(true).or(case_sla::due_at.le(until)));
            }
            Some(SlaFilter::DueBy { now, until }) => {
                q = q
                    .filter(case_sla::breached.eq(false))
                    .filter(case_sla::due_at.gt(now))
                    .filter(case_sla::due_at.le(until));
            }
        }
        q
    }};
}

pub fn list_cases(
    conn: &mut AnyConnection,
    f: &CaseFilter,
    limit: i64,
    cursor: Option<i64>,
) -> Result<Page<CaseRow>, StoreError> {
    let q = cases::table
        .left_join(case_sla::table)
        .select(CaseRow::as_select())
        .into_boxed();
    let mut q = filter_cases!(q, f);
    q = match (f.sort, cursor) {
        (CaseSort::NewestFirst, Some(c)) => q.filter(cases::id.lt(c)),
        (CaseSort::OldestFirst, Some(c)) => q.filter(cases::id.gt(c)),
        (CaseSort::SlaDue, Some(c)) => {
            // The cursor is the last case shown; the page goes on from its deadline.
            let due: Option<NaiveDateTime> = case_sla::table
                .find(c)
                .select(case_sla::due_at)
                .first(conn)
                .optional()?
                .flatten();
            match due {
                Some(d) => q.filter(
                    case_sla::due_at
                        .gt(d)
                        .or(case_sla::due_at.eq(d).and(cases::id.gt(c))),
                ),
                // Its deadline is gone (met, paused) since: on from the cases after it.
                None => q.filter(cases::id.gt(c)),
            }
        }
        (_, None) => q,
    };
    q = match f.sort {
        CaseSort::NewestFirst => q.order(cases::id.desc()),
        CaseSort::OldestFirst => q.order(cases::id.asc()),
        CaseSort::SlaDue => q
            .filter(case_sla::due_at.is_not_null())
            .order((case_sla::due_at.asc(), cases::id.asc())),
    };
    let rows = q.limit(limit + 1).load(conn)?;
    Ok(Page::from_overfetch(rows, limit, |r| r.id))
}

/// How many cases match a filter (its order is irrelevant here): the queue counts.
pub fn count_cases(conn: &mut AnyConnection, f: &CaseFilter) -> Result<i64, StoreError> {
    let q = cases::table
        .left_join(case_sla::table)
        .select(diesel::dsl::count_star())
        .into_boxed();
    let q = filter_cases!(q, f);
    Ok(q.first(conn)?)
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = stream_entries)]
pub struct StreamEntryRow {
    pub id: i64,
    pub case_id: i64,
    pub kind: String,
    pub author_user_id: Option<i64>,
    pub author_contact_id: Option<i64>,
    pub body: String,
    pub created_at: NaiveDateTime,
    pub email_from: Option<String>,
    pub email_message_id: Option<String>,
    pub thread_rule: Option<String>,
    pub body_html: Option<String>,
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = stream_entries, treat_none_as_default_value = false)]
pub struct NewStreamEntry<'a> {
    pub case_id: i64,
    pub kind: &'a str,
    pub author_user_id: Option<i64>,
    pub author_contact_id: Option<i64>,
    pub body: &'a str,
    pub created_at: NaiveDateTime,
}

pub fn insert_stream_entry(
    conn: &mut AnyConnection,
    entry: &NewStreamEntry<'_>,
) -> Result<i64, StoreError> {
    Ok(diesel::insert_into(stream_entries::table)
        .values(entry)
        .returning(stream_entries::id)
        .get_result(conn)?)
}

pub fn stream_entry(conn: &mut AnyConnection, id: i64) -> Result<StreamEntryRow, StoreError> {
    Ok(stream_entries::table
        .find(id)
        .select(StreamEntryRow::as_select())
        .first(conn)?)
}

/// A case's stream in order; `kinds` limits it (the portal asks for public entries only).
pub fn stream(
    conn: &mut AnyConnection,
    case_id: i64,
    kinds: Option<&[&str]>,
    limit: i64,
    cursor: Option<i64>,
) -> Result<Page<StreamEntryRow>, StoreError> {
    let mut q = stream_entries::table
        .filter(stream_entries::case_id.eq(case_id))
        .select(StreamEntryRow::as_select())
        .into_boxed();
    if let Some(kinds) = kinds {
        q = q.filter(stream_entries::kind.eq_any(kinds.to_vec()));
    }
    if let Some(c) = cursor {
        q = q.filter(stream_entries::id.gt(c));
    }
    let rows = q
        .order(stream_entries::id.asc())
        .limit(limit + 1)
        .load(conn)?;
    Ok(Page::from_overfetch(rows, limit, |r| r.id))
}

/// Moves every stream entry of `from` to `into` (merging cases); returns how many moved.
pub fn move_stream(conn: &mut AnyConnection, from: i64, into: i64) -> Result<usize, StoreError> {
    Ok(
        diesel::update(stream_entries::table.filter(stream_entries::case_id.eq(from)))
            .set(stream_entries::case_id.eq(into))
            .execute(conn)?,
    )
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

/// Marks an entry as received by email: sender, Message-ID, the threading rule that matched and
/// the sanitized HTML body.
pub fn set_entry_email(
    conn: &mut AnyConnection,
    entry_id: i64,
    from: &str,
    message_id: &str,
    rule: &str,
    html: Option<&str>,
) -> Result<(), StoreError> {
    diesel::update(stream_entries::table.find(entry_id))
        .set((
            stream_entries::email_from.eq(from),
            stream_entries::email_message_id.eq(message_id),
            stream_entries::thread_rule.eq(rule),
            stream_entries::body_html.eq(html),
        ))
        .execute(conn)?;
    Ok(())
}

/// Turns a suggested follow-up (an internal entry) into what an agent decided it is: a public
/// message of the case (`accepted`) or the start of another case (`split`). False when the
/// entry is no longer a suggestion (decided meanwhile).
pub fn settle_suggested_entry(
    conn: &mut AnyConnection,
    entry_id: i64,
    kind: &str,
    rule: &str,
) -> Result<bool, StoreError> {
    let n = diesel::update(
        stream_entries::table
            .find(entry_id)
            .filter(stream_entries::thread_rule.eq("suggested")),
    )
    .set((
        stream_entries::kind.eq(kind),
        stream_entries::thread_rule.eq(rule),
    ))
    .execute(conn)?;
    Ok(n == 1)
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

/// Stream entries by id, in id order.
pub fn stream_entries_by_ids(
    conn: &mut AnyConnection,
    ids: &[i64],
) -> Result<Vec<StreamEntryRow>, StoreError> {
    Ok(stream_entries::table
        .filter(stream_entries::id.eq_any(ids))
        .order(stream_entries::id.asc())
        .select(StreamEntryRow::as_select())
        .load(conn)?)
}
