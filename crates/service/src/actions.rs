//! Case actions (assign, take, request information, escalate, hold, resolve, close, reopen,
//! reject, merge), followers, and the status rules of the stream. Each action is one
//! transaction: the case change, its system entry in the stream and its outbox event.

use chrono::NaiveDateTime;
use helpdesk_api_types::cases::{
    ActionNote, AskWhom, AssignAction, Case, EscalateAction, Followers, MergeAction, RejectAction,
    RequestInfo, ResolveAction,
};
use helpdesk_domain::CaseStatus;
use helpdesk_store::cases::{self as store, CaseChanges, CaseRow};
use helpdesk_store::{users, AnyConnection, StoreError};
use serde_json::json;
use validator::Validate;

use crate::cases::{active_agent, case_snapshot, stored};
use crate::error::Problems;
use crate::outbox::emit;
use crate::users::not_found;
use crate::{Actor, AppError, Services};

/// The highest support line.
const LAST_LINE: i32 = 3;

fn status_of(row: &CaseRow) -> Result<CaseStatus, AppError> {
    stored(CaseStatus::parse(&row.status))
}

/// Refuses changes to a case nobody works on any more.
fn not_terminal(row: &CaseRow, action: &str) -> Result<(), AppError> {
    if status_of(row)?.is_terminal() {
        return Err(AppError::Conflict(format!(
            "case #{} is {}; reopen it before you {action} it",
            row.number, row.status
        )));
    }
    Ok(())
}

impl Services {
    /// Runs `f` on the current row of case `id` inside one write transaction, then returns
    /// the case as it is afterwards.
    fn act(
        &self,
        actor: &Actor,
        id: i64,
        f: impl FnOnce(&mut AnyConnection, CaseRow, NaiveDateTime) -> Result<(), AppError>,
    ) -> Result<Case, AppError> {
        actor.staff_write()?;
        let now = self.now();
        self.db.write(|c| {
            let (row, before) = case_snapshot(c, id)?;
            f(c, row, now)?;
            let (_, after) = case_snapshot(c, id)?;
            crate::audit::record(c, Some(actor), ("case", id), &before, &after, now)?;
            Ok::<_, AppError>(())
        })?;
        self.get_case(actor, id)
    }

    /// Moves `row` to `to` through the status machine (409 when it refuses), with the other
    /// `changes`, a system entry and a `case.status_changed` event.
    pub(crate) fn move_case(
        &self,
        c: &mut AnyConnection,
        actor: Option<&Actor>,
        row: &CaseRow,
        to: CaseStatus,
        mut changes: CaseChanges,
        now: NaiveDateTime,
    ) -> Result<(), AppError> {
        let from = status_of(row)?;
        from.transition(to)?;
        changes.status = Some(to.as_str().to_owned());
        changes.updated_at = Some(now);
        changes.closed_at = Some((to == CaseStatus::Closed).then_some(now));
        store::update_case(c, row.id, &changes)?;
        self.system_entry_as(c, row.id, actor, &format!("Status: {from} → {to}"), now)?;
        emit(
            c,
            now,
            actor,
            "case.status_changed",
            ("case", row.id),
            json!({ "id": row.id, "number": row.number, "from": from, "to": to }),
        )?;
        Ok(())
    }

    fn note(
        &self,
        c: &mut AnyConnection,
        actor: &Actor,
        case_id: i64,
        kind: &'static str,
        body: Option<&str>,
        now: NaiveDateTime,
    ) -> Result<(), AppError> {
        if let Some(body) = body.map(str::trim).filter(|b| !b.is_empty()) {
            let entry = store::insert_stream_entry(
                c,
                &store::NewStreamEntry {
                    case_id,
                    kind,
                    author_user_id: Some(actor.user_id),
                    author_contact_id: None,
                    body,
                    created_at: now,
                },
            )?;
            emit(
                c,
                now,
                Some(actor),
                "case.entry_added",
                ("case", case_id),
                json!({ "case_id": case_id, "entry_id": entry, "kind": kind }),
            )?;
        }
        Ok(())
    }

