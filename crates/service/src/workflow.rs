//! Workflow rules: admin CRUD, and running them for each case event the worker takes from the
//! outbox, in the transaction that marks the event processed. Rules of the event's trigger run
//! in position order, each at most once per event, each seeing what the ones before it did;
//! every rule that acts leaves a system entry saying what it did. Changes made by rules emit
//! events marked `by_rule`, which start no rules, so rules never loop.

use std::collections::HashSet;

use chrono::NaiveDateTime;
use helpdesk_api_types::workflow::{Action, Condition, Trigger, WorkflowRule, WorkflowRuleInput};
use helpdesk_domain::workflow::{matches, FIELDS};
use helpdesk_domain::{assignment, CaseStatus};
use helpdesk_store::cases::{self as case_store, CaseChanges, CaseRow};
use helpdesk_store::events::EventRow;
use helpdesk_store::notifications::{self as note_store, NewMail, NewNotification};
use helpdesk_store::sla as sla_store;
use helpdesk_store::users as user_store;
use helpdesk_store::workflow::{self as store, RuleRow, RuleValues};
use helpdesk_store::{crm, AnyConnection, StoreError};
use serde_json::{json, Map, Value};
use validator::Validate;

use crate::cases::case_snapshot;
use crate::outbox::emit;
use crate::users::not_found;
use crate::{Actor, AppError, Services};

fn rule_dto(row: RuleRow) -> Result<WorkflowRule, AppError> {
    let bad = |e: serde_json::Error| AppError::Internal(format!("rule {}: {e}", row.id));
    Ok(WorkflowRule {
        id: row.id,
        trigger: Trigger::parse(&row.trigger_on)
            .map_err(|_| AppError::Internal(format!("rule {}: bad trigger", row.id)))?,
        conditions: serde_json::from_str(&row.conditions).map_err(bad)?,
        actions: serde_json::from_str(&row.actions).map_err(bad)?,
        after_minutes: row.after_minutes,
        name: row.name,
        position: row.position,
        active: row.active,
        match_all: row.match_all,
        created_at: row.created_at.and_utc(),
        updated_at: row.updated_at.and_utc(),
    })
}

/// Job kind of `time_in_status` timers.
const TIME_RULE: &str = sla_store::RULE_TIME;

/// The case fields an event changed, with their new values.
type Changed = Map<String, Value>;

/// The trigger an outbox event starts, and the case fields it changed.
fn trigger_of(
    c: &mut AnyConnection,
    e: &EventRow,
    payload: &Value,
) -> Result<Option<(Trigger, Changed)>, StoreError> {
    let mut changed = Map::new();
    let trigger = match e.event_type.as_str() {
        "case.created" => Trigger::CaseCreated,
        "case.updated" | "case.assigned" | "case.escalated" => {
            for k in ["assignee_id", "team_id", "support_line", "priority"] {
                if let Some(v) = payload.get(k) {
                    changed.insert(k.into(), v.clone());
                }
            }
            Trigger::CaseUpdated
        }
        "case.status_changed" => {
            changed.insert("status".into(), payload["to"].clone());
            Trigger::StatusChanged
        }
        "case.entry_added" => {
            let Some(entry) = payload["entry_id"].as_i64() else {
                return Ok(None);
            };
            let entry = case_store::stream_entry(c, entry)?;
            let from_customer = entry.kind == "public"
                && match entry.author_user_id {
                    Some(uid) => user_store::user(c, uid)?.role == "portal",
                    None => entry.author_contact_id.is_some(),
                };
            if !from_customer {
                return Ok(None);
            }
            Trigger::MessageReceived
        }
        "sla.warning" => Trigger::SlaWarning,
        "sla.breached" => Trigger::SlaBreached,
        _ => return Ok(None),
    };
    Ok(Some((trigger, changed)))
}

fn check_input(input: &WorkflowRuleInput) -> Result<(), AppError> {
    input.validate()?;
    if input.trigger == Trigger::TimeInStatus && input.after_minutes.is_none() {
        return Err(AppError::field(
            "after_minutes",
            "a time_in_status rule needs the minutes in the status",
        ));
    }
    for (i, c) in input.conditions.iter().enumerate() {
        if !FIELDS.contains(&c.field.as_str()) {
            return Err(AppError::field(
                &format!("conditions[{i}].field"),
                format!("must be one of {}", FIELDS.join(", ")),
            ));
        }
        if c.op == helpdesk_domain::workflow::Operator::In && !c.value.is_array() {
            return Err(AppError::field(
                &format!("conditions[{i}].value"),
                "`in` takes a list of values",
            ));
        }
    }
    for (i, a) in input.actions.iter().enumerate() {
        let bad = match a {
            Action::SetSupportLine { support_line } if !(1..=3).contains(support_line) => {
                Some("support_line must be 1, 2 or 3")
            }
            Action::NotifyUsers { text, .. } | Action::NotifyTeam { text, .. }
                if text.trim().is_empty() || text.len() > 500 =>
            {
                Some("text must have 1 to 500 characters")
            }
            Action::SendEmail { subject, body }
                if subject.trim().is_empty() || body.trim().is_empty() || body.len() > 20_000 =>
            {
                Some("an email needs a subject and a body (at most 20000 characters)")
            }
            Action::AddTags { tags } if tags.is_empty() || tags.len() > 20 => Some("1 to 20 tags"),
            _ => None,
        };
        if let Some(rule) = bad {
            return Err(AppError::field(&format!("actions[{i}]"), rule));
        }
    }
    Ok(())
}

