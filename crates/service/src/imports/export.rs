//! CSV export of any filtered list of organizations, contacts or leads.

use std::collections::HashMap;

use helpdesk_api_types::crm::Address;
use helpdesk_store::crm as crm_store;
use helpdesk_store::leads as lead_store;

use crate::{from_json, Actor, AppError, Services};

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

/// A stored list (`table` row `id`, `column`) as one cell.
fn joined(table: &str, id: i64, column: &str, json_list: &str) -> Result<String, AppError> {
    Ok(from_json::<Vec<String>>(table, id, column, json_list)?.join(", "))
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
        // The lists' own normalisation: emails compare lower-cased, blank text is no filter.
        let blank_is_none = |v: &Option<String>| {
            v.as_deref()
                .map(str::trim)
                .filter(|t| !t.is_empty())
                .map(str::to_owned)
        };
        let filter = match filter.clone() {
            ExportFilter::Contacts(f) => ExportFilter::Contacts(crm_store::ContactFilter {
                email: blank_is_none(&f.email).map(|e| e.to_lowercase()),
                ..f
            }),
            ExportFilter::Leads(f) => ExportFilter::Leads(lead_store::LeadFilter {
                source: blank_is_none(&f.source),
                text: blank_is_none(&f.text),
                ..f
            }),
            other => other,
        };
        let filter = &filter;
        let mut out = csv::WriterBuilder::new()
            .delimiter(sep)
            .from_writer(Vec::new());
        let io = |e: csv::Error| AppError::failed("writing CSV", e);
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
                            let address = from_json::<Vec<Address>>(
                                "organization",
                                r.id,
                                "addresses",
                                &r.addresses,
                            )?
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
                                joined("organization", r.id, "phones", &r.phones)?,
                                joined("organization", r.id, "emails", &r.emails)?,
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
                                joined("contact", r.id, "phones", &r.phones)?,
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
                                joined("lead", r.id, "phones", &r.phones)?,
                                joined("lead", r.id, "emails", &r.emails)?,
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
                .map_err(|e| AppError::failed("writing CSV", e))?,
        )
        .map_err(|e| AppError::failed("writing CSV", e))?;
        Ok(if cp1251 {
            encoding_rs::WINDOWS_1251.encode(&text).0.into_owned()
        } else {
            let mut bytes = b"\xEF\xBB\xBF".to_vec();
            bytes.extend(text.into_bytes());
            bytes
        })
    }
}
