use chrono::{NaiveDateTime, Utc};

/// Where "now" comes from, so tests can stop or move time.
pub trait Clock: Send + Sync {
    fn now(&self) -> NaiveDateTime;
}

#[derive(Debug, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> NaiveDateTime {
        Utc::now().naive_utc()
    }
}

/// A clock that stands still until moved: for tests and tools that step through time. It
/// starts at the real time, so tokens it stamps stay valid.
#[derive(Debug)]
pub struct ManualClock(std::sync::Mutex<NaiveDateTime>);

impl Default for ManualClock {
    fn default() -> Self {
        let now = Utc::now().naive_utc();
        let whole =
            now - chrono::Duration::nanoseconds(i64::from(now.and_utc().timestamp_subsec_nanos()));
        ManualClock(std::sync::Mutex::new(whole))
    }
}

impl ManualClock {
    pub fn advance(&self, by: chrono::Duration) {
        let mut now = self
            .0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        *now += by;
    }
}

impl Clock for ManualClock {
    fn now(&self) -> NaiveDateTime {
        *self
            .0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}
