//! SLA clocks: which policy applies to a case, and where each of its clocks stands, derived only
//! from the case's history (status changes and public messages), a calendar and the targets.
//! Nothing here reads a clock: `now` is an argument, so the same history always gives the same
//! due times.
//!
//! Three clocks, as in the established helpdesks:
//! - **first response**: from registration to the first public reply of an agent;
//! - **next response**: from a customer's message that follows an agent's reply to the next
//!   reply (each such exchange is a new cycle; the latest one is shown);
//! - **resolution**: from registration until the case is resolved, closed, rejected or merged;
//!   reopening resumes it where it stopped.
//!
//! Every clock pauses while the case is `awaiting_customer`, `information_requested` or `on_hold`. A response clock is
//! also satisfied when the case is resolved without a reply.

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use crate::calendar::{add_business_time, business_time_between, Calendar};
use crate::{string_enum, CaseStatus, CaseType, Channel, Priority};

string_enum! {
    /// The three SLA clocks of a case.
    Metric {
        FirstResponse => "first_response",
        NextResponse => "next_response",
        Resolution => "resolution",
    }
}

string_enum! {
    /// Where a clock stands: counting, paused (waiting on the customer or a third party), met
    /// in time, or breached (overdue, or met late).
    ClockState {
        Running => "running",
        Paused => "paused",
        Met => "met",
        Breached => "breached",
    }
}

/// Targets of a policy for one priority, in minutes of working time; `None`: not measured.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Targets {
    pub first_response_minutes: Option<i64>,
    pub next_response_minutes: Option<i64>,
    pub resolution_minutes: Option<i64>,
}

impl Targets {
    pub fn of(&self, metric: Metric) -> Option<Duration> {
        match metric {
            Metric::FirstResponse => self.first_response_minutes,
            Metric::NextResponse => self.next_response_minutes,
            Metric::Resolution => self.resolution_minutes,
        }
        .map(Duration::minutes)
    }
}

/// Which cases a policy covers: every listed field must match one of its values; an empty
/// list matches anything.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Conditions {
    #[serde(default)]
    pub priorities: Vec<Priority>,
    #[serde(default)]
    pub case_types: Vec<CaseType>,
    #[serde(default)]
    pub channels: Vec<Channel>,
    #[serde(default)]
    pub organization_ids: Vec<i64>,
    #[serde(default)]
    pub product_ids: Vec<i64>,
}

/// The fields of a case policies are chosen by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CaseFacts {
    pub priority: Priority,
    pub case_type: CaseType,
    pub channel: Channel,
    pub organization_id: Option<i64>,
    pub product_id: Option<i64>,
}

impl Conditions {
    pub fn matches(&self, case: &CaseFacts) -> bool {
        fn any<T: PartialEq>(list: &[T], value: Option<T>) -> bool {
            list.is_empty() || value.is_some_and(|v| list.contains(&v))
        }
        any(&self.priorities, Some(case.priority))
            && any(&self.case_types, Some(case.case_type))
            && any(&self.channels, Some(case.channel))
            && any(&self.organization_ids, case.organization_id)
            && any(&self.product_ids, case.product_id)
    }
}

/// The first of `policies` (already in their order) whose conditions match, by index.
pub fn choose_policy<'a, I>(policies: I, case: &CaseFacts) -> Option<usize>
where
    I: IntoIterator<Item = &'a Conditions>,
{
    policies.into_iter().position(|c| c.matches(case))
}

/// Who wrote a public message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Author {
    Customer,
    Agent,
}

/// What a case went through: when it was registered, its status from then on (the first entry
/// is the status it was registered with), and its public messages, all in time order.
#[derive(Debug, Clone, PartialEq)]
pub struct History {
    pub created_at: DateTime<Utc>,
    pub statuses: Vec<(DateTime<Utc>, CaseStatus)>,
    pub messages: Vec<(DateTime<Utc>, Author)>,
}

