//! SLA: calendars and policies (admin), the clocks of each case, recomputed in the transaction
//! of every change that can move them, and the timers the worker fires.

use std::collections::{BTreeSet, HashMap};

use chrono::{DateTime, NaiveDate, NaiveDateTime, TimeZone, Utc};
use helpdesk_api_types::sla::{CaseSla, PriorityTargets, SlaClock};
use helpdesk_domain::calendar::{business_time_between, Calendar as Hours};
use helpdesk_domain::sla::{
    choose_policy, clocks, Author, CaseFacts, Clock, ClockState, Conditions, History, Targets,
};
use helpdesk_domain::{CaseStatus, Priority};
use helpdesk_store::cases::{self as case_store, CaseRow};
use helpdesk_store::queue::TimerQueue;
use helpdesk_store::sla::{self as store, CalendarRow, CaseSlaRow, NewJob, PolicyRow};
use helpdesk_store::{AnyConnection, StoreError};

use crate::outbox::emit;
use crate::{AppError, Services};

mod jobs;

/// Case events after which the clocks are computed again.
pub(crate) const MOVES_CLOCKS: &[&str] = &[
    "case.created",
    "case.updated",
    "case.status_changed",
    "case.entry_added",
    "case.merged",
];

fn utc(t: NaiveDateTime) -> DateTime<Utc> {
    Utc.from_utc_datetime(&t)
}

pub(crate) type StoredHoliday = (NaiveDate, NaiveDate, Option<String>);

fn hours_of_row(row: &CalendarRow) -> Result<Hours, String> {
    let week: Vec<Vec<(u32, u32)>> =
        serde_json::from_str(&row.week).map_err(|e| format!("calendar {}: {e}", row.id))?;
    let holidays: Vec<StoredHoliday> =
        serde_json::from_str(&row.holidays).map_err(|e| format!("calendar {}: {e}", row.id))?;
    let week: [Vec<(u32, u32)>; 7] =
        std::array::from_fn(|i| week.get(i).cloned().unwrap_or_default());
    Hours::new(
        &row.time_zone,
        week,
        holidays.into_iter().map(|(a, b, _)| (a, b)).collect(),
    )
    .map_err(|e| format!("calendar {}: {e}", row.id))
}

fn targets_for(t: &PriorityTargets, p: Priority) -> Targets {
    match p {
        Priority::Low => t.low,
        Priority::Normal => t.normal,
        Priority::High => t.high,
        Priority::Urgent => t.urgent,
    }
}

/// Active policies and the calendars they use, loaded once for a batch of cases.
pub(crate) struct SlaContext {
    policies: Vec<(PolicyRow, Conditions, PriorityTargets)>,
    calendars: HashMap<i64, Hours>,
}

impl SlaContext {
    /// `None` when no policy is active (then there is nothing to compute).
    pub(crate) fn load(c: &mut AnyConnection) -> Result<Option<SlaContext>, StoreError> {
        let rows = store::active_policies(c)?;
        if rows.is_empty() {
            return Ok(None);
        }
        let mut policies = Vec::with_capacity(rows.len());
        for row in rows {
            let conditions = serde_json::from_str(&row.conditions);
            let targets = serde_json::from_str(&row.targets);
            match (conditions, targets) {
                (Ok(c), Ok(t)) => policies.push((row, c, t)),
                _ => tracing::error!(policy_id = row.id, "unreadable SLA policy skipped"),
            }
        }
        let mut calendars = HashMap::new();
        if policies.iter().any(|(p, _, _)| p.calendar_id.is_some()) {
            for row in store::calendars(c)? {
                match hours_of_row(&row) {
                    Ok(h) => {
                        calendars.insert(row.id, h);
                    }
                    Err(e) => tracing::error!(error = %e, "unreadable calendar skipped"),
                }
            }
        }
        Ok(Some(SlaContext {
            policies,
            calendars,
        }))
    }
}

fn facts(case: &CaseRow) -> Option<CaseFacts> {
    Some(CaseFacts {
        priority: case.priority,
        case_type: case.case_type,
        channel: case.channel,
        organization_id: case.organization_id,
        product_id: case.product_id,
    })
}

/// What the clocks of a case depend on: its status changes and public messages, in order.
fn history_from(
    case: &CaseRow,
    changes: &[(NaiveDateTime, &str)],
    entries: &[store::PublicEntry],
) -> History {
    let created = utc(case.created_at);
    let mut statuses = Vec::with_capacity(changes.len() + 1);
    for (at, payload) in changes {
        let v: serde_json::Value = serde_json::from_str(payload).unwrap_or_default();
        let parse = |k: &str| v[k].as_str().and_then(|s| CaseStatus::parse(s).ok());
        if statuses.is_empty() {
            statuses.push((created, parse("from").unwrap_or(CaseStatus::New)));
        }
        if let Some(to) = parse("to") {
            statuses.push((utc(*at), to));
        }
    }
    if statuses.is_empty() {
        let now = case.status;
        statuses.push((created, now));
    }
    // The description opens the stream in the case's own transaction (same instant); whoever
    // typed it, it is the request, not a reply.
    let messages = entries
        .iter()
        .filter(|(at, _, _)| *at != case.created_at)
        .filter_map(|(at, user, contact)| match (user, contact) {
            (_, Some(_)) => Some((utc(*at), Author::Customer)),
            (Some(_), None) => Some((utc(*at), Author::Agent)),
            (None, None) => None,
        })
        .collect();
    History {
        created_at: created,
        statuses,
        messages,
    }
}

