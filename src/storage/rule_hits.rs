//! Which rules matched each comment, one row per rule, so the queue can filter by rule.

use super::schema::comment_rule_hits;
use super::{DbConnection, StorageError};
use diesel::prelude::*;

/// Records which rules matched a comment (for the queue's rule filter).
pub fn insert(
    conn: &mut DbConnection,
    comment_id: &str,
    rule_ids: &[String],
) -> Result<(), StorageError> {
    for rule in rule_ids {
        diesel::insert_into(comment_rule_hits::table)
            .values((
                comment_rule_hits::rule_id.eq(rule.as_str()),
                comment_rule_hits::comment_id.eq(comment_id),
            ))
            .execute(conn)?;
    }
    Ok(())
}
