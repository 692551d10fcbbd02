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
    /// Refused without asking the pool again: a job that queued behind one whose wait for a
    /// connection just timed out (it would wait as long in turn).
    #[error("no database connection available: {0}")]
    NoConnection(String),
    /// A unique constraint refused a row (a concurrent duplicate); the transaction is void.
    #[error("duplicate row: {0}")]
    Duplicate(String),
    #[error("database query failed: {0}")]
    Query(diesel::result::Error),
    #[error("migration failed: {0}")]
    Migration(String),
    #[error("stored data is corrupt: {0}")]
    Corrupt(String),
    /// The database cannot take writes now (disk full, read-only file, I/O error, connection
    /// lost): a passing condition to retry, not a bug.
    #[error("the database cannot write: {0}")]
    Unwritable(String),
    /// The writer thread is gone (the server is stopping).
    #[error("the database writer has stopped")]
    WriterStopped,
}

/// Messages SQLite and PostgreSQL give when the database cannot take writes for a reason
/// outside the query itself.
const UNWRITABLE: [&str; 10] = [
    "database is locked",
    "no connection to the server",
    "database or disk is full",
    "readonly database",
    "disk i/o error",
    "unable to open database file",
    "no space left on device",
    "could not extend file",
    "read-only transaction",
    "server closed the connection",
];

impl StorageError {
    /// Whether retrying later may succeed (the client should be told "busy", not "broken").
    pub fn is_transient(&self) -> bool {
        matches!(
            self,
            StorageError::Connect(_)
                | StorageError::Pool(_)
                | StorageError::NoConnection(_)
                | StorageError::Unwritable(_)
                | StorageError::WriterStopped
        )
    }
}

impl From<diesel::result::Error> for StorageError {
    fn from(err: diesel::result::Error) -> Self {
        use diesel::result::{DatabaseErrorKind, Error};
        match err {
            Error::DatabaseError(DatabaseErrorKind::UniqueViolation, info) => {
                StorageError::Duplicate(info.message().to_string())
            }
            Error::DatabaseError(DatabaseErrorKind::ClosedConnection, info) => {
                StorageError::Unwritable(info.message().to_string())
            }
            Error::DatabaseError(_, ref info)
                if UNWRITABLE
                    .iter()
                    .any(|m| info.message().to_lowercase().contains(m)) =>
            {
                StorageError::Unwritable(info.message().to_string())
            }
            other => StorageError::Query(other),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use diesel::connection::SimpleConnection;
    use diesel::prelude::*;

    #[test]
    fn a_full_sqlite_database_is_a_transient_failure() {
        let mut conn = diesel::SqliteConnection::establish(":memory:").unwrap();
        conn.batch_execute(
            "CREATE TABLE t (x TEXT); PRAGMA max_page_count = 2; INSERT INTO t VALUES ('a');",
        )
        .unwrap();
        let big = "x".repeat(100_000);
        let err = diesel::sql_query(format!("INSERT INTO t VALUES ('{big}')"))
            .execute(&mut conn)
            .unwrap_err();
        let err = StorageError::from(err);
        assert!(matches!(err, StorageError::Unwritable(_)), "{err:?}");
        assert!(err.is_transient());
    }

    #[test]
    fn a_broken_query_is_not_transient() {
        let mut conn = diesel::SqliteConnection::establish(":memory:").unwrap();
        let err = diesel::sql_query("SELECT * FROM no_such_table")
            .execute(&mut conn)
            .unwrap_err();
        assert!(!StorageError::from(err).is_transient());
    }
}
