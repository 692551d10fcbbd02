//! The storage layer's error type: what went wrong talking to the database.

/// Everything the storage layer can fail with. Messages are for logs, never for clients.
#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    #[error("invalid database url: {0}")]
    InvalidUrl(String),
    /// A command that works on an existing database was given a SQLite file that does not exist.
    #[error("no database at {0}; only `gatehouse serve` and `gatehouse migrate` create one")]
    Missing(String),
    #[error("could not connect to the database: {0}")]
    Connect(#[from] diesel::ConnectionError),
    #[error("no database connection available: {0}")]
    Pool(#[from] diesel::r2d2::PoolError),
    /// A unique constraint refused a row (a concurrent duplicate); the transaction is void.
    #[error("duplicate row: {0}")]
    Duplicate(String),
    #[error("database query failed: {0}")]
    Query(diesel::result::Error),
    #[error("migration failed: {0}")]
    Migration(String),
    #[error("stored data is corrupt: {0}")]
    Corrupt(String),
}

impl From<diesel::result::Error> for StorageError {
    fn from(err: diesel::result::Error) -> Self {
        use diesel::result::{DatabaseErrorKind, Error};
        match err {
            Error::DatabaseError(DatabaseErrorKind::UniqueViolation, info) => {
                StorageError::Duplicate(info.message().to_string())
            }
            other => StorageError::Query(other),
        }
    }
}
