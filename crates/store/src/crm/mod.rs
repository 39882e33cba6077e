//! Organizations (accounts) and contacts.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::schema::{contact_emails, contacts, organizations};
use crate::{AnyConnection, Page, StoreError};

mod contact;

pub use contact::*;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = organizations)]
pub struct OrganizationRow {
    pub id: i64,
    pub name: String,
    pub short_name: Option<String>,
    pub inn: Option<String>,
    pub kpp: Option<String>,
    pub org_type: Option<String>,
    pub industry: Option<String>,
    pub website: Option<String>,
    pub phones: String,
    pub emails: String,
    pub addresses: String,
    pub parent_id: Option<i64>,
    pub owner_id: Option<i64>,
    pub description: Option<String>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub from_lead_id: Option<i64>,
    /// Set on a tombstone: the record this one was merged into.
    pub merged_into_id: Option<i64>,
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = organizations)]
pub struct NewOrganization {
    pub name: String,
    pub short_name: Option<String>,
    pub inn: Option<String>,
    pub kpp: Option<String>,
    pub org_type: Option<String>,
    pub industry: Option<String>,
    pub website: Option<String>,
    pub phones: String,
    pub emails: String,
    pub addresses: String,
    pub parent_id: Option<i64>,
    pub owner_id: Option<i64>,
    pub description: Option<String>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

/// A partial update: `None` leaves a column alone, `Some(None)` clears it.
#[derive(Debug, Clone, Default, AsChangeset)]
#[diesel(table_name = organizations)]
pub struct OrganizationChanges {
    pub name: Option<String>,
    pub short_name: Option<Option<String>>,
    pub inn: Option<Option<String>>,
    pub kpp: Option<Option<String>>,
    pub org_type: Option<Option<String>>,
    pub industry: Option<Option<String>>,
    pub website: Option<Option<String>>,
    pub phones: Option<String>,
    pub emails: Option<String>,
    pub addresses: Option<String>,
    pub parent_id: Option<Option<i64>>,
    pub owner_id: Option<Option<i64>>,
    pub description: Option<Option<String>>,
    pub updated_at: Option<NaiveDateTime>,
}

pub fn insert_organization(
    conn: &mut AnyConnection,
    new: &NewOrganization,
) -> Result<i64, StoreError> {
    Ok(diesel::insert_into(organizations::table)
        .values(new)
        .returning(organizations::id)
        .get_result(conn)?)
}

pub fn update_organization(
    conn: &mut AnyConnection,
    id: i64,
    changes: &OrganizationChanges,
) -> Result<(), StoreError> {
    let n = diesel::update(organizations::table.find(id))
        .set(changes)
        .execute(conn)?;
    if n == 0 {
        return Err(StoreError::NotFound);
    }
    Ok(())
}

pub fn organization(conn: &mut AnyConnection, id: i64) -> Result<OrganizationRow, StoreError> {
    Ok(organizations::table
        .find(id)
        .select(OrganizationRow::as_select())
        .first(conn)?)
}

pub fn organization_exists(conn: &mut AnyConnection, id: i64) -> Result<bool, StoreError> {
    Ok(diesel::select(diesel::dsl::exists(organizations::table.find(id))).get_result(conn)?)
}

#[derive(Debug, Clone, Default)]
pub struct OrganizationFilter {
    pub name_contains: Option<String>,
    pub inn: Option<String>,
    pub parent_id: Option<i64>,
}

pub fn list_organizations(
    conn: &mut AnyConnection,
    filter: &OrganizationFilter,
    limit: i64,
    cursor: Option<i64>,
) -> Result<Page<OrganizationRow>, StoreError> {
    let mut q = organizations::table
        .select(OrganizationRow::as_select())
        .filter(organizations::merged_into_id.is_null())
        .into_boxed();
    if let Some(text) = &filter.name_contains {
        q = q.filter(
            lower(organizations::name)
                .like(like_pattern(text))
                .escape('\\'),
        );
    }
    if let Some(inn) = &filter.inn {
        q = q.filter(organizations::inn.eq(inn));
    }
    if let Some(parent) = filter.parent_id {
        q = q.filter(organizations::parent_id.eq(parent));
    }
    if let Some(c) = cursor {
        q = q.filter(organizations::id.lt(c));
    }
    let rows = q
        .order(organizations::id.desc())
        .limit(limit + 1)
        .load(conn)?;
    Ok(Page::from_overfetch(rows, limit, |r| r.id))
}

/// Lower-cased `%text%` with LIKE's own wildcards escaped (use with `.escape('\\')`), so a
/// user's `%` matches a literal percent sign.
pub fn like_pattern(text: &str) -> String {
    let escaped = text
        .to_lowercase()
        .replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_");
    format!("%{escaped}%")
}

/// The oldest contact with this email address (addresses are stored lowercased).
/// The oldest contact with this address, and its organization.
pub fn contact_by_email(
    conn: &mut AnyConnection,
    email: &str,
) -> Result<Option<(i64, Option<i64>)>, StoreError> {
    Ok(contact_emails::table
        .inner_join(contacts::table)
        .filter(contact_emails::email.eq(email.to_lowercase()))
        .order(contact_emails::contact_id.asc())
        .select((contact_emails::contact_id, contacts::organization_id))
        .first(conn)
        .optional()?)
}

/// The oldest organization whose website or email addresses are at `domain`.
pub fn organization_by_domain(
    conn: &mut AnyConnection,
    domain: &str,
) -> Result<Option<i64>, StoreError> {
    let d = domain.to_lowercase();
    let escaped = d
        .replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_");
    let sites = [
        d.clone(),
        format!("www.{d}"),
        format!("%//{escaped}"),
        format!("%//{escaped}/%"),
        format!("%//www.{escaped}"),
        format!("%//www.{escaped}/%"),
    ];
    let mut q = organizations::table
        .filter(
            lower(organizations::emails)
                .like(format!("%@{escaped}\"%"))
                .escape('\\'),
        )
        .into_boxed();
    for site in sites {
        q = q.or_filter(
            lower(organizations::website.assume_not_null())
                .like(site)
                .escape('\\'),
        );
    }
    Ok(q.order(organizations::id.asc())
        .select(organizations::id)
        .first(conn)
        .optional()?)
}

/// Organizations by id, in id order.
pub fn organizations_by_ids(
    conn: &mut AnyConnection,
    ids: &[i64],
) -> Result<Vec<OrganizationRow>, StoreError> {
    Ok(organizations::table
        .filter(organizations::id.eq_any(ids))
        .order(organizations::id.asc())
        .select(OrganizationRow::as_select())
        .load(conn)?)
}

/// Contacts by id, in id order.
pub fn contacts_by_ids(
    conn: &mut AnyConnection,
    ids: &[i64],
) -> Result<Vec<ContactRow>, StoreError> {
    Ok(contacts::table
        .filter(contacts::id.eq_any(ids))
        .order(contacts::id.asc())
        .select(ContactRow::as_select())
        .load(conn)?)
}

/// Marks an organization or contact as created from a lead.
pub fn set_from_lead(
    conn: &mut AnyConnection,
    organization_id: Option<i64>,
    contact_id: Option<i64>,
    lead_id: i64,
) -> Result<(), StoreError> {
    set_from_lead_mark(conn, organization_id, contact_id, Some(lead_id))
}

/// Sets (or clears) the "from lead" mark of an organization or contact.
pub fn set_from_lead_mark(
    conn: &mut AnyConnection,
    organization_id: Option<i64>,
    contact_id: Option<i64>,
    lead_id: Option<i64>,
) -> Result<(), StoreError> {
    if let Some(id) = organization_id {
        diesel::update(organizations::table.find(id))
            .set(organizations::from_lead_id.eq(lead_id))
            .execute(conn)?;
    }
    if let Some(id) = contact_id {
        diesel::update(contacts::table.find(id))
            .set(contacts::from_lead_id.eq(lead_id))
            .execute(conn)?;
    }
    Ok(())
}

/// Contacts (other than `except`) with one of these email addresses.
pub fn contacts_with_emails(
    conn: &mut AnyConnection,
    emails: &[String],
    except: i64,
) -> Result<Vec<i64>, StoreError> {
    if emails.is_empty() {
        return Ok(Vec::new());
    }
    Ok(contact_emails::table
        .filter(contact_emails::email.eq_any(emails))
        .filter(contact_emails::contact_id.ne(except))
        .select(contact_emails::contact_id)
        .distinct()
        .load(conn)?)
}

/// Contacts (other than `except`) with this phone number among theirs.
pub fn contacts_with_phone(
    conn: &mut AnyConnection,
    phone: &str,
    except: i64,
) -> Result<Vec<i64>, StoreError> {
    Ok(contacts::table
        .filter(contacts::phones.like(format!("%\"{phone}\"%")))
        .filter(contacts::merged_into_id.is_null())
        .filter(contacts::id.ne(except))
        .select(contacts::id)
        .load(conn)?)
}

/// An organization's id, name, INN and KPP.
pub type OrganizationIdentity = (i64, String, Option<String>, Option<String>);

/// Every organization's id, name, INN and KPP (for duplicate detection).
pub fn organization_identities(
    conn: &mut AnyConnection,
) -> Result<Vec<OrganizationIdentity>, StoreError> {
    Ok(organizations::table
        .filter(organizations::merged_into_id.is_null())
        .select((
            organizations::id,
            organizations::name,
            organizations::inn,
            organizations::kpp,
        ))
        .order(organizations::id.asc())
        .load(conn)?)
}

/// Every contact's id, phones (JSON) and email addresses (for duplicate detection).
pub fn contact_identities(
    conn: &mut AnyConnection,
) -> Result<Vec<(i64, String, Vec<String>)>, StoreError> {
    let rows: Vec<(i64, String)> = contacts::table
        .filter(contacts::merged_into_id.is_null())
        .select((contacts::id, contacts::phones))
        .order(contacts::id.asc())
        .load(conn)?;
    let emails: Vec<(i64, String)> = contact_emails::table
        .select((contact_emails::contact_id, contact_emails::email))
        .load(conn)?;
    let mut by_contact: std::collections::HashMap<i64, Vec<String>> = Default::default();
    for (id, e) in emails {
        by_contact.entry(id).or_default().push(e);
    }
    Ok(rows
        .into_iter()
        .map(|(id, phones)| (id, phones, by_contact.remove(&id).unwrap_or_default()))
        .collect())
}

/// The live record each of `ids` resolves to: itself, or the one it was merged into.
/// Unknown ids are left out.
pub fn resolve_contacts(
    conn: &mut AnyConnection,
    ids: &[i64],
) -> Result<Vec<(i64, i64)>, StoreError> {
    let rows: Vec<(i64, Option<i64>)> = contacts::table
        .filter(contacts::id.eq_any(ids))
        .select((contacts::id, contacts::merged_into_id))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(id, m)| (id, m.unwrap_or(id)))
        .collect())
}

/// A contact, the contact it was merged into (if it was) and its organization.
pub type ContactRef = (i64, Option<i64>, Option<i64>);

/// Each existing contact of `ids` as a [`ContactRef`].
pub fn contact_refs(conn: &mut AnyConnection, ids: &[i64]) -> Result<Vec<ContactRef>, StoreError> {
    Ok(contacts::table
        .filter(contacts::id.eq_any(ids))
        .select((
            contacts::id,
            contacts::merged_into_id,
            contacts::organization_id,
        ))
        .load(conn)?)
}

/// The live organization `id` resolves to, if it exists.
pub fn resolve_organization(conn: &mut AnyConnection, id: i64) -> Result<Option<i64>, StoreError> {
    let row: Option<Option<i64>> = organizations::table
        .find(id)
        .select(organizations::merged_into_id)
        .first(conn)
        .optional()?;
    Ok(row.map(|m| m.unwrap_or(id)))
}
