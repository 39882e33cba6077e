//! Mailboxes, received messages and the Message-IDs that thread mail into cases.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use helpdesk_domain::Priority;

use crate::schema::{case_message_ids, inbound_messages, mailbox_imap_state, mailboxes};
use crate::{AnyConnection, Page, StoreError};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = mailboxes)]
pub struct MailboxRow {
    pub id: i64,
    pub name: String,
    pub address: String,
    pub imap_host: Option<String>,
    pub imap_port: Option<i32>,
    pub imap_tls: String,
    pub imap_user: Option<String>,
    pub imap_password_enc: Option<String>,
    pub imap_folder: String,
    pub processed_folder: Option<String>,
    pub smtp_host: Option<String>,
    pub smtp_port: Option<i32>,
    pub smtp_tls: String,
    pub smtp_user: Option<String>,
    pub smtp_password_enc: Option<String>,
    pub default_team_id: Option<i64>,
    pub default_priority: Priority,
    pub auto_reply: bool,
    pub auto_reply_en: Option<String>,
    pub auto_reply_ru: Option<String>,
    pub language: String,
    pub trust_organization_domain: bool,
    pub inbound_token_hash: Option<String>,
    pub active: bool,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

/// Every column a mailbox's owner sets; the same shape inserts and replaces.
#[derive(Debug, Clone, Insertable, AsChangeset)]
#[diesel(table_name = mailboxes, treat_none_as_null = true)]
pub struct MailboxForm {
    pub name: String,
    pub address: String,
    pub imap_host: Option<String>,
    pub imap_port: Option<i32>,
    pub imap_tls: String,
    pub imap_user: Option<String>,
    pub imap_password_enc: Option<String>,
    pub imap_folder: String,
    pub processed_folder: Option<String>,
    pub smtp_host: Option<String>,
    pub smtp_port: Option<i32>,
    pub smtp_tls: String,
    pub smtp_user: Option<String>,
    pub smtp_password_enc: Option<String>,
    pub default_team_id: Option<i64>,
    pub default_priority: Priority,
    pub auto_reply: bool,
    pub auto_reply_en: Option<String>,
    pub auto_reply_ru: Option<String>,
    pub language: String,
    pub trust_organization_domain: bool,
    pub active: bool,
    pub updated_at: NaiveDateTime,
}

pub fn insert_mailbox(
    conn: &mut AnyConnection,
    form: &MailboxForm,
    token_hash: &str,
    now: NaiveDateTime,
) -> Result<i64, StoreError> {
    Ok(diesel::insert_into(mailboxes::table)
        .values((
            form,
            mailboxes::inbound_token_hash.eq(token_hash),
            mailboxes::created_at.eq(now),
        ))
        .returning(mailboxes::id)
        .get_result(conn)?)
}

pub fn update_mailbox(
    conn: &mut AnyConnection,
    id: i64,
    form: &MailboxForm,
) -> Result<(), StoreError> {
    let n = diesel::update(mailboxes::table.find(id))
        .set(form)
        .execute(conn)?;
    if n == 0 {
        return Err(StoreError::NotFound);
    }
    Ok(())
}

pub fn set_inbound_token(
    conn: &mut AnyConnection,
    id: i64,
    token_hash: &str,
    now: NaiveDateTime,
) -> Result<(), StoreError> {
    let n = diesel::update(mailboxes::table.find(id))
        .set((
            mailboxes::inbound_token_hash.eq(token_hash),
            mailboxes::updated_at.eq(now),
        ))
        .execute(conn)?;
    if n == 0 {
        return Err(StoreError::NotFound);
    }
    Ok(())
}

pub fn mailbox(conn: &mut AnyConnection, id: i64) -> Result<MailboxRow, StoreError> {
    Ok(mailboxes::table
        .find(id)
        .select(MailboxRow::as_select())
        .first(conn)?)
}

pub fn list_mailboxes(conn: &mut AnyConnection) -> Result<Vec<MailboxRow>, StoreError> {
    Ok(mailboxes::table
        .order(mailboxes::id.asc())
        .select(MailboxRow::as_select())
        .load(conn)?)
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = inbound_messages)]
pub struct InboundRow {
    pub id: i64,
    pub mailbox_id: Option<i64>,
    pub message_id: String,
    pub raw_sha256: String,
    pub size: i64,
    pub source: String,
    pub from_address: Option<String>,
    pub subject: Option<String>,
    pub status: String,
    pub case_id: Option<i64>,
    pub entry_id: Option<i64>,
    pub thread_rule: Option<String>,
    pub note: Option<String>,
    pub received_at: NaiveDateTime,
    pub processed_at: Option<NaiveDateTime>,
    /// Processing attempts that ended (done or failed).
    pub attempts: i32,
    /// When a message whose processing failed is tried again.
    pub next_attempt_at: NaiveDateTime,
    pub lease_until: Option<NaiveDateTime>,
    pub last_error: Option<String>,
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = inbound_messages, treat_none_as_default_value = false)]
pub struct NewInbound<'a> {
    pub mailbox_id: Option<i64>,
    pub message_id: &'a str,
    pub raw_sha256: &'a str,
    pub size: i64,
    pub source: &'a str,
    pub from_address: Option<&'a str>,
    pub subject: Option<&'a str>,
    pub status: &'a str,
    pub received_at: NaiveDateTime,
}

