//! Field-level history: one row per changed field, written in the transaction of the change.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::schema::audit_entries;
use crate::{AnyConnection, Page, StoreError};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = audit_entries)]
pub struct AuditRow {
    pub id: i64,
    pub entity_type: String,
    pub entity_id: i64,
    pub field: String,
    pub old_value: Option<String>,
    pub new_value: Option<String>,
    pub actor_user_id: Option<i64>,
    pub created_at: NaiveDateTime,
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = audit_entries, treat_none_as_default_value = false)]
pub struct NewAuditEntry<'a> {
    pub entity_type: &'a str,
    pub entity_id: i64,
    pub field: &'a str,
    pub old_value: Option<String>,
    pub new_value: Option<String>,
    pub actor_user_id: Option<i64>,
    pub created_at: NaiveDateTime,
}

pub fn insert(conn: &mut AnyConnection, entry: &NewAuditEntry<'_>) -> Result<(), StoreError> {
    diesel::insert_into(audit_entries::table)
        .values(entry)
        .execute(conn)?;
    Ok(())
}

/// The history of one record, oldest first.
pub fn history(
    conn: &mut AnyConnection,
    entity_type: &str,
    entity_id: i64,
    limit: i64,
    cursor: Option<i64>,
) -> Result<Page<AuditRow>, StoreError> {
    let rows = audit_entries::table
        .filter(audit_entries::entity_type.eq(entity_type))
        .filter(audit_entries::entity_id.eq(entity_id))
        .filter(audit_entries::id.gt(cursor.unwrap_or(0)))
        .order(audit_entries::id.asc())
        .limit(limit + 1)
        .select(AuditRow::as_select())
        .load(conn)?;
    Ok(Page::from_overfetch(rows, limit, |r| r.id))
}
