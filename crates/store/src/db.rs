//! The connection type, the pool and the few places where PostgreSQL and SQLite differ.

use std::ops::{Deref, DerefMut};
use std::path::PathBuf;
use std::time::{Duration, Instant};

use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::r2d2::{ManageConnection, Pool, PooledConnection};
use diesel::sql_types::BigInt;
use diesel_migrations::{embed_migrations, EmbeddedMigrations, MigrationHarness};

use crate::unit::{Unit, WriterLock};
use crate::StoreError;

#[derive(diesel::MultiConnection)]
pub enum AnyConnection {
    Postgresql(PgConnection),
    Sqlite(SqliteConnection),
}

/// How long a request waits for a database connection before it is answered 503: long enough
/// for a burst to be served from a busy pool, short enough that an outage is told at once.
pub const DB_WAIT: Duration = Duration::from_secs(2);

/// The key of the PostgreSQL advisory lock held while setting a database up (see
/// [`Db::with_setup_lock`]).
const SETUP_LOCK: i64 = 7_243_002;

pub const PG_MIGRATIONS: EmbeddedMigrations = embed_migrations!("../../migrations/postgres");
pub const SQLITE_MIGRATIONS: EmbeddedMigrations = embed_migrations!("../../migrations/sqlite");

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Postgres,
    Sqlite,
}

/// Where the data lives. Chosen from the URL's scheme by us, not by diesel, so that a mistyped
/// PostgreSQL URL is an error instead of a new SQLite file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DbUrl {
    Postgres(String),
    Sqlite(PathBuf),
}

impl DbUrl {
    pub fn parse(url: &str) -> Result<Self, StoreError> {
        let url = url.trim();
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            return Ok(DbUrl::Postgres(url.to_owned()));
        }
        if let Some(path) = url
            .strip_prefix("sqlite://")
            .or_else(|| url.strip_prefix("sqlite:"))
        {
            if path.is_empty() {
                return Err(StoreError::Url("sqlite URL has no file path".into()));
            }
            return Ok(DbUrl::Sqlite(PathBuf::from(path)));
        }
        if url.contains("://") || url.is_empty() {
            return Err(StoreError::Url(
                "use postgres://… for PostgreSQL, or sqlite://PATH (or a plain file path) for SQLite"
                    .into(),
            ));
        }
        Ok(DbUrl::Sqlite(PathBuf::from(url)))
    }

    pub fn backend(&self) -> Backend {
        match self {
            DbUrl::Postgres(_) => Backend::Postgres,
            DbUrl::Sqlite(_) => Backend::Sqlite,
        }
    }
}

/// Opens connections of the right kind and sets SQLite up on each one.
#[derive(Debug)]
pub struct Manager {
    url: DbUrl,
}

/// A connection checked out less than this long after its last use is not pinged first: under
/// load every request would otherwise pay one extra round trip (HikariCP's bypass window).
const VALIDATION_BYPASS: Duration = Duration::from_millis(500);

/// A pooled connection and the moment it last went back to the pool.
pub struct PoolConn {
    conn: AnyConnection,
    returned_at: Instant,
}

impl Deref for PoolConn {
    type Target = AnyConnection;
    fn deref(&self) -> &AnyConnection {
        &self.conn
    }
}

impl DerefMut for PoolConn {
    fn deref_mut(&mut self) -> &mut AnyConnection {
        &mut self.conn
    }
}

// busy_timeout first: switching a new file to WAL takes a lock that other pooled connections,
// opening at the same moment, must wait for.
const SQLITE_SETUP: &str = "PRAGMA busy_timeout = 10000; PRAGMA journal_mode = WAL; \
     PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON;";

impl ManageConnection for Manager {
    type Connection = PoolConn;
    type Error = diesel::r2d2::Error;

    fn connect(&self) -> Result<PoolConn, Self::Error> {
        let conn = match &self.url {
            DbUrl::Postgres(url) => PgConnection::establish(url)
                .map(AnyConnection::Postgresql)
                .map_err(diesel::r2d2::Error::ConnectionError)?,
            DbUrl::Sqlite(path) => {
                let mut conn = SqliteConnection::establish(&path.to_string_lossy())
                    .map_err(diesel::r2d2::Error::ConnectionError)?;
                conn.batch_execute(SQLITE_SETUP)
                    .map_err(diesel::r2d2::Error::QueryError)?;
                // Unicode-aware lower() (SQLite's folds only ASCII): filters match any script.
                // NULL stays NULL, as with the built-in.
                unicode_lower_utils::register_impl(&mut conn, |text: Option<String>| {
                    text.map(|t| t.to_lowercase())
                })
                .map_err(diesel::r2d2::Error::QueryError)?;
                AnyConnection::Sqlite(conn)
            }
        };
        Ok(PoolConn {
            conn,
            returned_at: Instant::now(),
        })
    }