fn timer_key(case_id: i64, clock: &Clock, kind: &str) -> String {
    format!(
        "{kind}:{case_id}:{}:{}",
        clock.metric.as_str(),
        clock.started_at.timestamp()
    )
}

/// The clocks of a case computed now, and what was already announced.
pub(crate) struct Computed {
    pub policy_id: i64,
    pub clocks: Vec<Clock>,
    pub fired: BTreeSet<String>,
}

/// What computing a case's clocks gives: the row to store and its timers, or `None` when no
/// policy covers the case.
type Outcome = Option<(CaseSlaRow, Vec<NewJob>, Computed)>;

/// Computes the clocks of `case` from its history; `stored` is what was stored before (for the
/// warnings and breaches already announced), `fired_now` one more announced just now.
fn compute(
    ctx: &SlaContext,
    case: &CaseRow,
    history: &History,
    stored: Option<&CaseSlaRow>,
    fired_now: Option<&str>,
    now: NaiveDateTime,
) -> Outcome {
    let f = facts(case)?;
    let i = choose_policy(ctx.policies.iter().map(|(_, c, _)| c), &f)?;
    let (policy, _, targets) = &ctx.policies[i];
    let always = Hours::always();
    let hours = policy
        .calendar_id
        .and_then(|id| ctx.calendars.get(&id))
        .unwrap_or(&always);
    let share = f64::from(policy.warn_percent.clamp(1, 99)) / 100.0;
    let list = clocks(
        history,
        &targets_for(targets, f.priority),
        hours,
        share,
        utc(now),
    );
    let mut fired: BTreeSet<String> = stored
        .and_then(|row| serde_json::from_str(&row.fired).ok())
        .unwrap_or_default();
    if let Some(key) = fired_now {
        fired.insert(key.to_owned());
    }
    let due_at = list
        .iter()
        .filter(|k| k.state == ClockState::Running)
        .filter_map(|k| k.due_at)
        .min();
    let row = CaseSlaRow {
        case_id: case.id,
        policy_id: policy.id,
        clocks: serde_json::to_string(&list).unwrap_or_else(|_| "[]".into()),
        due_at: due_at.map(|t| t.naive_utc()),
        breached: list.iter().any(|k| k.state == ClockState::Breached),
        fired: serde_json::to_string(&fired).unwrap_or_else(|_| "[]".into()),
        computed_at: now,
    };
    let mut timers = Vec::new();
    for clock in list.iter().filter(|k| k.stopped_at.is_none()) {
        for (kind, at) in [
            (store::SLA_WARNING, clock.warn_at),
            (store::SLA_BREACH, clock.due_at),
        ] {
            let key = timer_key(case.id, clock, kind);
            if let Some(at) = at.filter(|_| !fired.contains(&key)) {
                timers.push(NewJob {
                    kind: kind.into(),
                    case_id: Some(case.id),
                    key,
                    run_at: at.naive_utc(),
                    created_at: now,
                });
            }
        }
    }
    let computed = Computed {
        policy_id: policy.id,
        clocks: list,
        fired,
    };
    Some((row, timers, computed))
}

/// Computes the clocks of case `case_id` and stores them with their timers; `None` (and no
/// stored clocks) when no policy covers the case.
pub(crate) fn refresh_case(
    c: &mut AnyConnection,
    ctx: &SlaContext,
    case_id: i64,
    now: NaiveDateTime,
    fired_now: Option<&str>,
) -> Result<Option<Computed>, StoreError> {
    // The clocks' lock first: every writer of a case's clocks and timers takes it.
    let stored = store::lock_case_sla(c, case_id)?;
    let case = case_store::case(c, case_id)?;
    let changes = store::status_changes(c, case_id)?;
    let changes: Vec<(NaiveDateTime, &str)> =
        changes.iter().map(|(at, p)| (*at, p.as_str())).collect();
    let entries = store::public_entries(c, case_id)?;
    let history = history_from(&case, &changes, &entries);
    match compute(ctx, &case, &history, stored.as_ref(), fired_now, now) {
        None => {
            store::clear_case_sla(c, case_id)?;
            store::replace_case_timers(c, case_id, &[])?;
            Ok(None)
        }
        Some((row, timers, computed)) => {
            store::save_case_sla(c, &row)?;
            store::replace_case_timers(c, case_id, &timers)?;
            Ok(Some(computed))
        }
    }
}

