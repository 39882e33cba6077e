//! When work taken from a queue and failed is tried again, and when it is given up. One rule
//! for every queue table (mail to send, webhook deliveries, received mail, imports, timers): the store
//! records each attempt's outcome through `helpdesk_store::queue`, and the wait before the next
//! one comes from the queue's [`Retry`].

use chrono::Duration;

/// How a queue retries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Retry {
    /// `first`, then twice as long each time up to `max`; given up after `tries` attempts.
    Doubling {
        first: Duration,
        max: Duration,
        tries: u32,
    },
    /// The waits before the 2nd, 3rd... attempt; given up once they are spent.
    Schedule(&'static [Duration]),
}

impl Retry {
    /// The wait before the next attempt once `made` attempts have failed (the first failure
    /// is `made == 1`), or `None` when the work is to be given up.
    pub fn after(&self, made: u32) -> Option<Duration> {
        let made = made.max(1);
        match *self {
            Retry::Doubling { first, max, tries } => {
                if made >= tries {
                    return None;
                }
                // 2^(made - 1) times `first`, without overflowing on the way to `max`.
                let mut wait = first;
                for _ in 1..made {
                    wait = wait * 2;
                    if wait >= max {
                        return Some(max);
                    }
                }
                Some(wait.min(max))
            }
            Retry::Schedule(waits) => waits.get(made as usize - 1).copied(),
        }
    }

    /// How many attempts are made in all before giving up.
    pub fn tries(&self) -> u32 {
        match *self {
            Retry::Doubling { tries, .. } => tries,
            Retry::Schedule(waits) => waits.len() as u32 + 1,
        }
    }
}

/// Mail to send: 30 s, 1 min, 2 min... at most an hour apart; eight attempts.
pub const MAIL: Retry = Retry::Doubling {
    first: Duration::seconds(30),
    max: Duration::hours(1),
    tries: 8,
};

/// Webhook deliveries, the Standard Webhooks schedule: eight attempts over 27 h 35 min.
pub const WEBHOOKS: Retry = Retry::Schedule(&[
    Duration::seconds(5),
    Duration::minutes(5),
    Duration::minutes(30),
    Duration::hours(2),
    Duration::hours(5),
    Duration::hours(10),
    Duration::hours(10),
]);

/// Received mail whose processing failed: 30 s, 1 min... at most an hour apart; ten attempts
/// (about five and a half hours), then it waits for an admin. A message that cannot be
/// processed never holds up the ones behind it.
pub const RECEIVED_MAIL: Retry = Retry::Doubling {
    first: Duration::seconds(30),
    max: Duration::hours(1),
    tries: 10,
};

/// CSV imports: a batch that failed for a reason other than its rows (the database went away)
/// is tried again 10 s, 20 s... at most 5 minutes later; five attempts.
pub const IMPORTS: Retry = Retry::Doubling {
    first: Duration::seconds(10),
    max: Duration::minutes(5),
    tries: 5,
};

/// The timers of a case (SLA warnings and breaches, time rules) that failed to fire: 10 s,
/// 20 s... at most 10 minutes apart; eight attempts (about half an hour).
pub const TIMERS: Retry = Retry::Doubling {
    first: Duration::seconds(10),
    max: Duration::minutes(10),
    tries: 8,
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mail_doubles_up_to_an_hour_and_gives_up_at_the_eighth_failure() {
        assert_eq!(MAIL.after(1), Some(Duration::seconds(30)));
        assert_eq!(MAIL.after(2), Some(Duration::seconds(60)));
        assert_eq!(MAIL.after(4), Some(Duration::seconds(240)));
        assert_eq!(MAIL.after(7), Some(Duration::seconds(1920)));
        assert_eq!(MAIL.after(8), None);
        assert_eq!(MAIL.tries(), 8);
        let long = Retry::Doubling {
            first: Duration::seconds(30),
            max: Duration::hours(1),
            tries: 100,
        };
        assert_eq!(long.after(8), Some(Duration::hours(1)));
        assert_eq!(long.after(99), Some(Duration::hours(1)));
    }

    #[test]
    fn webhooks_follow_the_standard_schedule_then_stop() {
        assert_eq!(WEBHOOKS.after(1), Some(Duration::seconds(5)));
        assert_eq!(WEBHOOKS.after(2), Some(Duration::minutes(5)));
        assert_eq!(WEBHOOKS.after(7), Some(Duration::hours(10)));
        assert_eq!(WEBHOOKS.after(8), None);
        assert_eq!(WEBHOOKS.tries(), 8);
        let total: Duration = (1..8).filter_map(|n| WEBHOOKS.after(n)).sum();
        assert_eq!(
            total,
            Duration::hours(27) + Duration::minutes(35) + Duration::seconds(5)
        );
    }

    #[test]
    fn a_count_of_zero_is_read_as_the_first_failure() {
        assert_eq!(RECEIVED_MAIL.after(0), RECEIVED_MAIL.after(1));
        assert_eq!(IMPORTS.after(5), None);
    }
}