    /// Assign to an agent and/or a team. Assigning a `new` case opens it; the assignee follows.
    pub fn assign(&self, actor: &Actor, id: i64, input: &AssignAction) -> Result<Case, AppError> {
        input.validate()?;
        if input.assignee_id.is_none() && input.team_id.is_none() {
            return Err(AppError::field(
                "assignee_id",
                "give assignee_id, team_id or both",
            ));
        }
        self.act(actor, id, |c, row, now| {
            not_terminal(&row, "assign")?;
            let mut p = Problems::default();
            let mut text = Vec::new();
            if let Some(Some(uid)) = input.assignee_id {
                match active_agent(c, uid)? {
                    Ok(name) => text.push(format!("Assigned to {name}")),
                    Err(why) => p.add("assignee_id", why),
                }
            } else if input.assignee_id == Some(None) {
                text.push("Unassigned".to_owned());
            }
            if let Some(Some(tid)) = input.team_id {
                match users::team(c, tid) {
                    Ok(t) => text.push(format!("Team: {}", t.name)),
                    Err(StoreError::NotFound) => {
                        p.add("team_id", format!("team {tid} does not exist"))
                    }
                    Err(e) => return Err(e.into()),
                }
            } else if input.team_id == Some(None) {
                text.push("No team".to_owned());
            }
            p.into_result()?;
            let changes = CaseChanges {
                assignee_id: input.assignee_id,
                team_id: input.team_id,
                updated_at: Some(now),
                ..Default::default()
            };
            let assignee = input.assignee_id.unwrap_or(row.assignee_id);
            if row.status == "new" && assignee.is_some() {
                self.move_case(c, Some(actor), &row, CaseStatus::Open, changes, now)?;
            } else {
                store::update_case(c, id, &changes)?;
            }
            if let Some(uid) = assignee.filter(|_| input.assignee_id.is_some()) {
                store::follow(c, id, uid, now)?;
            }
            self.system_entry_as(c, id, Some(actor), &text.join("; "), now)?;
            emit(
                c,
                now,
                Some(actor),
                "case.assigned",
                ("case", id),
                json!({ "id": id, "number": row.number, "assignee_id": assignee,
                        "assignee_changed": assignee != row.assignee_id,
                        "team_id": input.team_id.unwrap_or(row.team_id) }),
            )?;
            Ok(())
        })
    }

    /// "I'll handle it": the acting agent becomes the assignee and follows the case.
    pub fn take(&self, actor: &Actor, id: i64) -> Result<Case, AppError> {
        self.assign(
            actor,
            id,
            &AssignAction {
                assignee_id: Some(Some(actor.user_id)),
                team_id: None,
            },
        )
    }

    /// Ask for information: the requester in a public message (the case then waits for them,
    /// `information_requested`), or a colleague in an internal note that mentions them (the
    /// status stays: the customer is still waiting on us).
    pub fn request_info(
        &self,
        actor: &Actor,
        id: i64,
        input: &RequestInfo,
    ) -> Result<Case, AppError> {
        input.validate()?;
        self.act(actor, id, |c, row, now| match input.ask {
            AskWhom::Customer => {
                if row.requester_id.is_none() {
                    return Err(AppError::Conflict(format!(
                        "case #{} has no requester to ask; ask a colleague or add a requester",
                        row.number
                    )));
                }
                let to = CaseStatus::InformationRequested;
                self.move_case(c, Some(actor), &row, to, CaseChanges::default(), now)?;
                self.note(c, actor, id, "public", Some(&input.note), now)
            }
            AskWhom::Colleague => {
                not_terminal(&row, "ask a colleague about")?;
                let user_id = input
                    .user_id
                    .ok_or_else(|| AppError::field("user_id", "name the colleague to ask"))?;
                if let Err(why) = active_agent(c, user_id)? {
                    return Err(AppError::field("user_id", why));
                }
                let colleague = users::user(c, user_id)?;
                let handle = colleague.email.split('@').next().unwrap_or_default();
                let text = format!("@{handle} {}", input.note.trim());
                store::touch_case(c, id, now)?;
                self.note(c, actor, id, "internal", Some(&text), now)
            }
        })
    }

