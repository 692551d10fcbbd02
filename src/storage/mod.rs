//! Persistence: the diesel schema, every SQL statement, connections and pools for SQLite and
//! PostgreSQL, and the embedded migrations. Never imports actix.

pub mod comments;
mod connection;
mod error;
mod migrations;
pub mod schema;

pub use connection::{connect_pool, write_transaction, Backend, DatabaseUrl, DbConnection, Pool};
pub use error::StorageError;
pub use migrations::{migration_names, run_migrations};
