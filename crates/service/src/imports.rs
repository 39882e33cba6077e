//! CSV import and export of organizations, contacts and leads (agents and admins).
//!
//! An upload is read at once far enough to refuse a bad mapping, then becomes an import job.
//! Small files are processed in the request; larger ones by the worker, batch by batch: each
//! batch's records and the job's progress are written in one transaction, so a worker that
//! stops resumes after the last committed batch and no row is imported twice. A dry run runs
//! the same code in a savepoint that is rolled back. Every row goes through the same checks as
//! the API's create; rows that look like existing records (or earlier rows) are skipped,
//! update the record, or are created anyway, as the caller chose.

use std::collections::{BTreeMap, HashMap};

use chrono::{Duration, NaiveDateTime};
use diesel::Connection;
use helpdesk_api_types::crm::{Address, NewContact, NewOrganization};
use helpdesk_api_types::imports::{
    CsvEncoding, Import, ImportEntity, ImportField, ImportFields, ImportOptions, ImportPage,
    ImportRow, ImportStatus, OnDuplicate,
};
use helpdesk_api_types::leads::{LeadInput, LeadStatus};
use helpdesk_domain::duplicates::{organization_keys, person_keys};
use helpdesk_domain::Inn;
use helpdesk_store::crm::{self as crm_store, ContactChanges, OrganizationChanges};
use helpdesk_store::files::StoredFile;
use helpdesk_store::imports::{self as store, NewImport, Progress};
use helpdesk_store::leads as lead_store;
use helpdesk_store::AnyConnection;
use serde_json::json;

use crate::error::{FieldErrors, Problems};
use crate::outbox::emit;
use crate::users::not_found;
use crate::{cursor_string, from_json, page_params, to_json, Actor, AppError, Services};

/// Files up to this many rows are imported in the request; larger ones by the worker.
pub const INLINE_ROWS: i64 = 1_000;
/// Rows per transaction.
pub const BATCH_ROWS: usize = 500;
/// At most this many rows are kept in a report.
const REPORT_ROWS: usize = 5_000;
/// How long a worker holds an import without committing a batch before another may take it.
const LEASE: i64 = 120;

