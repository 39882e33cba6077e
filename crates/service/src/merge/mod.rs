//! Merging organizations, contacts or leads (agents and admins). The caller names the survivor,
//! the records merged into it and, per field, whose value stays; everything that pointed at the
//! merged records is moved to the survivor and the merged records become tombstones, all in one
//! transaction, with the survivor's changes and each tombstone in the audit trail.

use helpdesk_domain::event::Event;
use std::collections::BTreeMap;

use chrono::NaiveDateTime;
use helpdesk_api_types::crm::Address;
use helpdesk_api_types::leads::{Lead, LeadStatus};
use helpdesk_api_types::merge::{ContactMerge, LeadMerge, MergeRequest, OrganizationMerge};
use helpdesk_store::audit::{self as audit_store, NewAuditEntry};
use helpdesk_store::crm::{self as crm_store, ContactChanges, OrganizationChanges};
use helpdesk_store::leads::{self as lead_store, LeadValues};
use helpdesk_store::merge::{self as store, Relinked};
use helpdesk_store::AnyConnection;
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::{Map, Value};
use validator::Validate;

use crate::crm::{contact_by_id, organization_by_id};
use crate::error::Problems;
use crate::outbox::emit;
use crate::{to_json, Actor, AppError, Services};

mod records;

/// How a kind's fields are merged.
struct Rules {
    /// Single values: the picked record's, else the survivor's, else the first merged one's.
    scalars: &'static [&'static str],
    /// Lists: the picked record's, else all records' united in order.
    lists: &'static [&'static str],
    /// Flags that stay set when any record has them (unless picked).
    any_of: &'static [&'static str],
}

const ORGANIZATION: Rules = Rules {
    scalars: &[
        "name",
        "short_name",
        "inn",
        "kpp",
        "org_type",
        "industry",
        "website",
        "parent_id",
        "owner_id",
        "description",
        "from_lead_id",
    ],
    lists: &["phones", "emails", "addresses"],
    any_of: &[],
};

const CONTACT: Rules = Rules {
    scalars: &[
        "first_name",
        "last_name",
        "organization_id",
        "title",
        "department",
        "owner_id",
        "portal_sees_organization",
        "from_lead_id",
    ],
    lists: &["phones"],
    any_of: &["do_not_email", "do_not_call", "portal_access"],
};

const LEAD: Rules = Rules {
    scalars: &[
        "first_name",
        "last_name",
        "organization_name",
        "title",
        "website",
        "source",
        "status",
        "rating",
        "industry",
        "annual_revenue",
        "employees",
        "address",
        "description",
        "owner_id",
        "converted_organization_id",
        "converted_contact_id",
        "converted_case_id",
        "converted_at",
    ],
    lists: &["phones", "emails", "social_profiles"],
    any_of: &["do_not_email"],
};

fn is_empty(v: &Value) -> bool {
    match v {
        Value::Null => true,
        Value::String(s) => s.trim().is_empty(),
        _ => false,
    }
}

/// The survivor's fields after the merge. `records` are the records as the API shows them,
/// the survivor first.
fn merged_fields(
    rules: &Rules,
    records: &[(i64, Value)],
    picks: &BTreeMap<String, i64>,
) -> Result<Map<String, Value>, AppError> {
    let mut p = Problems::default();
    for (field, id) in picks {
        let known = rules.scalars.contains(&field.as_str())
            || rules.lists.contains(&field.as_str())
            || rules.any_of.contains(&field.as_str());
        if !known {
            let mut choosable: Vec<&str> = rules.scalars.to_vec();
            choosable.extend(rules.lists);
            choosable.extend(rules.any_of);
            p.add(
                &format!("fields.{field}"),
                format!("cannot be chosen; choose one of {}", choosable.join(", ")),
            );
        } else if !records.iter().any(|(r, _)| r == id) {
            p.add(
                &format!("fields.{field}"),
                format!("record {id} is not one of the records being merged"),
            );
        }
    }
    p.into_result()?;
    let value_of = |id: i64, field: &str| -> Value {
        records
            .iter()
            .find(|(r, _)| *r == id)
            .and_then(|(_, v)| v.get(field).cloned())
            .unwrap_or(Value::Null)
    };
    let mut out = Map::new();
    for &field in rules.scalars {
        let value = match picks.get(field) {
            Some(&id) => value_of(id, field),
            None => records
                .iter()
                .map(|(_, v)| v.get(field).cloned().unwrap_or(Value::Null))
                .find(|v| !is_empty(v))
                .unwrap_or(Value::Null),
        };
        out.insert(field.to_owned(), value);
    }
    for &field in rules.lists {
        let value = match picks.get(field) {
            Some(&id) => value_of(id, field),
            None => {
                let mut all: Vec<Value> = Vec::new();
                for (_, v) in records {
                    for item in v.get(field).and_then(Value::as_array).into_iter().flatten() {
                        if !all.contains(item) {
                            all.push(item.clone());
                        }
                    }
                }
                Value::Array(all)
            }
        };
        out.insert(field.to_owned(), value);
    }
    for &field in rules.any_of {
        let value = match picks.get(field) {
            Some(&id) => value_of(id, field),
            None => Value::Bool(
                records
                    .iter()
                    .any(|(_, v)| v.get(field).and_then(Value::as_bool) == Some(true)),
            ),
        };
        out.insert(field.to_owned(), value);
    }
    Ok(out)
}

