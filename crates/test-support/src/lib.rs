//! Test harness shared by the crates' integration tests.
//!
//! `TestDb` gives every test its own migrated database: a file in a temporary directory on
//! SQLite; on PostgreSQL a database cloned from a template that is migrated once per schema
//! version. PostgreSQL is required, never skipped: `TEST_DATABASE_URL` names a server
//! (default `postgres://postgres@127.0.0.1:5432/postgres`) where the test user may create
//! databases.
//!
//! `db_test!` declares one test per backend so the test list shows both.

// Test infrastructure: a failure to set up is a failed test, told by its message.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::hash_map::DefaultHasher;
use std::hash::{Hash, Hasher};
use std::path::Path;
use std::sync::atomic::{AtomicU32, Ordering};

use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text};
use helpdesk_store::Db;

pub mod app;
pub mod oidc;
pub mod s3;
pub use app::{TestApp, TestUser};
pub use helpdesk_service::{Actor, Services};

pub const DEFAULT_PG_URL: &str = "postgres://postgres@127.0.0.1:5432/postgres";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TestBackend {
    Sqlite,
    Postgres,
}

/// A migrated database that disappears with the value.
pub struct TestDb {
    pub db: Db,
    pub url: String,
    cleanup: Cleanup,
}

enum Cleanup {
    Sqlite(#[allow(dead_code)] tempfile::TempDir),
    Postgres { admin_url: String, name: String },
}

impl TestDb {
    pub fn new(backend: TestBackend) -> TestDb {
        match backend {
            TestBackend::Sqlite => Self::sqlite(),
            TestBackend::Postgres => Self::postgres(),
        }
    }

    pub fn sqlite() -> TestDb {
        let dir = tempfile::tempdir().expect("temporary directory for the test database");
        let url = format!("sqlite://{}", dir.path().join("helpdesk.db").display());
        let db = Db::connect(&url, 4).expect("open SQLite test database");
        db.migrate().expect("migrate SQLite test database");
        TestDb {
            db,
            url,
            cleanup: Cleanup::Sqlite(dir),
        }
    }

