//! A case's stream: entries written, read, moved by merges, and marked as mail.

use super::*;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = stream_entries)]
pub struct StreamEntryRow {
    pub id: i64,
    pub case_id: i64,
    pub kind: EntryKind,
    pub author_user_id: Option<i64>,
    pub author_contact_id: Option<i64>,
    pub body: String,
    pub created_at: NaiveDateTime,
    pub email_from: Option<String>,
    pub email_message_id: Option<String>,
    pub thread_rule: Option<String>,
    pub body_html: Option<String>,
    /// For a system entry: what it says as data (a JSON array of tagged events).
    pub events: Option<String>,
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = stream_entries, treat_none_as_default_value = false)]
pub struct NewStreamEntry<'a> {
    pub case_id: i64,
    pub kind: EntryKind,
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

/// A system entry with what it says as data (`events`, a JSON array).
pub fn insert_system_entry(
    conn: &mut AnyConnection,
    entry: &NewStreamEntry<'_>,
    events: &str,
) -> Result<i64, StoreError> {
    Ok(diesel::insert_into(stream_entries::table)
        .values((entry, stream_entries::events.eq(Some(events))))
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
