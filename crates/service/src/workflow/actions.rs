//! What a matching rule does to a case: its fields, its assignee, tags, notes, mails.

use super::*;
use helpdesk_domain::event::{CaseFields, Event};

impl Services {
    /// Applies one action to the event's case; says what it did, or nothing when it changed
    /// nothing.
    pub(super) fn apply(
        &self,
        c: &mut AnyConnection,
        rule: &RuleRow,
        e: &Occasion,
        trigger: Trigger,
        action: &Action,
        now: NaiveDateTime,
    ) -> Result<Option<RuleOutcome>, AppError> {
        let case = case_store::case(c, e.case_id)?;
        let by = rule.id;
        let changes = |f: &dyn Fn(&mut CaseChanges)| {
            let mut ch = CaseChanges {
                updated_at: Some(now),
                ..Default::default()
            };
            f(&mut ch);
            ch
        };
        Ok(match action {
            Action::AssignRoundRobin { team_id } | Action::AssignLeastBusy { team_id } => {
                let strategy = match action {
                    Action::AssignRoundRobin { .. } => assignment::AssignmentStrategy::RoundRobin,
                    _ => assignment::AssignmentStrategy::LeastBusy,
                };
                match crate::assignment::pick_with(c, *team_id, strategy, now)? {
                    Some(agent) => {
                        Some(self.rule_assign(c, &case, Some(*team_id), agent, by, now)?)
                    }
                    None => Some(RuleOutcome::NobodyFree { team_id: *team_id }),
                }
            }
            Action::AssignUser { user_id } => match crate::cases::active_agent(c, *user_id)? {
                Ok(_) => Some(self.rule_assign(c, &case, case.team_id, *user_id, by, now)?),
                Err(_) => Some(RuleOutcome::NotAssigned {
                    user_id: *user_id,
                    exists: user_store::user(c, *user_id).is_ok(),
                }),
            },
            Action::AssignTeam { team_id } => {
                let Ok(team) = user_store::team(c, *team_id) else {
                    return Ok(Some(RuleOutcome::NoSuchTeam { team_id: *team_id }));
                };
                let ch = CaseChanges {
                    team_id: Some(Some(*team_id)),
                    ..Default::default()
                };
                self.rule_update(
                    c,
                    &case,
                    ch,
                    CaseFields {
                        team_id: Some(Some(*team_id)),
                        ..CaseFields::default()
                    },
                    by,
                    now,
                )?;
                Some(RuleOutcome::TeamSet {
                    team_id: *team_id,
                    name: team.name,
                })
            }
            Action::SetPriority { priority } => {
                if case.priority == *priority {
                    return Ok(None);
                }
                let ch = CaseChanges {
                    priority: Some(*priority),
                    ..Default::default()
                };
                self.rule_update(
                    c,
                    &case,
                    ch,
                    CaseFields {
                        priority: Some(*priority),
                        ..CaseFields::default()
                    },
                    by,
                    now,
                )?;
                Some(RuleOutcome::PrioritySet {
                    priority: *priority,
                })
            }
            Action::SetType { case_type } => {
                if case.case_type == *case_type {
                    return Ok(None);
                }
                let ch = CaseChanges {
                    case_type: Some(*case_type),
                    ..Default::default()
                };
                self.rule_update(
                    c,
                    &case,
                    ch,
                    CaseFields {
                        case_type: Some(*case_type),
                        ..CaseFields::default()
                    },
                    by,
                    now,
                )?;
                Some(RuleOutcome::TypeSet {
                    case_type: *case_type,
                })
            }
            Action::SetSupportLine { support_line } => {
                if case.support_line == *support_line {
                    return Ok(None);
                }
                let ch = CaseChanges {
                    support_line: Some(*support_line),
                    ..Default::default()
                };
                self.rule_update(
                    c,
                    &case,
                    ch,
                    CaseFields {
                        support_line: Some(*support_line),
                        ..CaseFields::default()
                    },
                    by,
                    now,
                )?;
                Some(RuleOutcome::LineSet {
                    line: *support_line,
                })
            }
            Action::SetStatus { status } => {
                let from = case.status;
                if from == *status {
                    return Ok(None);
                }
                if !from.can_become(*status) {
                    return Ok(Some(RuleOutcome::StatusKept { from, to: *status }));
                }
                self.move_case(c, None, &case, *status, CaseChanges::default(), now)?;
                Some(RuleOutcome::StatusSet { status: *status })
            }
            Action::AddTags { tags } => {
                let mut current: Vec<String> =
                    crate::from_json("case", case.id, "tags", &case.tags)?;
                let before = current.len();
                for t in tags {
                    let t = t.trim().to_lowercase();
                    if !t.is_empty() && !current.contains(&t) {
                        current.push(t);
                    }
                }
                if current.len() == before {
                    return Ok(None);
                }
                let text = serde_json::to_string(&current).unwrap_or_else(|_| "[]".into());
                let ch = CaseChanges {
                    tags: Some(text),
                    ..Default::default()
                };
                // Like every change a rule makes, it is an event: webhooks and live feeds see it.
                self.rule_update(
                    c,
                    &case,
                    ch,
                    CaseFields {
                        tags: Some(current.clone()),
                        ..CaseFields::default()
                    },
                    by,
                    now,
                )?;
                Some(RuleOutcome::TagsAdded { tags: tags.clone() })
            }
            Action::AddFollowers { user_ids } => {
                for u in user_ids {
                    if crate::cases::active_agent(c, *u)?.is_ok() {
                        case_store::follow(c, case.id, *u, now)?;
                    }
                }
                Some(RuleOutcome::FollowersAdded {
                    user_ids: user_ids.clone(),
                })
            }
            Action::NotifyUsers { user_ids, text } => {
                let n = self.notify_staff(c, &case, e, trigger, user_ids, text, now)?;
                Some(RuleOutcome::UsersTold { count: n })
            }
            Action::NotifyTeam { team_id, text } => {
                let teams: Vec<i64> = match team_id.or(case.team_id) {
                    Some(t) => vec![t],
                    None => user_store::list_teams(c)?
                        .into_iter()
                        .filter(|t| t.support_line == Some(1))
                        .map(|t| t.id)
                        .collect(),
                };
                let mut members = Vec::new();
                for t in teams {
                    members.extend(user_store::team_member_ids(c, t)?);
                }
                let n = self.notify_staff(c, &case, e, trigger, &members, text, now)?;
                Some(RuleOutcome::TeamTold { count: n })
            }
            Action::SendEmail { subject, body } => {
                let Some(from) = self.notify.mail_from.clone() else {
                    return Ok(Some(RuleOutcome::NotEmailed {
                        why: NoEmail::NotConfigured,
                    }));
                };
                let Some(requester) = case.requester_id else {
                    return Ok(Some(RuleOutcome::NotEmailed {
                        why: NoEmail::NoRequester,
                    }));
                };
                let Some((_, to)) = crm::emails_of(c, &[requester])?.into_iter().next() else {
                    return Ok(Some(RuleOutcome::NotEmailed {
                        why: NoEmail::NoAddress,
                    }));
                };
                let fill = |t: &str| {
                    t.replace("{number}", &case.number.to_string())
                        .replace("{subject}", &case.subject)
                };
                let domain = crate::notify::message_id_domain(&from).to_owned();
                note_store::insert_mails(
                    c,
                    &[NewMail {
                        event_id: e.id,
                        recipient: to.clone(),
                        kind: "rule".into(),
                        case_id: Some(case.id),
                        subject: format!("[#{}] {}", case.number, fill(subject)),
                        body: fill(body),
                        message_id: self.our_message_id(
                            &format!("case-{}.rule-{}.event-{}", case.number, rule.id, e.id),
                            &domain,
                        ),
                        status: "pending".into(),
                        next_attempt_at: now,
                        created_at: now,
                        from_address: None,
                        in_reply_to: None,
                        references_header: None,
                        auto_submitted: "auto-generated".into(),
                        mailbox_id: case.mailbox_id,
                        attachment_ids: "[]".into(),
                    }],
                )?;
                Some(RuleOutcome::Emailed { to })
            }
            Action::Escalate => {
                let line = case.support_line + 1;
                if line > 3 {
                    return Ok(Some(RuleOutcome::NotEscalated));
                }
                let team = case_store::first_team_of_line(c, line)?;
                case_store::update_case(
                    c,
                    case.id,
                    &changes(&|ch| {
                        ch.support_line = Some(line);
                        ch.team_id = Some(team);
                        ch.assignee_id = Some(None);
                    }),
                )?;
                emit(
                    c,
                    now,
                    None,
                    &Event::CaseEscalated {
                        id: case.id,
                        number: case.number,
                        support_line: line,
                        team_id: team,
                        by_rule: Some(by),
                    },
                )?;
                Some(RuleOutcome::Escalated { line })
            }
        })
    }