fn values(input: &WorkflowRuleInput, now: NaiveDateTime) -> Result<RuleValues, AppError> {
    let json = |r: serde_json::Result<String>| r.map_err(|e| AppError::Internal(e.to_string()));
    Ok(RuleValues {
        name: input.name.trim().to_owned(),
        position: input.position.unwrap_or(100),
        active: input.active.unwrap_or(true),
        trigger_on: input.trigger.as_str().to_owned(),
        match_all: input.match_all.unwrap_or(true),
        conditions: json(serde_json::to_string(&input.conditions))?,
        actions: json(serde_json::to_string(&input.actions))?,
        after_minutes: input
            .after_minutes
            .filter(|_| input.trigger == Trigger::TimeInStatus),
        updated_at: now,
    })
}

impl Services {
    pub fn list_workflow_rules(&self, actor: &Actor) -> Result<Vec<WorkflowRule>, AppError> {
        actor.staff_read()?;
        self.db
            .read(store::rules)?
            .into_iter()
            .map(rule_dto)
            .collect()
    }

    pub fn get_workflow_rule(&self, actor: &Actor, id: i64) -> Result<WorkflowRule, AppError> {
        actor.staff_read()?;
        rule_dto(
            self.db
                .read(|c| store::rule(c, id))
                .map_err(not_found("workflow rule"))?,
        )
    }

    pub fn create_workflow_rule(
        &self,
        actor: &Actor,
        input: &WorkflowRuleInput,
    ) -> Result<WorkflowRule, AppError> {
        actor.admin()?;
        check_input(input)?;
        let now = self.now();
        let v = values(input, now)?;
        rule_dto(
            self.db
                .write(|c| Ok::<_, AppError>(store::insert_rule(c, &v, now)?))?,
        )
    }

    pub fn update_workflow_rule(
        &self,
        actor: &Actor,
        id: i64,
        input: &WorkflowRuleInput,
    ) -> Result<WorkflowRule, AppError> {
        actor.admin()?;
        check_input(input)?;
        let now = self.now();
        let v = values(input, now)?;
        rule_dto(
            self.db
                .write(|c| store::update_rule(c, id, &v))
                .map_err(not_found("workflow rule"))?,
        )
    }

    pub fn delete_workflow_rule(&self, actor: &Actor, id: i64) -> Result<(), AppError> {
        actor.admin()?;
        self.db
            .write(|c| store::delete_rule(c, id))
            .map_err(not_found("workflow rule"))
    }

    /// Runs the rules an outbox event triggers; returns how many acted.
    pub fn run_rules(&self, c: &mut AnyConnection, e: &EventRow) -> Result<usize, AppError> {
        if e.aggregate_type != "case" {
            return Ok(0);
        }
        let payload: Value = serde_json::from_str(&e.payload).unwrap_or(Value::Null);
        if matches!(
            e.event_type.as_str(),
            "case.created" | "case.status_changed"
        ) {
            self.schedule_time_rules(c, e)?;
        }
        if payload.get("by_rule").is_some() {
            return Ok(0);
        }
        let Some((trigger, changed)) = trigger_of(c, e, &payload)? else {
            return Ok(0);
        };
        let rules = store::active_rules(c, trigger.as_str())?;
        if rules.is_empty() {
            return Ok(0);
        }
        let now = self.now();
        let mut acted = 0;
        for rule in rules {
            if self.run_rule(c, &rule, e, trigger, &changed, now)? {
                acted += 1;
            }
        }
        Ok(acted)
    }

