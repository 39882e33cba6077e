//! When rules run: on each event, in the event's transaction, and on time (due timers).

use super::*;

impl Services {
    /// Runs the rules an outbox event triggers; returns how many acted.
    pub fn run_rules(&self, c: &mut AnyConnection, r: &Recorded) -> Result<usize, AppError> {
        let Some(case_id) = r.event.case_id() else {
            return Ok(0);
        };
        let e = Occasion {
            id: r.id,
            case_id,
            at: r.created_at,
        };
        if matches!(
            r.event,
            Event::CaseCreated { .. } | Event::CaseStatusChanged { .. }
        ) {
            self.schedule_time_rules(c, &e)?;
        }
        if r.event.by_rule().is_some() {
            return Ok(0);
        }
        let Some((trigger, changed)) = trigger_of(c, &r.event)? else {
            return Ok(0);
        };
        let rules = store::active_rules(c, trigger.as_str())?;
        if rules.is_empty() {
            return Ok(0);
        }
        let now = self.now();
        let mut acted = 0;
        for rule in rules {
            if self.run_rule(c, &rule, &e, trigger, &changed, now)? {
                acted += 1;
            }
        }
        Ok(acted)
    }

    /// Runs one rule for an event: true when its conditions held and it did something.
    pub(super) fn run_rule(
        &self,
        c: &mut AnyConnection,
        rule: &RuleRow,
        e: &Occasion,
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
        let (row, dto) = match case_snapshot(c, e.case_id) {
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
        let event = SystemEvent::Rule {
            name: rule.name.clone(),
            outcomes: done,
        };
        self.system_entry_as(c, row.id, None, &[event], now)?;
        Ok(true)
    }

    /// A case entered a status: every `time_in_status` rule gets a timer for when the case
    /// will have spent its minutes there.
    pub(super) fn schedule_time_rules(
        &self,
        c: &mut AnyConnection,
        e: &Occasion,
    ) -> Result<(), AppError> {
        for rule in store::active_rules(c, Trigger::TimeInStatus.as_str())? {
            let Some(minutes) = rule.after_minutes else {
                continue;
            };
            sla_store::enqueue_once(
                c,
                &sla_store::NewJob {
                    kind: TIME_RULE.into(),
                    case_id: Some(e.case_id),
                    key: format!(
                        "{TIME_RULE}:{}:{}:{}",
                        rule.id,
                        e.case_id,
                        e.at.and_utc().timestamp_micros()
                    ),
                    run_at: e.at + chrono::Duration::minutes(minutes.into()),
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
                let event = Occasion {
                    id: -job.id,
                    case_id,
                    at: now,
                };
                self.run_rule(c, &rule, &event, Trigger::TimeInStatus, &Map::new(), now)
            })?;
            if did {
                acted += 1;
            }
        }
        Ok(acted)
    }
}
