//! Leads and comments on CRM records.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::crm::{like_pattern, lower};
use crate::db::AnyConnection;
use crate::schema::{comments, leads};
use crate::{Page, StoreError};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = leads)]
pub struct LeadRow {
    pub id: i64,
    pub number: i64,
    pub first_name: Option<String>,
    pub last_name: String,
    pub organization_name: Option<String>,
    pub title: Option<String>,
    pub phones: String,
    pub emails: String,
    pub website: Option<String>,
    pub source: Option<String>,
    pub status: String,
    pub rating: Option<String>,
    pub industry: Option<String>,
    pub annual_revenue: Option<i64>,
    pub employees: Option<i32>,
    pub social_profiles: String,
    pub do_not_email: bool,
    pub address: Option<String>,
    pub description: Option<String>,
    pub owner_id: Option<i64>,
    pub created_by_id: Option<i64>,
    pub converted_organization_id: Option<i64>,
    pub converted_contact_id: Option<i64>,
    pub converted_case_id: Option<i64>,
    pub converted_at: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    /// Set on a tombstone: the lead this one was merged into.
    pub merged_into_id: Option<i64>,
}

/// Every field a user edits (create and full replace).
#[derive(Debug, Clone, Insertable, AsChangeset)]
#[diesel(table_name = leads, treat_none_as_null = true)]
pub struct LeadValues {
    pub first_name: Option<String>,
    pub last_name: String,
    pub organization_name: Option<String>,
    pub title: Option<String>,
    pub phones: String,
    pub emails: String,
    pub website: Option<String>,
    pub source: Option<String>,
    pub status: String,
    pub rating: Option<String>,
    pub industry: Option<String>,
    pub annual_revenue: Option<i64>,
    pub employees: Option<i32>,
    pub social_profiles: String,
    pub do_not_email: bool,
    pub address: Option<String>,
    pub description: Option<String>,
    pub owner_id: Option<i64>,
    pub updated_at: NaiveDateTime,
}

/// The number of a new lead: PostgreSQL takes it from a sequence in the INSERT (`None`);
/// SQLite's single writer makes the highest plus one safe.
fn next_number(conn: &mut AnyConnection) -> Result<Option<i64>, StoreError> {
    match conn {
        AnyConnection::Postgresql(_) => Ok(None),
        AnyConnection::Sqlite(c) => Ok(Some(
            leads::table
                .select(diesel::dsl::max(leads::number))
                .first::<Option<i64>>(c)?
                .unwrap_or(0)
                + 1,
        )),
    }
}

pub fn insert_lead(
    conn: &mut AnyConnection,
    values: &LeadValues,
    created_by: Option<i64>,
    now: NaiveDateTime,
) -> Result<LeadRow, StoreError> {
    let number = next_number(conn)?;
    let common = (
        values,
        leads::created_by_id.eq(created_by),
        leads::created_at.eq(now),
    );
    Ok(match number {
        Some(n) => diesel::insert_into(leads::table)
            .values((common, leads::number.eq(n)))
            .returning(leads::all_columns)
            .get_result(conn)?,
        None => diesel::insert_into(leads::table)
            .values(common)
            .returning(leads::all_columns)
            .get_result(conn)?,
    })
}

pub fn lead(conn: &mut AnyConnection, id: i64) -> Result<LeadRow, StoreError> {
    Ok(leads::table
        .find(id)
        .select(LeadRow::as_select())
        .first(conn)?)
}

pub fn update_lead(
    conn: &mut AnyConnection,
    id: i64,
    values: &LeadValues,
) -> Result<LeadRow, StoreError> {
    Ok(diesel::update(leads::table.find(id))
        .set(values)
        .returning(leads::all_columns)
        .get_result(conn)?)
}

/// What a mass edit may change; `None` leaves a field alone.
#[derive(Debug, Clone, Default, AsChangeset)]
#[diesel(table_name = leads)]
pub struct LeadMassChanges {
    pub status: Option<String>,
    pub owner_id: Option<Option<i64>>,
    pub rating: Option<Option<String>>,
    pub source: Option<Option<String>>,
    pub updated_at: Option<NaiveDateTime>,
}

/// Applies the changes to the leads among `ids` that are not converted; returns how many.
pub fn mass_update(
    conn: &mut AnyConnection,
    ids: &[i64],
    changes: &LeadMassChanges,
) -> Result<usize, StoreError> {
    Ok(diesel::update(
        leads::table
            .filter(leads::id.eq_any(ids))
            .filter(leads::converted_at.is_null())
            .filter(leads::merged_into_id.is_null()),
    )
    .set(changes)
    .execute(conn)?)
}

