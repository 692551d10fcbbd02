//! Online backups of an SQLite database: `VACUUM INTO` writes a consistent, compact copy from
//! one read transaction, while the server goes on reading and writing.

use super::{DbConnection, StorageError};
use diesel::connection::SimpleConnection;
use std::path::Path;

/// Why a backup was not made.
#[derive(Debug, thiserror::Error)]
pub enum BackupError {
    #[error("{0} exists; a backup never overwrites a file (choose a new name)")]
    TargetExists(String),
    #[error(
        "PostgreSQL databases are backed up with pg_dump, e.g. \
         `pg_dump --format=custom --file=gatehouse.dump postgres://gatehouse@db.internal/gatehouse` \
         (restore with `pg_restore --clean --dbname=…`); see docs/OPERATIONS.md"
    )]
    Postgres,
    #[error(transparent)]
    Storage(#[from] StorageError),
}

/// Writes a consistent copy of the SQLite database behind `conn` to `target`, a new file.
pub fn vacuum_into(conn: &mut DbConnection, target: &Path) -> Result<(), BackupError> {
    if target.exists() {
        return Err(BackupError::TargetExists(target.display().to_string()));
    }
    if !matches!(conn, DbConnection::Sqlite(_)) {
        return Err(BackupError::Postgres);
    }
    // A string literal, not a bound parameter: VACUUM INTO takes an expression, and quotes in
    // the path are doubled as SQL wants.
    let quoted = target.display().to_string().replace('\'', "''");
    conn.batch_execute(&format!("VACUUM INTO '{quoted}'"))
        .map_err(StorageError::from)?;
    Ok(())
}
