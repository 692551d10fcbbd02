//! Persistence: the diesel schema, every SQL statement, connections and pools for SQLite and
//! PostgreSQL, and the embedded migrations. Never imports actix.

pub mod articles;
pub mod audit;
pub mod backup;
pub mod bans;
pub mod checkpoint;
pub mod comments;
mod connection;
pub mod decisions;
mod error;
pub mod flags;
pub mod group_commit;
pub mod idempotency;
pub mod imported;
pub mod learned;
mod migrations;
pub mod outbox;
pub mod queue;
pub mod reader_edits;
pub mod rule_hits;
pub mod schema;
pub mod transfer;
pub mod users;

pub use connection::{
    connect_pool, open, write_transaction, Backend, DatabaseUrl, DbConnection, OpenMode, Pool,
};
pub use error::StorageError;
pub use migrations::{migration_names, run_migrations};
