//! Organizations and contacts.

use helpdesk_api_types::crm::{
    Address, Contact, ContactPage, ContactPatch, NewContact, NewOrganization, Organization,
    OrganizationPage, OrganizationPatch,
};
use helpdesk_domain::event::Event;
use helpdesk_domain::{Email, Inn, Kpp, Phone};
use helpdesk_store::crm::{self as store, ContactChanges, OrganizationChanges};
use helpdesk_store::AnyConnection;
use validator::Validate;

use crate::error::Problems;
use crate::outbox::emit;
use crate::users::not_found;
use crate::{cursor_string, from_json, page_params, to_json, Actor, AppError, Services};

mod comments;
mod contacts;
mod organizations;

pub(crate) fn phones(p: &mut Problems, field: &str, input: &[String]) -> Vec<String> {
    let mut out = Vec::new();
    for (i, raw) in input.iter().enumerate() {
        if let Some(phone) = p.check(&format!("{field}[{i}]"), Phone::parse(raw)) {
            if !out.contains(&phone.as_str().to_owned()) {
                out.push(phone.as_str().to_owned());
            }
        }
    }
    out
}

pub(crate) fn emails(p: &mut Problems, field: &str, input: &[String]) -> Vec<String> {
    let mut out = Vec::new();
    for (i, raw) in input.iter().enumerate() {
        if let Some(email) = p.check(&format!("{field}[{i}]"), Email::parse(raw)) {
            if !out.contains(&email.as_str().to_owned()) {
                out.push(email.as_str().to_owned());
            }
        }
    }
    out
}

pub(crate) fn inn_kpp(
    p: &mut Problems,
    inn: Option<&str>,
    kpp: Option<&str>,
) -> (Option<String>, Option<String>) {
    let inn = inn
        .filter(|s| !s.trim().is_empty())
        .and_then(|s| p.check("inn", Inn::parse(s)));
    let kpp = kpp
        .filter(|s| !s.trim().is_empty())
        .and_then(|s| p.check("kpp", Kpp::parse(s)));
    if let (Some(i), Some(_)) = (&inn, &kpp) {
        if !i.is_organization() {
            p.add("kpp", "only organizations (10-digit INN) have a KPP");
        }
    }
    (
        inn.map(|i| i.as_str().to_owned()),
        kpp.map(|k| k.as_str().to_owned()),
    )
}

pub(crate) fn organization_dto(r: store::OrganizationRow) -> Result<Organization, AppError> {
    Ok(Organization {
        id: r.id,
        name: r.name,
        short_name: r.short_name,
        inn: r.inn,
        kpp: r.kpp,
        org_type: r.org_type,
        industry: r.industry,
        website: r.website,
        phones: from_json("organization", r.id, "phones", &r.phones)?,
        emails: from_json("organization", r.id, "emails", &r.emails)?,
        addresses: from_json::<Vec<Address>>("organization", r.id, "addresses", &r.addresses)?,
        parent_id: r.parent_id,
        owner_id: r.owner_id,
        description: r.description,
        created_at: r.created_at.and_utc(),
        updated_at: r.updated_at.and_utc(),
        from_lead_id: r.from_lead_id,
        merged_into_id: r.merged_into_id,
        likely_duplicates: Vec::new(),
    })
}

pub(crate) fn ensure_org(
    c: &mut AnyConnection,
    field: &str,
    id: Option<i64>,
) -> Result<(), AppError> {
    match id.map(|id| (id, store::resolve_organization(c, id))) {
        Some((id, Ok(None))) => Err(AppError::field(
            field,
            format!("organization {id} does not exist"),
        )),
        Some((id, Ok(Some(live)))) if live != id => Err(AppError::field(
            field,
            format!("organization {id} was merged into {live}; use {live}"),
        )),
        Some((_, Err(e))) => Err(e.into()),
        _ => Ok(()),
    }
}

pub(crate) fn ensure_user(
    c: &mut AnyConnection,
    field: &str,
    id: Option<i64>,
) -> Result<(), AppError> {
    match id {
        Some(id) => match helpdesk_store::users::user(c, id) {
            Ok(u) if u.role != helpdesk_domain::Role::Portal => Ok(()),
            Ok(_) => Err(AppError::field(field, format!("user {id} is not an agent"))),
            Err(helpdesk_store::StoreError::NotFound) => {
                Err(AppError::field(field, format!("user {id} does not exist")))
            }
            Err(e) => Err(e.into()),
        },
        None => Ok(()),
    }
}

/// Refuses to change a tombstone: changes go to the record it was merged into.
pub(crate) fn not_merged(kind: &str, id: i64, merged_into: Option<i64>) -> Result<(), AppError> {
    match merged_into {
        Some(into) => Err(AppError::Conflict(format!(
            "{kind} {id} was merged into {into}; change that one"
        ))),
        None => Ok(()),
    }
}

