//! Request counts shared by every API replica: one-minute windows aligned to the clock, so that
//! replicas count the same window.

use chrono::{Duration, Timelike};
use helpdesk_store::ratelimits as store;

use crate::{AppError, Services};

/// Where a key stands in the current minute.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Counted {
    /// Requests of the key in this minute, this one included.
    pub hits: u32,
    /// Seconds until the minute ends.
    pub reset: u64,
}

impl Services {
    /// Counts one request of `key` (a hash, never a secret) in the current minute.
    pub fn count_request(&self, key: &str) -> Result<Counted, AppError> {
        let now = self.clock.now();
        let window = now
            .with_second(0)
            .and_then(|t| t.with_nanosecond(0))
            .unwrap_or(now);
        let hits = self.db.write_one(|c| store::hit(c, key, window))?;
        Ok(Counted {
            hits: u32::try_from(hits).unwrap_or(u32::MAX),
            reset: (60 - u64::from(now.second())).max(1),
        })
    }

    /// Forgets counts of windows that ended more than a minute ago; returns how many.
    pub fn purge_rate_limits(&self) -> Result<usize, AppError> {
        let before = self.clock.now() - Duration::minutes(2);
        Ok(self.db.write(|c| store::purge(c, before))?)
    }
}
