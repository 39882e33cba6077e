//! Attachment rows: one per upload, pointing at bytes in the [`crate::files::FileStore`].

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::schema::{attachments, stream_entries};
use crate::{AnyConnection, StoreError};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = attachments)]
pub struct AttachmentRow {
    pub id: i64,
    pub case_id: i64,
    pub entry_id: Option<i64>,
    pub sha256: String,
    pub size: i64,
    pub filename: String,
    pub content_type: String,
    pub uploaded_by_id: Option<i64>,
    pub created_at: NaiveDateTime,
    /// Why the bytes were not kept (e.g. over the size limit); `None` for a stored file.
    pub refused: Option<String>,
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = attachments, treat_none_as_default_value = false)]
pub struct NewAttachment<'a> {
    pub case_id: i64,
    pub entry_id: Option<i64>,
    pub sha256: &'a str,
    pub size: i64,
    pub filename: &'a str,
    pub content_type: &'a str,
    pub uploaded_by_id: Option<i64>,
    pub created_at: NaiveDateTime,
    pub refused: Option<String>,
}

pub fn insert_attachment(
    conn: &mut AnyConnection,
    new: &NewAttachment<'_>,
) -> Result<AttachmentRow, StoreError> {
    Ok(diesel::insert_into(attachments::table)
        .values(new)
        .returning(attachments::all_columns)
        .get_result(conn)?)
}

pub fn attachment(conn: &mut AnyConnection, id: i64) -> Result<AttachmentRow, StoreError> {
    Ok(attachments::table
        .find(id)
        .select(AttachmentRow::as_select())
        .first(conn)?)
}

/// Every attachment of a case, oldest first.
pub fn of_case(conn: &mut AnyConnection, case_id: i64) -> Result<Vec<AttachmentRow>, StoreError> {
    Ok(attachments::table
        .filter(attachments::case_id.eq(case_id))
        .order(attachments::id.asc())
        .select(AttachmentRow::as_select())
        .load(conn)?)
}

/// The attachments of a case that belong to entries of the given kinds (the portal's view:
/// public entries only).
pub fn of_case_entries_of_kind(
    conn: &mut AnyConnection,
    case_id: i64,
    kinds: &[&str],
) -> Result<Vec<AttachmentRow>, StoreError> {
    Ok(attachments::table
        .inner_join(
            stream_entries::table.on(attachments::entry_id.eq(stream_entries::id.nullable())),
        )
        .filter(attachments::case_id.eq(case_id))
        .filter(stream_entries::kind.eq_any(kinds.to_vec()))
        .order(attachments::id.asc())
        .select(AttachmentRow::as_select())
        .load(conn)?)
}

/// The attachments of the given entries, oldest first.
pub fn of_entries(
    conn: &mut AnyConnection,
    entry_ids: &[i64],
) -> Result<Vec<AttachmentRow>, StoreError> {
    if entry_ids.is_empty() {
        return Ok(Vec::new());
    }
    Ok(attachments::table
        .filter(attachments::entry_id.eq_any(entry_ids))
        .order(attachments::id.asc())
        .select(AttachmentRow::as_select())
        .load(conn)?)
}

/// Binds uploads of `case_id` by `uploader` that belong to no entry yet to `entry_id` of case
/// `into_case` (the same case, or the follow-up case a late message opened); returns how many
/// were bound (fewer than asked means some ids were not such uploads).
pub fn bind_to_entry(
    conn: &mut AnyConnection,
    ids: &[i64],
    case_id: i64,
    uploader: i64,
    into_case: i64,
    entry_id: i64,
) -> Result<usize, StoreError> {
    Ok(diesel::update(
        attachments::table
            .filter(attachments::id.eq_any(ids))
            .filter(attachments::case_id.eq(case_id))
            .filter(attachments::uploaded_by_id.eq(uploader))
            .filter(attachments::entry_id.is_null()),
    )
    .set((
        attachments::entry_id.eq(entry_id),
        attachments::case_id.eq(into_case),
    ))
    .execute(conn)?)
}

/// Moves every attachment of `from` to `into` (merging cases).
pub fn move_to_case(conn: &mut AnyConnection, from: i64, into: i64) -> Result<usize, StoreError> {
    Ok(
        diesel::update(attachments::table.filter(attachments::case_id.eq(from)))
            .set(attachments::case_id.eq(into))
            .execute(conn)?,
    )
}
