//! Connections: one `DbConnection` type over SQLite and PostgreSQL, chosen by URL scheme, and an
//! r2d2 pool that applies SQLite's durability pragmas to every new connection.

use super::StorageError;
use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::r2d2::{ManageConnection, R2D2Connection};
use std::time::Duration;

/// One connection type for both backends, so every query is written once.
#[derive(diesel::MultiConnection)]
pub enum DbConnection {
    Sqlite(diesel::SqliteConnection),
    Pg(diesel::PgConnection),
}

/// Which database a URL names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// A parsed database URL: `sqlite://PATH` (relative or, with a third slash, absolute) or
/// `postgres://…` / `postgresql://…`.
#[derive(Clone, PartialEq, Eq)]
pub enum DatabaseUrl {
    Sqlite(String),
    Postgres(String),
}

impl std::fmt::Debug for DatabaseUrl {
    // Postgres URLs may carry a password: never print them whole.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            DatabaseUrl::Sqlite(path) => write!(f, "sqlite://{path}"),
            DatabaseUrl::Postgres(_) => write!(f, "postgres://…"),
        }
    }
}

impl DatabaseUrl {
    pub fn parse(url: &str) -> Result<Self, StorageError> {
        if let Some(path) = url.strip_prefix("sqlite://") {
            if path.is_empty() {
                return Err(StorageError::InvalidUrl(
                    "sqlite:// needs a file path, e.g. sqlite://gatehouse.db".into(),
                ));
            }
            Ok(DatabaseUrl::Sqlite(path.to_string()))
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Ok(DatabaseUrl::Postgres(url.to_string()))
        } else {
            Err(StorageError::InvalidUrl(
                "expected sqlite://PATH or postgres://USER@HOST/DB".into(),
            ))
        }
    }

    pub fn backend(&self) -> Backend {
        match self {
            DatabaseUrl::Sqlite(_) => Backend::Sqlite,
            DatabaseUrl::Postgres(_) => Backend::Postgres,
        }
    }

    /// Opens one connection, reporting the backend's own error (diesel's multi-connection
    /// `establish` would hide it).
    pub fn establish(&self) -> Result<DbConnection, diesel::ConnectionError> {
        match self {
            DatabaseUrl::Sqlite(path) => {
                let mut conn = diesel::SqliteConnection::establish(path)?;
                conn.batch_execute(SQLITE_PRAGMAS)
                    .map_err(diesel::ConnectionError::CouldntSetupConfiguration)?;
                Ok(DbConnection::Sqlite(conn))
            }
            DatabaseUrl::Postgres(url) => {
                Ok(DbConnection::Pg(diesel::PgConnection::establish(url)?))
            }
        }
    }
}

/// WAL lets readers run beside the writer; FULL makes every commit durable before we answer;
/// the busy timeout makes writers queue instead of failing.
const SQLITE_PRAGMAS: &str = "PRAGMA journal_mode = WAL;
PRAGMA synchronous = FULL;
PRAGMA busy_timeout = 10000;
PRAGMA foreign_keys = ON;";

pub struct ConnectionManager {
    url: DatabaseUrl,
}

impl ManageConnection for ConnectionManager {
    type Connection = DbConnection;
    type Error = diesel::ConnectionError;

    fn connect(&self) -> Result<DbConnection, Self::Error> {
        self.url.establish()
    }

    fn is_valid(&self, conn: &mut DbConnection) -> Result<(), Self::Error> {
        conn.ping()
            .map_err(diesel::ConnectionError::CouldntSetupConfiguration)
    }

    fn has_broken(&self, conn: &mut DbConnection) -> bool {
        conn.is_broken()
    }
}

pub type Pool = diesel::r2d2::Pool<ConnectionManager>;

/// Builds a pool, failing fast (with the backend's message) when the database is unreachable.
pub fn connect_pool(url: &DatabaseUrl, max_size: u32) -> Result<Pool, StorageError> {
    // Surface the real connection error before r2d2 wraps it in a timeout.
    drop(url.establish()?);
    Ok(diesel::r2d2::Pool::builder()
        .max_size(max_size.max(1))
        .connection_timeout(Duration::from_secs(10))
        .test_on_check_out(false)
        .build(ConnectionManager { url: url.clone() })?)
}

/// SQLite has one write lock per file, and its busy handler retries with growing sleeps: a
/// writer that commits back to back (the intake writer under load) would win every race and
/// starve a moderator's decision. Writers of this process queue here first, in arrival order.
static SQLITE_WRITERS: parking_lot::FairMutex<()> = parking_lot::const_fair_mutex(());

/// Runs `work` in a write transaction. On SQLite the transaction takes the write lock up front
/// (`BEGIN IMMEDIATE`), after the writers that came first, so writers queue instead of failing
/// each other or starving one another.
pub fn write_transaction<T, E>(
    conn: &mut DbConnection,
    work: impl FnOnce(&mut DbConnection) -> Result<T, E>,
) -> Result<T, E>
where
    E: From<diesel::result::Error>,
{
    match conn {
        DbConnection::Sqlite(_) => {
            let _turn = SQLITE_WRITERS.lock();
            conn.batch_execute("BEGIN IMMEDIATE")?;
            match work(conn) {
                Ok(value) => match conn.batch_execute("COMMIT") {
                    Ok(()) => Ok(value),
                    Err(err) => {
                        let _ = conn.batch_execute("ROLLBACK");
                        Err(err.into())
                    }
                },
                Err(err) => {
                    let _ = conn.batch_execute("ROLLBACK");
                    Err(err)
                }
            }
        }
        DbConnection::Pg(_) => conn.transaction(work),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_sqlite_and_postgres_urls() {
        assert_eq!(
            DatabaseUrl::parse("sqlite://gatehouse.db").unwrap(),
            DatabaseUrl::Sqlite("gatehouse.db".into())
        );
        assert_eq!(
            DatabaseUrl::parse("sqlite:///var/lib/g.db").unwrap(),
            DatabaseUrl::Sqlite("/var/lib/g.db".into())
        );
        assert_eq!(
            DatabaseUrl::parse("postgresql://u@h/db").unwrap().backend(),
            Backend::Postgres
        );
    }

    #[test]
    fn rejects_urls_without_a_known_scheme() {
        assert!(DatabaseUrl::parse("mysql://x").is_err());
        assert!(DatabaseUrl::parse("gatehouse.db").is_err());
        assert!(DatabaseUrl::parse("sqlite://").is_err());
    }

    #[test]
    fn debug_output_hides_postgres_credentials() {
        let url = DatabaseUrl::parse("postgres://user:secret@host/db").unwrap();
        assert!(!format!("{url:?}").contains("secret"));
    }
}
