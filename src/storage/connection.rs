//! Connections: one `DbConnection` type over SQLite and PostgreSQL, chosen by URL scheme, an
//! r2d2 pool that applies SQLite's durability pragmas to every new connection, and `open`, the
//! one way commands open (and migrate) a database.

use super::StorageError;
use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::r2d2::{ManageConnection, R2D2Connection};
use std::path::PathBuf;
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
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.redacted())
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

    /// The URL as logs and messages may show it: a SQLite file's absolute path; a PostgreSQL
    /// user, host and database, never a password (in the user part or the query).
    pub fn redacted(&self) -> String {
        match self {
            DatabaseUrl::Sqlite(path) => match sqlite_file(path) {
                Some(file) => format!("sqlite://{}", absolute(&file).display()),
                None => format!("sqlite://{path}"),
            },
            DatabaseUrl::Postgres(url) => {
                let (scheme, rest) = url.split_once("://").unwrap_or(("postgres", url));
                let rest = rest.split('?').next().unwrap_or_default();
                let (authority, database) = rest.split_once('/').unwrap_or((rest, ""));
                let authority = match authority.rsplit_once('@') {
                    Some((user, host)) => {
                        let user = user.split(':').next().unwrap_or_default();
                        format!("{user}@{host}")
                    }
                    None => authority.to_string(),
                };
                format!("{scheme}://{authority}/{database}")
            }
        }
    }

    /// Refuses a SQLite file that does not exist, which SQLite would otherwise create empty.
    pub fn require_existing(&self) -> Result<(), StorageError> {
        match self {
            DatabaseUrl::Sqlite(path) => match sqlite_file(path) {
                Some(file) if !file.exists() => Err(StorageError::Missing(format!(
                    "sqlite://{path} ({} does not exist)",
                    absolute(&file).display()
                ))),
                _ => Ok(()),
            },
            DatabaseUrl::Postgres(_) => Ok(()),
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

/// The file a SQLite path names: none for an in-memory database; a `file:` URI without its
/// query string.
fn sqlite_file(path: &str) -> Option<PathBuf> {
    if path == ":memory:" {
        return None;
    }
    match path.strip_prefix("file:") {
        Some(uri) => {
            let file = uri.split('?').next().unwrap_or_default();
            (!file.is_empty() && file != ":memory:").then(|| PathBuf::from(file))
        }
        None => Some(PathBuf::from(path)),
    }
}

/// `path` made absolute against the working folder, so messages say which file was meant.
fn absolute(path: &std::path::Path) -> PathBuf {
    std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf())
}

/// The busy timeout comes first: after a crash the first connection recovers the WAL under an
/// exclusive lock, and the pool's other connections, opening at the same moment, must wait for
/// it (quietly) rather than fail `journal_mode` with "database is locked" and be retried.
/// WAL lets readers run beside the writer; FULL makes every commit durable before we answer;
/// the busy timeout makes writers queue instead of failing; checkpoints run on their own
/// thread (`checkpoint.rs`), not inside a commit. `optimize` refreshes the planner's
/// statistics where tables changed a lot (bounded by `analysis_limit`), so queue filters pick
/// their indexes on a large database.
const SQLITE_PRAGMAS: &str = "PRAGMA busy_timeout = 10000;
PRAGMA journal_mode = WAL;
PRAGMA synchronous = FULL;
PRAGMA wal_autocheckpoint = 0;
PRAGMA foreign_keys = ON;
PRAGMA analysis_limit = 1000;
PRAGMA optimize = 0x10002;";

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
        // A PostgreSQL connection the server ended (a restart, a terminated backend) looks
        // healthy to the pool until used: test it on checkout, so one request's failure does
        // not come back with every request that draws that connection. SQLite files do not
        // go away.
        .test_on_check_out(url.backend() == Backend::Postgres)
        .build(ConnectionManager { url: url.clone() })?)
}

/// A pool that gives up on a connection after `timeout`, for tests of what callers do then.
#[cfg(test)]
pub(crate) fn pool_with_timeout(url: &DatabaseUrl, max_size: u32, timeout: Duration) -> Pool {
    diesel::r2d2::Pool::builder()
        .max_size(max_size)
        .connection_timeout(timeout)
        .build_unchecked(ConnectionManager { url: url.clone() })
}

