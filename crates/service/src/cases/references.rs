//! What a case refers to (customer, organization, product, contract, team, agent), checked
//! against the database, and the case-type rule.

use super::*;

/// An active agent's name, or why `uid` cannot be assigned.
pub(crate) fn active_agent(
    c: &mut AnyConnection,
    uid: i64,
) -> Result<Result<String, String>, AppError> {
    match users::user(c, uid) {
        Ok(u) if u.role != Role::Portal && u.active => Ok(Ok(u.name)),
        Ok(_) => Ok(Err(format!("user {uid} is not an active agent"))),
        Err(StoreError::NotFound) => Ok(Err(format!("user {uid} does not exist"))),
        Err(e) => Err(e.into()),
    }
}

/// What a new case refers to, checked against the database.
pub(crate) struct References {
    pub(crate) organization_id: Option<i64>,
    pub(crate) customer_id: Option<i64>,
    pub(crate) requester_id: Option<i64>,
    pub(crate) contact_ids: Vec<i64>,
    pub(crate) product_id: Option<i64>,
    pub(crate) component_id: Option<i64>,
    pub(crate) team_id: Option<i64>,
    pub(crate) assignee_id: Option<i64>,
}

/// Checks and resolves the records a case refers to; returns the team named, as read for the
/// check (a new case's assignment goes by it).
pub(super) fn check_references(
    c: &mut AnyConnection,
    r: &mut References,
) -> Result<Option<users::TeamRow>, AppError> {
    let mut p = Problems::default();
    // Merged contacts and organizations stand for the records they were merged into.
    let mut asked = r.contact_ids.clone();
    asked.extend(r.requester_id);
    // The contacts named and their organizations, read once; again only when some were merged.
    let mut found = Vec::new();
    if !asked.is_empty() {
        let rows = crm::contact_refs(c, &asked)?;
        let live = |id: i64| {
            rows.iter()
                .find(|(from, _, _)| *from == id)
                .and_then(|(_, into, _)| *into)
                .unwrap_or(id)
        };
        r.requester_id = r.requester_id.map(live);
        r.contact_ids = r.contact_ids.iter().map(|&id| live(id)).collect();
        found = if rows.iter().all(|(_, into, _)| into.is_none()) {
            rows.iter().map(|&(id, _, org)| (id, org)).collect()
        } else {
            Vec::new()
        };
    }
    for org in [&mut r.organization_id, &mut r.customer_id] {
        if let Some(id) = *org {
            if let Some(live) = crm::resolve_organization(c, id)? {
                *org = Some(live);
            }
        }
    }
    if r.requester_id.is_none() {
        r.requester_id = r.contact_ids.first().copied();
    }
    if let Some(req) = r.requester_id {
        if !r.contact_ids.contains(&req) {
            r.contact_ids.insert(0, req);
        }
    }
    let mut seen = Vec::new();
    r.contact_ids.retain(|id| {
        let fresh = !seen.contains(id);
        seen.push(*id);
        fresh
    });
    let existing = if found.is_empty() && !r.contact_ids.is_empty() {
        crm::contact_organizations(c, &r.contact_ids)?
    } else {
        found
    };
    for id in &r.contact_ids {
        if !existing.iter().any(|(found, _)| found == id) {
            let field = if Some(*id) == r.requester_id {
                "requester_id"
            } else {
                "contact_ids"
            };
            p.add(field, format!("contact {id} does not exist"));
        }
    }
    // The requester's organization, when none is named; it exists (the contact refers to it).
    let named_organization = r.organization_id;
    if named_organization.is_none() {
        r.organization_id = existing
            .iter()
            .find(|(id, _)| Some(*id) == r.requester_id)
            .and_then(|(_, org)| *org);
    }
    for (field, org) in [
        ("organization_id", named_organization),
        ("customer_id", r.customer_id),
    ] {
        if let Some(id) = org {
            if !crm::organization_exists(c, id)? {
                p.add(field, format!("organization {id} does not exist"));
            }
        }
    }
    if let Some(pid) = r.product_id {
        match catalog::product(c, pid) {
            Ok(prod) if !prod.active => p.add("product_id", format!("product {pid} is retired")),
            Ok(_) => {}
            Err(StoreError::NotFound) => {
                p.add("product_id", format!("product {pid} does not exist"));
            }
            Err(e) => return Err(e.into()),
        }
    }
    if let Some(cid) = r.component_id {
        match catalog::component(c, cid) {
            Ok(k) if Some(k.product_id) == r.product_id => {}
            Ok(_) => p.add("component_id", "the component belongs to another product"),
            Err(StoreError::NotFound) => {
                p.add("component_id", format!("component {cid} does not exist"));
            }
            Err(e) => return Err(e.into()),
        }
    }
    let mut team = None;
    if let Some(tid) = r.team_id {
        match users::team(c, tid) {
            Ok(t) => team = Some(t),
            Err(StoreError::NotFound) => p.add("team_id", format!("team {tid} does not exist")),
            Err(e) => return Err(e.into()),
        }
    }
    if let Some(uid) = r.assignee_id {
        if let Err(why) = active_agent(c, uid)? {
            p.add("assignee_id", why);
        }
    }
    p.into_result()?;
    Ok(team)
}

/// The type rule: anything but a consultation needs a contract in force for the product, held
/// by the customer (the contract holder) or, when none is named, the organization.
pub(crate) fn check_type(
    c: &mut AnyConnection,
    case_type: CaseType,
    holder: Option<i64>,
    product: Option<i64>,
    today: chrono::NaiveDate,
) -> Result<(), AppError> {
    let has_contract = match (holder, product) {
        (Some(org), Some(prod)) => catalog::has_active_contract(c, org, prod, today)?,
        _ => false,
    };
    Ok(check_case_type(case_type, has_contract)?)
}
