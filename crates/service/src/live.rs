//! The live feed for agents: case events read from the outbox table, which every process (API
//! replicas, the worker) writes in the same transaction as the change. Sharing only the
//! database is enough for a change made anywhere to reach every connected agent. Each API
//! process reads it in one place for all its feeds (`helpdesk_api::live_hub`).

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use helpdesk_api_types::cases::{LiveEvent, LiveQuery};
use helpdesk_store::events::{self, EventRow};
use validator::Validate;

use crate::{Actor, AppError, Services};

/// How long a reader waits for an id below the newest one it saw. PostgreSQL hands out ids
/// before commit, so a later id can become visible first; the earlier one is picked up when
/// it commits (its commit announces it). After this long it is taken for a rolled-back
/// transaction (or another kind of event) and forgotten: a transaction slower than this is
/// not one a live feed waits for.
const GAP_GRACE: Duration = Duration::from_secs(600);
/// The most missing ids a reader keeps waiting for.
const MAX_GAPS: usize = 1000;

/// A reader's position in the feed.
#[derive(Debug)]
pub struct LiveCursor {
    /// The highest event id seen.
    pub high: i64,
    /// Ids below `high` not seen yet, and since when they are missing.
    gaps: BTreeMap<i64, Instant>,
}

impl LiveCursor {
    pub fn after(id: i64) -> Self {
        LiveCursor {
            high: id,
            gaps: BTreeMap::new(),
        }
    }
}

fn live_event(row: EventRow) -> LiveEvent {
    LiveEvent {
        id: row.id,
        event_type: row.event_type,
        case_id: row.aggregate_id,
        actor_user_id: row.actor_user_id,
        payload: serde_json::from_str(&row.payload).unwrap_or(serde_json::Value::Null),
        created_at: row.created_at.and_utc(),
    }
}

impl Services {
    /// A cursor at the newest event, for the process's one reader.
    pub fn live_head(&self) -> Result<LiveCursor, AppError> {
        Ok(LiveCursor::after(self.db.read(events::latest_id)?))
    }

    /// Of `sessions`, those that have ended (revoked, user disabled): their feeds close.
    pub fn ended_sessions(&self, sessions: &[i64]) -> Result<Vec<i64>, AppError> {
        Ok(self
            .db
            .read(|c| helpdesk_store::auth::ended_sessions(c, sessions))?)
    }

    /// Opens a feed: after `q.after`, else after `resume` (the `Last-Event-ID`), else from now.
    pub fn live_open(
        &self,
        actor: &Actor,
        q: &LiveQuery,
        resume: Option<i64>,
    ) -> Result<LiveCursor, AppError> {
        actor.staff_read()?;
        q.validate()?;
        let start = match q.after.or(resume) {
            Some(id) => id,
            None => self.db.read(events::latest_id)?,
        };
        Ok(LiveCursor::after(start))
    }

    /// The case events this cursor has not delivered yet: late commits first, then new ones.
    pub fn live_poll(
        &self,
        actor: &Actor,
        cursor: &mut LiveCursor,
    ) -> Result<Vec<LiveEvent>, AppError> {
        actor.staff_read()?;
        self.live_next(cursor)
    }

    /// [`Services::live_poll`] for the process's one reader, which every feed shares.
    pub fn live_next(&self, cursor: &mut LiveCursor) -> Result<Vec<LiveEvent>, AppError> {
        let waiting: Vec<i64> = cursor.gaps.keys().copied().collect();
        let (late, fresh) = self.db.read(|c| {
            Ok::<_, AppError>((
                events::case_events_in(c, &waiting)?,
                events::case_events_after(c, cursor.high, 500)?,
            ))
        })?;
        let now = Instant::now();
        let mut out = Vec::with_capacity(late.len() + fresh.len());
        for row in late {
            cursor.gaps.remove(&row.id);
            out.push(live_event(row));
        }
        for row in fresh {
            for missing in cursor.high + 1..row.id {
                cursor.gaps.insert(missing, now);
            }
            cursor.high = row.id;
            out.push(live_event(row));
        }
        cursor
            .gaps
            .retain(|_, since| now.duration_since(*since) < GAP_GRACE);
        while cursor.gaps.len() > MAX_GAPS {
            cursor.gaps.pop_first();
        }
        Ok(out)
    }
}