/// Whether opening may create the database. Only `serve` and `migrate` make a new SQLite file:
/// every other command works on an existing database, so a mistyped path or another working
/// folder is refused instead of answering from a new, empty file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OpenMode {
    CreateIfMissing,
    Existing,
}

/// Opens a pool of up to `pool_size` connections on `url` and applies pending migrations.
pub fn open(url: &DatabaseUrl, pool_size: u32, mode: OpenMode) -> Result<Pool, StorageError> {
    if mode == OpenMode::Existing {
        url.require_existing()?;
    }
    let pool = connect_pool(url, pool_size)?;
    for name in super::run_migrations(&mut *pool.get()?)? {
        tracing::info!(migration = %name, "applied migration");
    }
    Ok(pool)
}

/// SQLite has one write lock per file, and its busy handler retries with growing sleeps: a
/// writer that commits back to back (the intake writer under load) would win every race and
/// starve a moderator's decision. Writers of this process queue here first, in arrival order.
static SQLITE_WRITERS: parking_lot::FairMutex<()> = parking_lot::const_fair_mutex(());

/// Runs `work` while this process's SQLite writers wait their turn, for the WAL checkpointer's
/// restart (`checkpoint.rs`), which needs the write lock between two of the intake writer's
/// batches.
pub(super) fn holding_writers_back<T>(work: impl FnOnce() -> T) -> T {
    let _turn = SQLITE_WRITERS.lock();
    work()
}

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

    #[test]
    fn redacted_urls_show_user_host_and_database_but_no_password() {
        let shown = |url: &str| DatabaseUrl::parse(url).unwrap().redacted();
        assert_eq!(
            shown("postgres://gatehouse:s3cret@db.internal:5432/site?sslmode=require"),
            "postgres://gatehouse@db.internal:5432/site"
        );
        assert_eq!(
            shown("postgresql://u@h/db?password=s3cret"),
            "postgresql://u@h/db"
        );
        assert_eq!(shown("postgres://h/db"), "postgres://h/db");
        assert_eq!(shown("sqlite:///var/lib/g.db"), "sqlite:///var/lib/g.db");
        let relative = shown("sqlite://g.db");
        assert!(
            relative.starts_with("sqlite:///") && relative.ends_with("/g.db"),
            "{relative}"
        );
    }

    #[test]
    fn only_a_missing_sqlite_file_is_refused_as_missing() {
        let dir = tempfile::tempdir().unwrap();
        let missing = format!("sqlite://{}", dir.path().join("none.db").display());
        let err = DatabaseUrl::parse(&missing)
            .unwrap()
            .require_existing()
            .unwrap_err();
        assert!(err.to_string().contains("none.db does not exist"), "{err}");
        let present = dir.path().join("here.db");
        std::fs::write(&present, b"").unwrap();
        for url in [
            format!("sqlite://{}", present.display()),
            "sqlite://:memory:".to_string(),
            "postgres://u@h/db".to_string(),
        ] {
            assert!(
                DatabaseUrl::parse(&url).unwrap().require_existing().is_ok(),
                "{url}"
            );
        }
    }

    /// `.cargo/config.toml` only applies to builds run inside the project: a build that missed
    /// it would work, slower (statements re-prepared, statement journals in temporary files).
    #[test]
    fn the_bundled_sqlite_is_built_with_the_servers_compile_options() {
        use diesel::{Connection, RunQueryDsl};
        #[derive(diesel::QueryableByName)]
        struct CompileOption {
            #[diesel(sql_type = diesel::sql_types::Text)]
            compile_options: String,
        }
        let mut conn = diesel::SqliteConnection::establish(":memory:").unwrap();
        let options: Vec<String> = diesel::sql_query("PRAGMA compile_options")
            .load::<CompileOption>(&mut conn)
            .unwrap()
            .into_iter()
            .map(|o| o.compile_options)
            .collect();
        for wanted in [
            "ENABLE_QPSG",
            "STMTJRNL_SPILL=122880",
            "DEFAULT_MEMSTATUS=0",
        ] {
            assert!(
                options.iter().any(|o| o == wanted),
                "{wanted} missing from {options:?}"
            );
        }
        assert!(!options.iter().any(|o| o == "ENABLE_STAT4"), "{options:?}");
    }
}
