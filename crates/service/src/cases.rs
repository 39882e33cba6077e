//! Cases and their streams, for agents and for portal users.

use helpdesk_api_types::cases::{
    Case, CasePage, CasePatch, CaseQuery, NewCase, NewStreamEntry, PageQuery, QueueView, Queues,
    StatusChange, StreamEntry, StreamKind, StreamPage,
};
use helpdesk_domain::case::{check_case_type, initial_assignment, Creator};
use helpdesk_domain::{CaseStatus, CaseType, Channel, Priority, Role, SupportLine};
use helpdesk_store::cases::{self as store, CaseChanges, CaseFilter, CaseSort, SlaFilter};
use helpdesk_store::{catalog, crm, users, AnyConnection, StoreError};
use serde_json::json;
use validator::Validate;

use crate::error::Problems;
use crate::outbox::{emit, emit_timed};
use crate::users::not_found;
use crate::{cursor_string, from_json, page_params, to_json, Actor, AppError, Services};

pub(crate) fn stored<T>(r: Result<T, helpdesk_domain::DomainError>) -> Result<T, AppError> {
    r.map_err(|e| AppError::Internal(format!("stored value is invalid: {e}")))
}

/// The stored row of a case and the case as the API shows it, read inside a transaction (the
/// row for the rules, the DTO for the audit).
pub(crate) fn case_snapshot(
    c: &mut AnyConnection,
    id: i64,
) -> Result<(store::CaseRow, Case), AppError> {
    let row = store::case(c, id).map_err(not_found("case"))?;
    let dto = case_dto(row.clone(), store::case_contact_ids(c, id)?)?;
    Ok((row, dto))
}

/// An active agent's name, or why `uid` cannot be assigned.
pub(crate) fn active_agent(
    c: &mut AnyConnection,
    uid: i64,
) -> Result<Result<String, String>, AppError> {
    match users::user(c, uid) {
        Ok(u) if u.role != "portal" && u.active => Ok(Ok(u.name)),
        Ok(_) => Ok(Err(format!("user {uid} is not an active agent"))),
        Err(StoreError::NotFound) => Ok(Err(format!("user {uid} does not exist"))),
        Err(e) => Err(e.into()),
    }
}

fn case_dto(row: store::CaseRow, contact_ids: Vec<i64>) -> Result<Case, AppError> {
    Ok(Case {
        status: stored(CaseStatus::parse(&row.status))?,
        priority: stored(Priority::parse(&row.priority))?,
        case_type: stored(CaseType::parse(&row.case_type))?,
        channel: stored(Channel::parse(&row.channel))?,
        tags: from_json(&row.tags),
        contact_ids,
        id: row.id,
        number: row.number,
        subject: row.subject,
        description: row.description,
        organization_id: row.organization_id,
        customer_id: row.customer_id,
        requester_id: row.requester_id,
        product_id: row.product_id,
        component_id: row.component_id,
        support_line: row.support_line,
        team_id: row.team_id,
        assignee_id: row.assignee_id,
        system_info: row.system_info,
        created_by_id: row.created_by_id,
        created_at: row.created_at.and_utc(),
        updated_at: row.updated_at.and_utc(),
        resolution: row.resolution,
        merged_into_id: row.merged_into_id,
        follow_up_of_id: row.follow_up_of_id,
        mailbox_id: row.mailbox_id,
        closed_at: row.closed_at.map(|t| t.and_utc()),
        sla: None,
    })
}

pub(crate) fn entry_dto(row: store::StreamEntryRow) -> Result<StreamEntry, AppError> {
    let kind = match row.kind.as_str() {
        "public" => StreamKind::Public,
        "internal" => StreamKind::Internal,
        "system" => StreamKind::System,
        other => return Err(AppError::Internal(format!("unknown stream kind {other}"))),
    };
    Ok(StreamEntry {
        id: row.id,
        case_id: row.case_id,
        kind,
        author_user_id: row.author_user_id,
        author_contact_id: row.author_contact_id,
        body: row.body,
        created_at: row.created_at.and_utc(),
        attachments: Vec::new(),
        email_from: row.email_from,
        thread_rule: row.thread_rule,
        body_html: row.body_html,
    })
}