/// [`refresh_case`] for a batch of cases, reading their histories and writing their timers a
/// few statements for the whole batch.
fn refresh_batch(
    c: &mut AnyConnection,
    ctx: &SlaContext,
    ids: &[i64],
    now: NaiveDateTime,
) -> Result<(), StoreError> {
    let stored = store::lock_case_slas(c, ids)?;
    let cases = case_store::cases_by_ids(c, ids)?;
    let changes = store::status_changes_of(c, ids)?;
    let entries = store::public_entries_of(c, ids)?;
    let mut changes_of: HashMap<i64, Vec<(NaiveDateTime, &str)>> = HashMap::new();
    for (id, at, payload) in &changes {
        changes_of
            .entry(*id)
            .or_default()
            .push((*at, payload.as_str()));
    }
    let mut entries_of: HashMap<i64, Vec<store::PublicEntry>> = HashMap::new();
    for (id, entry) in entries {
        entries_of.entry(id).or_default().push(entry);
    }
    let mut timers = Vec::new();
    let mut uncovered = Vec::new();
    for case in &cases {
        let history = history_from(
            case,
            changes_of.get(&case.id).map_or(&[][..], Vec::as_slice),
            entries_of.get(&case.id).map_or(&[][..], Vec::as_slice),
        );
        let before = stored.iter().find(|r| r.case_id == case.id);
        match compute(ctx, case, &history, before, None, now) {
            None => uncovered.push(case.id),
            Some((row, mut jobs, _)) => {
                store::save_case_sla(c, &row)?;
                timers.append(&mut jobs);
            }
        }
    }
    store::clear_case_slas(c, &uncovered)?;
    store::replace_timers_of(c, ids, &timers)
}

/// Recomputes the clocks of a case after `event_type`, when policies exist; whether it did.
pub(crate) fn after_event(
    c: &mut AnyConnection,
    event_type: &str,
    case_id: i64,
    now: NaiveDateTime,
) -> Result<bool, StoreError> {
    if !MOVES_CLOCKS.contains(&event_type) {
        return Ok(false);
    }
    match SlaContext::load(c)? {
        Some(ctx) => refresh_case(c, &ctx, case_id, now, None).map(|_| true),
        None => Ok(false),
    }
}

/// The clocks of a case as the API shows them at `now`: a running clock past its due time is
/// breached, and time left counts business time up to now.
pub(crate) fn case_sla_dto(
    row: &CaseSlaRow,
    calendar: &Hours,
    now: NaiveDateTime,
) -> Option<CaseSla> {
    let stored: Vec<Clock> = serde_json::from_str(&row.clocks).ok()?;
    let now = utc(now);
    let computed = utc(row.computed_at);
    let clocks = stored
        .into_iter()
        .map(|k| {
            let counting = k.stopped_at.is_none()
                && matches!(k.state, ClockState::Running | ClockState::Breached);
            let (state, elapsed) = if counting && k.due_at.is_some() && now > computed {
                let more = business_time_between(computed, now, calendar).num_seconds();
                let elapsed = k.elapsed_seconds + more;
                let state = if elapsed >= k.target_seconds {
                    ClockState::Breached
                } else {
                    k.state
                };
                (state, elapsed)
            } else {
                (k.state, k.elapsed_seconds)
            };
            SlaClock {
                metric: k.metric,
                state,
                started_at: k.started_at,
                due_at: k.due_at,
                warn_at: k.warn_at,
                stopped_at: k.stopped_at,
                target_seconds: k.target_seconds,
                elapsed_seconds: elapsed,
                left_seconds: k.target_seconds - elapsed,
            }
        })
        .collect::<Vec<_>>();
    Some(CaseSla {
        policy_id: row.policy_id,
        due_at: row.due_at.map(|t| t.and_utc()),
        breached: clocks.iter().any(|k| k.state == ClockState::Breached),
        clocks,
    })
}

/// The calendars of the policies of `rows`, for [`case_sla_dto`].
pub(crate) fn calendars_of(
    c: &mut AnyConnection,
    rows: &[CaseSlaRow],
) -> Result<HashMap<i64, Hours>, StoreError> {
    let mut out = HashMap::new();
    if rows.is_empty() {
        return Ok(out);
    }
    let policies = store::policies(c)?;
    let calendars = store::calendars(c)?;
    for p in policies {
        let hours = p
            .calendar_id
            .and_then(|id| calendars.iter().find(|r| r.id == id))
            .and_then(|r| hours_of_row(r).ok())
            .unwrap_or_else(Hours::always);
        out.insert(p.id, hours);
    }
    Ok(out)
}

/// The SLA of each case in `ids`, as of `now`.
pub(crate) fn slas_of(
    c: &mut AnyConnection,
    ids: &[i64],
    now: NaiveDateTime,
) -> Result<HashMap<i64, CaseSla>, StoreError> {
    let rows = store::case_slas(c, ids)?;
    let calendars = calendars_of(c, &rows)?;
    let always = Hours::always();
    Ok(rows
        .iter()
        .filter_map(|row| {
            let hours = calendars.get(&row.policy_id).unwrap_or(&always);
            case_sla_dto(row, hours, now).map(|dto| (row.case_id, dto))
        })
        .collect())
}

impl Services {}
