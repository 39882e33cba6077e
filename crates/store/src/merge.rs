//! Merging CRM records: everything that points at the merged records is pointed at the survivor,
//! and the merged records become tombstones. Each function counts what it moved; the service
//! runs them all in one transaction.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::schema::{
    case_contacts, cases, comments, contact_emails, contacts, contracts, leads, organizations,
    stream_entries, users,
};
use crate::{AnyConnection, StoreError};

/// What a merge moved, by name (`cases`, `contacts`, ...), in the order it was moved.
pub type Relinked = Vec<(&'static str, i64)>;

fn push(out: &mut Relinked, what: &'static str, n: usize) {
    out.push((what, n as i64));
}

/// Comments on the merged records of `kind` become comments on the survivor.
fn relink_comments(
    c: &mut AnyConnection,
    kind: &str,
    from: &[i64],
    into: i64,
    out: &mut Relinked,
) -> Result<(), StoreError> {
    let n = diesel::update(
        comments::table
            .filter(comments::entity_type.eq(kind))
            .filter(comments::entity_id.eq_any(from)),
    )
    .set(comments::entity_id.eq(into))
    .execute(c)?;
    push(out, "comments", n);
    Ok(())
}

/// Cases, contracts, contacts, child organizations, converted leads and comments of the merged
/// organizations move to the survivor; the merged ones (and earlier tombstones of theirs) point
/// at it.
pub fn merge_organizations(
    c: &mut AnyConnection,
    from: &[i64],
    into: i64,
    now: NaiveDateTime,
) -> Result<Relinked, StoreError> {
    let mut out = Relinked::new();
    let n = diesel::update(cases::table.filter(cases::organization_id.eq_any(from)))
        .set(cases::organization_id.eq(into))
        .execute(c)?;
    push(&mut out, "cases", n);
    let n = diesel::update(cases::table.filter(cases::customer_id.eq_any(from)))
        .set(cases::customer_id.eq(into))
        .execute(c)?;
    push(&mut out, "cases_as_customer", n);
    let n = diesel::update(contacts::table.filter(contacts::organization_id.eq_any(from)))
        .set((
            contacts::organization_id.eq(into),
            contacts::updated_at.eq(now),
        ))
        .execute(c)?;
    push(&mut out, "contacts", n);
    let n = diesel::update(contracts::table.filter(contracts::organization_id.eq_any(from)))
        .set(contracts::organization_id.eq(into))
        .execute(c)?;
    push(&mut out, "contracts", n);
    let n = diesel::update(
        organizations::table
            .filter(organizations::parent_id.eq_any(from))
            .filter(organizations::id.ne(into)),
    )
    .set(organizations::parent_id.eq(into))
    .execute(c)?;
    push(&mut out, "child_organizations", n);
    let n = diesel::update(leads::table.filter(leads::converted_organization_id.eq_any(from)))
        .set(leads::converted_organization_id.eq(into))
        .execute(c)?;
    push(&mut out, "leads", n);
    relink_comments(c, "organization", from, into, &mut out)?;
    diesel::update(organizations::table.filter(organizations::merged_into_id.eq_any(from)))
        .set(organizations::merged_into_id.eq(into))
        .execute(c)?;
    diesel::update(organizations::table.filter(organizations::id.eq_any(from)))
        .set((
            organizations::merged_into_id.eq(into),
            organizations::parent_id.eq(None::<i64>),
            organizations::updated_at.eq(now),
        ))
        .execute(c)?;
    Ok(out)
}

/// Cases (as requester and as contact), stream entries, email addresses, portal users,
/// converted leads and comments of the merged contacts move to the survivor; the merged ones
/// lose their portal access and point at it.
pub fn merge_contacts(
    c: &mut AnyConnection,
    from: &[i64],
    into: i64,
    now: NaiveDateTime,
) -> Result<Relinked, StoreError> {
    let mut out = Relinked::new();
    let n = diesel::update(cases::table.filter(cases::requester_id.eq_any(from)))
        .set(cases::requester_id.eq(into))
        .execute(c)?;
    push(&mut out, "cases_as_requester", n);
    // A case that lists both keeps one row; the others are re-pointed.
    let with_survivor: Vec<i64> = case_contacts::table
        .filter(case_contacts::contact_id.eq(into))
        .select(case_contacts::case_id)
        .load(c)?;
    let mut moved_cases: Vec<i64> = case_contacts::table
        .filter(case_contacts::contact_id.eq_any(from))
        .select(case_contacts::case_id)
        .load(c)?;
    moved_cases.retain(|id| !with_survivor.contains(id));
    moved_cases.sort_unstable();
    moved_cases.dedup();
    for &case_id in &moved_cases {
        diesel::insert_into(case_contacts::table)
            .values((
                case_contacts::case_id.eq(case_id),
                case_contacts::contact_id.eq(into),
            ))
            .execute(c)?;
    }
    diesel::delete(case_contacts::table.filter(case_contacts::contact_id.eq_any(from)))
        .execute(c)?;
    push(&mut out, "cases", moved_cases.len());
    let n = diesel::update(
        stream_entries::table.filter(stream_entries::author_contact_id.eq_any(from)),
    )
    .set(stream_entries::author_contact_id.eq(into))
    .execute(c)?;
    push(&mut out, "stream_entries", n);
    // Addresses the survivor lacks move over, after its own; the rest go.
    let mut have: Vec<String> = contact_emails::table
        .filter(contact_emails::contact_id.eq(into))
        .order(contact_emails::position.asc())
        .select(contact_emails::email)
        .load(c)?;
    let theirs: Vec<(i64, String)> = contact_emails::table
        .filter(contact_emails::contact_id.eq_any(from))
        .order((
            contact_emails::contact_id.asc(),
            contact_emails::position.asc(),
        ))
        .select((contact_emails::id, contact_emails::email))
        .load(c)?;
    let mut moved = 0;
    for (row, email) in theirs {
        if have.contains(&email) {
            diesel::delete(contact_emails::table.find(row)).execute(c)?;
        } else {
            diesel::update(contact_emails::table.find(row))
                .set((
                    contact_emails::contact_id.eq(into),
                    contact_emails::position.eq(have.len() as i32),
                ))
                .execute(c)?;
            have.push(email);
            moved += 1;
        }
    }
    push(&mut out, "emails", moved);
    let n = diesel::update(users::table.filter(users::contact_id.eq_any(from)))
        .set(users::contact_id.eq(into))
        .execute(c)?;
    push(&mut out, "portal_users", n);
    let n = diesel::update(leads::table.filter(leads::converted_contact_id.eq_any(from)))
        .set(leads::converted_contact_id.eq(into))
        .execute(c)?;
    push(&mut out, "leads", n);
    relink_comments(c, "contact", from, into, &mut out)?;
    diesel::update(contacts::table.filter(contacts::merged_into_id.eq_any(from)))
        .set(contacts::merged_into_id.eq(into))
        .execute(c)?;
    diesel::update(contacts::table.filter(contacts::id.eq_any(from)))
        .set((
            contacts::merged_into_id.eq(into),
            contacts::portal_access.eq(false),
            contacts::updated_at.eq(now),
        ))
        .execute(c)?;
    Ok(out)
}

/// Comments of the merged leads, and the "from lead" marks of records converted from them, move
/// to the survivor; the merged ones point at it.
pub fn merge_leads(
    c: &mut AnyConnection,
    from: &[i64],
    into: i64,
    now: NaiveDateTime,
) -> Result<Relinked, StoreError> {
    let mut out = Relinked::new();
    let n = diesel::update(organizations::table.filter(organizations::from_lead_id.eq_any(from)))
        .set(organizations::from_lead_id.eq(into))
        .execute(c)?;
    push(&mut out, "organizations", n);
    let n = diesel::update(contacts::table.filter(contacts::from_lead_id.eq_any(from)))
        .set(contacts::from_lead_id.eq(into))
        .execute(c)?;
    push(&mut out, "contacts", n);
    relink_comments(c, "lead", from, into, &mut out)?;
    diesel::update(leads::table.filter(leads::merged_into_id.eq_any(from)))
        .set(leads::merged_into_id.eq(into))
        .execute(c)?;
    diesel::update(leads::table.filter(leads::id.eq_any(from)))
        .set((leads::merged_into_id.eq(into), leads::updated_at.eq(now)))
        .execute(c)?;
    Ok(out)
}