/// One clock of a case, as of `now`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Clock {
    pub metric: Metric,
    pub state: ClockState,
    /// When this cycle of the clock started.
    pub started_at: DateTime<Utc>,
    /// When the target is (or was) reached in working time; `None` while paused short of it.
    pub due_at: Option<DateTime<Utc>>,
    /// When the warning share of the target is (or was) reached; `None` while paused short
    /// of it.
    pub warn_at: Option<DateTime<Utc>>,
    /// When the clock stopped (met), if it did.
    pub stopped_at: Option<DateTime<Utc>>,
    pub target_seconds: i64,
    /// Working time counted so far (up to `now` or the stop).
    pub elapsed_seconds: i64,
}

impl Clock {
    /// Working seconds left before the target; negative when overdue.
    pub fn left_seconds(&self) -> i64 {
        self.target_seconds - self.elapsed_seconds
    }
}

fn pauses(status: CaseStatus) -> bool {
    matches!(
        status,
        CaseStatus::AwaitingCustomer | CaseStatus::InformationRequested | CaseStatus::OnHold
    )
}

fn done(status: CaseStatus) -> bool {
    matches!(
        status,
        CaseStatus::Resolved | CaseStatus::Closed | CaseStatus::Rejected | CaseStatus::Merged
    )
}

/// The status of the case at `t` (the registration status before the first change).
fn status_at(history: &History, t: DateTime<Utc>) -> CaseStatus {
    history
        .statuses
        .iter()
        .take_while(|(at, _)| *at <= t)
        .last()
        .or(history.statuses.first())
        .map_or(CaseStatus::New, |(_, s)| *s)
}