    /// Runs one rule for an event: true when its conditions held and it did something.
    fn run_rule(
        &self,
        c: &mut AnyConnection,
        rule: &RuleRow,
        e: &EventRow,
        trigger: Trigger,
        changed: &Changed,
        now: NaiveDateTime,
    ) -> Result<bool, AppError> {
        let (conditions, actions) = match (
            serde_json::from_str::<Vec<Condition>>(&rule.conditions),
            serde_json::from_str::<Vec<Action>>(&rule.actions),
        ) {
            (Ok(c), Ok(a)) => (c, a),
            _ => {
                tracing::error!(rule_id = rule.id, "unreadable workflow rule skipped");
                return Ok(false);
            }
        };
        let (row, dto) = match case_snapshot(c, e.aggregate_id) {
            Ok(found) => found,
            Err(AppError::NotFound(_)) => return Ok(false),
            Err(other) => return Err(other),
        };
        let view = match serde_json::to_value(&dto) {
            Ok(Value::Object(m)) => m,
            _ => return Ok(false),
        };
        if !matches(&conditions, rule.match_all, &view, changed) {
            return Ok(false);
        }
        let mut done = Vec::new();
        for action in &actions {
            if let Some(what) = self.apply(c, rule, e, trigger, action, now)? {
                done.push(what);
            }
        }
        if done.is_empty() {
            return Ok(false);
        }
        let text = format!("Rule «{}»: {}", rule.name, done.join("; "));
        self.system_entry_as(c, row.id, None, &text, now)?;
        Ok(true)
    }

    /// A case entered a status: every `time_in_status` rule gets a timer for when the case
    /// will have spent its minutes there.
    fn schedule_time_rules(&self, c: &mut AnyConnection, e: &EventRow) -> Result<(), AppError> {
        for rule in store::active_rules(c, Trigger::TimeInStatus.as_str())? {
            let Some(minutes) = rule.after_minutes else {
                continue;
            };
            sla_store::enqueue_once(
                c,
                &sla_store::NewJob {
                    kind: TIME_RULE.into(),
                    case_id: Some(e.aggregate_id),
                    key: format!(
                        "{TIME_RULE}:{}:{}:{}",
                        rule.id,
                        e.aggregate_id,
                        e.created_at.and_utc().timestamp_micros()
                    ),
                    run_at: e.created_at + chrono::Duration::minutes(minutes.into()),
                    created_at: self.now(),
                },
            )?;
        }
        Ok(())
    }

    /// Runs the `time_in_status` rules whose time has come, for cases still in the status they
    /// were timed from; each timer once, whichever worker takes it. Returns how many acted.
    pub fn run_time_rules(&self) -> Result<usize, AppError> {
        let now = self.now();
        let due = self
            .db
            .read(|c| sla_store::due_jobs_of_kind(c, TIME_RULE, now))?;
        let mut acted = 0;
        for job in due {
            let did = self.db.write(|c| {
                if !sla_store::finish_job(c, job.id, now)? {
                    return Ok::<_, AppError>(false);
                }
                let mut parts = job.key.rsplitn(3, ':');
                let entered: i64 = parts.next().and_then(|v| v.parse().ok()).unwrap_or(0);
                let _case = parts.next();
                let rule_id: i64 = parts
                    .next()
                    .and_then(|p| p.rsplit(':').next())
                    .and_then(|v| v.parse().ok())
                    .unwrap_or(0);
                let (Some(case_id), Ok(rule)) = (job.case_id, store::rule(c, rule_id)) else {
                    return Ok(false);
                };
                if !rule.active || rule.trigger_on != Trigger::TimeInStatus.as_str() {
                    return Ok(false);
                }
                // Still in the status it was timed from?
                let case = match case_store::case(c, case_id) {
                    Ok(case) => case,
                    Err(StoreError::NotFound) => return Ok(false),
                    Err(e) => return Err(e.into()),
                };
                let last_move = sla_store::status_changes(c, case_id)?
                    .last()
                    .map(|(at, _)| *at)
                    .unwrap_or(case.created_at);
                if last_move.and_utc().timestamp_micros() != entered {
                    return Ok(false);
                }
                let event = EventRow {
                    id: -job.id,
                    event_type: "time_in_status".into(),
                    aggregate_type: "case".into(),
                    aggregate_id: case_id,
                    actor_user_id: None,
                    payload: "{}".into(),
                    created_at: now,
                    processed_at: None,
                };
                self.run_rule(c, &rule, &event, Trigger::TimeInStatus, &Map::new(), now)
            })?;
            if did {
                acted += 1;
            }
        }
        Ok(acted)
    }

