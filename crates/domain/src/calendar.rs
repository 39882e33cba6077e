//! Business-hour calendars and the arithmetic of SLA clocks over them.
//!
//! A calendar is a week of working intervals in local time (several a day, so a lunch break is
//! two intervals), an IANA time zone and holidays. Time is counted in real seconds: an interval
//! that spans a daylight-saving change is an hour shorter or longer than its wall-clock length,
//! a local time that does not exist (the spring-forward gap) means the first instant after the
//! gap, and an ambiguous one (the autumn repeat) the earliest instant for a start and the latest
//! for an end, so the repeated hour is worked once for every time it happens.

use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Utc};
use chrono_tz::Tz;

use crate::DomainError;

/// Seconds in a day: the end of an interval that runs to midnight.
pub const DAY: u32 = 86_400;

/// Days without a single working second after which a calendar counts as having none.
const EMPTY_HORIZON_DAYS: i64 = 3_660;

#[derive(Debug, Clone, PartialEq)]
pub struct Calendar {
    pub time_zone: Tz,
    /// Working intervals per weekday, Monday first, as seconds after local midnight: sorted,
    /// not overlapping, each `start < end <= DAY`.
    pub week: [Vec<(u32, u32)>; 7],
    /// Days off, as inclusive ranges of local dates.
    pub holidays: Vec<(NaiveDate, NaiveDate)>,
}

impl Calendar {
    /// Round the clock, every day, no holidays.
    pub fn always() -> Calendar {
        Calendar {
            time_zone: Tz::UTC,
            week: std::array::from_fn(|_| vec![(0, DAY)]),
            holidays: Vec::new(),
        }
    }

    /// A calendar from its parts, checked: a known time zone, intervals inside the day, in
    /// order and apart, holiday ranges that do not end before they start, and some working
    /// time in the week.
    pub fn new(
        time_zone: &str,
        week: [Vec<(u32, u32)>; 7],
        holidays: Vec<(NaiveDate, NaiveDate)>,
    ) -> Result<Calendar, DomainError> {
        let tz: Tz = time_zone.parse().map_err(|_| DomainError::Field {
            field: "time_zone",
            rule: "an IANA time zone name such as Europe/Moscow".into(),
        })?;
        for (day, intervals) in week.iter().enumerate() {
            let mut last_end = 0;
            for (i, &(start, end)) in intervals.iter().enumerate() {
                if start >= end || end > DAY || (i > 0 && start < last_end) {
                    return Err(DomainError::Field {
                        field: "week",
                        rule: format!(
                            "intervals of {} must each start before they end, within the day, in order and without overlap",
                            WEEKDAYS[day]
                        ),
                    });
                }
                last_end = end;
            }
        }
        if week.iter().all(Vec::is_empty) {
            return Err(DomainError::Field {
                field: "week",
                rule: "a calendar needs working time on at least one day".into(),
            });
        }
        if let Some((from, to)) = holidays.iter().find(|(from, to)| to < from) {
            return Err(DomainError::Field {
                field: "holidays",
                rule: format!("the holiday range {from} – {to} ends before it starts"),
            });
        }
        Ok(Calendar {
            time_zone: tz,
            week,
            holidays,
        })
    }

    pub fn is_holiday(&self, date: NaiveDate) -> bool {
        self.holidays
            .iter()
            .any(|(from, to)| *from <= date && date <= *to)
    }

    /// Working intervals as UTC instants, in order, from the local day before `from`'s on
    /// (an interval may still be running at `from`). Ends after [`EMPTY_HORIZON_DAYS`] days
    /// without working time.
    fn intervals_from(
        &self,
        from: DateTime<Utc>,
    ) -> impl Iterator<Item = (DateTime<Utc>, DateTime<Utc>)> + '_ {
        let first = from.with_timezone(&self.time_zone).date_naive() - Duration::days(1);
        let mut day = first;
        let mut idle_days = 0;
        // Where the last interval ended: readings of ambiguous local times can make two
        // neighbouring intervals overlap in real time, and real time is counted once.
        let mut last_end = DateTime::<Utc>::MIN_UTC;
        let mut pending: Vec<(DateTime<Utc>, DateTime<Utc>)> = Vec::new();
        std::iter::from_fn(move || loop {
            if !pending.is_empty() {
                return Some(pending.remove(0));
            }
            if idle_days > EMPTY_HORIZON_DAYS {
                return None;
            }
            let today = day;
            day += Duration::days(1);
            if !self.is_holiday(today) {
                let weekday = today.weekday().num_days_from_monday() as usize;
                for &(start, end) in &self.week[weekday] {
                    let a = self.instant(today, start, true).max(last_end);
                    let b = self.instant(today, end, false);
                    if a < b {
                        pending.push((a, b));
                        last_end = b;
                    }
                }
            }
            if pending.is_empty() {
                idle_days += 1;
            } else {
                idle_days = 0;
            }
        })
    }

    /// The instant of a local wall-clock time (`seconds` after midnight of `date`, up to the
    /// next midnight): a start takes the earliest reading of an ambiguous time, an end the
    /// latest; a time in a gap becomes the end of the gap.
    fn instant(&self, date: NaiveDate, seconds: u32, start: bool) -> DateTime<Utc> {
        let local: NaiveDateTime =
            date.and_time(NaiveTime::MIN) + Duration::seconds(seconds.into());
        let mut probe = local;
        // Gaps are at most a few hours; walk to the first valid minute after one.
        for _ in 0..(48 * 60) {
            match self.time_zone.from_local_datetime(&probe) {
                chrono::LocalResult::Single(t) => return t.with_timezone(&Utc),
                chrono::LocalResult::Ambiguous(early, late) => {
                    let t = if start { early } else { late };
                    return t.with_timezone(&Utc);
                }
                chrono::LocalResult::None => probe += Duration::minutes(1),
            }
        }
        Utc.from_utc_datetime(&local)
    }
}

const WEEKDAYS: [&str; 7] = [
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
];

/// The instant at which `duration` of working time has passed since `start`; `start` itself
/// for a zero duration. `None` when the calendar runs out of working time (no working day in
/// ten years).
pub fn add_business_time(
    start: DateTime<Utc>,
    duration: Duration,
    calendar: &Calendar,
) -> Option<DateTime<Utc>> {
    if duration <= Duration::zero() {
        return Some(start);
    }
    let mut left = duration;
    for (a, b) in calendar.intervals_from(start) {
        if b <= start {
            continue;
        }
        let from = a.max(start);
        let available = b - from;
        if left <= available {
            return Some(from + left);
        }
        left -= available;
    }
    None
}

/// Working time between `a` and `b` (zero when `b` is not after `a`).
pub fn business_time_between(a: DateTime<Utc>, b: DateTime<Utc>, calendar: &Calendar) -> Duration {
    let mut total = Duration::zero();
    if b <= a {
        return total;
    }
    for (start, end) in calendar.intervals_from(a) {
        if start >= b {
            break;
        }
        let from = start.max(a);
        let to = end.min(b);
        if to > from {
            total += to - from;
        }
    }
    total
}

#[cfg(test)]
mod tests;
