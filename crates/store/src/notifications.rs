//! In-app notifications and the outgoing-mail queue.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::schema::{mail_outbox, notifications};
use crate::{AnyConnection, Page, StoreError};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = notifications)]
pub struct NotificationRow {
    pub id: i64,
    pub user_id: i64,
    pub event_id: i64,
    pub kind: String,
    pub case_id: Option<i64>,
    pub entry_id: Option<i64>,
    pub actor_user_id: Option<i64>,
    pub title: String,
    pub created_at: NaiveDateTime,
    pub read_at: Option<NaiveDateTime>,
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = notifications, treat_none_as_default_value = false)]
pub struct NewNotification {
    pub user_id: i64,
    pub event_id: i64,
    pub kind: String,
    pub case_id: Option<i64>,
    pub entry_id: Option<i64>,
    pub actor_user_id: Option<i64>,
    pub title: String,
    pub created_at: NaiveDateTime,
}

pub fn insert_notifications(
    conn: &mut AnyConnection,
    rows: &[NewNotification],
) -> Result<usize, StoreError> {
    let mut n = 0;
    for row in rows {
        n += diesel::insert_into(notifications::table)
            .values(row)
            .execute(conn)?;
    }
    Ok(n)
}

/// A user's notifications, newest first.
pub fn list(
    conn: &mut AnyConnection,
    user_id: i64,
    unread_only: bool,
    limit: i64,
    cursor: Option<i64>,
) -> Result<Page<NotificationRow>, StoreError> {
    let mut q = notifications::table
        .filter(notifications::user_id.eq(user_id))
        .select(NotificationRow::as_select())
        .into_boxed();
    if unread_only {
        q = q.filter(notifications::read_at.is_null());
    }
    if let Some(c) = cursor {
        q = q.filter(notifications::id.lt(c));
    }
    let rows = q
        .order(notifications::id.desc())
        .limit(limit + 1)
        .load(conn)?;
    Ok(Page::from_overfetch(rows, limit, |r| r.id))
}

pub fn unread_count(conn: &mut AnyConnection, user_id: i64) -> Result<i64, StoreError> {
    Ok(notifications::table
        .filter(notifications::user_id.eq(user_id))
        .filter(notifications::read_at.is_null())
        .count()
        .get_result(conn)?)
}

/// Marks a user's notification read (once; a second call changes nothing). `false` when the
/// user has no such notification.
pub fn mark_read(
    conn: &mut AnyConnection,
    user_id: i64,
    id: i64,
    now: NaiveDateTime,
) -> Result<bool, StoreError> {
    let exists = notifications::table
        .filter(notifications::id.eq(id))
        .filter(notifications::user_id.eq(user_id))
        .count()
        .get_result::<i64>(conn)?
        > 0;
    diesel::update(
        notifications::table
            .filter(notifications::id.eq(id))
            .filter(notifications::user_id.eq(user_id))
            .filter(notifications::read_at.is_null()),
    )
    .set(notifications::read_at.eq(now))
    .execute(conn)?;
    Ok(exists)
}

pub fn mark_all_read(
    conn: &mut AnyConnection,
    user_id: i64,
    now: NaiveDateTime,
) -> Result<usize, StoreError> {
    Ok(diesel::update(
        notifications::table
            .filter(notifications::user_id.eq(user_id))
            .filter(notifications::read_at.is_null()),
    )
    .set(notifications::read_at.eq(now))
    .execute(conn)?)
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = mail_outbox)]
pub struct MailRow {
    pub id: i64,
    pub event_id: i64,
    pub recipient: String,
    pub kind: String,
    pub case_id: Option<i64>,
    pub subject: String,
    pub body: String,
    pub message_id: String,
    pub status: String,
    pub attempts: i32,
    pub next_attempt_at: NaiveDateTime,
    pub last_error: Option<String>,
    pub created_at: NaiveDateTime,
    pub sent_at: Option<NaiveDateTime>,
    /// The sender, when not the configured default (a mailbox's address).
    pub from_address: Option<String>,
    pub in_reply_to: Option<String>,
    pub references_header: Option<String>,
    /// `auto-generated` (notifications) or `auto-replied` (auto-replies), RFC 3834.
    pub auto_submitted: String,
    /// The mailbox whose address and SMTP server send it; none: the configured default.
    pub mailbox_id: Option<i64>,
    /// Attachments sent with it, JSON list of ids.
    pub attachment_ids: String,
    /// While `claimed` or `sending`: until when the worker holding it has it.
    pub lease_until: Option<NaiveDateTime>,
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = mail_outbox, treat_none_as_default_value = false)]
pub struct NewMail {
    pub event_id: i64,
    pub recipient: String,
    pub kind: String,
    pub case_id: Option<i64>,
    pub subject: String,
    pub body: String,
    pub message_id: String,
    pub status: String,
    pub next_attempt_at: NaiveDateTime,
    pub created_at: NaiveDateTime,
    pub from_address: Option<String>,
    pub in_reply_to: Option<String>,
    pub references_header: Option<String>,
    pub auto_submitted: String,
    pub mailbox_id: Option<i64>,
    pub attachment_ids: String,
}

