//! CSV import jobs: the options, the progress and the report, advanced batch by batch.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::queue::ImportQueue;
use crate::schema::{crm_imports, organizations};
use crate::{AnyConnection, Page, StoreError};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = crm_imports)]
pub struct ImportRow {
    pub id: i64,
    pub entity_type: String,
    pub status: String,
    pub dry_run: bool,
    pub on_duplicate: String,
    pub options: String,
    pub filename: String,
    pub sha256: String,
    pub total_rows: i64,
    pub processed_rows: i64,
    pub created_count: i64,
    pub updated_count: i64,
    pub skipped_count: i64,
    pub failed_count: i64,
    pub report: String,
    pub error: Option<String>,
    pub lease_until: Option<NaiveDateTime>,
    pub created_by_id: Option<i64>,
    pub created_at: NaiveDateTime,
    pub started_at: Option<NaiveDateTime>,
    pub finished_at: Option<NaiveDateTime>,
    /// Runs that ended in a failure other than the rows' own (counted by the queue).
    pub attempts: i32,
    /// When an import whose run failed is taken up again.
    pub next_attempt_at: NaiveDateTime,
    pub last_error: Option<String>,
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = crm_imports)]
pub struct NewImport {
    pub entity_type: String,
    pub status: String,
    pub dry_run: bool,
    pub on_duplicate: String,
    pub options: String,
    pub filename: String,
    pub sha256: String,
    pub total_rows: i64,
    pub created_by_id: Option<i64>,
    pub created_at: NaiveDateTime,
}

/// Progress after a batch; written in the batch's transaction (a `None` is written as such:
/// the last batch clears the lease).
#[derive(Debug, Clone, AsChangeset)]
#[diesel(table_name = crm_imports, treat_none_as_null = true)]
pub struct Progress {
    pub status: String,
    pub processed_rows: i64,
    pub created_count: i64,
    pub updated_count: i64,
    pub skipped_count: i64,
    pub failed_count: i64,
    pub report: String,
    pub error: Option<String>,
    pub lease_until: Option<NaiveDateTime>,
    pub finished_at: Option<NaiveDateTime>,
}

pub fn insert(conn: &mut AnyConnection, new: &NewImport) -> Result<ImportRow, StoreError> {
    Ok(diesel::insert_into(crm_imports::table)
        .values(new)
        .returning(crm_imports::all_columns)
        .get_result(conn)?)
}

pub fn get(conn: &mut AnyConnection, id: i64) -> Result<ImportRow, StoreError> {
    Ok(crm_imports::table
        .find(id)
        .select(ImportRow::as_select())
        .first(conn)?)
}

/// Imports, newest first.
pub fn list(
    conn: &mut AnyConnection,
    limit: i64,
    cursor: Option<i64>,
) -> Result<Page<ImportRow>, StoreError> {
    let mut q = crm_imports::table
        .select(ImportRow::as_select())
        .order(crm_imports::id.desc())
        .limit(limit + 1)
        .into_boxed();
    if let Some(c) = cursor {
        q = q.filter(crm_imports::id.lt(c));
    }
    Ok(Page::from_overfetch(q.load(conn)?, limit, |r| r.id))
}

/// Takes the import due first — queued, waiting again after a failed run, or running under a
/// lease that ran out (its worker stopped) — until `lease_until`. Another worker's live lease
/// is left alone.
pub fn claim(
    conn: &mut AnyConnection,
    now: NaiveDateTime,
    lease_until: NaiveDateTime,
) -> Result<Option<ImportRow>, StoreError> {
    let Some(lease) = ImportQueue::take_due(conn, now, lease_until, 1)?.pop() else {
        return Ok(None);
    };
    started(conn, lease.id, now)
}

/// Takes import `id` if it is still queued (the request that created it runs a small one).
pub fn claim_queued(
    conn: &mut AnyConnection,
    id: i64,
    now: NaiveDateTime,
    lease_until: NaiveDateTime,
) -> Result<Option<ImportRow>, StoreError> {
    if ImportQueue::take(conn, &[id], now, lease_until)?.is_empty() {
        return Ok(None);
    }
    started(conn, id, now)
}

/// An import just taken: its first start kept.
fn started(
    conn: &mut AnyConnection,
    id: i64,
    now: NaiveDateTime,
) -> Result<Option<ImportRow>, StoreError> {
    diesel::update(
        crm_imports::table
            .find(id)
            .filter(crm_imports::started_at.is_null()),
    )
    .set(crm_imports::started_at.eq(now))
    .execute(conn)?;
    Ok(Some(get(conn, id)?))
}

/// An import given up: why, and when.
pub fn give_up(
    conn: &mut AnyConnection,
    id: i64,
    why: &str,
    now: NaiveDateTime,
) -> Result<(), StoreError> {
    diesel::update(crm_imports::table.find(id))
        .set((crm_imports::error.eq(why), crm_imports::finished_at.eq(now)))
        .execute(conn)?;
    Ok(())
}

/// Writes a batch's progress, if the caller still holds the lease it was given.
pub fn save_progress(
    conn: &mut AnyConnection,
    id: i64,
    held_lease: NaiveDateTime,
    progress: &Progress,
) -> Result<bool, StoreError> {
    let n = diesel::update(
        crm_imports::table
            .find(id)
            .filter(crm_imports::lease_until.eq(held_lease)),
    )
    .set(progress)
    .execute(conn)?;
    Ok(n == 1)
}

/// The live organizations with this INN, oldest first.
pub fn organizations_by_inn(conn: &mut AnyConnection, inn: &str) -> Result<Vec<i64>, StoreError> {
    Ok(organizations::table
        .filter(organizations::inn.eq(inn))
        .filter(organizations::merged_into_id.is_null())
        .order(organizations::id.asc())
        .select(organizations::id)
        .load(conn)?)
}

/// The live organizations named exactly so (ignoring case), oldest first.
pub fn organizations_by_name(conn: &mut AnyConnection, name: &str) -> Result<Vec<i64>, StoreError> {
    Ok(organizations::table
        .filter(crate::crm::lower(organizations::name).eq(name.to_lowercase()))
        .filter(organizations::merged_into_id.is_null())
        .order(organizations::id.asc())
        .select(organizations::id)
        .load(conn)?)
}