/// One field a CSV column can fill: name, required, a list, the headers it is recognised by.
type FieldSpec = (&'static str, bool, bool, &'static [&'static str]);

const ORGANIZATION_FIELDS: &[FieldSpec] = &[
    (
        "name",
        true,
        false,
        &[
            "наименование",
            "название",
            "организация",
            "company",
            "organization",
            "компания",
        ],
    ),
    (
        "short_name",
        false,
        false,
        &["краткое наименование", "краткое название", "short name"],
    ),
    ("inn", false, false, &["инн", "tax id"]),
    ("kpp", false, false, &["кпп"]),
    ("org_type", false, false, &["type", "тип"]),
    ("industry", false, false, &["отрасль"]),
    ("website", false, false, &["сайт", "web", "url"]),
    ("phones", false, true, &["phone", "телефон", "телефоны"]),
    (
        "emails",
        false,
        true,
        &["email", "e-mail", "почта", "эл. почта", "электронная почта"],
    ),
    ("address", false, false, &["адрес", "юридический адрес"]),
    (
        "description",
        false,
        false,
        &["описание", "комментарий", "notes"],
    ),
];

const CONTACT_FIELDS: &[FieldSpec] = &[
    (
        "first_name",
        true,
        false,
        &["имя", "first name", "given name"],
    ),
    (
        "last_name",
        true,
        false,
        &["фамилия", "last name", "surname", "family name"],
    ),
    (
        "emails",
        false,
        true,
        &["email", "e-mail", "почта", "эл. почта", "электронная почта"],
    ),
    (
        "phones",
        false,
        true,
        &["phone", "телефон", "телефоны", "mobile", "мобильный"],
    ),
    (
        "title",
        false,
        false,
        &["должность", "job title", "position"],
    ),
    ("department", false, false, &["отдел", "подразделение"]),
    (
        "organization_inn",
        false,
        false,
        &["инн", "инн организации", "inn"],
    ),
    (
        "organization_name",
        false,
        false,
        &["организация", "компания", "company", "organization"],
    ),
    ("do_not_email", false, false, &["не писать", "do not email"]),
    ("do_not_call", false, false, &["не звонить", "do not call"]),
];

const LEAD_FIELDS: &[FieldSpec] = &[
    ("first_name", false, false, &["имя", "first name"]),
    (
        "last_name",
        true,
        false,
        &["фамилия", "last name", "surname"],
    ),
    (
        "organization_name",
        false,
        false,
        &["организация", "компания", "company", "organization"],
    ),
    ("title", false, false, &["должность", "job title"]),
    ("phones", false, true, &["phone", "телефон", "телефоны"]),
    (
        "emails",
        false,
        true,
        &["email", "e-mail", "почта", "эл. почта"],
    ),
    ("website", false, false, &["сайт", "web"]),
    ("source", false, false, &["источник"]),
    ("status", false, false, &["статус"]),
    ("rating", false, false, &["рейтинг"]),
    ("industry", false, false, &["отрасль"]),
    (
        "annual_revenue",
        false,
        false,
        &["выручка", "годовой доход", "revenue"],
    ),
    (
        "employees",
        false,
        false,
        &["сотрудники", "число сотрудников", "сотрудников"],
    ),
    ("address", false, false, &["адрес"]),
    ("description", false, false, &["описание", "комментарий"]),
    ("do_not_email", false, false, &["не писать", "do not email"]),
];

fn fields_of(entity: ImportEntity) -> &'static [FieldSpec] {
    match entity {
        ImportEntity::Organizations => ORGANIZATION_FIELDS,
        ImportEntity::Contacts => CONTACT_FIELDS,
        ImportEntity::Leads => LEAD_FIELDS,
    }
}

fn field_list(entity: ImportEntity) -> Vec<ImportField> {
    fields_of(entity)
        .iter()
        .map(|(name, required, list, aliases)| ImportField {
            name: (*name).to_owned(),
            required: *required,
            list: *list,
            aliases: aliases.iter().map(|a| (*a).to_owned()).collect(),
        })
        .collect()
}

/// A header as compared with field names and aliases.
fn header_key(h: &str) -> String {
    h.trim()
        .trim_start_matches('\u{feff}')
        .to_lowercase()
        .replace(['_', '-'], " ")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// The file as text, and the encoding it was read with.
pub fn decode(bytes: &[u8], encoding: CsvEncoding) -> Result<(String, &'static str), AppError> {
    let utf8 = |b: &[u8]| {
        let b = b.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(b);
        std::str::from_utf8(b).map(str::to_owned)
    };
    match encoding {
        CsvEncoding::Utf8 => utf8(bytes).map(|s| (s, "utf-8")).map_err(|e| {
            AppError::field(
                "encoding",
                format!(
                    "the file is not UTF-8 (byte {}); try windows-1251",
                    e.valid_up_to()
                ),
            )
        }),
        CsvEncoding::Windows1251 => Ok((
            encoding_rs::WINDOWS_1251.decode(bytes).0.into_owned(),
            "windows-1251",
        )),
        CsvEncoding::Auto => Ok(match utf8(bytes) {
            Ok(s) => (s, "utf-8"),
            Err(_) => (
                encoding_rs::WINDOWS_1251.decode(bytes).0.into_owned(),
                "windows-1251",
            ),
        }),
    }
}

/// The separator asked for, or the one of `;` and `,` the header line has more of.
fn separator(asked: Option<&str>, text: &str) -> Result<u8, AppError> {
    match asked {
        Some(";") => Ok(b';'),
        Some(",") => Ok(b','),
        Some(_) => Err(AppError::field("separator", "must be `;` or `,`")),
        None => {
            let header = text.lines().next().unwrap_or("");
            let count = |c: char| header.chars().filter(|&x| x == c).count();
            Ok(if count(';') > count(',') { b';' } else { b',' })
        }
    }
}

/// A parsed file: the headers, the column → field mapping, and the rows (line, field → value).
struct Parsed {
    mapping: BTreeMap<String, String>,
    rows: Vec<(i64, BTreeMap<&'static str, String>)>,
}

fn parse(
    text: &str,
    sep: u8,
    entity: ImportEntity,
    asked: &BTreeMap<String, String>,
) -> Result<Parsed, AppError> {
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(sep)
        .flexible(true)
        .has_headers(true)
        .from_reader(text.as_bytes());
    let headers: Vec<String> = reader
        .headers()
        .map_err(|e| AppError::field("file", format!("the header line cannot be read: {e}")))?
        .iter()
        .map(|h| h.trim().trim_start_matches('\u{feff}').to_owned())
        .collect();
    let specs = fields_of(entity);
    let mut p = Problems::default();
    for (column, field) in asked {
        if !headers.iter().any(|h| h == column) {
            p.add(&format!("mapping.{column}"), "the file has no such column");
        }
        if !field.is_empty() && !specs.iter().any(|s| s.0 == field) {
            let names: Vec<&str> = specs.iter().map(|s| s.0).collect();
            p.add(
                &format!("mapping.{column}"),
                format!("unknown field `{field}`; one of {}", names.join(", ")),
            );
        }
    }
    p.into_result()?;
    let mut p = Problems::default();
    // Column index → field.
    let mut columns: Vec<(usize, &'static str)> = Vec::new();
    let mut mapping = BTreeMap::new();
    for (i, header) in headers.iter().enumerate() {
        let spec = match asked.get(header) {
            Some(f) if f.is_empty() => None,
            Some(f) => specs.iter().find(|s| s.0 == f),
            None => {
                let key = header_key(header);
                specs.iter().find(|s| header_key(s.0) == key).or_else(|| {
                    specs
                        .iter()
                        .find(|s| s.3.iter().any(|a| header_key(a) == key))
                })
            }
        };
        if let Some(spec) = spec {
            if columns.iter().any(|(_, f)| *f == spec.0) {
                p.add(
                    &format!("mapping.{header}"),
                    format!("another column already fills `{}`", spec.0),
                );
                continue;
            }
            columns.push((i, spec.0));
            mapping.insert(header.clone(), spec.0.to_owned());
        }
    }
    for spec in specs.iter().filter(|s| s.1) {
        if !columns.iter().any(|(_, f)| *f == spec.0) {
            p.add(
                "mapping",
                format!("no column fills the required field `{}`", spec.0),
            );
        }
    }
    p.into_result()?;
    let mut rows = Vec::new();
    for record in reader.records() {
        let record =
            record.map_err(|e| AppError::field("file", format!("the file cannot be read: {e}")))?;
        // The reader counts the header as line 0.
        let line = record.position().map_or(0, |p| p.line() as i64 + 1);
        if record.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        let mut values = BTreeMap::new();
        for (i, field) in &columns {
            if let Some(v) = record.get(*i).map(str::trim).filter(|v| !v.is_empty()) {
                values.insert(*field, v.to_owned());
            }
        }
        rows.push((line, values));
    }
    Ok(Parsed { mapping, rows })
}

type Cells = BTreeMap<&'static str, String>;

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
enum Prepared {
    Organization(NewOrganization),
    Contact(NewContact),
    Lead(LeadInput),
}

/// Per job: lookups of organizations named in contact rows.
#[derive(Default)]
struct Lookups {
    by_inn: HashMap<String, Option<i64>>,
    by_name: HashMap<String, Option<i64>>,
}

fn prepare(
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
            let inn = text(row, "inn");
            let kpp = text(row, "kpp");
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
fn create(
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

fn unite(current: &str, more: &[String]) -> Vec<String> {
    let mut all: Vec<String> = from_json(current);
    for m in more {
        if !all.contains(m) {
            all.push(m.clone());
        }
    }
    all
}

/// Fills record `id` with the row's values (lists united), as a user's edit would.
fn update(
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
            // Through the create's checks first (INN checksum, KPP, lengths).
            validator::Validate::validate(o)?;
            let mut probe = Problems::default();
            if let Some(inn) = &o.inn {
                probe.check("inn", Inn::parse(inn));
            }
            probe.into_result()?;
            let mut addresses: Vec<Address> = from_json(&row.addresses);
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
                    inn: o.inn.as_ref().map(|i| Some(i.trim().to_owned())),
                    kpp: o.kpp.as_ref().map(|k| Some(k.trim().to_owned())),
                    org_type: some(&o.org_type),
                    industry: some(&o.industry),
                    website: some(&o.website),
                    phones: Some(to_json(&unite(&row.phones, &o.phones))),
                    emails: Some(to_json(&unite(&row.emails, &o.emails))),
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
                "organization.updated",
                ("organization", id),
                json!({ "id": id }),
            )?;
        }
        Prepared::Contact(x) => {
            validator::Validate::validate(x)?;
            let before = crate::crm::contact_by_id(c, id)?;
            let row = crm_store::contact(c, id)?;
            let emails = unite(&to_json(&before.emails), &x.emails);
            crm_store::update_contact(
                c,
                id,
                &ContactChanges {
                    first_name: Some(x.first_name.trim().to_owned()),
                    last_name: Some(x.last_name.trim().to_owned()),
                    organization_id: x.organization_id.map(Some),
                    title: some(&x.title),
                    department: some(&x.department),
                    phones: Some(to_json(&unite(&row.phones, &x.phones))),
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
                "contact.updated",
                ("contact", id),
                json!({ "id": id }),
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
            let current = crate::leads::lead_dto(row);
            let pick =
                |new: &Option<String>, old: &Option<String>| new.clone().or_else(|| old.clone());
            let merged = LeadInput {
                first_name: pick(&l.first_name, &current.first_name),
                last_name: l.last_name.clone(),
                organization_name: pick(&l.organization_name, &current.organization_name),
                title: pick(&l.title, &current.title),
                phones: unite(&to_json(&current.phones), &l.phones),
                emails: unite(&to_json(&current.emails), &l.emails),
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
struct Index {
    records: HashMap<String, Vec<i64>>,
    /// Key → (line, the record it created or updated, if any).
    lines: HashMap<String, Vec<(i64, Option<i64>)>>,
}

impl Index {
    fn build(c: &mut AnyConnection, entity: ImportEntity) -> Result<Index, AppError> {
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

    fn find(&self, keys: &[String]) -> (Vec<i64>, Vec<(i64, Option<i64>)>) {
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

    fn add(&mut self, keys: &[String], line: i64, record: Option<i64>) {
        for k in keys {
            self.lines
                .entry(k.clone())
                .or_default()
                .push((line, record));
        }
    }
}

/// Counters and the report, carried from batch to batch.
#[derive(Debug, Clone, Default)]
struct Tally {
    created: i64,
    updated: i64,
    skipped: i64,
    failed: i64,
    rows: Vec<ImportRow>,
}

impl Tally {
    fn report(&mut self, row: ImportRow) {
        if self.rows.len() < REPORT_ROWS {
            self.rows.push(row);
        }
    }
}

/// Undoes a dry run's batch while keeping what it found.
enum Batch {
    DryRun(Box<(Tally, Index, Lookups)>),
    Failed(AppError),
}

impl From<diesel::result::Error> for Batch {
    fn from(e: diesel::result::Error) -> Self {
        Batch::Failed(AppError::from(helpdesk_store::StoreError::from(e)))
    }
}

#[allow(clippy::too_many_arguments)]
fn run_rows(
    c: &mut AnyConnection,
    actor: &Actor,
    entity: ImportEntity,
    on_duplicate: OnDuplicate,
    dry_run: bool,
    rows: &[(i64, Cells)],
    tally: &mut Tally,
    index: &mut Index,
    lookups: &mut Lookups,
    now: NaiveDateTime,
) -> Result<(), AppError> {
    for (line, cells) in rows {
        let line = *line;
        let (prepared, keys) = match prepare(c, entity, cells, lookups) {
            Ok(p) => p,
            Err(AppError::Validation(errors)) => {
                tally.failed += 1;
                tally.report(failed_row(line, errors));
                continue;
            }
            Err(e) => return Err(e),
        };
        let (ids, lines) = index.find(&keys);
        let duplicate_lines: Vec<i64> = lines.iter().map(|(l, _)| *l).collect();
        let duplicate = !ids.is_empty() || !lines.is_empty();
        let target = ids
            .first()
            .copied()
            .or_else(|| lines.iter().find_map(|(_, r)| *r));
        let outcome = if !duplicate || on_duplicate == OnDuplicate::Create {
            create(c, actor, &prepared, now).map(|id| ("created", Some(id)))
        } else if on_duplicate == OnDuplicate::Update {
            match target {
                Some(id) => update(c, actor, id, &prepared, now).map(|_| ("updated", Some(id))),
                None => Ok(("updated", None)),
            }
        } else {
            Ok(("skipped", None))
        };
        match outcome {
            Ok((what, record)) => {
                match what {
                    "created" => tally.created += 1,
                    "updated" => tally.updated += 1,
                    _ => tally.skipped += 1,
                }
                index.add(&keys, line, record);
                if duplicate {
                    tally.report(ImportRow {
                        line,
                        outcome: what.to_owned(),
                        errors: BTreeMap::new(),
                        duplicate_ids: ids,
                        duplicate_lines,
                        record_id: record.filter(|_| !dry_run),
                    });
                }
            }
            Err(AppError::Validation(errors)) => {
                tally.failed += 1;
                tally.report(failed_row(line, errors));
            }
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

fn failed_row(line: i64, errors: FieldErrors) -> ImportRow {
    ImportRow {
        line,
        outcome: "failed".into(),
        errors,
        duplicate_ids: Vec::new(),
        duplicate_lines: Vec::new(),
        record_id: None,
    }
}

fn import_dto(r: store::ImportRow) -> Result<Import, AppError> {
    let options: serde_json::Value = serde_json::from_str(&r.options).unwrap_or_default();
    Ok(Import {
        id: r.id,
        entity: ImportEntity::parse(&r.entity_type)
            .ok_or_else(|| AppError::Internal(format!("import kind {}", r.entity_type)))?,
        status: match r.status.as_str() {
            "queued" => ImportStatus::Queued,
            "running" => ImportStatus::Running,
            "done" => ImportStatus::Done,
            _ => ImportStatus::Failed,
        },
        dry_run: r.dry_run,
        on_duplicate: OnDuplicate::parse(&r.on_duplicate).unwrap_or_default(),
        filename: r.filename,
        encoding: options["encoding"].as_str().unwrap_or("utf-8").to_owned(),
        separator: options["separator"].as_str().unwrap_or(",").to_owned(),
        mapping: serde_json::from_value(options["mapping"].clone()).unwrap_or_default(),
        total_rows: r.total_rows,
        processed_rows: r.processed_rows,
        created: r.created_count,
        updated: r.updated_count,
        skipped: r.skipped_count,
        failed: r.failed_count,
        rows: from_json(&r.report),
        error: r.error,
        created_by_id: r.created_by_id,
        created_at: r.created_at.and_utc(),
        started_at: r.started_at.map(|t| t.and_utc()),
        finished_at: r.finished_at.map(|t| t.and_utc()),
    })
}

impl Services {
    /// The fields each kind of record takes, with the headers recognised without a mapping.
    pub fn import_fields(&self, actor: &Actor) -> Result<ImportFields, AppError> {
        actor.staff_read()?;
        Ok(ImportFields {
            organizations: field_list(ImportEntity::Organizations),
            contacts: field_list(ImportEntity::Contacts),
            leads: field_list(ImportEntity::Leads),
        })
    }

    /// Starts an import of a file already in the file store. The file is read and its mapping
    /// checked now; a small file is imported before this returns, a larger one is queued for
    /// the worker.
    pub fn start_import(
        &self,
        actor: &Actor,
        options: &ImportOptions,
        file: &StoredFile,
        filename: &str,
    ) -> Result<Import, AppError> {
        actor.staff_write()?;
        let (text, encoding) = decode(&self.read_stored(file)?, options.encoding)?;
        let sep = separator(options.separator.as_deref(), &text)?;
        let parsed = parse(&text, sep, options.entity, &options.mapping)?;
        let now = self.now();
        let row = self.db.write(|c| {
            Ok::<_, AppError>(store::insert(
                c,
                &NewImport {
                    entity_type: options.entity.as_str().to_owned(),
                    status: "queued".into(),
                    dry_run: options.dry_run,
                    on_duplicate: options.on_duplicate.as_str().to_owned(),
                    options: json!({
                        "encoding": encoding,
                        "separator": (sep as char).to_string(),
                        "mapping": parsed.mapping,
                    })
                    .to_string(),
                    filename: crate::attachments::clean_filename(filename),
                    sha256: file.sha256.clone(),
                    total_rows: parsed.rows.len() as i64,
                    created_by_id: Some(actor.user_id),
                    created_at: now,
                },
            )?)
        })?;
        if row.total_rows <= INLINE_ROWS {
            self.run_import(row.id)?;
        }
        self.get_import(actor, row.id)
    }

    pub fn get_import(&self, actor: &Actor, id: i64) -> Result<Import, AppError> {
        actor.staff_read()?;
        import_dto(
            self.db
                .read(|c| store::get(c, id))
                .map_err(not_found("import"))?,
        )
    }

    pub fn list_imports(
        &self,
        actor: &Actor,
        limit: Option<i64>,
        cursor: Option<&str>,
    ) -> Result<ImportPage, AppError> {
        actor.staff_read()?;
        let (limit, cursor) = page_params(limit, cursor)?;
        let page = self.db.read(|c| store::list(c, limit, cursor))?;
        Ok(ImportPage {
            items: page
                .items
                .into_iter()
                .map(import_dto)
                .collect::<Result<_, _>>()?,
            next_cursor: cursor_string(page.next_cursor),
        })
    }

    fn read_stored(&self, file: &StoredFile) -> Result<Vec<u8>, AppError> {
        let path = self
            .files
            .path_of(&file.sha256)
            .ok_or_else(|| AppError::Internal("uploaded file missing".into()))?;
        std::fs::read(path).map_err(|e| AppError::Internal(format!("reading an upload: {e}")))
    }

    /// The worker's step: takes the next import that needs work (queued, or left by a worker
    /// that stopped) and runs it to the end. Returns whether there was one.
    pub fn run_next_import(&self) -> Result<bool, AppError> {
        let now = self.now();
        let claimed = self
            .db
            .write(|c| Ok::<_, AppError>(store::claim(c, now, now + Duration::seconds(LEASE))?))?;
        match claimed {
            Some(row) => {
                self.process_import(row)?;
                Ok(true)
            }
            None => Ok(false),
        }
    }

    /// Runs one import now (used for small files, in the request).
    fn run_import(&self, id: i64) -> Result<(), AppError> {
        let now = self.now();
        let row = self.db.write(|c| {
            let lease = now + Duration::seconds(LEASE);
            let claimed = store::claim_queued(c, id, now, lease)?;
            Ok::<_, AppError>(claimed.map(|r| (r, lease)))
        })?;
        if let Some((row, _)) = row {
            self.process_import(row)?;
        }
        Ok(())
    }

    fn process_import(&self, job: store::ImportRow) -> Result<(), AppError> {
        let entity = ImportEntity::parse(&job.entity_type)
            .ok_or_else(|| AppError::Internal(format!("import kind {}", job.entity_type)))?;
        let on_duplicate = OnDuplicate::parse(&job.on_duplicate).unwrap_or_default();
        // The rows are written as the user who uploaded the file.
        let actor = Actor {
            user_id: job.created_by_id.unwrap_or_default(),
            role: helpdesk_domain::Role::Agent,
            contact_id: None,
            line: None,
            scopes: None,
        };
        let mut lease = job.lease_until.unwrap_or_else(|| self.now());
        let mut tally = Tally {
            created: job.created_count,
            updated: job.updated_count,
            skipped: job.skipped_count,
            failed: job.failed_count,
            rows: from_json(&job.report),
        };
        let fail =
            |svc: &Services, lease: NaiveDateTime, tally: &Tally, processed: i64, why: String| {
                let now = svc.now();
                svc.db.write(|c| {
                    store::save_progress(
                        c,
                        job.id,
                        lease,
                        &progress(
                            tally,
                            "failed",
                            processed,
                            Some(why.clone()),
                            None,
                            Some(now),
                        ),
                    )?;
                    Ok::<_, AppError>(())
                })
            };
        let options: serde_json::Value = serde_json::from_str(&job.options).unwrap_or_default();
        let parsed = (|| {
            let bytes = self.read_stored(&StoredFile {
                sha256: job.sha256.clone(),
                size: 0,
            })?;
            let encoding = match options["encoding"].as_str() {
                Some("windows-1251") => CsvEncoding::Windows1251,
                _ => CsvEncoding::Utf8,
            };
            let (text, _) = decode(&bytes, encoding)?;
            let sep = options["separator"].as_str().unwrap_or(",");
            let mapping: BTreeMap<String, String> =
                serde_json::from_value(options["mapping"].clone()).unwrap_or_default();
            // Map every header explicitly as the job recorded it; others are ignored.
            let mut asked = mapping;
            let header_line = text.lines().next().unwrap_or("");
            let headers = csv::ReaderBuilder::new()
                .delimiter(sep.as_bytes()[0])
                .from_reader(header_line.as_bytes())
                .headers()
                .map(|h| {
                    h.iter()
                        .map(|s| s.trim().trim_start_matches('\u{feff}').to_owned())
                        .collect::<Vec<_>>()
                })
                .unwrap_or_default();
            for h in headers {
                asked.entry(h).or_default();
            }
            parse(&text, sep.as_bytes()[0], entity, &asked)
        })();
        let parsed = match parsed {
            Ok(p) => p,
            Err(e) => {
                let why = match &e {
                    AppError::Validation(errors) => format!("{errors:?}"),
                    other => other.to_string(),
                };
                tracing::error!(import = job.id, error = %why, "import failed");
                return fail(self, lease, &tally, job.processed_rows, why);
            }
        };
        let mut index = self.db.read(|c| Index::build(c, entity))?;
        let mut lookups = Lookups::default();
        let mut processed = job.processed_rows as usize;
        // Rows already imported by an earlier run still count as earlier rows for duplicates.
        for (line, cells) in parsed.rows.iter().take(processed) {
            let keys = self
                .db
                .read(|c| prepare(c, entity, cells, &mut lookups).map(|(_, k)| k))
                .unwrap_or_default();
            index.add(&keys, *line, None);
        }
        loop {
            let end = (processed + BATCH_ROWS).min(parsed.rows.len());
            let rows = &parsed.rows[processed..end];
            let now = self.now();
            let next_lease = now + Duration::seconds(LEASE);
            let done = end == parsed.rows.len();
            let result = self.db.write(|c| {
                let mut t = tally.clone();
                if job.dry_run {
                    let mut idx = std::mem::take(&mut index);
                    let mut look = std::mem::take(&mut lookups);
                    let undone = c.transaction::<(), Batch, _>(|c| {
                        match run_rows(
                            c,
                            &actor,
                            entity,
                            on_duplicate,
                            true,
                            rows,
                            &mut t,
                            &mut idx,
                            &mut look,
                            now,
                        ) {
                            Ok(()) => Err(Batch::DryRun(Box::new((
                                t.clone(),
                                std::mem::take(&mut idx),
                                std::mem::take(&mut look),
                            )))),
                            Err(e) => Err(Batch::Failed(e)),
                        }
                    });
                    match undone {
                        Err(Batch::DryRun(found)) => {
                            let (tt, i, l) = *found;
                            t = tt;
                            index = i;
                            lookups = l;
                        }
                        Err(Batch::Failed(e)) => return Err(e),
                        Ok(()) => {}
                    }
                } else {
                    run_rows(
                        c,
                        &actor,
                        entity,
                        on_duplicate,
                        false,
                        rows,
                        &mut t,
                        &mut index,
                        &mut lookups,
                        now,
                    )?;
                }
                let status = if done { "done" } else { "running" };
                let saved = store::save_progress(
                    c,
                    job.id,
                    lease,
                    &progress(
                        &t,
                        status,
                        end as i64,
                        None,
                        (!done).then_some(next_lease),
                        done.then_some(now),
                    ),
                )?;
                if !saved {
                    return Err(AppError::Conflict(
                        "another worker took this import over".into(),
                    ));
                }
                Ok(t)
            });
            match result {
                Ok(t) => {
                    tally = t;
                    lease = next_lease;
                    processed = end;
                    if done {
                        return Ok(());
                    }
                }
                Err(AppError::Conflict(why)) => {
                    tracing::warn!(import = job.id, %why, "import handed over");
                    return Ok(());
                }
                Err(e) => {
                    tracing::error!(import = job.id, error = %e, "import batch failed");
                    return fail(self, lease, &tally, processed as i64, e.to_string());
                }
            }
        }
    }
}

fn progress(
    t: &Tally,
    status: &str,
    processed: i64,
    error: Option<String>,
    lease_until: Option<NaiveDateTime>,
    finished_at: Option<NaiveDateTime>,
) -> Progress {
    Progress {
        status: status.to_owned(),
        processed_rows: processed,
        created_count: t.created,
        updated_count: t.updated,
        skipped_count: t.skipped,
        failed_count: t.failed,
        report: to_json(&t.rows),
        error,
        lease_until,
        finished_at,
    }
}

/// What an export lists: the filters of the list it exports.
#[derive(Debug, Clone)]
pub enum ExportFilter {
    Organizations(crm_store::OrganizationFilter),
    Contacts(crm_store::ContactFilter),
    Leads(lead_store::LeadFilter),
}

fn yes_no(b: bool) -> String {
    if b { "yes" } else { "no" }.to_owned()
}

fn joined(json_list: &str) -> String {
    from_json::<Vec<String>>(json_list).join(", ")
}

/// Rows are read in pages of this many.
const EXPORT_PAGE: i64 = 1_000;

impl Services {
    /// Every record the filter selects, as CSV with the import's field names as headers (so an
    /// export imports back), `,` or `;` separated, in UTF-8 (with a byte-order mark) or
    /// Windows-1251.
    pub fn export_csv(
        &self,
        actor: &Actor,
        filter: &ExportFilter,
        separator: Option<&str>,
        encoding: Option<&str>,
    ) -> Result<Vec<u8>, AppError> {
        actor.staff_read()?;
        let sep = match separator {
            None | Some(",") => b',',
            Some(";") => b';',
            Some(_) => return Err(AppError::field("separator", "must be `;` or `,`")),
        };
        let cp1251 = match encoding {
            None | Some("utf-8") => false,
            Some("windows-1251") => true,
            Some(_) => return Err(AppError::field("encoding", "must be utf-8 or windows-1251")),
        };
        let mut out = csv::WriterBuilder::new()
            .delimiter(sep)
            .from_writer(Vec::new());
        let io = |e: csv::Error| AppError::Internal(format!("writing CSV: {e}"));
        self.db.read(|c| -> Result<(), AppError> {
            let mut cursor = None;
            match filter {
                ExportFilter::Organizations(f) => {
                    out.write_record([
                        "id",
                        "name",
                        "short_name",
                        "inn",
                        "kpp",
                        "org_type",
                        "industry",
                        "website",
                        "phones",
                        "emails",
                        "address",
                        "description",
                    ])
                    .map_err(io)?;
                    loop {
                        let page = crm_store::list_organizations(c, f, EXPORT_PAGE, cursor)?;
                        for r in &page.items {
                            let address = from_json::<Vec<Address>>(&r.addresses)
                                .into_iter()
                                .next()
                                .map(|a| a.text);
                            let o = |v: &Option<String>| v.clone().unwrap_or_default();
                            out.write_record([
                                r.id.to_string(),
                                r.name.clone(),
                                o(&r.short_name),
                                o(&r.inn),
                                o(&r.kpp),
                                o(&r.org_type),
                                o(&r.industry),
                                o(&r.website),
                                joined(&r.phones),
                                joined(&r.emails),
                                address.unwrap_or_default(),
                                o(&r.description),
                            ])
                            .map_err(io)?;
                        }
                        cursor = page.next_cursor;
                        if cursor.is_none() {
                            break;
                        }
                    }
                }
                ExportFilter::Contacts(f) => {
                    out.write_record([
                        "id",
                        "first_name",
                        "last_name",
                        "emails",
                        "phones",
                        "title",
                        "department",
                        "organization_inn",
                        "organization_name",
                        "do_not_email",
                        "do_not_call",
                    ])
                    .map_err(io)?;
                    let mut orgs: HashMap<i64, (String, String)> = HashMap::new();
                    loop {
                        let page = crm_store::list_contacts(c, f, EXPORT_PAGE, cursor)?;
                        let ids: Vec<i64> = page.items.iter().map(|r| r.id).collect();
                        let mut emails: HashMap<i64, Vec<String>> = HashMap::new();
                        for (id, e) in crm_store::emails_of(c, &ids)? {
                            emails.entry(id).or_default().push(e);
                        }
                        for r in &page.items {
                            let (inn, name) = match r.organization_id {
                                Some(id) => match orgs.get(&id) {
                                    Some(v) => v.clone(),
                                    None => {
                                        let org = crm_store::organization(c, id)?;
                                        let v = (org.inn.unwrap_or_default(), org.name);
                                        orgs.insert(id, v.clone());
                                        v
                                    }
                                },
                                None => Default::default(),
                            };
                            let o = |v: &Option<String>| v.clone().unwrap_or_default();
                            out.write_record([
                                r.id.to_string(),
                                r.first_name.clone(),
                                r.last_name.clone(),
                                emails.remove(&r.id).unwrap_or_default().join(", "),
                                joined(&r.phones),
                                o(&r.title),
                                o(&r.department),
                                inn,
                                name,
                                yes_no(r.do_not_email),
                                yes_no(r.do_not_call),
                            ])
                            .map_err(io)?;
                        }
                        cursor = page.next_cursor;
                        if cursor.is_none() {
                            break;
                        }
                    }
                }
                ExportFilter::Leads(f) => {
                    out.write_record([
                        "id",
                        "number",
                        "first_name",
                        "last_name",
                        "organization_name",
                        "title",
                        "phones",
                        "emails",
                        "website",
                        "source",
                        "status",
                        "rating",
                        "industry",
                        "annual_revenue",
                        "employees",
                        "address",
                        "description",
                        "do_not_email",
                    ])
                    .map_err(io)?;
                    loop {
                        let page = lead_store::list_leads(c, f, EXPORT_PAGE, cursor)?;
                        for r in &page.items {
                            let o = |v: &Option<String>| v.clone().unwrap_or_default();
                            let n = |v: Option<i64>| v.map(|x| x.to_string()).unwrap_or_default();
                            out.write_record([
                                r.id.to_string(),
                                r.number.to_string(),
                                o(&r.first_name),
                                r.last_name.clone(),
                                o(&r.organization_name),
                                o(&r.title),
                                joined(&r.phones),
                                joined(&r.emails),
                                o(&r.website),
                                o(&r.source),
                                r.status.clone(),
                                o(&r.rating),
                                o(&r.industry),
                                n(r.annual_revenue),
                                n(r.employees.map(i64::from)),
                                o(&r.address),
                                o(&r.description),
                                yes_no(r.do_not_email),
                            ])
                            .map_err(io)?;
                        }
                        cursor = page.next_cursor;
                        if cursor.is_none() {
                            break;
                        }
                    }
                }
            }
            Ok(())
        })?;
        let text = String::from_utf8(
            out.into_inner()
                .map_err(|e| AppError::Internal(e.to_string()))?,
        )
        .map_err(|e| AppError::Internal(e.to_string()))?;
        Ok(if cp1251 {
            encoding_rs::WINDOWS_1251.encode(&text).0.into_owned()
        } else {
            let mut bytes = b"\xEF\xBB\xBF".to_vec();
            bytes.extend(text.into_bytes());
            bytes
        })
    }
}