pub fn insert_mails(conn: &mut AnyConnection, rows: &[NewMail]) -> Result<usize, StoreError> {
    let mut n = 0;
    for row in rows {
        n += diesel::insert_into(mail_outbox::table)
            .values(row)
            .execute(conn)?;
    }
    Ok(n)
}

/// A mail the server accepted: `sent`, the attempt counted, when kept.
pub fn mark_sent(conn: &mut AnyConnection, id: i64, now: NaiveDateTime) -> Result<(), StoreError> {
    crate::queue::MailQueue::finish(conn, id, "sent", None)?;
    diesel::update(mail_outbox::table.find(id))
        .set(mail_outbox::sent_at.eq(now))
        .execute(conn)?;
    Ok(())
}

/// The mails with these ids, in id order.
pub fn mails_by_id(conn: &mut AnyConnection, ids: &[i64]) -> Result<Vec<MailRow>, StoreError> {
    Ok(mail_outbox::table
        .filter(mail_outbox::id.eq_any(ids))
        .order(mail_outbox::id.asc())
        .select(MailRow::as_select())
        .load(conn)?)
}

/// Outgoing mails, newest first, optionally only those in `statuses`.
pub fn list_mails(
    conn: &mut AnyConnection,
    statuses: &[&str],
    limit: i64,
    cursor: Option<i64>,
) -> Result<Page<MailRow>, StoreError> {
    let mut q = mail_outbox::table.select(MailRow::as_select()).into_boxed();
    if !statuses.is_empty() {
        q = q.filter(mail_outbox::status.eq_any(statuses.to_vec()));
    }
    if let Some(c) = cursor {
        q = q.filter(mail_outbox::id.lt(c));
    }
    let rows = q
        .order(mail_outbox::id.desc())
        .limit(limit + 1)
        .load(conn)?;
    Ok(Page::from_overfetch(rows, limit, |r| r.id))
}

pub fn mail(conn: &mut AnyConnection, id: i64) -> Result<MailRow, StoreError> {
    Ok(mail_outbox::table
        .find(id)
        .select(MailRow::as_select())
        .first(conn)?)
}

/// Puts a `failed` or `unknown` mail back in the queue, due now, with a fresh attempt count.
/// `false` when it is in another state (already queued, being sent, or sent).
pub fn requeue_mail(
    conn: &mut AnyConnection,
    id: i64,
    now: NaiveDateTime,
) -> Result<bool, StoreError> {
    Ok(diesel::update(
        mail_outbox::table
            .find(id)
            .filter(mail_outbox::status.eq_any(["failed", "unknown"])),
    )
    .set((
        mail_outbox::status.eq("pending"),
        mail_outbox::attempts.eq(0),
        mail_outbox::next_attempt_at.eq(now),
    ))
    .execute(conn)?
        == 1)
}

/// The mails of a case (what the helpdesk told whom), oldest first.
pub fn mails_of_case(conn: &mut AnyConnection, case_id: i64) -> Result<Vec<MailRow>, StoreError> {
    Ok(mail_outbox::table
        .filter(mail_outbox::case_id.eq(case_id))
        .order(mail_outbox::id.asc())
        .select(MailRow::as_select())
        .load(conn)?)
}

pub fn all_mails(conn: &mut AnyConnection) -> Result<Vec<MailRow>, StoreError> {
    Ok(mail_outbox::table
        .order(mail_outbox::id.asc())
        .select(MailRow::as_select())
        .load(conn)?)
}

/// How many mails of `kind` went to `recipient` since `since` (auto-reply rate limit).
pub fn count_recent(
    conn: &mut AnyConnection,
    recipient: &str,
    kind: &str,
    since: NaiveDateTime,
) -> Result<i64, StoreError> {
    Ok(mail_outbox::table
        .filter(mail_outbox::recipient.eq(recipient))
        .filter(mail_outbox::kind.eq(kind))
        .filter(mail_outbox::created_at.ge(since))
        .count()
        .get_result(conn)?)
}