/// Deletes the leads among `ids` that are not tombstones, their comments and the tombstones of
/// leads merged into them; returns how many leads.
pub fn delete_leads(conn: &mut AnyConnection, ids: &[i64]) -> Result<usize, StoreError> {
    let ids: Vec<i64> = leads::table
        .filter(leads::id.eq_any(ids))
        .filter(leads::merged_into_id.is_null())
        .select(leads::id)
        .load(conn)?;
    diesel::delete(leads::table.filter(leads::merged_into_id.eq_any(&ids))).execute(conn)?;
    diesel::delete(
        comments::table
            .filter(comments::entity_type.eq("lead"))
            .filter(comments::entity_id.eq_any(&ids)),
    )
    .execute(conn)?;
    Ok(diesel::delete(leads::table.filter(leads::id.eq_any(&ids))).execute(conn)?)
}

pub fn mark_converted(
    conn: &mut AnyConnection,
    id: i64,
    organization_id: Option<i64>,
    contact_id: Option<i64>,
    case_id: Option<i64>,
    now: NaiveDateTime,
) -> Result<LeadRow, StoreError> {
    Ok(diesel::update(leads::table.find(id))
        .set((
            leads::status.eq("converted"),
            leads::converted_organization_id.eq(organization_id),
            leads::converted_contact_id.eq(contact_id),
            leads::converted_case_id.eq(case_id),
            leads::converted_at.eq(now),
            leads::updated_at.eq(now),
        ))
        .returning(leads::all_columns)
        .get_result(conn)?)
}

#[derive(Debug, Clone, Default)]
pub struct LeadFilter {
    pub status: Option<String>,
    pub owner_id: Option<i64>,
    pub source: Option<String>,
    /// In the name, organization name or email addresses.
    pub text: Option<String>,
}

/// Leads, newest first.
pub fn list_leads(
    conn: &mut AnyConnection,
    f: &LeadFilter,
    limit: i64,
    cursor: Option<i64>,
) -> Result<Page<LeadRow>, StoreError> {
    let mut q = leads::table
        .select(LeadRow::as_select())
        .order(leads::id.desc())
        .limit(limit + 1)
        .filter(leads::merged_into_id.is_null())
        .into_boxed();
    if let Some(s) = &f.status {
        q = q.filter(leads::status.eq(s.clone()));
    }
    if let Some(o) = f.owner_id {
        q = q.filter(leads::owner_id.eq(o));
    }
    if let Some(s) = &f.source {
        q = q.filter(leads::source.eq(s.clone()));
    }
    if let Some(t) = &f.text {
        let p = like_pattern(t);
        q = q.filter(
            lower(leads::last_name)
                .like(p.clone())
                .escape('\\')
                .or(lower(leads::first_name.assume_not_null())
                    .like(p.clone())
                    .escape('\\'))
                .or(lower(leads::organization_name.assume_not_null())
                    .like(p.clone())
                    .escape('\\'))
                .or(lower(leads::emails).like(p).escape('\\')),
        );
    }
    if let Some(c) = cursor {
        q = q.filter(leads::id.lt(c));
    }
    Ok(Page::from_overfetch(q.load(conn)?, limit, |r| r.id))
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = comments)]
pub struct CommentRow {
    pub id: i64,
    pub entity_type: String,
    pub entity_id: i64,
    pub author_id: Option<i64>,
    pub body: String,
    pub created_at: NaiveDateTime,
}

pub fn comments_of(
    conn: &mut AnyConnection,
    entity_type: &str,
    entity_id: i64,
) -> Result<Vec<CommentRow>, StoreError> {
    Ok(comments::table
        .filter(comments::entity_type.eq(entity_type))
        .filter(comments::entity_id.eq(entity_id))
        .order(comments::id.asc())
        .select(CommentRow::as_select())
        .load(conn)?)
}

pub fn insert_comment(
    conn: &mut AnyConnection,
    entity_type: &str,
    entity_id: i64,
    author_id: i64,
    body: &str,
    now: NaiveDateTime,
) -> Result<CommentRow, StoreError> {
    Ok(diesel::insert_into(comments::table)
        .values((
            comments::entity_type.eq(entity_type),
            comments::entity_id.eq(entity_id),
            comments::author_id.eq(author_id),
            comments::body.eq(body),
            comments::created_at.eq(now),
        ))
        .returning(comments::all_columns)
        .get_result(conn)?)
}

/// Every lead's id, phones and emails (JSON), for duplicate detection.
pub fn lead_identities(conn: &mut AnyConnection) -> Result<Vec<(i64, String, String)>, StoreError> {
    Ok(leads::table
        .filter(leads::merged_into_id.is_null())
        .select((leads::id, leads::phones, leads::emails))
        .order(leads::id.asc())
        .load(conn)?)
}

/// Sets a lead's conversion links (a merge keeps those of the converted record).
pub fn set_conversion(
    conn: &mut AnyConnection,
    id: i64,
    organization_id: Option<i64>,
    contact_id: Option<i64>,
    case_id: Option<i64>,
    at: Option<NaiveDateTime>,
) -> Result<(), StoreError> {
    diesel::update(leads::table.find(id))
        .set((
            leads::converted_organization_id.eq(organization_id),
            leads::converted_contact_id.eq(contact_id),
            leads::converted_case_id.eq(case_id),
            leads::converted_at.eq(at),
        ))
        .execute(conn)?;
    Ok(())
}