pub fn inbound_by_message_id(
    conn: &mut AnyConnection,
    message_id: &str,
) -> Result<Option<InboundRow>, StoreError> {
    Ok(inbound_messages::table
        .filter(inbound_messages::message_id.eq(message_id))
        .select(InboundRow::as_select())
        .first(conn)
        .optional()?)
}

pub fn insert_inbound(conn: &mut AnyConnection, new: &NewInbound<'_>) -> Result<i64, StoreError> {
    Ok(diesel::insert_into(inbound_messages::table)
        .values(new)
        .returning(inbound_messages::id)
        .get_result(conn)?)
}

pub fn inbound(conn: &mut AnyConnection, id: i64) -> Result<InboundRow, StoreError> {
    Ok(inbound_messages::table
        .find(id)
        .select(InboundRow::as_select())
        .first(conn)?)
}

/// The received message an entry of a case was made from.
pub fn inbound_of_entry(
    conn: &mut AnyConnection,
    entry_id: i64,
) -> Result<Option<InboundRow>, StoreError> {
    Ok(inbound_messages::table
        .filter(inbound_messages::entry_id.eq(entry_id))
        .select(InboundRow::as_select())
        .first(conn)
        .optional()?)
}

/// Takes a received message for processing, in the processing transaction (PostgreSQL keeps
/// the row locked until it commits); `None` when another process has it or it is done.
pub fn claim_inbound(
    conn: &mut AnyConnection,
    id: i64,
    now: NaiveDateTime,
) -> Result<Option<InboundRow>, StoreError> {
    let until = crate::queue::lease_until(now, chrono::Duration::minutes(5));
    if crate::queue::ReceivedQueue::take(conn, &[id], now, until)?.is_empty() {
        return Ok(None);
    }
    Ok(Some(inbound(conn, id)?))
}

/// Records what processing did.
#[allow(clippy::too_many_arguments)]
pub fn finish_inbound(
    conn: &mut AnyConnection,
    id: i64,
    status: &str,
    case_id: Option<i64>,
    entry_id: Option<i64>,
    rule: Option<&str>,
    note: Option<&str>,
    now: NaiveDateTime,
) -> Result<(), StoreError> {
    crate::queue::ReceivedQueue::finish(conn, id, status, None)?;
    diesel::update(inbound_messages::table.find(id))
        .set((
            inbound_messages::case_id.eq(case_id),
            inbound_messages::entry_id.eq(entry_id),
            inbound_messages::thread_rule.eq(rule),
            inbound_messages::note.eq(note),
            inbound_messages::processed_at.eq(now),
        ))
        .execute(conn)?;
    Ok(())
}

/// Received messages, newest first, optionally only those in `statuses` (the failed ones and
/// those waiting after a failure: `received` with attempts made).
pub fn list_inbound(
    conn: &mut AnyConnection,
    problems: bool,
    limit: i64,
    cursor: Option<i64>,
) -> Result<Page<InboundRow>, StoreError> {
    let mut q = inbound_messages::table
        .select(InboundRow::as_select())
        .into_boxed();
    if problems {
        q = q.filter(
            inbound_messages::status
                .eq("failed")
                .or(inbound_messages::status
                    .eq("received")
                    .and(inbound_messages::attempts.gt(0))),
        );
    }
    if let Some(c) = cursor {
        q = q.filter(inbound_messages::id.lt(c));
    }
    let rows = q
        .order(inbound_messages::id.desc())
        .limit(limit + 1)
        .load(conn)?;
    Ok(Page::from_overfetch(rows, limit, |r| r.id))
}

