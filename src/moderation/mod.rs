//! The domain between the HTTP edge and storage: turning a validated submission into a judged,
//! stored comment, and reading the public thread.

mod article_list;
pub mod articles;
pub mod audit;
pub mod backtest;
pub mod bans;
pub mod decide;
mod error;
pub mod export;
pub mod flags;
mod health;
pub mod idempotency;
pub mod identity;
pub mod import;
mod import_report;
mod import_rows;
mod intake;
mod intake_writer;
mod judge;
pub mod learning;
mod listing;
pub mod queue;
pub mod reader_edits;
mod settings;
mod stored_matches;
pub mod types;

pub use error::{ModerationError, StatusConflict, Unacceptable};

/// The database the domain works on: a connection pool the HTTP edge holds and hands back,
/// never looks into; and what can go wrong with it (the edge tells unavailable from broken).
pub use crate::storage::{Pool as Database, StorageError as DatabaseError};
pub use health::{check_database, pool_use, queue_depth, Waiting};
pub use intake::Intake;
pub use judge::{SubmittedComment, MAX_THREAD_DEPTH};
pub use learning::LiveModel;
pub use listing::{
    list_published, published_counts, CommentPage, PublicComment, MAX_COUNTED_ARTICLES,
};
pub use settings::{BanAction, EditWindow, ModerationSettings};
pub use types::{ArticleId, NewComment};