/// Spans of `[from, to)` in which the case was neither paused nor done: the time a clock counts.
fn counting_spans(
    history: &History,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Vec<(DateTime<Utc>, DateTime<Utc>)> {
    let mut cuts: Vec<DateTime<Utc>> = vec![from];
    cuts.extend(
        history
            .statuses
            .iter()
            .map(|(at, _)| *at)
            .filter(|at| *at > from && *at < to),
    );
    cuts.push(to);
    cuts.windows(2)
        .filter(|w| w[0] < w[1])
        .filter(|w| {
            let s = status_at(history, w[0]);
            !pauses(s) && !done(s)
        })
        .map(|w| (w[0], w[1]))
        .collect()
}

/// The instant at which the counting spans from `from` on (the last one open-ended when the
/// clock still runs) add up to `amount` of working time.
fn reach(
    history: &History,
    from: DateTime<Utc>,
    stop: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
    amount: Duration,
    calendar: &Calendar,
) -> Option<DateTime<Utc>> {
    let end = stop.unwrap_or(now).max(from);
    let spans = counting_spans(history, from, end);
    let mut counted = Duration::zero();
    for (a, b) in &spans {
        let here = business_time_between(*a, *b, calendar);
        if counted + here >= amount {
            return add_business_time(*a, amount - counted, calendar);
        }
        counted += here;
    }
    // Not reached by `end`: it will be only if the clock is still counting at `end`.
    if stop.is_none() {
        let s = status_at(history, end);
        if !pauses(s) && !done(s) {
            return add_business_time(end, amount - counted, calendar);
        }
    }
    None
}

#[allow(clippy::too_many_arguments)]
fn clock(
    metric: Metric,
    history: &History,
    started_at: DateTime<Utc>,
    stopped_at: Option<DateTime<Utc>>,
    target: Duration,
    warn_share: f64,
    calendar: &Calendar,
    now: DateTime<Utc>,
) -> Clock {
    let end = stopped_at.unwrap_or(now).max(started_at);
    let elapsed: Duration = counting_spans(history, started_at, end)
        .iter()
        .map(|(a, b)| business_time_between(*a, *b, calendar))
        .sum();
    let due_at = reach(history, started_at, stopped_at, now, target, calendar);
    let warn = Duration::seconds((target.num_seconds() as f64 * warn_share).round() as i64);
    let warn_at = reach(history, started_at, stopped_at, now, warn, calendar);
    let breached = elapsed > target || (elapsed == target && stopped_at.is_none());
    let state = match stopped_at {
        Some(_) if breached => ClockState::Breached,
        Some(_) => ClockState::Met,
        None if breached => ClockState::Breached,
        None if pauses(status_at(history, now)) => ClockState::Paused,
        None => ClockState::Running,
    };
    Clock {
        metric,
        state,
        started_at,
        due_at,
        warn_at,
        stopped_at,
        target_seconds: target.num_seconds(),
        elapsed_seconds: elapsed.num_seconds(),
    }
}

/// The first instant at or after `from` when the case was done (resolved and so on), if any
/// before `until`.
fn done_between(
    history: &History,
    from: DateTime<Utc>,
    until: Option<DateTime<Utc>>,
) -> Option<DateTime<Utc>> {
    if done(status_at(history, from)) {
        return Some(from);
    }
    history
        .statuses
        .iter()
        .filter(|(at, s)| *at >= from && until.is_none_or(|u| *at < u) && done(*s))
        .map(|(at, _)| *at)
        .next()
}

/// Every clock the targets measure, as of `now`. `warn_share` is the part of the target
/// (0..1) at which a warning is due.
pub fn clocks(
    history: &History,
    targets: &Targets,
    calendar: &Calendar,
    warn_share: f64,
    now: DateTime<Utc>,
) -> Vec<Clock> {
    // Only what had happened by `now` counts.
    let known = History {
        created_at: history.created_at,
        statuses: history
            .statuses
            .iter()
            .filter(|(at, _)| *at <= now)
            .copied()
            .collect(),
        messages: history
            .messages
            .iter()
            .filter(|(at, _)| *at <= now)
            .copied()
            .collect(),
    };
    let history = &known;
    let mut out = Vec::new();
    let replies = || {
        history
            .messages
            .iter()
            .filter(|(_, a)| *a == Author::Agent)
            .map(|(at, _)| *at)
    };
    if let Some(target) = targets.of(Metric::FirstResponse) {
        let first_reply = replies().find(|at| *at >= history.created_at);
        let stop = first_reply
            .or_else(|| done_between(history, history.created_at, None))
            .map(|at| first_reply.map_or(at, |r| r.min(at)));
        out.push(clock(
            Metric::FirstResponse,
            history,
            history.created_at,
            stop,
            target,
            warn_share,
            calendar,
            now,
        ));
    }
    if let Some(target) = targets.of(Metric::NextResponse) {
        // The latest cycle: a customer message after an agent's reply, answered by the next
        // reply (or the case being resolved), if it was.
        let mut cycle: Option<(DateTime<Utc>, Option<DateTime<Utc>>)> = None;
        let mut replied = false;
        for (at, author) in &history.messages {
            match author {
                Author::Agent => {
                    replied = true;
                    if let Some((_, stop @ None)) = cycle.as_mut() {
                        *stop = Some(*at);
                    }
                }
                Author::Customer if replied => match cycle {
                    Some((_, None)) => {}
                    _ => cycle = Some((*at, None)),
                },
                Author::Customer => {}
            }
        }
        if let Some((start, stop)) = cycle {
            let stop = match (stop, done_between(history, start, stop)) {
                (Some(r), Some(d)) => Some(r.min(d)),
                (r, d) => r.or(d),
            };
            out.push(clock(
                Metric::NextResponse,
                history,
                start,
                stop,
                target,
                warn_share,
                calendar,
                now,
            ));
        }
    }
    if let Some(target) = targets.of(Metric::Resolution) {
        // Stopped while the case is done now; a reopened case counts on.
        let current = status_at(history, now);
        let stop = if done(current) {
            history
                .statuses
                .iter()
                .rev()
                .take_while(|(_, s)| done(*s))
                .last()
                .map(|(at, _)| *at)
                .or(Some(history.created_at))
        } else {
            None
        };
        out.push(clock(
            Metric::Resolution,
            history,
            history.created_at,
            stop,
            target,
            warn_share,
            calendar,
            now,
        ));
    }
    out
}

#[cfg(test)]
mod tests;