fn get<T: DeserializeOwned>(m: &Map<String, Value>, field: &str) -> Result<T, AppError> {
    serde_json::from_value(m.get(field).cloned().unwrap_or(Value::Null))
        .map_err(|e| AppError::failed(format!("merging {field}"), e))
}

fn as_value<T: Serialize>(v: &T) -> Value {
    serde_json::to_value(v).unwrap_or(Value::Null)
}

/// The request's ids, checked: distinct, the survivor not among the merged.
fn check_request(req: &MergeRequest) -> Result<Vec<i64>, AppError> {
    req.validate()?;
    let mut ids = req.merged_ids.clone();
    ids.sort_unstable();
    ids.dedup();
    if ids.len() != req.merged_ids.len() {
        return Err(AppError::field("merged_ids", "lists a record twice"));
    }
    if ids.contains(&req.survivor_id) {
        return Err(AppError::field(
            "merged_ids",
            "must not contain the survivor",
        ));
    }
    Ok(req.merged_ids.clone())
}

/// Refuses a record that is already a tombstone.
fn live(kind: &str, id: i64, merged_into: Option<i64>, field: &str) -> Result<(), AppError> {
    match merged_into {
        Some(into) => Err(AppError::field(
            field,
            format!("{kind} {id} was already merged into {into}"),
        )),
        None => Ok(()),
    }
}

fn missing(
    kind: &str,
    id: i64,
    field: &str,
) -> impl FnOnce(helpdesk_store::StoreError) -> AppError {
    let (kind, field) = (kind.to_owned(), field.to_owned());
    move |e| match e {
        helpdesk_store::StoreError::NotFound => {
            AppError::field(&field, format!("{kind} {id} does not exist"))
        }
        e => e.into(),
    }
}

/// The survivor and the merged records as the API shows them, the survivor first; `load`
/// gets the request field an id came from, for its error.
fn gather(
    into: i64,
    merged: &[i64],
    mut load: impl FnMut(&str, i64) -> Result<Value, AppError>,
) -> Result<Vec<(i64, Value)>, AppError> {
    let mut records = Vec::with_capacity(merged.len() + 1);
    records.push((into, load("survivor_id", into)?));
    for &id in merged {
        records.push((id, load("merged_ids", id)?));
    }
    Ok(records)
}

/// The audit trail and the event of a merge: the survivor's changed fields, a
/// `merged_into_id` entry per tombstone, and `event` for the survivor.
fn record_merge<T: Serialize>(
    c: &mut AnyConnection,
    actor: &Actor,
    kind: &str,
    into: i64,
    merged: &[i64],
    (before, after): (&T, &T),
    now: NaiveDateTime,
) -> Result<(), AppError> {
    crate::audit::record(c, Some(actor), (kind, into), before, after, now)?;
    for &id in merged {
        audit_store::insert(
            c,
            &NewAuditEntry {
                entity_type: kind,
                entity_id: id,
                field: "merged_into_id",
                old_value: None,
                new_value: Some(into.to_string()),
                actor_user_id: Some(actor.user_id),
                created_at: now,
            },
        )?;
    }
    let merged_ids = merged.to_vec();
    let event = match kind {
        "organization" => Event::OrganizationUpdated {
            id: into,
            merged_ids,
        },
        "contact" => Event::ContactUpdated {
            id: into,
            merged_ids,
        },
        _ => Event::LeadMerged {
            id: into,
            merged_ids,
        },
    };
    emit(c, now, Some(actor), &event)?;
    Ok(())
}

fn relinked_map(r: Relinked) -> BTreeMap<String, i64> {
    let mut out = BTreeMap::new();
    for (what, n) in r {
        *out.entry(what.to_owned()).or_insert(0) += n;
    }
    out
}

impl Services {}