    /// Applies one action to the event's case; says what it did, or nothing when it changed
    /// nothing.
    fn apply(
        &self,
        c: &mut AnyConnection,
        rule: &RuleRow,
        e: &EventRow,
        trigger: Trigger,
        action: &Action,
        now: NaiveDateTime,
    ) -> Result<Option<String>, AppError> {
        let case = case_store::case(c, e.aggregate_id)?;
        let by = json!(rule.id);
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
                        Some(self.rule_assign(c, &case, Some(*team_id), agent, &by, now)?)
                    }
                    None => Some(format!("nobody in team {team_id} could take the case")),
                }
            }
            Action::AssignUser { user_id } => match crate::cases::active_agent(c, *user_id)? {
                Ok(_) => Some(self.rule_assign(c, &case, case.team_id, *user_id, &by, now)?),
                Err(why) => Some(format!("not assigned: {why}")),
            },
            Action::AssignTeam { team_id } => {
                if user_store::team(c, *team_id).is_err() {
                    return Ok(Some(format!("team {team_id} does not exist")));
                }
                let ch = CaseChanges {
                    team_id: Some(Some(*team_id)),
                    ..Default::default()
                };
                self.rule_update(c, &case, ch, ("team_id", json!(team_id)), &by, now)?;
                Some(format!("team {team_id}"))
            }
            Action::SetPriority { priority } => {
                if case.priority == priority.as_str() {
                    return Ok(None);
                }
                let ch = CaseChanges {
                    priority: Some(priority.as_str().into()),
                    ..Default::default()
                };
                self.rule_update(c, &case, ch, ("priority", json!(priority)), &by, now)?;
                Some(format!("priority {priority}"))
            }
            Action::SetType { case_type } => {
                if case.case_type == case_type.as_str() {
                    return Ok(None);
                }
                let ch = CaseChanges {
                    case_type: Some(case_type.as_str().into()),
                    ..Default::default()
                };
                self.rule_update(c, &case, ch, ("case_type", json!(case_type)), &by, now)?;
                Some(format!("type {case_type}"))
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
                    ("support_line", json!(support_line)),
                    &by,
                    now,
                )?;
                Some(format!("support line {support_line}"))
            }
            Action::SetStatus { status } => {
                let from = CaseStatus::parse(&case.status).unwrap_or(CaseStatus::New);
                if from == *status {
                    return Ok(None);
                }
                if !from.can_become(*status) {
                    return Ok(Some(format!(
                        "status stays {from}: it cannot become {status}"
                    )));
                }
                self.move_case(c, None, &case, *status, CaseChanges::default(), now)?;
                Some(format!("status {status}"))
            }
            Action::AddTags { tags } => {
                let mut current: Vec<String> = serde_json::from_str(&case.tags).unwrap_or_default();
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
                self.rule_update(c, &case, ch, ("tags", json!(current)), &by, now)?;
                Some(format!("tags {}", tags.join(", ")))
            }
            Action::AddFollowers { user_ids } => {
                for u in user_ids {
                    if crate::cases::active_agent(c, *u)?.is_ok() {
                        case_store::follow(c, case.id, *u, now)?;
                    }
                }
                Some(format!("followers {user_ids:?}"))
            }
            Action::NotifyUsers { user_ids, text } => {
                let n = self.notify_staff(c, &case, e, trigger, user_ids, text, now)?;
                Some(format!("{n} told"))
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
                Some(format!("{n} team members told"))
            }
            Action::SendEmail { subject, body } => {
                let Some(from) = self.notify.mail_from.clone() else {
                    return Ok(Some("no email: sending is not configured".into()));
                };
                let Some(requester) = case.requester_id else {
                    return Ok(Some("no email: the case has no requester".into()));
                };
                let Some((_, to)) = crm::emails_of(c, &[requester])?.into_iter().next() else {
                    return Ok(Some("no email: the requester has no address".into()));
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
                Some(format!("email to {to}"))
            }
            Action::Escalate => {
                let line = case.support_line + 1;
                if line > 3 {
                    return Ok(Some("not escalated: already on the last line".into()));
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
                    "case.escalated",
                    ("case", case.id),
                    json!({ "id": case.id, "number": case.number, "support_line": line, "team_id": team, "by_rule": by }),
                )?;
                Some(format!("escalated to line {line}"))
            }
        })
    }

    /// Writes one field a rule set, and the `case.updated` event that says so.
    fn rule_update(
        &self,
        c: &mut AnyConnection,
        case: &CaseRow,
        mut ch: CaseChanges,
        (field, value): (&str, Value),
        by: &Value,
        now: NaiveDateTime,
    ) -> Result<(), AppError> {
        ch.updated_at = Some(now);
        case_store::update_case(c, case.id, &ch)?;
        let mut payload = json!({ "id": case.id, "number": case.number, "by_rule": by });
        payload[field] = value;
        emit(c, now, None, "case.updated", ("case", case.id), payload)?;
        Ok(())
    }

    fn rule_assign(
        &self,
        c: &mut AnyConnection,
        case: &CaseRow,
        team_id: Option<i64>,
        agent: i64,
        by: &Value,
        now: NaiveDateTime,
    ) -> Result<String, AppError> {
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
            "case.assigned",
            ("case", case.id),
            json!({ "id": case.id, "number": case.number, "assignee_id": agent, "team_id": team_id,
                    "assignee_changed": true, "by_rule": by }),
        )?;
        Ok(format!("assigned to {name}"))
    }

    #[allow(clippy::too_many_arguments)]
    fn notify_staff(
        &self,
        c: &mut AnyConnection,
        case: &CaseRow,
        e: &EventRow,
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