    pub fn postgres() -> TestDb {
        let admin_url = pg_admin_url();
        let template = ensure_template(&admin_url);
        static COUNTER: AtomicU32 = AtomicU32::new(0);
        let name = format!(
            "helpdesk_test_{}_{}_{:08x}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed),
            rand::random::<u32>()
        );
        let mut admin = pg_connect(&admin_url);
        admin
            .batch_execute(&format!(
                "CREATE DATABASE \"{name}\" TEMPLATE \"{template}\""
            ))
            .expect("clone the template database");
        let url = database_url(&admin_url, &name);
        let db = Db::connect(&url, 4).expect("open PostgreSQL test database");
        TestDb {
            db,
            url,
            cleanup: Cleanup::Postgres { admin_url, name },
        }
    }
}

impl TestDb {
    /// A PostgreSQL database with nothing in it, not even the migrations (for tests of
    /// setting a database up).
    pub fn postgres_empty() -> TestDb {
        let admin_url = pg_admin_url();
        static COUNTER: AtomicU32 = AtomicU32::new(0);
        let name = format!(
            "helpdesk_empty_{}_{}_{:08x}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed),
            rand::random::<u32>()
        );
        pg_connect(&admin_url)
            .batch_execute(&format!("CREATE DATABASE \"{name}\""))
            .expect("create an empty database");
        let url = database_url(&admin_url, &name);
        let db = Db::connect(&url, 2).expect("open the empty database");
        TestDb {
            db,
            url,
            cleanup: Cleanup::Postgres { admin_url, name },
        }
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let Cleanup::Postgres { admin_url, name } = &self.cleanup {
            if let Ok(mut admin) = PgConnection::establish(admin_url) {
                // Best effort: a leftover database only costs disk until the next run.
                let _ = admin
                    .batch_execute(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"));
            }
        }
    }
}

pub fn pg_admin_url() -> String {
    std::env::var("TEST_DATABASE_URL").unwrap_or_else(|_| DEFAULT_PG_URL.to_owned())
}

fn pg_connect(url: &str) -> PgConnection {
    PgConnection::establish(url).unwrap_or_else(|e| {
        panic!(
            "PostgreSQL is required for the test suite and could not be reached at {url}: {e}. \
             Start it or point TEST_DATABASE_URL at a server where this user may create databases."
        )
    })
}

/// The same server and credentials, another database.
pub fn database_url(admin_url: &str, database: &str) -> String {
    let (base, query) = match admin_url.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (admin_url, None),
    };
    let after_scheme = base.find("://").map(|i| i + 3).unwrap_or(0);
    let host_end = base[after_scheme..]
        .find('/')
        .map(|i| i + after_scheme)
        .unwrap_or(base.len());
    let mut url = format!("{}/{database}", &base[..host_end]);
    if let Some(q) = query {
        url.push('?');
        url.push_str(q);
    }
    url
}

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

/// Creates (once per migration set, across processes) a migrated template database.
fn ensure_template(admin_url: &str) -> String {
    let name = format!("helpdesk_tmpl_{:016x}", migrations_fingerprint());
    let mut admin = pg_connect(admin_url);
    let exists = |admin: &mut PgConnection| -> bool {
        diesel::sql_query("SELECT COUNT(*) AS n FROM pg_database WHERE datname = $1")
            .bind::<Text, _>(&name)
            .get_result::<Count>(admin)
            .map(|c| c.n > 0)
            .expect("query pg_database")
    };
    if exists(&mut admin) {
        return name;
    }
    admin
        .batch_execute("SELECT pg_advisory_lock(7243001)")
        .expect("take the template lock");
    if !exists(&mut admin) {
        let wip = format!("{name}_wip");
        admin
            .batch_execute(&format!("DROP DATABASE IF EXISTS \"{wip}\" WITH (FORCE)"))
            .expect("drop a half-built template");
        admin
            .batch_execute(&format!("CREATE DATABASE \"{wip}\""))
            .expect("create template");
        {
            let db = Db::connect(&database_url(admin_url, &wip), 1).expect("open template");
            db.migrate().expect("migrate the template database");
        }
        admin
            .batch_execute(&format!(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{wip}'; \
                 ALTER DATABASE \"{wip}\" RENAME TO \"{name}\""
            ))
            .expect("publish the template database");
    }
    admin
        .batch_execute("SELECT pg_advisory_unlock(7243001)")
        .expect("release the template lock");
    name
}

/// The migrations on disk and those this binary embeds: a binary built before a migration was
/// added gets a template of its own instead of publishing a short one under the new name.
fn migrations_fingerprint() -> u64 {
    use diesel::migration::MigrationSource;
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../migrations/postgres");
    let mut files: Vec<_> = walk(&dir);
    files.sort();
    let mut h = DefaultHasher::new();
    let embedded: Vec<String> =
        MigrationSource::<diesel::pg::Pg>::migrations(&helpdesk_store::db::PG_MIGRATIONS)
            .map(|ms| ms.iter().map(|m| m.name().to_string()).collect())
            .unwrap_or_default();
    embedded.hash(&mut h);
    for f in files {
        f.hash(&mut h);
        std::fs::read(&f).unwrap_or_default().hash(&mut h);
    }
    h.finish()
}

fn walk(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    if let Ok(entries) = std::fs::read_dir(dir) {
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() {
                out.extend(walk(&p));
            } else {
                out.push(p);
            }
        }
    }
    out
}

/// Declares an async API test that runs once on SQLite and once on PostgreSQL against a live
/// server: `api_test!(async fn name(app) { ... })`. The calling crate needs `tokio` (dev).
#[macro_export]
macro_rules! api_test {
    ($(#[$meta:meta])* async fn $name:ident($app:ident) $body:block) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;
            $(#[$meta])*
            async fn run($app: $crate::TestApp) $body
            #[tokio::test]
            async fn sqlite() { run($crate::TestApp::spawn($crate::TestBackend::Sqlite).await).await }
            #[tokio::test]
            async fn postgres() { run($crate::TestApp::spawn($crate::TestBackend::Postgres).await).await }
        }
    };
}

/// Declares a synchronous test that runs once on SQLite and once on PostgreSQL:
/// `db_test!(fn name(db) { ... })` makes `name::sqlite` and `name::postgres`.
#[macro_export]
macro_rules! db_test {
    ($(#[$meta:meta])* fn $name:ident($db:ident) $body:block) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;
            $(#[$meta])*
            fn run($db: $crate::TestDb) $body
            #[test]
            fn sqlite() { run($crate::TestDb::new($crate::TestBackend::Sqlite)) }
            #[test]
            fn postgres() { run($crate::TestDb::new($crate::TestBackend::Postgres)) }
        }
    };
}

#[cfg(test)]
mod tests {
    use super::database_url;

    #[test]
    fn database_url_swaps_the_database() {
        assert_eq!(
            database_url("postgres://u:p@h:5432/postgres", "x"),
            "postgres://u:p@h:5432/x"
        );
        assert_eq!(database_url("postgres://h", "x"), "postgres://h/x");
        assert_eq!(
            database_url("postgres://h/db?sslmode=disable", "x"),
            "postgres://h/x?sslmode=disable"
        );
    }
}
