//! Readiness: can we reach the database right now.

use super::ModerationError;
use crate::storage::{self, comments, Pool};

/// Takes a connection from the pool and runs a trivial query.
pub fn check_database(pool: &Pool) -> Result<(), ModerationError> {
    let mut conn = pool.get().map_err(storage::StorageError::from)?;
    comments::ping(&mut conn)?;
    Ok(())
}
