//! Sign-in throttling by growing delays instead of a hard lock.
//!
//! Each counter (an account, a client address, a known device) allows a few free failures; after
//! that each failure doubles the wait before the next attempt is checked, up to a ceiling. An
//! attempt is counted as a failure *before* its password is checked (the caller holds the
//! counter's row locked while deciding), so concurrent guesses cannot all be checked; a right
//! password then takes its count back. A counter quiet for a day starts over.

use chrono::{Duration, NaiveDateTime};

use crate::string_enum;

string_enum! {
    /// What a throttling counter counts.
    ThrottleScope {
        Account => "account",
        Address => "address",
        Device => "device",
    }
}

/// How a counter grows: `free` failures without delay, then 1 s, 2 s, 4 s … up to `ceiling`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ThrottlePolicy {
    pub free: i32,
    pub ceiling: Duration,
}

/// A counter as stored: failures counted so far, when the next attempt may be checked, and when
/// it last changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Counter {
    pub failures: i32,
    pub next_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

/// After this long without a change a counter starts over.
pub fn forget_after() -> Duration {
    Duration::hours(24)
}

impl ThrottlePolicy {
    /// The wait after `failures` failures.
    pub fn delay(&self, failures: i32) -> Duration {
        let over = failures - self.free;
        if over < 0 {
            return Duration::zero();
        }
        // 2^over seconds; 2^20 s is far past any sensible ceiling, so stop doubling there.
        let seconds = 1i64 << over.min(20);
        Duration::seconds(seconds).min(self.ceiling)
    }

    /// Reserves an attempt at `now`: `Ok` with the counter to store (this attempt counted as a
    /// failure), or `Err` with the seconds to wait when the counter's delay has not passed.
    pub fn reserve(&self, counter: Option<Counter>, now: NaiveDateTime) -> Result<Counter, u64> {
        let failures = match counter {
            Some(c) if c.updated_at + forget_after() > now => {
                if c.next_at > now {
                    let wait = (c.next_at - now).num_milliseconds();
                    return Err(((wait + 999) / 1000).max(1) as u64);
                }
                c.failures
            }
            _ => 0,
        };
        let failures = failures.saturating_add(1);
        Ok(Counter {
            failures,
            next_at: now + self.delay(failures),
            updated_at: now,
        })
    }

    /// Takes back the failure a reservation counted, once the password proved right.
    pub fn release(&self, counter: Counter, now: NaiveDateTime) -> Counter {
        let failures = (counter.failures - 1).max(0);
        Counter {
            failures,
            next_at: now + self.delay(failures),
            updated_at: now,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(seconds: i64) -> NaiveDateTime {
        chrono::DateTime::from_timestamp(1_800_000_000 + seconds, 0)
            .unwrap()
            .naive_utc()
    }

    fn policy() -> ThrottlePolicy {
        ThrottlePolicy {
            free: 3,
            ceiling: Duration::minutes(15),
        }
    }

    #[test]
    fn free_failures_then_doubling_up_to_the_ceiling() {
        let p = policy();
        let delays: Vec<i64> = (0..8).map(|f| p.delay(f).num_seconds()).collect();
        assert_eq!(delays, vec![0, 0, 0, 1, 2, 4, 8, 16]);
        assert_eq!(p.delay(40).num_seconds(), 15 * 60);
    }

    #[test]
    fn a_reservation_counts_before_the_password_is_checked() {
        let p = policy();
        let mut counter = None;
        // Three free attempts at the same instant, then the fourth must wait for the third's delay.
        for expected in 1..=3 {
            let c = p.reserve(counter, at(0)).expect("free attempt");
            assert_eq!(c.failures, expected);
            counter = Some(c);
        }
        assert_eq!(
            p.reserve(counter, at(0)),
            Err(1),
            "concurrent fourth guess waits"
        );
        let c = p.reserve(counter, at(1)).expect("after the delay");
        assert_eq!(c.failures, 4);
        assert_eq!(c.next_at, at(3), "the fourth failure waits two seconds");
    }

    #[test]
    fn a_right_password_takes_its_count_back() {
        let p = policy();
        let c = p.reserve(None, at(0)).unwrap();
        let released = p.release(c, at(0));
        assert_eq!(released.failures, 0);
        assert_eq!(released.next_at, at(0));
    }

    #[test]
    fn a_quiet_counter_starts_over() {
        let p = policy();
        let stale = Counter {
            failures: 30,
            next_at: at(0) + Duration::minutes(15),
            updated_at: at(0),
        };
        assert!(p.reserve(Some(stale), at(60)).is_err());
        let later = at(0) + forget_after() + Duration::seconds(1);
        assert_eq!(p.reserve(Some(stale), later).unwrap().failures, 1);
    }
}
