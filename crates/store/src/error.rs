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
    #[error("query failed: {0}")]
    Query(DieselError),
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
            other => StoreError::Query(other),
        }
    }
}

impl From<diesel::r2d2::PoolError> for StoreError {
    fn from(e: diesel::r2d2::PoolError) -> Self {
        StoreError::Pool(e.to_string())
    }
}
