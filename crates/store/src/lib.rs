//! Storage: one diesel schema served by PostgreSQL or SQLite, chosen at run time.
//!
//! What lives here: the connection type and pool (`Db`), embedded per-backend migrations, row
//! structs and insert/update forms, and query functions grouped by aggregate. Where the backends
//! differ, one small function matches on the connection (see `db::next_case_number`).
//! What must not: business rules (they live in `helpdesk-domain`) or HTTP.

pub mod attachments;
pub mod audit;
pub mod auth;
pub mod cases;
pub mod catalog;
pub mod crm;
pub mod db;
pub mod email;
pub mod error;
pub mod events;
pub mod export;
pub mod files;
pub mod idempotency;
pub mod imports;
pub mod invitations;
pub mod kb;
pub mod leads;
pub mod merge;
pub mod notifications;
pub mod queue;
pub mod ratelimits;
pub mod registry;
pub mod schema;
pub mod search;
pub mod security;
pub mod sla;
pub mod sso;
pub mod two_factor;
pub mod unit;
pub mod users;
pub mod web_forms;
pub mod webhooks;
pub mod workflow;

pub use db::{AnyConnection, Backend, Db, DbUrl};
pub use error::StoreError;
pub use unit::Unit;

use chrono::{NaiveDateTime, SubsecRound};

/// A list page: the rows and, when more may follow, the cursor for the next page.
#[derive(Debug, Clone)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub next_cursor: Option<i64>,
}

impl<T> Page<T> {
    /// Builds a page from `limit + 1` fetched rows: the extra row only says that more exist.
    pub fn from_overfetch(mut rows: Vec<T>, limit: i64, key: impl Fn(&T) -> i64) -> Self {
        let more = rows.len() as i64 > limit;
        rows.truncate(limit.max(0) as usize);
        let next_cursor = if more { rows.last().map(key) } else { None };
        Page {
            items: rows,
            next_cursor,
        }
    }
}

/// Both backends keep microseconds; cutting them here keeps values equal after a round trip.
pub fn truncate_time(t: NaiveDateTime) -> NaiveDateTime {
    t.trunc_subsecs(6)
}
