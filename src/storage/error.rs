//! The storage layer's error type: what went wrong talking to the database.

/// Everything the storage layer can fail with. Messages are for logs, never for clients.
#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    #[error("invalid database url: {0}")]
    InvalidUrl(String),
    #[error("could not connect to the database: {0}")]
    Connect(#[from] diesel::ConnectionError),
    #[error("no database connection available: {0}")]
    Pool(#[from] diesel::r2d2::PoolError),
    #[error("database query failed: {0}")]
    Query(#[from] diesel::result::Error),
    #[error("migration failed: {0}")]
    Migration(String),
    #[error("stored data is corrupt: {0}")]
    Corrupt(String),
}
