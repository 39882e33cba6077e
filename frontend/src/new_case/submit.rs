//! Saving the form: the organization, the applicant and the case, in that order.

use helpdesk_api_types::cases::Case;
use helpdesk_api_types::crm::{Contact, Organization};
use serde_json::{json, Value};

use crate::api::{self, ApiError};

/// The key under which an error of the whole request (not of one field) is kept.
pub(super) const FORM: &str = "";

/// The fields the form shows errors at; any other is listed at the top.
pub(super) const FIELDS: &[&str] = &[
    "case_type",
    "channel",
    "component_id",
    "description",
    "emails",
    "first_name",
    "inn",
    "kpp",
    "last_name",
    "org_name",
    "phones",
    "priority",
    "product_id",
    "requester_id",
    "subject",
    "system_info",
];

/// Creates what the form describes, in order: the organization (when entered by INN), the
/// applicant (when new), then the case; `made_org` and `made_contact` hear of each record made
/// on the way. An error says which step's fields it names.
#[allow(clippy::too_many_arguments)]
pub(super) async fn submit(
    org: Option<Organization>,
    new_org: (String, String, String),
    customer_id: Option<i64>,
    contact_id: Option<i64>,
    person: (String, String, String, String),
    made_org: impl Fn(Organization),
    made_contact: impl Fn(i64),
    mut case: Value,
) -> Result<Case, (&'static str, ApiError)> {
    let org_id = match org {
        Some(o) => Some(o.id),
        None if !new_org.0.trim().is_empty() => {
            let (inn, kpp, name) = new_org;
            let body = json!({ "name": name, "inn": inn.trim(), "kpp": Some(kpp.trim()).filter(|k| !k.is_empty()) });
            let o: Organization = api::post("/api/v1/organizations", &body)
                .await
                .map_err(|e| ("org", e))?;
            let id = o.id;
            made_org(o);
            Some(id)
        }
        None => None,
    };
    let requester = match contact_id {
        Some(c) => Some(c),
        None if !(person.0.trim().is_empty() && person.1.trim().is_empty()) => {
            let (first, last, email, phone) = person;
            let body = json!({
                "first_name": first, "last_name": last, "organization_id": org_id,
                "emails": if email.trim().is_empty() { vec![] } else { vec![email.trim().to_owned()] },
                "phones": if phone.trim().is_empty() { vec![] } else { vec![phone.trim().to_owned()] },
            });
            let c: Contact = api::post("/api/v1/contacts", &body)
                .await
                .map_err(|e| ("contact", e))?;
            made_contact(c.id);
            Some(c.id)
        }
        None => None,
    };
    case["organization_id"] = json!(org_id);
    case["customer_id"] = json!(customer_id);
    case["requester_id"] = json!(requester);
    api::post("/api/v1/cases", &case)
        .await
        .map_err(|e| ("case", e))
}
