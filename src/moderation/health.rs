//! Readiness and the figures the metrics read on scrape: can we reach the database right now,
//! how many comments wait for a moderator, how busy the pool is.

use super::ModerationError;
use crate::storage::{self, comments, Pool};

/// Takes a connection from the pool and runs a trivial query.
pub fn check_database(pool: &Pool) -> Result<(), ModerationError> {
    let mut conn = pool.get().map_err(storage::StorageError::from)?;
    comments::ping(&mut conn)?;
    Ok(())
}

/// Comments waiting for a moderator in one queue.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Waiting {
    pub comments: i64,
    /// Seconds the oldest has waited (0 when none).
    pub oldest_secs: i64,
}

/// The pending and flagged queues, as of now.
pub fn queue_depth(pool: &Pool) -> Result<(Waiting, Waiting), ModerationError> {
    let mut conn = pool.get().map_err(storage::StorageError::from)?;
    let (pending, flagged) = storage::queue::depths(&mut conn)?;
    let now = crate::timestamps::now();
    let waiting = |depth: storage::queue::QueueDepth| Waiting {
        comments: depth.waiting,
        oldest_secs: depth.oldest.map_or(0, |t| (now - t).whole_seconds().max(0)),
    };
    Ok((waiting(pending), waiting(flagged)))
}

/// Connections of the pool: (in use, idle, largest size).
pub fn pool_use(pool: &Pool) -> (u32, u32, u32) {
    let state = pool.state();
    (
        state.connections.saturating_sub(state.idle_connections),
        state.idle_connections,
        pool.max_size(),
    )
}