fn clean_tags(tags: &[String]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for t in tags
        .iter()
        .map(|t| t.trim().to_lowercase())
        .filter(|t| !t.is_empty())
    {
        if !out.contains(&t) {
            out.push(t);
        }
    }
    out
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
fn check_references(
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
                p.add("product_id", format!("product {pid} does not exist"))
            }
            Err(e) => return Err(e.into()),
        }
    }
    if let Some(cid) = r.component_id {
        match catalog::component(c, cid) {
            Ok(k) if Some(k.product_id) == r.product_id => {}
            Ok(_) => p.add("component_id", "the component belongs to another product"),
            Err(StoreError::NotFound) => {
                p.add("component_id", format!("component {cid} does not exist"))
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

pub(crate) struct Draft {
    pub(crate) subject: String,
    pub(crate) description: String,
    pub(crate) priority: Priority,
    pub(crate) case_type: CaseType,
    pub(crate) channel: Channel,
    pub(crate) refs: References,
    pub(crate) support_line: i32,
    pub(crate) system_info: Option<String>,
    pub(crate) tags: Vec<String>,
    pub(crate) follow_up_of_id: Option<i64>,
    /// The mailbox a case came in by (its replies go out from there).
    pub(crate) mailbox_id: Option<i64>,
}

/// A case just inserted: its row, its contacts and the entry its description opened the stream
/// with.
pub(crate) struct Inserted {
    pub(crate) row: store::CaseRow,
    pub(crate) contact_ids: Vec<i64>,
    pub(crate) first_entry_id: Option<i64>,
    /// Whether an SLA policy was active, so the case may have clocks to show.
    pub(crate) timed: bool,
}

impl Services {
    pub(crate) fn insert_case(
        &self,
        c: &mut AnyConnection,
        by: Option<&Actor>,
        mut d: Draft,
    ) -> Result<Inserted, AppError> {
        let now = self.now();
        let team = check_references(c, &mut d.refs)?;
        check_type(
            c,
            d.case_type,
            d.refs.customer_id.or(d.refs.organization_id),
            d.refs.product_id,
            now.date(),
        )?;
        let creator = Creator {
            user_id: by.map_or(0, |a| a.user_id),
            // Mail is written by a customer, like a portal message.
            role: by.map_or(Role::Portal, |a| a.role),
            line: by.and_then(|a| a.line),
        };
        let mut start = initial_assignment(creator, d.refs.assignee_id);
        if let (None, Some(team)) = (start.assignee_id, &team) {
            // The team gives its new cases out (round-robin or least-busy), if it does.
            if let Some(agent) = crate::assignment::pick_assignee(c, team, now)? {
                start.assignee_id = Some(agent);
                start.status = CaseStatus::Open;
            }
        }
        // The assignee, the requester's portal account and agents who follow every new case.
        let mut followers: Vec<i64> = start.assignee_id.into_iter().collect();
        // A portal user registering the case follows it; otherwise the requester's portal users.
        let requester = match by.filter(|a| a.role == Role::Portal) {
            Some(actor) => {
                followers.push(actor.user_id);
                None
            }
            None => d.refs.requester_id,
        };
        // The description opens the stream, as the customer's first message.
        let from_portal = by.is_none_or(|a| a.role == Role::Portal);
        let first_entry = (!d.description.trim().is_empty()).then(|| store::FirstEntry {
            author_user_id: by.filter(|_| !from_portal).map(|a| a.user_id),
            author_contact_id: if from_portal {
                by.and_then(|a| a.contact_id).or(d.refs.requester_id)
            } else {
                d.refs.requester_id
            },
            body: &d.description,
        });
        let case = store::NewCase {
            subject: d.subject.trim().to_owned(),
            description: d.description.clone(),
            status: start.status.as_str().to_owned(),
            priority: d.priority.as_str().to_owned(),
            case_type: d.case_type.as_str().to_owned(),
            channel: d.channel.as_str().to_owned(),
            organization_id: d.refs.organization_id,
            customer_id: d.refs.customer_id,
            requester_id: d.refs.requester_id,
            product_id: d.refs.product_id,
            component_id: d.refs.component_id,
            support_line: d.support_line,
            team_id: d.refs.team_id,
            assignee_id: start.assignee_id,
            system_info: d.system_info.clone(),
            tags: to_json(&d.tags),
            created_by_id: by.map(|a| a.user_id),
            created_at: now,
            updated_at: now,
            follow_up_of_id: d.follow_up_of_id,
            mailbox_id: d.mailbox_id,
        };
        let (row, first_entry_id) = store::insert_new_case(
            c,
            &store::NewCaseRows {
                case: &case,
                contact_ids: &d.refs.contact_ids,
                followers: &followers,
                requester,
                first_entry,
            },
        )?;
        let id = row.id;
        let (_, timed) = emit_timed(
            c,
            now,
            by,
            "case.created",
            ("case", id),
            json!({ "id": id, "number": row.number, "channel": d.channel, "status": start.status,
                    "assignee_id": start.assignee_id, "team_id": d.refs.team_id }),
        )?;
        Ok(Inserted {
            row,
            contact_ids: d.refs.contact_ids,
            first_entry_id,
            timed,
        })
    }

    pub fn create_case(&self, actor: &Actor, input: &NewCase) -> Result<Case, AppError> {
        actor.staff_write()?;
        input.validate()?;
        let channel = input.channel.unwrap_or(Channel::Agent);
        if !matches!(
            channel,
            Channel::Agent | Channel::Phone | Channel::Api | Channel::Email
        ) {
            return Err(AppError::field(
                "channel",
                "agents register cases as agent, phone, email or api",
            ));
        }
        let channel = if actor.scopes.is_some() && input.channel.is_none() {
            Channel::Api
        } else {
            channel
        };
        let line = input
            .support_line
            .map(i64::from)
            .map(SupportLine::new)
            .transpose()?;
        let draft = Draft {
            subject: input.subject.clone(),
            description: input.description.clone(),
            priority: input.priority.unwrap_or(Priority::Normal),
            case_type: input.case_type.unwrap_or(CaseType::Consultation),
            channel,
            refs: References {
                organization_id: input.organization_id,
                customer_id: input.customer_id,
                requester_id: input.requester_id,
                contact_ids: input.contact_ids.clone(),
                product_id: input.product_id,
                component_id: input.component_id,
                team_id: input.team_id,
                assignee_id: input.assignee_id,
            },
            support_line: line.or(actor.line).map_or(1, |l| l.get().into()),
            system_info: input.system_info.clone(),
            tags: clean_tags(&input.tags),
            follow_up_of_id: None,
            mailbox_id: None,
        };
        let (new, sla) = self.db.write(|c| -> Result<_, AppError> {
            let new = self.insert_case(c, Some(actor), draft)?;
            // Read back inside the transaction: no second connection, and no read at all
            // when no policy runs clocks.
            let sla = if new.timed {
                self.sla_of(c, new.row.id)?
            } else {
                None
            };
            Ok((new, sla))
        })?;
        let mut dto = case_dto(new.row, new.contact_ids)?;
        dto.sla = sla;
        Ok(dto)
    }

    pub fn get_case(&self, actor: &Actor, id: i64) -> Result<Case, AppError> {
        actor.staff_read()?;
        self.db.read(|c| {
            let row = store::case(c, id).map_err(not_found("case"))?;
            let mut dto = case_dto(row, store::case_contact_ids(c, id)?)?;
            dto.sla = self.sla_of(c, id)?;
            Ok(dto)
        })
    }

    pub fn list_cases(&self, actor: &Actor, q: &CaseQuery) -> Result<CasePage, AppError> {
        actor.staff_read()?;
        q.validate()?;
        let (limit, cursor) = page_params(q.limit, q.cursor.as_deref())?;
        let now = self.now();
        let filter = case_filter(actor, q, now)?;
        self.db.read(|c| {
            let page = store::list_cases(c, &filter, limit, cursor)?;
            Ok(CasePage {
                items: cases_dto(c, page.items, now)?,
                next_cursor: cursor_string(page.next_cursor),
            })
        })
    }

    /// The agent's saved views with their counts. Each carries the list query that shows it, so
    /// the app (or an integrator) lists a queue with the same filter that counted it.
    pub fn queues(&self, actor: &Actor) -> Result<Queues, AppError> {
        actor.staff_read()?;
        let now = self.now();
        let active = "new,open,awaiting_customer,on_hold";
        self.db.read(|c| {
            let mut views: Vec<(&str, String)> = vec![
                ("mine", format!("status={active}&assignee=me")),
                ("unassigned", format!("status={active}&assignee=none")),
            ];
            if let Some(team) = users::teams_of(c, actor.user_id)?.first() {
                views.push(("team", format!("status={active}&team_id={team}")));
            }
            views.extend([
                ("awaiting_customer", "status=awaiting_customer".to_owned()),
                (
                    "breaching_sla",
                    format!("status={active}&sla=at_risk&sort=sla_due"),
                ),
                ("all_open", format!("status={active}")),
            ]);
            let mut out = Vec::with_capacity(views.len());
            for (key, query) in views {
                let q: CaseQuery = serde_urlencoded::from_str(&query)
                    .map_err(|e| AppError::Internal(format!("queue query {query}: {e}")))?;
                let filter = case_filter(actor, &q, now)?;
                out.push(QueueView {
                    key: key.to_owned(),
                    count: store::count_cases(c, &filter)?,
                    query,
                });
            }
            Ok(Queues { views: out })
        })
    }

    pub fn update_case(&self, actor: &Actor, id: i64, input: &CasePatch) -> Result<Case, AppError> {
        actor.staff_write()?;
        input.validate()?;
        let now = self.now();
        self.db.write(|c| -> Result<(), AppError> {
            let (current, before) = case_snapshot(c, id)?;
            if stored(CaseStatus::parse(&current.status))?.is_terminal() {
                return Err(AppError::Conflict(format!(
                    "case #{} is {}; reopen it before changing it",
                    current.number, current.status
                )));
            }
            let mut refs = References {
                organization_id: input.organization_id.unwrap_or(current.organization_id),
                customer_id: input.customer_id.unwrap_or(current.customer_id),
                requester_id: input.requester_id.unwrap_or(current.requester_id),
                contact_ids: input
                    .contact_ids
                    .clone()
                    .unwrap_or_else(|| before.contact_ids.clone()),
                product_id: input.product_id.unwrap_or(current.product_id),
                component_id: input.component_id.unwrap_or(current.component_id),
                team_id: input.team_id.unwrap_or(current.team_id),
                assignee_id: input.assignee_id.unwrap_or(current.assignee_id),
            };
            check_references(c, &mut refs)?;
            let case_type = input.case_type.map_or_else(|| stored(CaseType::parse(&current.case_type)), Ok)?;
            let type_relevant = input.case_type.is_some()
                || input.product_id.is_some()
                || input.organization_id.is_some()
                || input.customer_id.is_some();
            if type_relevant {
                check_type(c, case_type, refs.customer_id.or(refs.organization_id), refs.product_id, now.date())?;
            }
            let assignee_changed = input.assignee_id.is_some() && refs.assignee_id != current.assignee_id;
            // Assigning a new case opens it; nothing else moves the status here.
            let status = (assignee_changed && current.status == "new" && refs.assignee_id.is_some())
                .then(|| CaseStatus::Open.as_str().to_owned());
            store::update_case(
                c,
                id,
                &CaseChanges {
                    subject: input.subject.as_ref().map(|s| s.trim().to_owned()),
                    description: input.description.clone(),
                    status: status.clone(),
                    priority: input.priority.map(|p| p.as_str().to_owned()),
                    case_type: input.case_type.map(|t| t.as_str().to_owned()),
                    organization_id: Some(refs.organization_id),
                    customer_id: input.customer_id,
                    requester_id: Some(refs.requester_id),
                    product_id: input.product_id,
                    component_id: input.component_id,
                    support_line: input.support_line,
                    team_id: input.team_id,
                    assignee_id: input.assignee_id,
                    system_info: input.system_info.clone(),
                    tags: input.tags.as_ref().map(|t| to_json(&clean_tags(t))),
                    updated_at: Some(now),
                    ..Default::default()
                },
            )?;
            store::set_case_contacts(c, id, &refs.contact_ids)?;
            if let Some(uid) = refs.assignee_id.filter(|_| assignee_changed) {
                store::follow(c, id, uid, now)?;
            }
            if assignee_changed {
                let text = match refs.assignee_id {
                    Some(uid) => format!("Assigned to {}", users::user(c, uid)?.name),
                    None => "Unassigned".to_owned(),
                };
                self.system_entry(c, id, actor, &text)?;
            }
            if let Some(s) = &status {
                self.system_entry(c, id, actor, &format!("Status: {} → {s}", current.status))?;
            }
            emit(c, now, Some(actor), "case.updated", ("case", id), json!({
                "id": id, "number": current.number, "assignee_id": refs.assignee_id, "team_id": refs.team_id,
                "assignee_changed": assignee_changed,
            }))?;
            let (_, after) = case_snapshot(c, id)?;
            crate::audit::record(c, Some(actor), ("case", id), &before, &after, now)?;
            Ok(())
        })?;
        self.get_case(actor, id)
    }

    fn system_entry(
        &self,
        c: &mut AnyConnection,
        case_id: i64,
        actor: &Actor,
        text: &str,
    ) -> Result<i64, AppError> {
        self.system_entry_as(c, case_id, Some(actor), text, self.now())
    }

    /// A `system` entry in the stream; `actor` is who caused it (none for the helpdesk itself).
    pub(crate) fn system_entry_as(
        &self,
        c: &mut AnyConnection,
        case_id: i64,
        actor: Option<&Actor>,
        text: &str,
        now: chrono::NaiveDateTime,
    ) -> Result<i64, AppError> {
        Ok(store::insert_stream_entry(
            c,
            &store::NewStreamEntry {
                case_id,
                kind: "system",
                author_user_id: actor.map(|a| a.user_id),
                author_contact_id: actor.and_then(|a| a.contact_id),
                body: text,
                created_at: now,
            },
        )?)
    }

    /// Moves a case through the status machine; a refused move is a 409 saying why.
    pub fn change_status(
        &self,
        actor: &Actor,
        id: i64,
        input: &StatusChange,
    ) -> Result<Case, AppError> {
        actor.staff_write()?;
        if input.status == CaseStatus::Merged {
            return Err(AppError::field(
                "status",
                "cases are merged with the merge action, not by setting the status",
            ));
        }
        let now = self.now();
        self.db.write(|c| -> Result<(), AppError> {
            let (current, before) = case_snapshot(c, id)?;
            let changes = CaseChanges::default();
            self.move_case(c, Some(actor), &current, input.status, changes, now)?;
            let (_, after) = case_snapshot(c, id)?;
            crate::audit::record(c, Some(actor), ("case", id), &before, &after, now)?;
            Ok(())
        })?;
        self.get_case(actor, id)
    }

    pub fn add_stream_entry(
        &self,
        actor: &Actor,
        case_id: i64,
        input: &NewStreamEntry,
    ) -> Result<StreamEntry, AppError> {
        actor.staff_write()?;
        input.validate()?;
        if input.kind == StreamKind::System {
            return Err(AppError::field(
                "kind",
                "system entries are written by the helpdesk itself",
            ));
        }
        let now = self.now();
        let entry = self.db.write(|c| -> Result<i64, AppError> {
            let case = store::case(c, case_id).map_err(not_found("case"))?;
            if case.status == "merged" {
                return Err(AppError::Conflict(format!(
                    "case #{} was merged; write to its target",
                    case.number
                )));
            }
            let entry = store::insert_stream_entry(
                c,
                &store::NewStreamEntry {
                    case_id,
                    kind: input.kind.as_str(),
                    author_user_id: Some(actor.user_id),
                    author_contact_id: None,
                    body: &input.body,
                    created_at: now,
                },
            )?;
            self.bind_attachments(c, actor, case_id, (case_id, entry), &input.attachment_ids)?;
            // An agent's public reply hands the turn to the customer.
            if input.kind == StreamKind::Public && matches!(case.status.as_str(), "new" | "open") {
                let to = CaseStatus::AwaitingCustomer;
                self.move_case(c, Some(actor), &case, to, CaseChanges::default(), now)?;
            } else {
                store::touch_case(c, case_id, now)?;
            }
            emit(
                c,
                now,
                Some(actor),
                "case.entry_added",
                ("case", case_id),
                json!({
                    "case_id": case_id, "number": case.number, "entry_id": entry, "kind": input.kind,
                }),
            )?;
            Ok(entry)
        })?;
        self.db.read(|c| one_entry(c, entry))
    }

    pub fn stream(
        &self,
        actor: &Actor,
        case_id: i64,
        q: &PageQuery,
    ) -> Result<StreamPage, AppError> {
        actor.staff_read()?;
        let (limit, cursor) = page_params(q.limit, q.cursor.as_deref())?;
        self.db.read(|c| {
            store::case(c, case_id).map_err(not_found("case"))?;
            let page = store::stream(c, case_id, None, limit, cursor)?;
            Ok(StreamPage {
                items: crate::attachments::entries_with_files(c, page.items)?,
                next_cursor: cursor_string(page.next_cursor),
            })
        })
    }
}

/// Cases as the API shows them, with their contacts and SLA, in the order given.
pub(crate) fn cases_dto(
    c: &mut AnyConnection,
    rows: Vec<store::CaseRow>,
    now: chrono::NaiveDateTime,
) -> Result<Vec<Case>, AppError> {
    let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
    let pairs = store::contact_ids_of_cases(c, &ids)?;
    let mut slas = crate::sla::slas_of(c, &ids, now)?;
    let mut items = Vec::with_capacity(rows.len());
    for row in rows {
        let contacts = pairs
            .iter()
            .filter(|(case, _)| *case == row.id)
            .map(|(_, contact)| *contact)
            .collect();
        let mut dto = case_dto(row, contacts)?;
        dto.sla = slas.remove(&dto.id);
        items.push(dto);
    }
    Ok(items)
}

/// One stream entry with its attachments.
pub(crate) fn one_entry(c: &mut AnyConnection, id: i64) -> Result<StreamEntry, AppError> {
    let row = store::stream_entry(c, id)?;
    crate::attachments::entries_with_files(c, vec![row])?
        .pop()
        .ok_or(AppError::NotFound("stream entry"))
}

/// The list filter a query asks for, checked: every bad parameter is named at once.
fn case_filter(
    actor: &Actor,
    q: &CaseQuery,
    now: chrono::NaiveDateTime,
) -> Result<CaseFilter, AppError> {
    let mut p = Problems::default();
    let statuses = split_list(&mut p, "status", q.status.as_deref(), |s| {
        CaseStatus::parse(s).map(|v| v.as_str())
    });
    let priorities = split_list(&mut p, "priority", q.priority.as_deref(), |s| {
        Priority::parse(s).map(|v| v.as_str())
    });
    let (assignee_id, unassigned) = match q.assignee.as_deref().map(str::trim) {
        None | Some("") => (None, false),
        Some("none") => (None, true),
        Some("me") => (Some(actor.user_id), false),
        Some(id) => match id.parse::<i64>() {
            Ok(n) => (Some(n), false),
            Err(_) => {
                p.add("assignee", "must be a user id, `me` or `none`");
                (None, false)
            }
        },
    };
    let sort = match q.sort.as_deref() {
        None | Some("-created_at") => CaseSort::NewestFirst,
        Some("created_at") => CaseSort::OldestFirst,
        Some("sla_due") => CaseSort::SlaDue,
        Some(_) => {
            p.add("sort", "must be `-created_at`, `created_at` or `sla_due`");
            CaseSort::NewestFirst
        }
    };
    let window = chrono::Duration::minutes(q.sla_within_minutes.unwrap_or(60));
    let sla = match q.sla.as_deref() {
        None | Some("") => None,
        Some("breached") => Some(SlaFilter::Breached { now }),
        Some("breaching_soon") => Some(SlaFilter::DueBy {
            now,
            until: now + window,
        }),
        Some("at_risk") => Some(SlaFilter::AtRisk {
            until: now + window,
        }),
        Some(_) => {
            p.add("sla", "must be `breached`, `breaching_soon` or `at_risk`");
            None
        }
    };
    p.into_result()?;
    Ok(CaseFilter {
        statuses,
        priorities,
        assignee_id,
        unassigned,
        team_id: q.team_id,
        organization_id: q.organization_id,
        requester_id: q.requester_id,
        product_id: q.product_id,
        number: q.number,
        support_line: q.support_line,
        created_from: q.created_from.map(|t| t.naive_utc()),
        created_to: q.created_to.map(|t| t.naive_utc()),
        updated_from: q.updated_from.map(|t| t.naive_utc()),
        updated_to: q.updated_to.map(|t| t.naive_utc()),
        subject_contains: q.q.clone(),
        portal: None,
        sla,
        sort,
    })
}

fn split_list(
    p: &mut Problems,
    field: &str,
    text: Option<&str>,
    parse: impl Fn(&str) -> Result<&'static str, helpdesk_domain::DomainError>,
) -> Vec<String> {
    let mut out = Vec::new();
    for part in text
        .unwrap_or("")
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        if let Some(v) = p.check(field, parse(part)) {
            out.push(v.to_owned());
        }
    }
    out
}
