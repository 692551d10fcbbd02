//! Persistence: the diesel schema, every SQL statement, connections and pools for SQLite and
//! PostgreSQL, and the embedded migrations. Never imports actix.

/// Runs `$body` with `$c` bound to the backend's own connection, for statements on hot paths.
/// Through `DbConnection` diesel renders a statement's SQL text on every call to find it in the
/// statement cache (~7% of the server's CPU under intake load, `perf`); on the backend's own
/// connection a statement of fixed shape is found by its type.
macro_rules! on_backend {
    ($conn:expr, |$c:ident| $body:expr) => {
        match $conn {
            $crate::storage::DbConnection::Sqlite($c) => $body,
            $crate::storage::DbConnection::Pg($c) => $body,
        }
    };
}

/// `on_backend!` with `$filter` bound to "`$column` is one of `$keys`", written the way each
/// backend keeps the statement prepared whatever the number of keys: one JSON array on SQLite
/// (`json_list`), one array parameter on PostgreSQL (`= ANY($1)`).
macro_rules! on_backend_where_in {
    ($conn:expr, $column:expr, $keys:expr, |$c:ident, $filter:ident| $body:expr) => {
        match $conn {
            $crate::storage::DbConnection::Sqlite($c) => {
                let $filter = $crate::storage::json_list::in_json_list($column, $keys);
                $body
            }
            $crate::storage::DbConnection::Pg($c) => {
                let $filter = diesel::ExpressionMethods::eq_any($column, $keys);
                $body
            }
        }
    };
}

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
mod json_list;
pub mod learned;
mod migrations;
pub mod outbox;
pub mod queue;
pub mod reader_edits;
pub mod rule_hits;
pub mod schema;
pub mod transfer;
pub mod users;
pub mod workers;

pub use connection::{
    connect_pool, open, write_transaction, Backend, DatabaseUrl, DbConnection, OpenMode, Pool,
};
pub use error::StorageError;
pub use migrations::{migration_names, run_migrations};