    /// Hand the case to the next support line: that line's team (named, or its first team),
    /// no assignee; the escalating agent keeps following it.
    pub fn escalate(
        &self,
        actor: &Actor,
        id: i64,
        input: &EscalateAction,
    ) -> Result<Case, AppError> {
        input.validate()?;
        self.act(actor, id, |c, row, now| {
            not_terminal(&row, "escalate")?;
            if row.support_line >= LAST_LINE {
                return Err(AppError::Conflict(format!(
                    "case #{} is already on support line {LAST_LINE}, the last one",
                    row.number
                )));
            }
            let line = row.support_line + 1;
            let team = match input.team_id {
                Some(tid) => match users::team(c, tid) {
                    Ok(t) if t.support_line == Some(line) => t,
                    Ok(_) => {
                        return Err(AppError::field(
                            "team_id",
                            format!("team {tid} does not serve support line {line}"),
                        ))
                    }
                    Err(StoreError::NotFound) => {
                        return Err(AppError::field(
                            "team_id",
                            format!("team {tid} does not exist"),
                        ))
                    }
                    Err(e) => return Err(e.into()),
                },
                None => match store::first_team_of_line(c, line)? {
                    Some(tid) => users::team(c, tid)?,
                    None => {
                        return Err(AppError::field(
                            "team_id",
                            format!("no team serves support line {line}; create one first"),
                        ))
                    }
                },
            };
            store::update_case(
                c,
                id,
                &CaseChanges {
                    support_line: Some(line),
                    team_id: Some(Some(team.id)),
                    assignee_id: Some(None),
                    updated_at: Some(now),
                    ..Default::default()
                },
            )?;
            store::follow(c, id, actor.user_id, now)?;
            self.system_entry_as(
                c,
                id,
                Some(actor),
                &format!("Escalated to line {line}, team {}", team.name),
                now,
            )?;
            self.note(c, actor, id, "internal", input.note.as_deref(), now)?;
            emit(
                c,
                now,
                Some(actor),
                "case.escalated",
                ("case", id),
                json!({ "id": id, "number": row.number, "support_line": line, "team_id": team.id }),
            )?;
            Ok(())
        })
    }

    /// Waiting on a third party: `on_hold`, with an optional internal note.
    pub fn hold(&self, actor: &Actor, id: i64, input: &ActionNote) -> Result<Case, AppError> {
        input.validate()?;
        self.act(actor, id, |c, row, now| {
            self.move_case(
                c,
                Some(actor),
                &row,
                CaseStatus::OnHold,
                CaseChanges::default(),
                now,
            )?;
            self.note(c, actor, id, "internal", input.note.as_deref(), now)
        })
    }

    pub fn resolve(&self, actor: &Actor, id: i64, input: &ResolveAction) -> Result<Case, AppError> {
        input.validate()?;
        let resolution = input.resolution.trim();
        if resolution.is_empty() {
            return Err(AppError::field("resolution", "say what resolved the case"));
        }
        self.act(actor, id, |c, row, now| {
            let changes = CaseChanges {
                resolution: Some(Some(resolution.to_owned())),
                ..Default::default()
            };
            self.move_case(c, Some(actor), &row, CaseStatus::Resolved, changes, now)?;
            self.system_entry_as(
                c,
                id,
                Some(actor),
                &format!("Resolution: {resolution}"),
                now,
            )?;
            Ok(())
        })
    }

    pub fn close(&self, actor: &Actor, id: i64, input: &ActionNote) -> Result<Case, AppError> {
        input.validate()?;
        self.act(actor, id, |c, row, now| {
            self.move_case(
                c,
                Some(actor),
                &row,
                CaseStatus::Closed,
                CaseChanges::default(),
                now,
            )?;
            self.note(c, actor, id, "internal", input.note.as_deref(), now)
        })
    }

    /// Back to `open` from `resolved`, `closed` or `rejected`.
    pub fn reopen(&self, actor: &Actor, id: i64, input: &ActionNote) -> Result<Case, AppError> {
        input.validate()?;
        self.act(actor, id, |c, row, now| {
            if !matches!(row.status.as_str(), "resolved" | "closed" | "rejected") {
                return Err(AppError::Transition(format!(
                    "case #{} is {}; only resolved, closed or rejected cases are reopened",
                    row.number, row.status
                )));
            }
            self.move_case(
                c,
                Some(actor),
                &row,
                CaseStatus::Open,
                CaseChanges::default(),
                now,
            )?;
            self.note(c, actor, id, "internal", input.note.as_deref(), now)
        })
    }

    pub fn reject(&self, actor: &Actor, id: i64, input: &RejectAction) -> Result<Case, AppError> {
        input.validate()?;
        let reason = input.reason.trim();
        if reason.is_empty() {
            return Err(AppError::field("reason", "say why the case is rejected"));
        }
        self.act(actor, id, |c, row, now| {
            self.move_case(
                c,
                Some(actor),
                &row,
                CaseStatus::Rejected,
                CaseChanges::default(),
                now,
            )?;
            self.system_entry_as(c, id, Some(actor), &format!("Rejected: {reason}"), now)?;
            Ok(())
        })
    }

