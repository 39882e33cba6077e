//! Handing a case on: to an assignee or a team, to the caller, to the next support line, or asking someone for what it needs.

use super::*;
use helpdesk_domain::event::Event;

impl Services {
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
                    Ok(name) => text.push(SystemEvent::Assigned {
                        user_id: Some(uid),
                        name: Some(name),
                    }),
                    Err(why) => p.add("assignee_id", why),
                }
            } else if input.assignee_id == Some(None) {
                text.push(SystemEvent::Assigned {
                    user_id: None,
                    name: None,
                });
            }
            if let Some(Some(tid)) = input.team_id {
                match users::team(c, tid) {
                    Ok(t) => text.push(SystemEvent::TeamSet {
                        team_id: Some(tid),
                        name: Some(t.name),
                    }),
                    Err(StoreError::NotFound) => {
                        p.add("team_id", format!("team {tid} does not exist"));
                    }
                    Err(e) => return Err(e.into()),
                }
            } else if input.team_id == Some(None) {
                text.push(SystemEvent::TeamSet {
                    team_id: None,
                    name: None,
                });
            }
            p.into_result()?;
            let changes = CaseChanges {
                assignee_id: input.assignee_id,
                team_id: input.team_id,
                updated_at: Some(now),
                ..Default::default()
            };
            let assignee = input.assignee_id.unwrap_or(row.assignee_id);
            if row.status == CaseStatus::New && assignee.is_some() {
                self.move_case(c, Some(actor), &row, CaseStatus::Open, changes, now)?;
            } else {
                store::update_case(c, id, &changes)?;
            }
            if let Some(uid) = assignee.filter(|_| input.assignee_id.is_some()) {
                store::follow(c, id, uid, now)?;
            }
            self.system_entry_as(c, id, Some(actor), &text, now)?;
            emit(
                c,
                now,
                Some(actor),
                &Event::CaseAssigned {
                    id,
                    number: row.number,
                    assignee_id: assignee,
                    assignee_changed: assignee != row.assignee_id,
                    team_id: input.team_id.unwrap_or(row.team_id),
                    by_rule: None,
                },
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
                self.note(c, actor, id, EntryKind::Public, Some(&input.note), now)
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
                self.note(c, actor, id, EntryKind::Internal, Some(&text), now)
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
            let event = SystemEvent::Escalated {
                line,
                team: team.name.clone(),
            };
            self.system_entry_as(c, id, Some(actor), &[event], now)?;
            self.note(
                c,
                actor,
                id,
                EntryKind::Internal,
                input.note.as_deref(),
                now,
            )?;
            emit(
                c,
                now,
                Some(actor),
                &Event::CaseEscalated {
                    id,
                    number: row.number,
                    support_line: line,
                    team_id: Some(team.id),
                    by_rule: None,
                },
            )?;
            Ok(())
        })
    }
}
