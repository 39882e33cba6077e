use super::*;
use chrono::NaiveDate;
use CaseStatus::*;

fn utc(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

fn office() -> Calendar {
    let h = 3_600;
    let day = vec![(9 * h, 13 * h), (14 * h, 18 * h)];
    Calendar::new(
        "Europe/Moscow",
        [
            day.clone(),
            day.clone(),
            day.clone(),
            day.clone(),
            day,
            vec![],
            vec![],
        ],
        vec![(
            NaiveDate::from_ymd_opt(2026, 11, 4).unwrap(),
            NaiveDate::from_ymd_opt(2026, 11, 4).unwrap(),
        )],
    )
    .unwrap()
}

fn targets(first: i64, next: i64, resolution: i64) -> Targets {
    Targets {
        first_response_minutes: Some(first),
        next_response_minutes: Some(next),
        resolution_minutes: Some(resolution),
    }
}

fn find(clocks: &[Clock], m: Metric) -> &Clock {
    clocks.iter().find(|c| c.metric == m).unwrap()
}

// Monday 2026-11-23, 10:00 Moscow = 07:00 UTC.
const MONDAY_10: &str = "2026-11-23T07:00:00Z";

#[test]
fn a_new_case_runs_in_business_hours() {
    let h = History {
        created_at: utc(MONDAY_10),
        statuses: vec![(utc(MONDAY_10), New)],
        messages: vec![(utc(MONDAY_10), Author::Customer)],
    };
    let now = utc("2026-11-23T08:00:00Z");
    let c = clocks(&h, &targets(240, 120, 16 * 60), &office(), 0.8, now);
    let first = find(&c, Metric::FirstResponse);
    assert_eq!(first.state, ClockState::Running);
    // 10:00 + 4 h with the lunch hour = 15:00 Moscow.
    assert_eq!(first.due_at, Some(utc("2026-11-23T12:00:00Z")));
    // 80 % of 4 h = 3 h 12 min: 14:12 Moscow.
    assert_eq!(first.warn_at, Some(utc("2026-11-23T11:12:00Z")));
    assert_eq!(first.elapsed_seconds, 3_600);
    assert_eq!(first.left_seconds(), 3 * 3_600);
    // Resolution: 16 working hours = two days: Wednesday 10:00 Moscow.
    let resolution = find(&c, Metric::Resolution);
    assert_eq!(resolution.due_at, Some(utc("2026-11-25T07:00:00Z")));
    assert!(
        !c.iter().any(|k| k.metric == Metric::NextResponse),
        "no agent reply yet: no next-response cycle"
    );
}

#[test]
fn pauses_move_the_due_time_and_the_first_reply_stops_the_clock() {
    // Reply after one working hour (11:00), waiting for the customer until Tuesday 11:00,
    // customer answers, agent answers Tuesday 12:00.
    let h = History {
        created_at: utc(MONDAY_10),
        statuses: vec![
            (utc(MONDAY_10), New),
            (utc("2026-11-23T08:00:00Z"), AwaitingCustomer),
            (utc("2026-11-24T08:00:00Z"), Open),
            (utc("2026-11-24T09:00:00Z"), AwaitingCustomer),
        ],
        messages: vec![
            (utc(MONDAY_10), Author::Customer),
            (utc("2026-11-23T08:00:00Z"), Author::Agent),
            (utc("2026-11-24T08:00:00Z"), Author::Customer),
            (utc("2026-11-24T09:00:00Z"), Author::Agent),
        ],
    };
    let now = utc("2026-11-24T10:00:00Z");
    let c = clocks(&h, &targets(240, 120, 16 * 60), &office(), 0.8, now);
    let first = find(&c, Metric::FirstResponse);
    assert_eq!(first.state, ClockState::Met);
    assert_eq!(first.stopped_at, Some(utc("2026-11-23T08:00:00Z")));
    assert_eq!(first.elapsed_seconds, 3_600);
    let next = find(&c, Metric::NextResponse);
    assert_eq!(next.state, ClockState::Met);
    assert_eq!(next.started_at, utc("2026-11-24T08:00:00Z"));
    assert_eq!(next.elapsed_seconds, 3_600);
    // Resolution: counted Monday 10–11 and Tuesday 11–12 (2 h), paused now.
    let resolution = find(&c, Metric::Resolution);
    assert_eq!(resolution.state, ClockState::Paused);
    assert_eq!(resolution.elapsed_seconds, 2 * 3_600);
    assert_eq!(
        resolution.due_at, None,
        "no due time while paused short of it"
    );
    assert_eq!(resolution.left_seconds(), 14 * 3_600);
}

#[test]
fn overdue_clocks_are_breached_and_met_late_stays_breached() {
    let h = History {
        created_at: utc(MONDAY_10),
        statuses: vec![(utc(MONDAY_10), New)],
        messages: vec![(utc(MONDAY_10), Author::Customer)],
    };
    // Tuesday 10:00 Moscow: 8 working hours later.
    let now = utc("2026-11-24T07:00:00Z");
    let c = clocks(&h, &targets(240, 120, 16 * 60), &office(), 0.8, now);
    let first = find(&c, Metric::FirstResponse);
    assert_eq!(first.state, ClockState::Breached);
    assert_eq!(first.left_seconds(), -4 * 3_600);
    assert_eq!(first.due_at, Some(utc("2026-11-23T12:00:00Z")));
    // Answered late: breached for good.
    let late = History {
        messages: vec![
            (utc(MONDAY_10), Author::Customer),
            (utc("2026-11-24T07:00:00Z"), Author::Agent),
        ],
        ..h.clone()
    };
    let c = clocks(&late, &targets(240, 120, 16 * 60), &office(), 0.8, now);
    assert_eq!(find(&c, Metric::FirstResponse).state, ClockState::Breached);
}

#[test]
fn resolving_stops_and_reopening_resumes_the_resolution_clock() {
    let h = History {
        created_at: utc(MONDAY_10),
        statuses: vec![
            (utc(MONDAY_10), New),
            (utc("2026-11-23T09:00:00Z"), Resolved),
            (utc("2026-11-24T07:00:00Z"), Open),
        ],
        messages: vec![(utc(MONDAY_10), Author::Customer)],
    };
    // Resolved after 2 h (12:00): met, and the first-response clock is satisfied too.
    let at_resolve = utc("2026-11-23T10:00:00Z");
    let c = clocks(&h, &targets(240, 120, 16 * 60), &office(), 0.8, at_resolve);
    assert_eq!(find(&c, Metric::Resolution).state, ClockState::Met);
    assert_eq!(find(&c, Metric::Resolution).elapsed_seconds, 2 * 3_600);
    assert_eq!(find(&c, Metric::FirstResponse).state, ClockState::Met);
    // Reopened Tuesday 10:00 Moscow with 14 h left: 7 h on Tuesday, 4 h Wednesday morning,
    // 3 h after lunch: Wednesday 17:00.
    let now = utc("2026-11-24T08:00:00Z");
    let c = clocks(&h, &targets(240, 120, 16 * 60), &office(), 0.8, now);
    let r = find(&c, Metric::Resolution);
    assert_eq!(r.state, ClockState::Running);
    assert_eq!(r.elapsed_seconds, 3 * 3_600);
    assert_eq!(r.due_at, Some(utc("2026-11-25T14:00:00Z")));
}

#[test]
fn holidays_are_not_counted() {
    // Tuesday 3 November 17:00 Moscow; Wednesday 4 November is a holiday.
    let created = utc("2026-11-03T14:00:00Z");
    let h = History {
        created_at: created,
        statuses: vec![(created, New)],
        messages: vec![],
    };
    let c = clocks(&h, &targets(120, 60, 600), &office(), 0.5, created);
    // 1 h Tuesday, then Thursday 09:00 + 1 h.
    assert_eq!(
        find(&c, Metric::FirstResponse).due_at,
        Some(utc("2026-11-05T07:00:00Z"))
    );
}

#[test]
fn the_same_history_gives_the_same_due_times_whenever_computed() {
    let h = History {
        created_at: utc(MONDAY_10),
        statuses: vec![
            (utc(MONDAY_10), New),
            (utc("2026-11-23T08:00:00Z"), OnHold),
            (utc("2026-11-23T12:00:00Z"), Open),
        ],
        messages: vec![],
    };
    let t = targets(600, 60, 1200);
    let a = clocks(&h, &t, &office(), 0.8, utc("2026-11-23T12:30:00Z"));
    let b = clocks(&h, &t, &office(), 0.8, utc("2026-11-23T14:00:00Z"));
    assert_eq!(
        find(&a, Metric::Resolution).due_at,
        find(&b, Metric::Resolution).due_at
    );
}

#[test]
fn policies_are_chosen_in_order() {
    let urgent = Conditions {
        priorities: vec![Priority::Urgent, Priority::High],
        ..Default::default()
    };
    let acme = Conditions {
        organization_ids: vec![7],
        ..Default::default()
    };
    let any = Conditions::default();
    let case = |priority, org| CaseFacts {
        priority,
        case_type: CaseType::Error,
        channel: Channel::Email,
        organization_id: org,
        product_id: None,
    };
    let list = [urgent, acme, any];
    assert_eq!(
        choose_policy(&list, &case(Priority::High, Some(7))),
        Some(0)
    );
    assert_eq!(choose_policy(&list, &case(Priority::Low, Some(7))), Some(1));
    assert_eq!(choose_policy(&list, &case(Priority::Low, None)), Some(2));
    assert_eq!(choose_policy(&list[..2], &case(Priority::Low, None)), None);
}
