//! A unit of work: one database transaction shared by every [`Db`] call made for one request,
//! committed or rolled back at its end by whoever opened it, from whichever thread.
//!
//! The API wraps each `POST` that carries an `Idempotency-Key` in a unit: the key's claim, the
//! change the request makes and the answer kept for replay commit together. A crash leaves
//! either nothing (a retry runs the request) or all of it (a retry gets the answer), never a
//! change without its answer. A second request with the same key waits for the first to commit
//! (PostgreSQL's unique index; SQLite's writer lock) and then finds the answer.
//!
//! While a unit is entered on a thread ([`Unit::enter`]), `Db::write` runs inside a savepoint of
//! the unit's transaction and `Db::read` on its connection; a call made while the unit's
//! connection is already in use on that thread (a read nested in a write) takes a pooled
//! connection of its own, as without a unit.

use std::cell::RefCell;
use std::sync::{Arc, Condvar, Mutex};

use diesel::connection::{AnsiTransactionManager, TransactionManager};

use crate::db::{AnyConnection, Backend, Conn, Db};
use crate::StoreError;

/// SQLite's one-writer-at-a-time lock of this process. Unlike a `MutexGuard`, its guard may be
/// held across threads (a unit is opened on one blocking thread and committed on another).
#[derive(Clone, Default)]
pub(crate) struct WriterLock(Arc<(Mutex<bool>, Condvar)>);

pub(crate) struct WriterGuard(WriterLock);

impl WriterLock {
    pub(crate) fn lock(&self) -> WriterGuard {
        let (held, freed) = &*self.0;
        // A poisoned lock only means a writer panicked; the database rolled its work back.
        let mut taken = held
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        while *taken {
            taken = freed
                .wait(taken)
                .unwrap_or_else(std::sync::PoisonError::into_inner);
        }
        *taken = true;
        WriterGuard(self.clone())
    }

    pub(crate) fn same(&self, other: &WriterLock) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }
}

impl Drop for WriterGuard {
    fn drop(&mut self) {
        let (held, freed) = &*(self.0).0;
        *held
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = false;
        freed.notify_one();
    }
}

struct State {
    /// The connection with the transaction open, once the first call needed it.
    open: Option<(Conn, Option<WriterGuard>)>,
    /// The connection is lent out to a call on this thread right now.
    busy: Option<std::thread::ThreadId>,
    /// Commit or rollback happened: later calls run outside the unit.
    ended: bool,
}

/// See the module documentation.
#[derive(Clone)]
pub struct Unit {
    db: Db,
    state: Arc<Mutex<State>>,
    /// Told when the connection comes back from a call.
    returned: Arc<std::sync::Condvar>,
}

thread_local! {
    static CURRENT: RefCell<Option<Unit>> = const { RefCell::new(None) };
}

/// Restores the thread's previous unit however `enter`'s closure ends.
struct Restore(Option<Unit>);

impl Drop for Restore {
    fn drop(&mut self) {
        let prev = self.0.take();
        CURRENT.with(|c| *c.borrow_mut() = prev);
    }
}

impl Unit {
    /// A unit on `db`; nothing is opened until a call needs the database.
    pub fn new(db: &Db) -> Unit {
        Unit {
            db: db.clone(),
            state: Arc::new(Mutex::new(State {
                open: None,
                busy: None,
                ended: false,
            })),
            returned: Arc::new(std::sync::Condvar::new()),
        }
    }

    /// Runs `f` with every call on this unit's `Db`, on this thread, inside the unit.
    pub fn enter<T>(&self, f: impl FnOnce() -> T) -> T {
        let prev = CURRENT.with(|c| c.replace(Some(self.clone())));
        let _restore = Restore(prev);
        f()
    }

    /// The unit entered on this thread for `db`, if any.
    pub(crate) fn current(db: &Db) -> Option<Unit> {
        CURRENT.with(|c| {
            c.borrow()
                .as_ref()
                .filter(|u| u.db.writer_lock().same(db.writer_lock()))
                .cloned()
        })
    }