/// Checks a new organization and inserts it, with its event, in the caller's transaction.
pub(crate) fn insert_organization_in(
    c: &mut AnyConnection,
    actor: &Actor,
    input: &NewOrganization,
    now: chrono::NaiveDateTime,
) -> Result<i64, AppError> {
    input.validate()?;
    let mut p = Problems::default();
    let (inn, kpp) = inn_kpp(&mut p, input.inn.as_deref(), input.kpp.as_deref());
    let phones = phones(&mut p, "phones", &input.phones);
    let emails = emails(&mut p, "emails", &input.emails);
    p.into_result()?;
    ensure_org(c, "parent_id", input.parent_id)?;
    ensure_user(c, "owner_id", input.owner_id)?;
    let id = store::insert_organization(
        c,
        &store::NewOrganization {
            name: input.name.trim().to_owned(),
            short_name: input.short_name.clone(),
            inn,
            kpp,
            org_type: input.org_type.clone(),
            industry: input.industry.clone(),
            website: input.website.clone(),
            phones: to_json(&phones),
            emails: to_json(&emails),
            addresses: to_json(&input.addresses),
            parent_id: input.parent_id,
            owner_id: input.owner_id,
            description: input.description.clone(),
            created_at: now,
            updated_at: now,
        },
    )?;
    emit(
        c,
        now,
        Some(actor),
        &Event::OrganizationCreated {
            id,
            from_lead_id: None,
        },
    )?;
    Ok(id)
}

/// Checks a new contact and inserts it, with its event, in the caller's transaction.
pub(crate) fn insert_contact_in(
    c: &mut AnyConnection,
    actor: &Actor,
    input: &NewContact,
    now: chrono::NaiveDateTime,
) -> Result<i64, AppError> {
    input.validate()?;
    let mut p = Problems::default();
    let phones = phones(&mut p, "phones", &input.phones);
    let emails = emails(&mut p, "emails", &input.emails);
    p.into_result()?;
    ensure_org(c, "organization_id", input.organization_id)?;
    ensure_user(c, "owner_id", input.owner_id)?;
    let id = store::insert_contact(
        c,
        &store::NewContact {
            first_name: input.first_name.trim().to_owned(),
            last_name: input.last_name.trim().to_owned(),
            organization_id: input.organization_id,
            title: input.title.clone(),
            department: input.department.clone(),
            phones: to_json(&phones),
            do_not_email: input.do_not_email,
            do_not_call: input.do_not_call,
            owner_id: input.owner_id,
            portal_access: input.portal_access,
            portal_sees_organization: input.portal_sees_organization,
            created_at: now,
            updated_at: now,
        },
        &emails,
    )?;
    emit(
        c,
        now,
        Some(actor),
        &Event::ContactCreated {
            id,
            from_lead_id: None,
        },
    )?;
    Ok(id)
}

/// Whether making `parent` the parent of `id` would close a loop.
pub(crate) fn creates_cycle(c: &mut AnyConnection, id: i64, parent: i64) -> Result<bool, AppError> {
    let mut next = Some(parent);
    let mut steps = 0;
    while let Some(current) = next {
        if current == id {
            return Ok(true);
        }
        steps += 1;
        if steps > 100 {
            return Ok(true);
        }
        next = store::organization(c, current)?.parent_id;
    }
    Ok(false)
}

impl Services {}

/// A contact as the API shows it, read inside a transaction.
pub(crate) fn contact_by_id(c: &mut AnyConnection, id: i64) -> Result<Contact, AppError> {
    let row = store::contact(c, id).map_err(not_found("contact"))?;
    Ok(contacts_dto(c, vec![row])?.remove(0))
}

/// An organization as the API shows it, read inside a transaction.
pub(crate) fn organization_by_id(c: &mut AnyConnection, id: i64) -> Result<Organization, AppError> {
    organization_dto(store::organization(c, id).map_err(not_found("organization"))?)
}

pub(crate) fn contacts_dto(
    c: &mut AnyConnection,
    rows: Vec<store::ContactRow>,
) -> Result<Vec<Contact>, AppError> {
    let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
    let all_emails = store::emails_of(c, &ids)?;
    rows.into_iter()
        .map(|r| {
            Ok(Contact {
                emails: all_emails
                    .iter()
                    .filter(|(id, _)| *id == r.id)
                    .map(|(_, e)| e.clone())
                    .collect(),
                phones: from_json("contact", r.id, "phones", &r.phones)?,
                id: r.id,
                first_name: r.first_name,
                last_name: r.last_name,
                organization_id: r.organization_id,
                title: r.title,
                department: r.department,
                do_not_email: r.do_not_email,
                do_not_call: r.do_not_call,
                owner_id: r.owner_id,
                portal_access: r.portal_access,
                portal_sees_organization: r.portal_sees_organization,
                created_at: r.created_at.and_utc(),
                updated_at: r.updated_at.and_utc(),
                from_lead_id: r.from_lead_id,
                merged_into_id: r.merged_into_id,
                likely_duplicates: Vec::new(),
                portal_invitation: None,
            })
        })
        .collect::<Result<_, AppError>>()
}
