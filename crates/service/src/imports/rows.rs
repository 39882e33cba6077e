//! One row of an import: checked into the input the API's create takes, written as a new
//! record or into the record it duplicates, and the index of keys duplicates are found by.

use helpdesk_domain::event::Event;
use std::collections::{BTreeMap, HashMap};

use chrono::NaiveDateTime;
use helpdesk_api_types::crm::{Address, NewContact, NewOrganization};
use helpdesk_api_types::imports::ImportEntity;
use helpdesk_api_types::leads::{LeadInput, LeadStatus};
use helpdesk_domain::duplicates::{organization_keys, person_keys};
use helpdesk_domain::Inn;
use helpdesk_store::crm::{self as crm_store, ContactChanges, OrganizationChanges};
use helpdesk_store::imports as store;
use helpdesk_store::leads as lead_store;
use helpdesk_store::AnyConnection;

use crate::error::Problems;
use crate::outbox::emit;
use crate::{from_json, to_json, Actor, AppError};

pub(super) type Cells = BTreeMap<&'static str, String>;

fn text(row: &Cells, f: &str) -> Option<String> {
    row.get(f).cloned()
}

fn list(row: &Cells, f: &str) -> Vec<String> {
    row.get(f)
        .map(|v| {
            v.split([',', ';', '\n'])
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default()
}

fn flag(p: &mut Problems, row: &Cells, f: &str) -> bool {
    match row.get(f).map(|v| v.to_lowercase()) {
        None => false,
        Some(v) => match v.as_str() {
            "1" | "true" | "yes" | "y" | "x" | "да" | "+" => true,
            "0" | "false" | "no" | "n" | "нет" | "-" => false,
            _ => {
                p.add(f, "must be yes/no (1/0, true/false, да/нет)");
                false
            }
        },
    }
}

fn number<T: std::str::FromStr>(p: &mut Problems, row: &Cells, f: &str) -> Option<T> {
    let v = row.get(f)?;
    let digits: String = v
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '\u{a0}')
        .collect();
    match digits.parse() {
        Ok(n) => Some(n),
        Err(_) => {
            p.add(f, "must be a whole number");
            None
        }
    }
}

/// Adds the field rules' complaints (lengths, required) to the row's problems.
fn checked(p: &mut Problems, r: Result<(), validator::ValidationErrors>) {
    if let Err(e) = r {
        if let AppError::Validation(errors) = AppError::from(e) {
            for (field, messages) in errors {
                for m in messages {
                    p.add(&field, m);
                }
            }
        }
    }
}

/// A row checked and ready to write, with its duplicate keys.
pub(super) enum Prepared {
    Organization(NewOrganization),
    Contact(NewContact),
    Lead(LeadInput),
}

/// Per job: lookups of organizations named in contact rows.
#[derive(Default)]
pub(super) struct Lookups {
    by_inn: HashMap<String, Option<i64>>,
    by_name: HashMap<String, Option<i64>>,
}

pub(super) fn prepare(
    c: &mut AnyConnection,
    entity: ImportEntity,
    row: &Cells,
    lookups: &mut Lookups,
) -> Result<(Prepared, Vec<String>), AppError> {
    let mut p = Problems::default();
    let phones = crate::crm::phones(&mut p, "phones", &list(row, "phones"));
    let emails = crate::crm::emails(&mut p, "emails", &list(row, "emails"));
    let prepared = match entity {
        ImportEntity::Organizations => {
            let name = text(row, "name").unwrap_or_default();
            // The create's checks (check digits, KPP format, KPP only with a 10-digit INN),
            // once here for both a new record and an update.
            let (inn, kpp) = crate::crm::inn_kpp(
                &mut p,
                text(row, "inn").as_deref(),
                text(row, "kpp").as_deref(),
            );
            let keys = organization_keys(&name, inn.as_deref(), kpp.as_deref());
            let input = NewOrganization {
                name,
                short_name: text(row, "short_name"),
                inn,
                kpp,
                org_type: text(row, "org_type"),
                industry: text(row, "industry"),
                website: text(row, "website"),
                phones,
                emails,
                addresses: text(row, "address")
                    .map(|t| {
                        vec![Address {
                            kind: None,
                            text: t,
                        }]
                    })
                    .unwrap_or_default(),
                parent_id: None,
                owner_id: None,
                description: text(row, "description"),
            };
            checked(&mut p, validator::Validate::validate(&input));
            p.into_result()?;
            return Ok((Prepared::Organization(input), keys));
        }
        ImportEntity::Contacts => {
            let mut organization_id = None;
            if let Some(inn) = text(row, "organization_inn") {
                if let Some(inn) = p.check("organization_inn", Inn::parse(&inn)) {
                    let key = inn.as_str().to_owned();
                    if !lookups.by_inn.contains_key(&key) {
                        let found = store::organizations_by_inn(c, &key)?.first().copied();
                        lookups.by_inn.insert(key.clone(), found);
                    }
                    organization_id = lookups.by_inn[&key];
                    if organization_id.is_none() {
                        p.add("organization_inn", format!("no organization has INN {key}"));
                    }
                }
            } else if let Some(name) = text(row, "organization_name") {
                let key = name.to_lowercase();
                if !lookups.by_name.contains_key(&key) {
                    let found = store::organizations_by_name(c, &name)?.first().copied();
                    lookups.by_name.insert(key.clone(), found);
                }
                organization_id = lookups.by_name[&key];
                if organization_id.is_none() {
                    p.add(
                        "organization_name",
                        format!("no organization is named {name:?}"),
                    );
                }
            }
            let keys = person_keys(&emails, &phones);
            let input = NewContact {
                first_name: text(row, "first_name").unwrap_or_default(),
                last_name: text(row, "last_name").unwrap_or_default(),
                emails,
                phones,
                organization_id,
                title: text(row, "title"),
                department: text(row, "department"),
                do_not_email: flag(&mut p, row, "do_not_email"),
                do_not_call: flag(&mut p, row, "do_not_call"),
                owner_id: None,
                portal_access: false,
                portal_sees_organization: false,
            };
            checked(&mut p, validator::Validate::validate(&input));
            p.into_result()?;
            (Prepared::Contact(input), keys)
        }
        ImportEntity::Leads => {
            let status = text(row, "status").and_then(|s| {
                let parsed = LeadStatus::parse(&s.to_lowercase());
                if parsed.is_none() || parsed == Some(LeadStatus::Converted) {
                    p.add("status", "must be new, contacted, qualified or lost");
                }
                parsed
            });
            let keys = person_keys(&emails, &phones);
            let input = LeadInput {
                first_name: text(row, "first_name"),
                last_name: text(row, "last_name").unwrap_or_default(),
                organization_name: text(row, "organization_name"),
                title: text(row, "title"),
                phones,
                emails,
                website: text(row, "website"),
                source: text(row, "source"),
                status,
                rating: text(row, "rating"),
                industry: text(row, "industry"),
                annual_revenue: number(&mut p, row, "annual_revenue"),
                employees: number(&mut p, row, "employees"),
                social_profiles: Vec::new(),
                do_not_email: flag(&mut p, row, "do_not_email"),
                address: text(row, "address"),
                description: text(row, "description"),
                owner_id: None,
            };
            checked(&mut p, validator::Validate::validate(&input));
            if input.last_name.trim().is_empty() {
                p.add("last_name", "is required");
            }
            p.into_result()?;
            (Prepared::Lead(input), keys)
        }
    };
    Ok(prepared)
}

/// Writes a new record; returns its id.
pub(super) fn create(
    c: &mut AnyConnection,
    actor: &Actor,
    p: &Prepared,
    now: NaiveDateTime,
) -> Result<i64, AppError> {
    match p {
        Prepared::Organization(o) => crate::crm::insert_organization_in(c, actor, o, now),
        Prepared::Contact(x) => crate::crm::insert_contact_in(c, actor, x, now),
        Prepared::Lead(l) => crate::leads::insert_lead_in(c, actor, l, now).map(|r| r.id),
    }
}

fn unite(current: &[String], more: &[String]) -> Vec<String> {
    let mut all = current.to_vec();
    for m in more {
        if !all.contains(m) {
            all.push(m.clone());
        }
    }
    all
}

/// Fills record `id` with the row's values (lists united), as a user's edit would.
pub(super) fn update(
    c: &mut AnyConnection,
    actor: &Actor,
    id: i64,
    p: &Prepared,
    now: NaiveDateTime,
) -> Result<(), AppError> {
    let some = |v: &Option<String>| v.clone().map(Some);
    match p {
        Prepared::Organization(o) => {
            let before = crate::crm::organization_by_id(c, id)?;
            let row = crm_store::organization(c, id)?;
            let mut addresses: Vec<Address> =
                from_json("organization", id, "addresses", &row.addresses)?;
            for a in &o.addresses {
                if !addresses.iter().any(|x| x.text == a.text) {
                    addresses.push(a.clone());
                }
            }
            crm_store::update_organization(
                c,
                id,
                &OrganizationChanges {
                    name: Some(o.name.trim().to_owned()),
                    short_name: some(&o.short_name),
                    inn: o.inn.clone().map(Some),
                    kpp: o.kpp.clone().map(Some),
                    org_type: some(&o.org_type),
                    industry: some(&o.industry),
                    website: some(&o.website),
                    phones: Some(to_json(&unite(
                        &from_json::<Vec<String>>("organization", id, "phones", &row.phones)?,
                        &o.phones,
                    ))),
                    emails: Some(to_json(&unite(
                        &from_json::<Vec<String>>("organization", id, "emails", &row.emails)?,
                        &o.emails,
                    ))),
                    addresses: Some(to_json(&addresses)),
                    description: some(&o.description),
                    updated_at: Some(now),
                    ..Default::default()
                },
            )?;
            let after = crate::crm::organization_by_id(c, id)?;
            crate::audit::record(c, Some(actor), ("organization", id), &before, &after, now)?;
            emit(
                c,
                now,
                Some(actor),
                &Event::OrganizationUpdated {
                    id,
                    merged_ids: vec![],
                },
            )?;
        }
        Prepared::Contact(x) => {
            let before = crate::crm::contact_by_id(c, id)?;
            let row = crm_store::contact(c, id)?;
            let emails = unite(&before.emails, &x.emails);
            crm_store::update_contact(
                c,
                id,
                &ContactChanges {
                    first_name: Some(x.first_name.trim().to_owned()),
                    last_name: Some(x.last_name.trim().to_owned()),
                    organization_id: x.organization_id.map(Some),
                    title: some(&x.title),
                    department: some(&x.department),
                    phones: Some(to_json(&unite(
                        &from_json::<Vec<String>>("contact", id, "phones", &row.phones)?,
                        &x.phones,
                    ))),
                    do_not_email: x.do_not_email.then_some(true),
                    do_not_call: x.do_not_call.then_some(true),
                    updated_at: Some(now),
                    ..Default::default()
                },
                Some(&emails),
            )?;
            let after = crate::crm::contact_by_id(c, id)?;
            crate::audit::record(c, Some(actor), ("contact", id), &before, &after, now)?;
            emit(
                c,
                now,
                Some(actor),
                &Event::ContactUpdated {
                    id,
                    merged_ids: vec![],
                },
            )?;
        }
        Prepared::Lead(l) => {
            let row = lead_store::lead(c, id)?;
            if row.converted_at.is_some() {
                return Err(AppError::field(
                    "last_name",
                    format!("lead {id} was converted; it is not updated"),
                ));
            }
            let current = crate::leads::lead_dto(row)?;
            let pick =
                |new: &Option<String>, old: &Option<String>| new.clone().or_else(|| old.clone());
            let merged = LeadInput {
                first_name: pick(&l.first_name, &current.first_name),
                last_name: l.last_name.clone(),
                organization_name: pick(&l.organization_name, &current.organization_name),
                title: pick(&l.title, &current.title),
                phones: unite(&current.phones, &l.phones),
                emails: unite(&current.emails, &l.emails),
                website: pick(&l.website, &current.website),
                source: pick(&l.source, &current.source),
                status: l.status.or(Some(current.status)),
                rating: pick(&l.rating, &current.rating),
                industry: pick(&l.industry, &current.industry),
                annual_revenue: l.annual_revenue.or(current.annual_revenue),
                employees: l.employees.or(current.employees),
                social_profiles: current.social_profiles.clone(),
                do_not_email: l.do_not_email || current.do_not_email,
                address: pick(&l.address, &current.address),
                description: pick(&l.description, &current.description),
                owner_id: current.owner_id,
            };
            let values = crate::leads::lead_values(c, &merged, now)?;
            lead_store::update_lead(c, id, &values)?;
        }
    }
    Ok(())
}

/// Where duplicates are looked up: the keys of live records and of earlier rows.
#[derive(Default)]
pub(super) struct Index {
    records: HashMap<String, Vec<i64>>,
    /// Key → (line, the record it created or updated, if any).
    lines: HashMap<String, Vec<(i64, Option<i64>)>>,
}

impl Index {
    pub(super) fn build(c: &mut AnyConnection, entity: ImportEntity) -> Result<Index, AppError> {
        let kind = match entity {
            ImportEntity::Organizations => crate::duplicates::DuplicateKind::Organizations,
            ImportEntity::Contacts => crate::duplicates::DuplicateKind::Contacts,
            ImportEntity::Leads => crate::duplicates::DuplicateKind::Leads,
        };
        let mut index = Index::default();
        for (id, keys) in crate::duplicates::keys_of(c, kind)? {
            for k in keys {
                index.records.entry(k).or_default().push(id);
            }
        }
        Ok(index)
    }

    pub(super) fn find(&self, keys: &[String]) -> (Vec<i64>, Vec<(i64, Option<i64>)>) {
        let mut ids = Vec::new();
        let mut lines = Vec::new();
        for k in keys {
            for id in self.records.get(k).into_iter().flatten() {
                if !ids.contains(id) {
                    ids.push(*id);
                }
            }
            for l in self.lines.get(k).into_iter().flatten() {
                if !lines.contains(l) {
                    lines.push(*l);
                }
            }
        }
        ids.sort_unstable();
        lines.sort_unstable();
        (ids, lines)
    }

    pub(super) fn add(&mut self, keys: &[String], line: i64, record: Option<i64>) {
        for k in keys {
            self.lines
                .entry(k.clone())
                .or_default()
                .push((line, record));
        }
    }
}