    /// Pings a connection that sat idle (the server may have closed it meanwhile); one used
    /// a moment ago is taken as alive.
    fn is_valid(&self, conn: &mut PoolConn) -> Result<(), Self::Error> {
        if conn.returned_at.elapsed() < VALIDATION_BYPASS {
            return Ok(());
        }
        conn.conn
            .batch_execute("SELECT 1")
            .map_err(diesel::r2d2::Error::QueryError)
    }

    /// A connection left inside a transaction (a panic, a failed rollback) must not go back
    /// to the pool.
    fn has_broken(&self, conn: &mut PoolConn) -> bool {
        conn.returned_at = Instant::now();
        std::thread::panicking() || diesel::r2d2::R2D2Connection::is_broken(&mut conn.conn)
    }
}

pub type Conn = PooledConnection<Manager>;

/// A connection holding the set-up advisory lock (PostgreSQL; a plain connection on SQLite),
/// which it gives back however the work under it ends.
struct Held(Conn);

impl Held {
    fn take(mut conn: Conn) -> Result<Held, StoreError> {
        if let AnyConnection::Postgresql(c) = &mut **conn {
            c.batch_execute(&format!("SELECT pg_advisory_lock({SETUP_LOCK})"))?;
        }
        Ok(Held(conn))
    }
}

impl Drop for Held {
    fn drop(&mut self) {
        if let AnyConnection::Postgresql(c) = &mut **self.0 {
            let _ = c.batch_execute(&format!("SELECT pg_advisory_unlock({SETUP_LOCK})"));
        }
    }
}

/// The database handle shared by the API and the worker: a pool plus, on SQLite, a writer lock.
///
/// SQLite allows one writer at a time, and a deferred transaction that reads and then writes
/// fails with SQLITE_BUSY when another writer got in between, which no busy timeout cures. All
/// writes of this process therefore queue on one lock before they take a connection.
#[derive(Clone)]
pub struct Db {
    pool: Pool<Manager>,
    backend: Backend,
    writer: WriterLock,
}

impl Db {
    pub fn connect(url: &str, max_size: u32) -> Result<Db, StoreError> {
        let url = DbUrl::parse(url)?;
        if let DbUrl::Sqlite(path) = &url {
            if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                std::fs::create_dir_all(dir).map_err(|e| {
                    StoreError::Url(format!("cannot create directory {}: {e}", dir.display()))
                })?;
            }
        }
        if let DbUrl::Sqlite(path) = &url {
            // Switch a new file to WAL once, before the pool opens its connections at the same
            // moment: the switch does not wait on the busy timeout, so a race would fail one of
            // them ("database is locked") until the pool retried.
            let mut first = SqliteConnection::establish(&path.to_string_lossy())
                .map_err(|e| StoreError::Url(format!("cannot open {}: {e}", path.display())))?;
            first
                .batch_execute("PRAGMA busy_timeout = 10000; PRAGMA journal_mode = WAL;")
                .map_err(|e| StoreError::Url(format!("cannot open {}: {e}", path.display())))?;
        }
        let backend = url.backend();
        // Lazy: one connection is opened in the background and more only as work needs them,
        // so a process starts (and waits) while the database is down, and idle replicas hold
        // few connections. A request waits at most DB_WAIT for one.
        let pool = Pool::builder()
            .max_size(max_size.max(1))
            .min_idle(Some(1))
            .connection_timeout(DB_WAIT)
            .build_unchecked(Manager { url });
        Ok(Db {
            pool,
            backend,
            writer: WriterLock::default(),
        })
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    pub(crate) fn writer_lock(&self) -> &WriterLock {
        &self.writer
    }

    pub fn conn(&self) -> Result<Conn, StoreError> {
        Ok(self.pool.get()?)
    }

    /// Connections open and idle, for /metrics.
    pub fn pool_state(&self) -> (u32, u32) {
        let s = self.pool.state();
        (s.connections, s.idle_connections)
    }

