//! Contacts: rows, their e-mail addresses, changes and the contact list.

use super::*;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = contacts)]
pub struct ContactRow {
    pub id: i64,
    pub first_name: String,
    pub last_name: String,
    pub organization_id: Option<i64>,
    pub title: Option<String>,
    pub department: Option<String>,
    pub phones: String,
    pub do_not_email: bool,
    pub do_not_call: bool,
    pub owner_id: Option<i64>,
    pub portal_access: bool,
    pub portal_sees_organization: bool,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub from_lead_id: Option<i64>,
    /// Set on a tombstone: the record this one was merged into.
    pub merged_into_id: Option<i64>,
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = contacts)]
pub struct NewContact {
    pub first_name: String,
    pub last_name: String,
    pub organization_id: Option<i64>,
    pub title: Option<String>,
    pub department: Option<String>,
    pub phones: String,
    pub do_not_email: bool,
    pub do_not_call: bool,
    pub owner_id: Option<i64>,
    pub portal_access: bool,
    pub portal_sees_organization: bool,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Clone, Default, AsChangeset)]
#[diesel(table_name = contacts)]
pub struct ContactChanges {
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub organization_id: Option<Option<i64>>,
    pub title: Option<Option<String>>,
    pub department: Option<Option<String>>,
    pub phones: Option<String>,
    pub do_not_email: Option<bool>,
    pub do_not_call: Option<bool>,
    pub owner_id: Option<Option<i64>>,
    pub portal_access: Option<bool>,
    pub portal_sees_organization: Option<bool>,
    pub updated_at: Option<NaiveDateTime>,
}

pub fn insert_contact(
    conn: &mut AnyConnection,
    new: &NewContact,
    emails: &[String],
) -> Result<i64, StoreError> {
    let id = diesel::insert_into(contacts::table)
        .values(new)
        .returning(contacts::id)
        .get_result(conn)?;
    insert_contact_emails(conn, id, emails)?;
    Ok(id)
}

pub fn update_contact(
    conn: &mut AnyConnection,
    id: i64,
    changes: &ContactChanges,
    emails: Option<&[String]>,
) -> Result<(), StoreError> {
    let n = diesel::update(contacts::table.find(id))
        .set(changes)
        .execute(conn)?;
    if n == 0 {
        return Err(StoreError::NotFound);
    }
    if let Some(emails) = emails {
        replace_contact_emails(conn, id, emails)?;
    }
    Ok(())
}

fn replace_contact_emails(
    conn: &mut AnyConnection,
    contact_id: i64,
    emails: &[String],
) -> Result<(), StoreError> {
    diesel::delete(contact_emails::table.filter(contact_emails::contact_id.eq(contact_id)))
        .execute(conn)?;
    insert_contact_emails(conn, contact_id, emails)
}

/// The addresses of a contact that has none yet.
fn insert_contact_emails(
    conn: &mut AnyConnection,
    contact_id: i64,
    emails: &[String],
) -> Result<(), StoreError> {
    for (position, email) in emails.iter().enumerate() {
        diesel::insert_into(contact_emails::table)
            .values((
                contact_emails::contact_id.eq(contact_id),
                contact_emails::email.eq(email),
                contact_emails::position.eq(position as i32),
            ))
            .execute(conn)?;
    }
    Ok(())
}

pub fn contact(conn: &mut AnyConnection, id: i64) -> Result<ContactRow, StoreError> {
    Ok(contacts::table
        .find(id)
        .select(ContactRow::as_select())
        .first(conn)?)
}

/// E-mail addresses of the given contacts, in their stored order.
pub fn emails_of(
    conn: &mut AnyConnection,
    contact_ids: &[i64],
) -> Result<Vec<(i64, String)>, StoreError> {
    Ok(contact_emails::table
        .filter(contact_emails::contact_id.eq_any(contact_ids))
        .order((contact_emails::contact_id, contact_emails::position))
        .select((contact_emails::contact_id, contact_emails::email))
        .load(conn)?)
}

/// Id and organization of each of the given contacts that exists.
pub fn contact_organizations(
    conn: &mut AnyConnection,
    ids: &[i64],
) -> Result<Vec<(i64, Option<i64>)>, StoreError> {
    Ok(contacts::table
        .filter(contacts::id.eq_any(ids))
        .select((contacts::id, contacts::organization_id))
        .load(conn)?)
}

pub fn contacts_exist(conn: &mut AnyConnection, ids: &[i64]) -> Result<Vec<i64>, StoreError> {
    Ok(contacts::table
        .filter(contacts::id.eq_any(ids))
        .select(contacts::id)
        .load(conn)?)
}

#[derive(Debug, Clone, Default)]
pub struct ContactFilter {
    pub organization_id: Option<i64>,
    pub email: Option<String>,
    pub name_contains: Option<String>,
}

pub fn list_contacts(
    conn: &mut AnyConnection,
    filter: &ContactFilter,
    limit: i64,
    cursor: Option<i64>,
) -> Result<Page<ContactRow>, StoreError> {
    let mut q = contacts::table
        .select(ContactRow::as_select())
        .filter(contacts::merged_into_id.is_null())
        .into_boxed();
    if let Some(org) = filter.organization_id {
        q = q.filter(contacts::organization_id.eq(org));
    }
    if let Some(email) = &filter.email {
        let with_email = contact_emails::table
            .filter(contact_emails::email.eq(email))
            .select(contact_emails::contact_id);
        q = q.filter(contacts::id.eq_any(with_email));
    }
    if let Some(text) = &filter.name_contains {
        let p = like_pattern(text);
        q = q.filter(
            lower(contacts::last_name)
                .like(p.clone())
                .escape('\\')
                .or(lower(contacts::first_name).like(p).escape('\\')),
        );
    }
    if let Some(c) = cursor {
        q = q.filter(contacts::id.lt(c));
    }
    let rows = q.order(contacts::id.desc()).limit(limit + 1).load(conn)?;
    Ok(Page::from_overfetch(rows, limit, |r| r.id))
}

diesel::define_sql_function!(
    /// SQL `lower()`, for case-insensitive matching on both backends. SQLite's own folds ASCII
    /// only; every pooled SQLite connection replaces it with Unicode lower-casing
    /// ([`crate::db`]), so `Где` matches `где` there too.
    fn lower(x: diesel::sql_types::Text) -> diesel::sql_types::Text
);