    /// Runs `f` on the unit's connection, opening the transaction first if needed. Gives `f`
    /// back, not run, when the connection is in use by an enclosing call or the unit has ended:
    /// the caller then works as without a unit.
    pub(crate) fn with_conn<T, E, F>(
        &self,
        f: F,
        run: impl FnOnce(&mut AnyConnection, F) -> Result<T, E>,
    ) -> Result<Result<T, E>, F>
    where
        E: From<StoreError>,
    {
        let me = std::thread::current().id();
        let lent = {
            let mut st = self
                .state
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            // Lent out on another thread (a call of this request that outlived its caller, such
            // as an extractor dropped when another one failed): wait for it to come back. Lent
            // out on this thread: an enclosing call has it, and this one runs outside the unit.
            while st.busy.is_some_and(|t| t != me) && !st.ended {
                st = self
                    .returned
                    .wait(st)
                    .unwrap_or_else(std::sync::PoisonError::into_inner);
            }
            if st.busy.is_some() || st.ended {
                return Err(f);
            }
            if st.open.is_none() {
                match self.open() {
                    Ok(opened) => st.open = Some(opened),
                    Err(e) => return Ok(Err(e.into())),
                }
            }
            st.busy = Some(me);
            st.open.take()
        };
        let Some((conn, guard)) = lent else {
            return Err(f);
        };
        /// Gives the connection back when the call returns; a call that panics takes the
        /// transaction and the writer lock down with it, and ends the unit.
        struct Lent<'a> {
            unit: &'a Unit,
            held: Option<(Conn, Option<WriterGuard>)>,
        }
        impl Drop for Lent<'_> {
            fn drop(&mut self) {
                let held = self.held.take();
                let mut st = self
                    .unit
                    .state
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner);
                if std::thread::panicking() {
                    st.ended = true;
                    drop(held);
                } else {
                    st.open = held;
                }
                st.busy = None;
                self.unit.returned.notify_all();
            }
        }
        let mut lent = Lent {
            unit: self,
            held: Some((conn, guard)),
        };
        let result = match lent.held.as_mut() {
            Some((conn, _)) => run(conn, f),
            None => return Err(f),
        };
        drop(lent);
        Ok(result)
    }

    fn open(&self) -> Result<(Conn, Option<WriterGuard>), StoreError> {
        let guard = match self.db.backend() {
            Backend::Sqlite => Some(self.db.writer_lock().lock()),
            Backend::Postgres => None,
        };
        let mut conn = self.db.conn()?;
        match &mut **conn {
            AnyConnection::Postgresql(c) => AnsiTransactionManager::begin_transaction(c)?,
            // IMMEDIATE: the write lock up front, as every SQLite write here takes it.
            AnyConnection::Sqlite(c) => {
                AnsiTransactionManager::begin_transaction_sql(c, "BEGIN IMMEDIATE")?;
            }
        }
        Ok((conn, guard))
    }

    /// Commits what the unit did (nothing when it never touched the database).
    pub fn commit(&self) -> Result<(), StoreError> {
        self.end(true)
    }

    /// Undoes what the unit did.
    pub fn rollback(&self) -> Result<(), StoreError> {
        self.end(false)
    }

    fn end(&self, commit: bool) -> Result<(), StoreError> {
        let opened = {
            let me = std::thread::current().id();
            let mut st = self
                .state
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            // A call still holding the connection on another thread finishes first.
            while st.busy.is_some_and(|t| t != me) {
                st = self
                    .returned
                    .wait(st)
                    .unwrap_or_else(std::sync::PoisonError::into_inner);
            }
            st.ended = true;
            st.open.take()
        };
        let Some((mut conn, guard)) = opened else {
            return Ok(());
        };
        let result = match (&mut **conn, commit) {
            (AnyConnection::Postgresql(c), true) => AnsiTransactionManager::commit_transaction(c),
            (AnyConnection::Postgresql(c), false) => {
                AnsiTransactionManager::rollback_transaction(c)
            }
            (AnyConnection::Sqlite(c), true) => AnsiTransactionManager::commit_transaction(c),
            (AnyConnection::Sqlite(c), false) => AnsiTransactionManager::rollback_transaction(c),
        };
        // The connection goes back to the pool before the writer lock is given up; a failed
        // commit or rollback leaves it marked broken and the pool drops it.
        drop(conn);
        drop(guard);
        Ok(result?)
    }
}

impl Drop for State {
    /// A unit dropped without commit or rollback (a panic, a dropped request) rolls back.
    fn drop(&mut self) {
        if let Some((mut conn, guard)) = self.open.take() {
            let _ = match &mut **conn {
                AnyConnection::Postgresql(c) => AnsiTransactionManager::rollback_transaction(c),
                AnyConnection::Sqlite(c) => AnsiTransactionManager::rollback_transaction(c),
            };
            drop(conn);
            drop(guard);
        }
    }
}