    /// Merge case `id` into `target_id`: its stream, contacts and followers move to the target;
    /// the source becomes `merged` and points at the target.
    pub fn merge(&self, actor: &Actor, id: i64, input: &MergeAction) -> Result<Case, AppError> {
        input.validate()?;
        self.act(actor, id, |c, row, now| {
            let (field, target) = match (input.target_id, input.target_number) {
                (Some(target_id), None) => match store::case(c, target_id) {
                    Ok(t) => ("target_id", t),
                    Err(StoreError::NotFound) => {
                        return Err(AppError::field(
                            "target_id",
                            format!("case {target_id} does not exist"),
                        ))
                    }
                    Err(e) => return Err(e.into()),
                },
                (None, Some(number)) => match store::case_by_number(c, number)? {
                    Some(t) => ("target_number", t),
                    None => {
                        return Err(AppError::field(
                            "target_number",
                            format!("there is no case #{number}"),
                        ))
                    }
                },
                _ => {
                    return Err(AppError::field(
                        "target_number",
                        "name the target case by `target_number` or by `target_id` (one of them)",
                    ))
                }
            };
            let target_id = target.id;
            if target_id == id {
                return Err(AppError::field(
                    field,
                    "a case cannot be merged into itself",
                ));
            }
            if status_of(&target)?.is_terminal() {
                return Err(AppError::Conflict(format!(
                    "case #{} is {}; merge into a case that is still worked on",
                    target.number, target.status
                )));
            }
            // Checked before anything moves: a merged case is final.
            status_of(&row)?.transition(CaseStatus::Merged)?;
            // The customers of each case would read the other's messages: said, not silent.
            if target.organization_id != row.organization_id && !input.confirm_other_organization
            {
                let name = match target.organization_id {
                    Some(org) => format!("«{}»", helpdesk_store::crm::organization(c, org)?.name),
                    None => "no organization".to_owned(),
                };
                return Err(AppError::field(
                    "confirm_other_organization",
                    format!(
                        "case #{} belongs to {name}, not to this case's organization: its customers would read this case's messages and this case's customers its messages; confirm to merge anyway",
                        target.number
                    ),
                ));
            }
            store::move_stream(c, id, target_id)?;
            helpdesk_store::attachments::move_to_case(c, id, target_id)?;
            self.move_case(
                c,
                Some(actor),
                &row,
                CaseStatus::Merged,
                CaseChanges {
                    merged_into_id: Some(Some(target_id)),
                    ..Default::default()
                },
                now,
            )?;
            let mut contacts = store::case_contact_ids(c, target_id)?;
            let missing: Vec<i64> = store::case_contact_ids(c, id)?
                .into_iter()
                .filter(|ct| !contacts.contains(ct))
                .collect();
            store::add_case_contacts(c, target_id, &missing)?;
            contacts.extend(missing);
            for uid in store::followers(c, id)? {
                store::follow(c, target_id, uid, now)?;
            }
            store::touch_case(c, target_id, now)?;
            // The source keeps one entry saying where it went; the target says what arrived.
            self.system_entry_as(
                c,
                id,
                Some(actor),
                &format!("Merged into #{}", target.number),
                now,
            )?;
            self.system_entry_as(
                c,
                target_id,
                Some(actor),
                &format!("Case #{} merged into this case", row.number),
                now,
            )?;
            emit(
                c,
                now,
                Some(actor),
                "case.merged",
                ("case", id),
                json!({ "id": id, "number": row.number, "target_id": target_id,
                        "target_number": target.number }),
            )?;
            Ok(())
        })
    }

    pub fn followers(&self, actor: &Actor, id: i64) -> Result<Followers, AppError> {
        actor.staff_read()?;
        self.db.read(|c| {
            store::case(c, id).map_err(not_found("case"))?;
            Ok(Followers {
                user_ids: store::followers(c, id)?,
            })
        })
    }

    /// The acting agent follows (`true`) or stops following the case.
    pub fn set_following(&self, actor: &Actor, id: i64, on: bool) -> Result<Followers, AppError> {
        actor.staff_write()?;
        let now = self.now();
        self.db.write(|c| {
            store::case(c, id).map_err(not_found("case"))?;
            if on {
                store::follow(c, id, actor.user_id, now)?;
            } else {
                store::unfollow(c, id, actor.user_id)?;
            }
            Ok(Followers {
                user_ids: store::followers(c, id)?,
            })
        })
    }
}