    /// Runs `f` in one transaction: every change and the events it causes commit together.
    ///
    /// On SQLite the transaction starts with `BEGIN IMMEDIATE`, taking the write lock up front,
    /// so writers in other processes (a separate `helpdesk worker`) wait on the busy timeout
    /// instead of failing when a read turns into a write.
    pub fn write<T, E>(&self, f: impl FnOnce(&mut AnyConnection) -> Result<T, E>) -> Result<T, E>
    where
        E: From<StoreError> + From<diesel::result::Error>,
    {
        // Inside a unit of work: a savepoint of its transaction.
        let f = match Unit::current(self) {
            Some(unit) => match unit.with_conn(f, diesel::Connection::transaction) {
                Ok(done) => return done,
                Err(back) => back,
            },
            None => f,
        };
        let _guard = match self.backend {
            Backend::Sqlite => Some(self.writer.lock()),
            Backend::Postgres => None,
        };
        let mut conn = self.conn()?;
        let conn: &mut AnyConnection = &mut conn;
        match conn {
            AnyConnection::Postgresql(_) => conn.transaction(f),
            AnyConnection::Sqlite(_) => sqlite_immediate(conn, f),
        }
    }

    /// Runs `f`, which makes exactly one change in one statement, on a pooled connection
    /// without a transaction around it: the statement commits on its own, one round trip less
    /// each way than [`Db::write`]. On SQLite it queues on the writer lock like any write.
    pub fn write_one<T, E>(
        &self,
        f: impl FnOnce(&mut AnyConnection) -> Result<T, E>,
    ) -> Result<T, E>
    where
        E: From<StoreError>,
    {
        // Inside a unit of work: one statement of its transaction.
        let f = match Unit::current(self) {
            Some(unit) => match unit.with_conn(f, |c, f| f(c)) {
                Ok(done) => return done,
                Err(back) => back,
            },
            None => f,
        };
        let _guard = match self.backend {
            Backend::Sqlite => Some(self.writer.lock()),
            Backend::Postgres => None,
        };
        let mut conn = self.conn()?;
        f(&mut conn)
    }

    /// Runs `f` in a read-only transaction that sees one snapshot throughout: REPEATABLE READ on
    /// PostgreSQL, a deferred transaction on SQLite (WAL keeps its first read's snapshot). Takes
    /// no writer lock.
    pub fn read_snapshot<T, E>(
        &self,
        f: impl FnOnce(&mut AnyConnection) -> Result<T, E>,
    ) -> Result<T, E>
    where
        E: From<StoreError> + From<diesel::result::Error>,
    {
        // Inside a unit of work: a savepoint sees the unit's own changes (its isolation level
        // was set when it began).
        let f = match Unit::current(self) {
            Some(unit) => match unit.with_conn(f, diesel::Connection::transaction) {
                Ok(done) => return done,
                Err(back) => back,
            },
            None => f,
        };
        let mut conn = self.conn()?;
        let conn: &mut AnyConnection = &mut conn;
        conn.transaction(|c| {
            if let AnyConnection::Postgresql(pg) = c {
                pg.batch_execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")?;
            }
            f(c)
        })
    }

    /// Runs `f` on a pooled connection without a transaction (reads).
    pub fn read<T, E>(&self, f: impl FnOnce(&mut AnyConnection) -> Result<T, E>) -> Result<T, E>
    where
        E: From<StoreError>,
    {
        // Inside a unit of work: its connection, which sees its own changes.
        let f = match Unit::current(self) {
            Some(unit) => match unit.with_conn(f, |c, f| f(c)) {
                Ok(done) => return done,
                Err(back) => back,
            },
            None => f,
        };
        let mut conn = self.conn()?;
        f(&mut conn)
    }

    /// Applies the migrations not applied yet; returns the versions applied. Processes
    /// starting together on one PostgreSQL database take turns (the set-up advisory lock, on
    /// the migrating connection itself): the later ones find nothing left to do.
    pub fn migrate(&self) -> Result<Vec<String>, StoreError> {
        let _guard = self.writer.lock();
        let conn = self.conn()?;
        let mut held = Held::take(conn)?;
        let applied = match &mut **held.0 {
            AnyConnection::Postgresql(c) => c.run_pending_migrations(PG_MIGRATIONS),
            AnyConnection::Sqlite(c) => c.run_pending_migrations(SQLITE_MIGRATIONS),
        }
        .map_err(|e| StoreError::Migration(e.to_string()))?;
        Ok(applied.iter().map(ToString::to_string).collect())
    }