    /// Writes one field a rule set, and the `case.updated` event that says so.
    pub(super) fn rule_update(
        &self,
        c: &mut AnyConnection,
        case: &CaseRow,
        mut ch: CaseChanges,
        fields: CaseFields,
        by: i64,
        now: NaiveDateTime,
    ) -> Result<(), AppError> {
        ch.updated_at = Some(now);
        case_store::update_case(c, case.id, &ch)?;
        let event = Event::CaseUpdated {
            id: case.id,
            number: case.number,
            fields,
            by_rule: Some(by),
        };
        emit(c, now, None, &event)?;
        Ok(())
    }

    pub(super) fn rule_assign(
        &self,
        c: &mut AnyConnection,
        case: &CaseRow,
        team_id: Option<i64>,
        agent: i64,
        by: i64,
        now: NaiveDateTime,
    ) -> Result<RuleOutcome, AppError> {
        let name = user_store::user(c, agent)?.name;
        case_store::update_case(
            c,
            case.id,
            &CaseChanges {
                assignee_id: Some(Some(agent)),
                team_id: Some(team_id),
                updated_at: Some(now),
                ..Default::default()
            },
        )?;
        case_store::follow(c, case.id, agent, now)?;
        emit(
            c,
            now,
            None,
            &Event::CaseAssigned {
                id: case.id,
                number: case.number,
                assignee_id: Some(agent),
                assignee_changed: true,
                team_id,
                by_rule: Some(by),
            },
        )?;
        Ok(RuleOutcome::Assigned {
            user_id: agent,
            name,
        })
    }

    #[allow(clippy::too_many_arguments)]
    pub(super) fn notify_staff(
        &self,
        c: &mut AnyConnection,
        case: &CaseRow,
        e: &Occasion,
        trigger: Trigger,
        users: &[i64],
        text: &str,
        now: NaiveDateTime,
    ) -> Result<usize, AppError> {
        let mut seen = HashSet::new();
        let mut rows = Vec::new();
        for u in users {
            if !seen.insert(*u) || crate::cases::active_agent(c, *u)?.is_err() {
                continue;
            }
            rows.push(NewNotification {
                user_id: *u,
                event_id: e.id,
                kind: if trigger == Trigger::CaseCreated {
                    "new_case"
                } else {
                    "status"
                }
                .into(),
                case_id: Some(case.id),
                entry_id: None,
                actor_user_id: None,
                title: format!("#{} {}: {}", case.number, case.subject, text),
                created_at: now,
            });
        }
        Ok(note_store::insert_notifications(c, &rows)?)
    }
}