/// Puts a message that failed every retry back in the queue, due now, with a fresh count.
/// `false` when it is not `failed`.
pub fn retry_inbound(
    conn: &mut AnyConnection,
    id: i64,
    now: NaiveDateTime,
) -> Result<bool, StoreError> {
    Ok(diesel::update(
        inbound_messages::table
            .find(id)
            .filter(inbound_messages::status.eq("failed")),
    )
    .set((
        inbound_messages::status.eq("received"),
        inbound_messages::attempts.eq(0),
        inbound_messages::next_attempt_at.eq(now),
        inbound_messages::lease_until.eq(None::<NaiveDateTime>),
    ))
    .execute(conn)?
        == 1)
}

/// Records a Message-ID of a case (received or sent); a known one is left alone.
pub fn remember_message_id(
    conn: &mut AnyConnection,
    message_id: &str,
    case_id: i64,
    entry_id: Option<i64>,
    direction: &str,
    now: NaiveDateTime,
) -> Result<(), StoreError> {
    // A Message-ID we already know keeps the case it was first recorded for.
    let insert = diesel::insert_into(case_message_ids::table)
        .values((
            case_message_ids::message_id.eq(message_id),
            case_message_ids::case_id.eq(case_id),
            case_message_ids::entry_id.eq(entry_id),
            case_message_ids::direction.eq(direction),
            case_message_ids::created_at.eq(now),
        ))
        .on_conflict_do_nothing();
    match conn {
        AnyConnection::Postgresql(c) => insert.execute(c)?,
        AnyConnection::Sqlite(c) => insert.execute(c)?,
    };
    Ok(())
}

/// The case the newest of these Message-IDs belongs to, if any is ours.
pub fn case_of_message_ids(
    conn: &mut AnyConnection,
    ids: &[String],
) -> Result<Option<(String, i64)>, StoreError> {
    if ids.is_empty() {
        return Ok(None);
    }
    Ok(case_message_ids::table
        .filter(case_message_ids::message_id.eq_any(ids))
        .order(case_message_ids::created_at.desc())
        .select((case_message_ids::message_id, case_message_ids::case_id))
        .first(conn)
        .optional()?)
}

/// The Message-IDs of a case's thread, oldest first (for References of our replies).
pub fn thread_of_case(conn: &mut AnyConnection, case_id: i64) -> Result<Vec<String>, StoreError> {
    Ok(case_message_ids::table
        .filter(case_message_ids::case_id.eq(case_id))
        .order(case_message_ids::created_at.asc())
        .select(case_message_ids::message_id)
        .load(conn)?)
}

/// The IMAP checkpoint of a mailbox: (UIDVALIDITY, last UID processed).
pub fn imap_state(
    conn: &mut AnyConnection,
    mailbox_id: i64,
) -> Result<Option<(i64, i64)>, StoreError> {
    Ok(mailbox_imap_state::table
        .find(mailbox_id)
        .select((
            mailbox_imap_state::uidvalidity,
            mailbox_imap_state::last_uid,
        ))
        .first(conn)
        .optional()?)
}

/// Moves the checkpoint (only forward within one UIDVALIDITY) and records the poll's error.
pub fn set_imap_state(
    conn: &mut AnyConnection,
    mailbox_id: i64,
    uidvalidity: i64,
    last_uid: i64,
    error: Option<&str>,
    now: NaiveDateTime,
) -> Result<(), StoreError> {
    let updated = diesel::update(mailbox_imap_state::table.find(mailbox_id))
        .set((
            mailbox_imap_state::uidvalidity.eq(uidvalidity),
            mailbox_imap_state::last_uid.eq(last_uid),
            mailbox_imap_state::polled_at.eq(now),
            mailbox_imap_state::last_error.eq(error),
        ))
        .execute(conn)?;
    if updated == 0 {
        diesel::insert_into(mailbox_imap_state::table)
            .values((
                mailbox_imap_state::mailbox_id.eq(mailbox_id),
                mailbox_imap_state::uidvalidity.eq(uidvalidity),
                mailbox_imap_state::last_uid.eq(last_uid),
                mailbox_imap_state::polled_at.eq(now),
                mailbox_imap_state::last_error.eq(error),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// Active mailboxes that have an IMAP server.
pub fn imap_mailboxes(conn: &mut AnyConnection) -> Result<Vec<MailboxRow>, StoreError> {
    Ok(mailboxes::table
        .filter(mailboxes::active.eq(true))
        .filter(mailboxes::imap_host.is_not_null())
        .order(mailboxes::id.asc())
        .select(MailboxRow::as_select())
        .load(conn)?)
}