    /// Runs `f` holding the database-wide set-up lock, so that processes starting together on
    /// one database migrate it and make its first administrator one after the other (the later
    /// ones find the work done) instead of racing: a PostgreSQL session advisory lock, taken on
    /// a connection of its own for the duration. On SQLite, where one process serves the file,
    /// `f` just runs (its writes queue on the writer lock as always).
    pub fn with_setup_lock<T, E: From<StoreError>>(
        &self,
        f: impl FnOnce() -> Result<T, E>,
    ) -> Result<T, E> {
        match self.backend() {
            Backend::Postgres => {
                let _held = Held::take(self.conn()?)?;
                f()
            }
            Backend::Sqlite => f(),
        }
    }

    /// Whether the schema is current, for /readyz.
    pub fn has_pending_migrations(&self) -> Result<bool, StoreError> {
        let mut conn = self.conn()?;
        match &mut **conn {
            AnyConnection::Postgresql(c) => c.has_pending_migration(PG_MIGRATIONS),
            AnyConnection::Sqlite(c) => c.has_pending_migration(SQLITE_MIGRATIONS),
        }
        .map_err(|e| StoreError::Migration(e.to_string()))
    }
}

fn sqlite_immediate<T, E>(
    conn: &mut AnyConnection,
    f: impl FnOnce(&mut AnyConnection) -> Result<T, E>,
) -> Result<T, E>
where
    E: From<StoreError> + From<diesel::result::Error>,
{
    use diesel::connection::{AnsiTransactionManager, TransactionManager};
    let AnyConnection::Sqlite(inner) = conn else {
        return Err(StoreError::Pool("not a SQLite connection".into()).into());
    };
    AnsiTransactionManager::begin_transaction_sql(inner, "BEGIN IMMEDIATE")?;
    let result = f(conn);
    let AnyConnection::Sqlite(inner) = conn else {
        return Err(StoreError::Pool("not a SQLite connection".into()).into());
    };
    match result {
        Ok(value) => {
            AnsiTransactionManager::commit_transaction(inner)?;
            Ok(value)
        }
        Err(e) => {
            // The caller's error is the one that matters; a failed rollback leaves the
            // connection marked broken and r2d2 drops it.
            let _ = AnsiTransactionManager::rollback_transaction(inner);
            Err(e)
        }
    }
}

diesel::define_sql_function!(
    /// Registered on SQLite connections under the name `lower`, replacing the built-in.
    #[sql_name = "lower"]
    fn unicode_lower(
        x: diesel::sql_types::Nullable<diesel::sql_types::Text>,
    ) -> diesel::sql_types::Nullable<diesel::sql_types::Text>
);

#[derive(QueryableByName)]
struct NextNumber {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

/// The registration number to insert with a new case. PostgreSQL fills it from a sequence in
/// the INSERT itself (`None`: no extra round trip, no lock between concurrent creators); SQLite
/// serialises writers, so the highest number plus one is safe inside the writing transaction.
pub fn next_case_number(conn: &mut AnyConnection) -> Result<Option<i64>, StoreError> {
    match conn {
        AnyConnection::Postgresql(_) => Ok(None),
        AnyConnection::Sqlite(c) => {
            let row: NextNumber =
                diesel::sql_query("SELECT COALESCE(MAX(number), 999) + 1 AS n FROM cases")
                    .get_result(c)?;
            Ok(Some(row.n))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn url_picks_the_backend() {
        assert_eq!(
            DbUrl::parse("postgres://u@h/db").unwrap().backend(),
            Backend::Postgres
        );
        assert_eq!(
            DbUrl::parse("postgresql://u@h/db").unwrap().backend(),
            Backend::Postgres
        );
        assert_eq!(
            DbUrl::parse("sqlite://data/h.db").unwrap(),
            DbUrl::Sqlite("data/h.db".into())
        );
        assert_eq!(
            DbUrl::parse("sqlite:h.db").unwrap(),
            DbUrl::Sqlite("h.db".into())
        );
        assert_eq!(
            DbUrl::parse("/var/lib/h.db").unwrap(),
            DbUrl::Sqlite("/var/lib/h.db".into())
        );
    }

    #[test]
    fn mistyped_urls_are_errors_not_files() {
        assert!(DbUrl::parse("postgress://u@h/db").is_err());
        assert!(DbUrl::parse("mysql://u@h/db").is_err());
        assert!(DbUrl::parse("sqlite://").is_err());
        assert!(DbUrl::parse("").is_err());
    }
}
