//! CSV import jobs: the options, the progress and the report, advanced batch by batch.

use chrono::NaiveDateTime;
use diesel::prelude::*;

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

/// Progress after a batch; written in the batch's transaction.
#[derive(Debug, Clone, AsChangeset)]
#[diesel(table_name = crm_imports)]
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

/// Takes the oldest import that is queued, or running under a lease that ran out (its worker
/// stopped), until `lease_until`. Another worker's live lease is left alone.
pub fn claim(
    conn: &mut AnyConnection,
    now: NaiveDateTime,
    lease_until: NaiveDateTime,
) -> Result<Option<ImportRow>, StoreError> {
    let candidate: Option<(i64, Option<NaiveDateTime>)> = crm_imports::table
        .filter(
            crm_imports::status.eq("queued").or(crm_imports::status
                .eq("running")
                .and(crm_imports::lease_until.lt(now))),
        )
        .order(crm_imports::id.asc())
        .select((crm_imports::id, crm_imports::lease_until))
        .first(conn)
        .optional()?;
    let Some((id, seen_lease)) = candidate else {
        return Ok(None);
    };
    // Compare-and-set on the lease seen, so two workers never both take it.
    let target = crm_imports::table
        .find(id)
        .filter(crm_imports::status.eq_any(["queued", "running"]));
    let n = match seen_lease {
        Some(l) => diesel::update(target.filter(crm_imports::lease_until.eq(l)))
            .set((
                crm_imports::status.eq("running"),
                crm_imports::lease_until.eq(lease_until),
            ))
            .execute(conn)?,
        None => diesel::update(target.filter(crm_imports::lease_until.is_null()))
            .set((
                crm_imports::status.eq("running"),
                crm_imports::lease_until.eq(lease_until),
                crm_imports::started_at.eq(now),
            ))
            .execute(conn)?,
    };
    if n == 0 {
        return Ok(None);
    }
    Ok(Some(get(conn, id)?))
}

/// Takes import `id` if it is still queued (the request that created it runs a small one).
pub fn claim_queued(
    conn: &mut AnyConnection,
    id: i64,
    now: NaiveDateTime,
    lease_until: NaiveDateTime,
) -> Result<Option<ImportRow>, StoreError> {
    let n = diesel::update(
        crm_imports::table
            .find(id)
            .filter(crm_imports::status.eq("queued")),
    )
    .set((
        crm_imports::status.eq("running"),
        crm_imports::lease_until.eq(lease_until),
        crm_imports::started_at.eq(now),
    ))
    .execute(conn)?;
    if n == 0 {
        return Ok(None);
    }
    Ok(Some(get(conn, id)?))
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
