//! One reader of committed case events per API process, for every open live feed.
//!
//! On PostgreSQL the reader holds one connection that `LISTEN`s to the announcement each
//! committing transaction makes (a trigger on `events`); it reads the new events only when
//! announced (and every 10 s for safety) and hands them to every feed. An idle feed costs no
//! database query at all; a change reaches every feed of every replica as soon as its
//! transaction commits. On SQLite, where the writers are this process and a worker beside it,
//! the reader looks every 250 ms. Ended sessions are found the same way: one query every 15 s
//! for all the feeds of the process.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, Weak};
use std::time::{Duration, Instant};

use helpdesk_api_types::cases::LiveEvent;
use helpdesk_service::live::LiveCursor;
use helpdesk_service::Services;
use helpdesk_store::{events, Backend};
use tokio::sync::broadcast;

/// How often the reader wakes to see whether anything was announced (no round trip).
const TICK: Duration = Duration::from_millis(20);
/// How often it reads without an announcement (a lost connection, a missed notice).
const SAFETY: Duration = Duration::from_secs(10);
/// How often SQLite is read.
const SQLITE_POLL: Duration = Duration::from_millis(250);
/// How often the sessions of open feeds are checked.
const SESSION_CHECK: Duration = Duration::from_secs(15);
/// Messages a slow feed may fall behind before it is closed (it reconnects and catches up).
const BACKLOG: usize = 1024;

/// What the reader tells the feeds.
#[derive(Clone, Debug)]
pub enum Note {
    /// Newly committed case events, in the order found.
    Events(Arc<Vec<LiveEvent>>),
    /// Sessions that ended: their feeds close.
    Ended(Arc<Vec<i64>>),
}

pub struct LiveHub {
    svc: Services,
    tx: broadcast::Sender<Note>,
    /// The sessions of open feeds, with how many feeds each has.
    sessions: Mutex<HashMap<i64, usize>>,
    /// Where the reader is; none while no feed is open.
    cursor: Mutex<Option<LiveCursor>>,
    started: std::sync::Once,
}

/// A feed's place at the hub; leaving it (drop) forgets its session.
pub struct Subscription {
    pub rx: broadcast::Receiver<Note>,
    hub: Arc<LiveHub>,
    session: Option<i64>,
}

impl Drop for Subscription {
    fn drop(&mut self) {
        if let Some(id) = self.session {
            let mut sessions = self
                .hub
                .sessions
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            if let Some(n) = sessions.get_mut(&id) {
                *n -= 1;
                if *n == 0 {
                    sessions.remove(&id);
                }
            }
        }
    }
}

impl LiveHub {
    pub fn new(svc: Services) -> Arc<LiveHub> {
        Arc::new(LiveHub {
            svc,
            tx: broadcast::channel(BACKLOG).0,
            sessions: Mutex::new(HashMap::new()),
            cursor: Mutex::new(None),
            started: std::sync::Once::new(),
        })
    }

    /// Joins the hub (starting its reader with the first feed). Blocking: the first feed places
    /// the reader at the newest event, before the feed decides where it starts, so that
    /// everything committed after the feed's start reaches it.
    pub fn subscribe(
        self: &Arc<Self>,
        session: Option<i64>,
    ) -> Result<Subscription, helpdesk_service::AppError> {
        let rx = self.tx.subscribe();
        {
            let mut cursor = self
                .cursor
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            if cursor.is_none() {
                *cursor = Some(self.svc.live_head()?);
            }
        }
        if let Some(id) = session {
            *self
                .sessions
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .entry(id)
                .or_default() += 1;
        }
        self.started.call_once(|| {
            let hub = Arc::downgrade(self);
            let spawned = std::thread::Builder::new()
                .name("live-reader".into())
                .spawn(move || read(hub));
            if let Err(e) = spawned {
                tracing::error!(error = %e, "could not start the live reader");
            }
        });
        Ok(Subscription {
            rx,
            hub: self.clone(),
            session,
        })
    }
}

/// The reader: runs while the hub exists.
fn read(hub: Weak<LiveHub>) {
    let mut listener = None;
    let mut last_read = Instant::now() - SAFETY;
    let mut last_sessions = Instant::now();
    loop {
        std::thread::sleep(TICK);
        let Some(hub) = hub.upgrade() else {
            return;
        };
        let svc = &hub.svc;
        let mut due = last_read.elapsed() >= SAFETY;
        match svc.db.backend() {
            Backend::Postgres => {
                if listener.is_none() {
                    if let Ok(mut conn) = svc.db.conn() {
                        if events::listen(&mut conn).is_ok() {
                            listener = Some(conn);
                            // Announcements made while not listening are lost: read now.
                            due = true;
                        }
                    }
                }
                if let Some(conn) = listener.as_mut() {
                    match events::announcements(conn) {
                        Ok(0) => {}
                        Ok(_) => due = true,
                        Err(e) => {
                            tracing::warn!(error = %e, "the live listener's connection broke; reopening");
                            listener = None;
                            due = true;
                        }
                    }
                }
            }
            Backend::Sqlite => due |= last_read.elapsed() >= SQLITE_POLL,
        }
        {
            let mut cursor = hub
                .cursor
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            if hub.tx.receiver_count() == 0 {
                // Nobody listens: the next first feed places the reader anew.
                *cursor = None;
            } else if due {
                last_read = Instant::now();
                if let Some(c) = cursor.as_mut() {
                    match svc.live_next(c) {
                        Ok(found) if !found.is_empty() => {
                            let _ = hub.tx.send(Note::Events(Arc::new(found)));
                        }
                        Ok(_) => {}
                        Err(e) => {
                            tracing::warn!(error = %e, "reading live events failed; retrying");
                        }
                    }
                }
            }
        }
        if last_sessions.elapsed() >= SESSION_CHECK {
            last_sessions = Instant::now();
            let open: Vec<i64> = hub
                .sessions
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .keys()
                .copied()
                .collect();
            if !open.is_empty() {
                match svc.ended_sessions(&open) {
                    Ok(ended) if !ended.is_empty() => {
                        let _ = hub.tx.send(Note::Ended(Arc::new(ended)));
                    }
                    Ok(_) => {}
                    Err(e) => tracing::warn!(error = %e, "checking live sessions failed"),
                }
            }
        }
    }
}
