//! `gatehouse backup --to FILE`: a consistent copy of the SQLite database, safe while the server
//! runs. (PostgreSQL sites use pg_dump; the command says how.)

use super::open_existing;
use crate::config::DatabaseArgs;
use crate::storage::backup::{vacuum_into, BackupError};
use crate::storage::{Backend, DatabaseUrl};
use std::path::PathBuf;

#[derive(clap::Args, Debug)]
#[command(after_help = "Examples:
  gatehouse backup --to /var/backups/gatehouse-$(date +%F).db
  gatehouse backup --database-url sqlite:///var/lib/gatehouse/gatehouse.db --to /tmp/copy.db

Restore: stop the server, move the backup into place as the database file (e.g.
/var/lib/gatehouse/gatehouse.db, removing any gatehouse.db-wal and gatehouse.db-shm beside it),
start the server. See docs/OPERATIONS.md.")]
pub struct BackupArgs {
    /// The new file to write (never overwritten).
    #[arg(long)]
    pub to: PathBuf,
    #[command(flatten)]
    pub database: DatabaseArgs,
}

pub fn run(args: &BackupArgs) -> Result<(), String> {
    // Said before connecting: opening would apply migrations to whatever the URL names.
    let url = DatabaseUrl::parse(&args.database.database_url).map_err(|e| e.to_string())?;
    if url.backend() == Backend::Postgres {
        return Err(BackupError::Postgres.to_string());
    }
    let pool = open_existing(&args.database)?;
    let mut conn = pool.get().map_err(|e| e.to_string())?;
    vacuum_into(&mut conn, &args.to).map_err(|e| e.to_string())?;
    let size = std::fs::metadata(&args.to).map(|m| m.len()).unwrap_or(0);
    println!(
        "backed up {} to {} ({size} bytes)",
        args.database.database_url,
        args.to.display()
    );
    Ok(())
}
