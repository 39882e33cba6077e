//! The session check of each request, kept in the process on PostgreSQL.
//!
//! Every request with an access token needs its session's standing: not revoked, the user
//! active, the user's current role, contact and support line. Read each time, that is one
//! indexed read and a hop to the blocking pool per request. Here the answer is kept for up to
//! [`KEEP`] and forgotten as soon as the database announces a change: triggers on `sessions`,
//! `users` and `contacts` notify `helpdesk_standing` with the user's id (or `*`) when the change
//! commits, to every process's listener at once.
//!
//! A kept answer is used only after the listener's connection has been read (no round trip:
//! what the server already sent), so a revocation whose commit was announced before the request
//! arrived is seen by it, on every replica. It is used only while the listener is connected: a
//! broken connection empties the cache, and requests read the database until a new listener is
//! in place (a thread reopens it). An answer read while an announcement arrived is not kept. On
//! SQLite nothing is kept: every request reads (a local file, no announcements to trust).

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, Weak};
use std::time::{Duration, Instant};

use helpdesk_service::{Actor, Services};
use helpdesk_store::db::Conn;
use helpdesk_store::{auth as store, Backend};

/// How long an answer is kept at most, announcements or not.
const KEEP: Duration = Duration::from_secs(30);
/// How many sessions are kept at most; beyond, the cache starts again empty.
const MOST: usize = 20_000;
/// How often a broken or missing listener is reopened.
const REOPEN: Duration = Duration::from_secs(1);

pub struct SessionCache {
    state: Mutex<State>,
    /// Checks answered from the cache, and from the database.
    kept_answers: AtomicU64,
    read_answers: AtomicU64,
}

struct State {
    /// The connection that listens; none before it is opened and after it broke.
    listener: Option<Conn>,
    /// Changes every time something may have made a kept answer stale.
    generation: u64,
    kept: HashMap<i64, Kept>,
}

struct Kept {
    user_id: i64,
    actor: Actor,
    at: Instant,
}

/// What the cache says of a session.
pub enum Lookup {
    /// The kept answer, still good.
    Kept(Actor),
    /// Read it; keep the answer with [`SessionCache::keep`] and this token.
    Read(Option<u64>),
}

impl SessionCache {
    /// A cache for `services`' database; on PostgreSQL a thread keeps its listener open.
    pub fn new(services: &Services) -> Arc<SessionCache> {
        let cache = Arc::new(SessionCache {
            state: Mutex::new(State {
                listener: None,
                generation: 0,
                kept: HashMap::new(),
            }),
            kept_answers: AtomicU64::new(0),
            read_answers: AtomicU64::new(0),
        });
        if services.db.backend() == Backend::Postgres {
            let weak = Arc::downgrade(&cache);
            let db = services.db.clone();
            std::thread::Builder::new()
                .name("session-listener".into())
                .spawn(move || reopen(weak, db))
                .map_err(|e| tracing::warn!(error = %e, "no session listener; every request reads"))
                .ok();
        }
        cache
    }

    fn state(&self) -> MutexGuard<'_, State> {
        self.state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The kept answer for `session` of `user`, if there is a good one.
    pub fn lookup(&self, user_id: i64, session_id: i64) -> Lookup {
        let mut state = self.state();
        let found = if !state.catch_up() {
            Lookup::Read(None)
        } else {
            match state.kept.get(&session_id) {
                Some(k) if k.user_id == user_id && k.at.elapsed() < KEEP => {
                    Lookup::Kept(k.actor.clone())
                }
                _ => Lookup::Read(Some(state.generation)),
            }
        };
        let counter = match found {
            Lookup::Kept(_) => &self.kept_answers,
            Lookup::Read(_) => &self.read_answers,
        };
        counter.fetch_add(1, Ordering::Relaxed);
        found
    }

    /// Keeps an answer read after [`Lookup::Read`]`(Some(token))`, unless something was
    /// announced since the token was given.
    pub fn keep(&self, token: Option<u64>, session_id: i64, actor: &Actor) {
        let Some(token) = token else {
            return;
        };
        let mut state = self.state();
        if !state.catch_up() || state.generation != token {
            return;
        }
        if state.kept.len() >= MOST {
            state.kept.clear();
        }
        state.kept.insert(
            session_id,
            Kept {
                user_id: actor.user_id,
                actor: actor.clone(),
                at: Instant::now(),
            },
        );
    }

    /// How many checks were answered from the cache, and how many read, since start.
    pub fn answers(&self) -> (u64, u64) {
        (
            self.kept_answers.load(Ordering::Relaxed),
            self.read_answers.load(Ordering::Relaxed),
        )
    }
}

impl State {
    /// Applies what was announced; `false` when there is no listener to trust.
    fn catch_up(&mut self) -> bool {
        let Some(conn) = self.listener.as_mut() else {
            return false;
        };
        match store::standing_changes(conn) {
            Ok(changes) => {
                for change in changes {
                    self.generation += 1;
                    match change {
                        Some(user) => self.kept.retain(|_, k| k.user_id != user),
                        None => self.kept.clear(),
                    }
                }
                true
            }
            Err(e) => {
                tracing::warn!(error = %e, "the session listener's connection broke; reading every session until it is back");
                self.listener = None;
                self.kept.clear();
                self.generation += 1;
                false
            }
        }
    }
}

/// Opens the listener whenever there is none, while the cache exists.
fn reopen(cache: Weak<SessionCache>, db: helpdesk_store::Db) {
    loop {
        let Some(cache) = cache.upgrade() else {
            return;
        };
        if cache.state().listener.is_none() {
            // Opened outside the lock: a slow database must not hold up requests.
            let opened = db.conn().map_err(|e| e.to_string()).and_then(|mut conn| {
                match store::listen_standing(&mut conn) {
                    Ok(true) => Ok(conn),
                    Ok(false) => Err("not PostgreSQL".to_owned()),
                    Err(e) => Err(e.to_string()),
                }
            });
            match opened {
                Ok(conn) => {
                    let mut state = cache.state();
                    // What was kept before may have missed announcements: start afresh.
                    state.kept.clear();
                    state.generation += 1;
                    state.listener = Some(conn);
                }
                Err(e) => tracing::warn!(error = %e, "cannot listen for session changes yet"),
            }
        }
        drop(cache);
        std::thread::sleep(REOPEN);
    }
}
