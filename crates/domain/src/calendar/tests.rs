use super::*;
use proptest::prelude::*;

const H: u32 = 3_600;

fn utc(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

fn date(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

/// Monday to Friday 09:00–13:00 and 14:00–18:00 (a lunch hour), weekends off.
fn office(tz: &str, holidays: Vec<(NaiveDate, NaiveDate)>) -> Calendar {
    let day = vec![(9 * H, 13 * H), (14 * H, 18 * H)];
    Calendar::new(
        tz,
        [
            day.clone(),
            day.clone(),
            day.clone(),
            day.clone(),
            day,
            vec![],
            vec![],
        ],
        holidays,
    )
    .unwrap()
}

fn hours(h: i64) -> Duration {
    Duration::hours(h)
}

#[test]
fn always_is_plain_arithmetic() {
    let c = Calendar::always();
    let t = utc("2026-12-31T22:30:00Z");
    assert_eq!(
        add_business_time(t, hours(5), &c),
        Some(utc("2027-01-01T03:30:00Z"))
    );
    assert_eq!(
        business_time_between(t, utc("2027-01-02T22:30:00Z"), &c),
        hours(48)
    );
}

#[test]
fn lunch_breaks_and_nights_are_skipped() {
    let c = office("Europe/Moscow", vec![]);
    // Monday 2026-11-23, 12:00 Moscow (09:00 UTC): one hour to lunch, then the afternoon.
    let start = utc("2026-11-23T09:00:00Z");
    assert_eq!(
        add_business_time(start, hours(3), &c),
        Some(utc("2026-11-23T13:00:00Z")),
        "12:00 + 1 h (to 13:00) + 2 h after lunch = 16:00 Moscow"
    );
    // Eight working hours from Monday 12:00 end Tuesday 12:00.
    assert_eq!(
        add_business_time(start, hours(8), &c),
        Some(utc("2026-11-24T09:00:00Z"))
    );
    // Started during lunch: the clock starts at 14:00.
    assert_eq!(
        add_business_time(utc("2026-11-23T10:30:00Z"), Duration::minutes(30), &c),
        Some(utc("2026-11-23T11:30:00Z"))
    );
    // An exact fit ends at the interval's end, not the next morning.
    assert_eq!(
        add_business_time(utc("2026-11-23T11:00:00Z"), hours(4), &c),
        Some(utc("2026-11-23T15:00:00Z"))
    );
}

#[test]
fn weekends_and_holidays_are_skipped() {
    // Russia's New Year holidays, 1–8 January 2027 (Friday to Friday).
    let c = office(
        "Europe/Moscow",
        vec![(date("2027-01-01"), date("2027-01-08"))],
    );
    // Thursday 31 December 2026, 17:00 Moscow: one hour left that day, then nothing until
    // Monday 11 January.
    let start = utc("2026-12-31T14:00:00Z");
    assert_eq!(
        add_business_time(start, hours(2), &c),
        Some(utc("2027-01-11T07:00:00Z")),
        "1 h on 31 December, 1 h from 09:00 Moscow on 11 January"
    );
    assert_eq!(
        business_time_between(start, utc("2027-01-11T07:00:00Z"), &c),
        hours(2)
    );
    // A single-day holiday.
    let c = office(
        "Europe/Moscow",
        vec![(date("2026-11-04"), date("2026-11-04"))],
    );
    assert_eq!(
        business_time_between(utc("2026-11-03T00:00:00Z"), utc("2026-11-06T00:00:00Z"), &c),
        hours(16),
        "Tuesday and Thursday, not Wednesday 4 November"
    );
}

#[test]
fn lisbon_changes_clocks_twice_a_year() {
    // Lisbon: WET (UTC+0) in winter, WEST (UTC+1) in summer. On 2026-03-29 01:00 becomes
    // 02:00; on 2026-10-25 02:00 becomes 01:00.
    let night = Calendar::new(
        "Europe/Lisbon",
        std::array::from_fn(|_| vec![(0, 3 * H)]),
        vec![],
    )
    .unwrap();
    // 00:00–03:00 local on the spring day lasts two real hours (01:00–02:00 never happens).
    assert_eq!(
        business_time_between(
            utc("2026-03-29T00:00:00Z"),
            utc("2026-03-29T06:00:00Z"),
            &night
        ),
        hours(2)
    );
    // On the autumn day it lasts four (01:00–02:00 happens twice).
    assert_eq!(
        business_time_between(
            utc("2026-10-24T23:00:00Z"),
            utc("2026-10-25T06:00:00Z"),
            &night
        ),
        hours(4)
    );
    // Office hours follow the local clock: 09:00 Lisbon is 09:00 UTC in winter and 08:00
    // UTC in summer.
    let c = office("Europe/Lisbon", vec![]);
    assert_eq!(
        add_business_time(utc("2026-03-27T17:00:00Z"), hours(2), &c),
        Some(utc("2026-03-30T09:00:00Z")),
        "Friday 17:00 WET + 2 h = Monday 10:00 WEST"
    );
    assert_eq!(
        add_business_time(utc("2026-10-23T16:00:00Z"), hours(2), &c),
        Some(utc("2026-10-26T10:00:00Z")),
        "Friday 17:00 WEST + 2 h = Monday 10:00 WET"
    );
}

#[test]
fn sao_paulo_history_and_a_gap_at_midnight() {
    // Brazil had summer time until 2019; on 2018-11-04 at 00:00 the clocks jumped to 01:00,
    // so that day's midnight did not exist, and on 2019-02-17 23:59 was followed by 23:00.
    let c = Calendar::new(
        "America/Sao_Paulo",
        std::array::from_fn(|_| vec![(0, DAY)]),
        vec![],
    )
    .unwrap();
    // Sunday 4 November 2018 had 23 hours.
    assert_eq!(
        business_time_between(utc("2018-11-04T03:00:00Z"), utc("2018-11-05T02:00:00Z"), &c),
        hours(23)
    );
    // A day starting at a missing midnight starts at 01:00 (03:00 UTC).
    let mornings = Calendar::new(
        "America/Sao_Paulo",
        std::array::from_fn(|_| vec![(0, 2 * H)]),
        vec![],
    )
    .unwrap();
    assert_eq!(
        business_time_between(
            utc("2018-11-04T00:00:00Z"),
            utc("2018-11-04T12:00:00Z"),
            &mornings
        ),
        hours(1),
        "00:00–02:00 on a day whose first hour was skipped"
    );
    // Saturday 16 February 2019 had 25 hours (23:00–24:00 twice).
    assert_eq!(
        business_time_between(utc("2019-02-16T02:00:00Z"), utc("2019-02-17T03:00:00Z"), &c),
        hours(25)
    );
    // Since 2019 there is no summer time: a plain UTC-3 offset.
    let office = office("America/Sao_Paulo", vec![]);
    assert_eq!(
        add_business_time(utc("2026-11-23T12:00:00Z"), hours(1), &office),
        Some(utc("2026-11-23T13:00:00Z"))
    );
}

#[test]
fn year_ends_and_leap_days() {
    let c = office("Europe/Moscow", vec![]);
    // Thursday 31 December 2026 17:00 Moscow + 2 h = Friday 1 January 10:00.
    assert_eq!(
        add_business_time(utc("2026-12-31T14:00:00Z"), hours(2), &c),
        Some(utc("2027-01-01T07:00:00Z"))
    );
    // 2028 is a leap year: Tuesday 29 February counts.
    assert_eq!(
        business_time_between(utc("2028-02-28T00:00:00Z"), utc("2028-03-01T00:00:00Z"), &c),
        hours(16)
    );
}

#[test]
fn bad_calendars_are_refused() {
    let week = || std::array::from_fn(|_| vec![(9 * H, 18 * H)]);
    assert!(Calendar::new("Mars/Olympus", week(), vec![]).is_err());
    assert!(Calendar::new("UTC", std::array::from_fn(|_| vec![]), vec![]).is_err());
    assert!(Calendar::new(
        "UTC",
        std::array::from_fn(|_| vec![(9 * H, 13 * H), (12 * H, 18 * H)]),
        vec![]
    )
    .is_err());
    assert!(Calendar::new("UTC", std::array::from_fn(|_| vec![(0, DAY + 1)]), vec![]).is_err());
    assert!(Calendar::new(
        "UTC",
        week(),
        vec![(date("2027-01-08"), date("2027-01-01"))]
    )
    .is_err());
}

#[test]
fn a_calendar_that_is_all_holiday_runs_out() {
    let c = office("UTC", vec![(date("2000-01-01"), date("2100-01-01"))]);
    assert_eq!(
        add_business_time(utc("2026-01-01T00:00:00Z"), hours(1), &c),
        None
    );
}

fn calendars() -> impl Strategy<Value = Calendar> {
    let zones = prop::sample::select(vec![
        "UTC",
        "Europe/Moscow",
        "Europe/Lisbon",
        "America/Sao_Paulo",
        "America/New_York",
        "Australia/Lord_Howe",
    ]);
    // Per day: up to three intervals built from sorted cut points (in quarter hours).
    let day = prop::collection::btree_set(0u32..=96, 0..=6).prop_map(|cuts| {
        let cuts: Vec<u32> = cuts.into_iter().map(|q| q * 900).collect();
        cuts.chunks(2)
            .filter(|p| p.len() == 2)
            .map(|p| (p[0], p[1]))
            .collect::<Vec<_>>()
    });
    let holidays = prop::collection::vec((0i64..800, 0i64..10), 0..4);
    (zones, prop::collection::vec(day, 7), holidays).prop_filter_map(
        "some working time",
        |(tz, days, holidays)| {
            let base = date("2018-01-01");
            let week: [Vec<(u32, u32)>; 7] = std::array::from_fn(|i| days[i].clone());
            let holidays = holidays
                .into_iter()
                .map(|(from, len)| {
                    let from = base + Duration::days(from);
                    (from, from + Duration::days(len))
                })
                .collect();
            Calendar::new(tz, week, holidays).ok()
        },
    )
}

fn instants() -> impl Strategy<Value = DateTime<Utc>> {
    // 2018 to 2020: Brazil's last summer times and two European changes a year.
    (1_514_764_800i64..1_609_459_200).prop_map(|s| Utc.timestamp_opt(s, 0).unwrap())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    /// Adding a duration and then measuring gives back the duration.
    #[test]
    fn adding_then_measuring(c in calendars(), start in instants(), secs in 0i64..(90 * 86_400)) {
        let d = Duration::seconds(secs);
        let end = add_business_time(start, d, &c).unwrap();
        prop_assert!(end >= start);
        prop_assert_eq!(business_time_between(start, end, &c), d);
    }

    /// Measuring splits at any point: [a, b) = [a, m) + [m, b).
    #[test]
    fn measuring_is_additive(c in calendars(), a in instants(), x in 0i64..(40 * 86_400), y in 0i64..(40 * 86_400)) {
        let m = a + Duration::seconds(x);
        let b = m + Duration::seconds(y);
        prop_assert_eq!(
            business_time_between(a, b, &c),
            business_time_between(a, m, &c) + business_time_between(m, b, &c)
        );
    }

    /// The due instant is the earliest one: a second before it, the duration is not yet
    /// reached.
    #[test]
    fn due_is_the_earliest_instant(c in calendars(), start in instants(), secs in 1i64..(30 * 86_400)) {
        let d = Duration::seconds(secs);
        let end = add_business_time(start, d, &c).unwrap();
        prop_assert!(business_time_between(start, end - Duration::seconds(1), &c) < d);
    }

    /// Working time never exceeds real time.
    #[test]
    fn never_more_than_real_time(c in calendars(), a in instants(), x in 0i64..(60 * 86_400)) {
        let b = a + Duration::seconds(x);
        prop_assert!(business_time_between(a, b, &c) <= b - a);
    }
}
