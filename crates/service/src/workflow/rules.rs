//! Rules as admins manage them: checked, stored, listed.

use super::*;

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
}

fn rule_dto(row: RuleRow) -> Result<WorkflowRule, AppError> {
    let bad = |e: serde_json::Error| AppError::failed(format!("rule {}", row.id), e);
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

/// The trigger an outbox event starts, and the case fields it changed.
pub(super) fn trigger_of(
    c: &mut AnyConnection,
    event: &Event,
) -> Result<Option<(Trigger, Changed)>, AppError> {
    let mut changed = Map::new();
    let mut set = |k: &str, v: Value| {
        changed.insert(k.to_owned(), v);
    };
    let trigger = match event {
        Event::CaseCreated { .. } => Trigger::CaseCreated,
        Event::CaseUpdated { fields, .. } => {
            let CaseFields {
                assignee_id,
                team_id,
                support_line,
                priority,
                ..
            } = fields;
            if let Some(v) = assignee_id {
                set("assignee_id", Value::from(*v));
            }
            if let Some(v) = team_id {
                set("team_id", Value::from(*v));
            }
            if let Some(v) = support_line {
                set("support_line", Value::from(*v));
            }
            if let Some(v) = priority {
                set("priority", Value::from(v.as_str()));
            }
            Trigger::CaseUpdated
        }
        Event::CaseAssigned {
            assignee_id,
            team_id,
            ..
        } => {
            set("assignee_id", Value::from(*assignee_id));
            set("team_id", Value::from(*team_id));
            Trigger::CaseUpdated
        }
        Event::CaseEscalated {
            support_line,
            team_id,
            ..
        } => {
            set("support_line", Value::from(*support_line));
            set("team_id", Value::from(*team_id));
            Trigger::CaseUpdated
        }
        Event::CaseStatusChanged { to, .. } => {
            set("status", Value::from(to.as_str()));
            Trigger::StatusChanged
        }
        Event::EntryAdded { entry_id, .. } => {
            let entry = case_store::stream_entry(c, *entry_id)?;
            let from_customer = entry.kind == EntryKind::Public
                && match entry.author_user_id {
                    Some(uid) => user_store::user(c, uid)?.role == helpdesk_domain::Role::Portal,
                    None => entry.author_contact_id.is_some(),
                };
            if !from_customer {
                return Ok(None);
            }
            Trigger::MessageReceived
        }
        Event::SlaWarning(_) => Trigger::SlaWarning,
        Event::SlaBreached(_) => Trigger::SlaBreached,
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
    let json = |r: serde_json::Result<String>| {
        r.map_err(|e| AppError::failed("storing a workflow rule", e))
    };
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
