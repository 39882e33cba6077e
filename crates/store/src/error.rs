use diesel::result::{DatabaseErrorKind, Error as DieselError};
use thiserror::Error;

#[derive(Debug, Error)]
pub enum StoreError {
    #[error("not found")]
    NotFound,
    /// A uniqueness or reference rule of the database refused the change.
    #[error("conflict: {0}")]
    Conflict(String),
    #[error("connection pool: {0}")]
    Pool(String),
    /// The database did not answer in time, or the connection to it broke: worth retrying.
    #[error("database unreachable: {0}")]
    Unreachable(String),
    #[error("query failed")]
    Query(#[source] DieselError),
    #[error("migration failed: {0}")]
    Migration(String),
    #[error("bad database url: {0}")]
    Url(String),
}

impl From<DieselError> for StoreError {
    fn from(e: DieselError) -> Self {
        match e {
            DieselError::NotFound => StoreError::NotFound,
            DieselError::DatabaseError(
                kind
                @ (DatabaseErrorKind::UniqueViolation | DatabaseErrorKind::ForeignKeyViolation),
                info,
            ) => {
                let what = if matches!(kind, DatabaseErrorKind::UniqueViolation) {
                    "already exists"
                } else {
                    "refers to a record that does not exist or is still referenced"
                };
                StoreError::Conflict(match info.constraint_name() {
                    Some(c) => format!("{what} ({c})"),
                    None => what.to_owned(),
                })
            }
            DieselError::DatabaseError(
                DatabaseErrorKind::ClosedConnection | DatabaseErrorKind::UnableToSendCommand,
                info,
            ) => StoreError::Unreachable(info.message().to_owned()),
            other => StoreError::Query(other),
        }
    }
}

impl From<diesel::r2d2::PoolError> for StoreError {
    /// r2d2's only error: no connection within the pool's wait (the server is down or slow).
    fn from(e: diesel::r2d2::PoolError) -> Self {
        StoreError::Unreachable(e.to_string())
    }
}
