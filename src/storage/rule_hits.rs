//! Which rules matched each comment, one row per rule, so the queue can filter by rule.

use super::schema::comment_rule_hits;
use super::{DbConnection, StorageError};
use diesel::prelude::*;

/// Rows per statement: far below SQLite's 32,766 bound parameters and PostgreSQL's 65,535.
const ROWS_PER_STATEMENT: usize = 4_000;

/// Records which rules matched which comments: `(rule_id, comment_id)` pairs.
pub fn insert_many(conn: &mut DbConnection, hits: &[(String, String)]) -> Result<(), StorageError> {
    let row = |(rule, comment): &(String, String)| {
        (
            comment_rule_hits::rule_id.eq(rule.clone()),
            comment_rule_hits::comment_id.eq(comment.clone()),
        )
    };
    match conn {
        // diesel runs an SQLite batch row by row in a transaction of its own, which cannot
        // nest in ours: one cached statement per row costs as little.
        DbConnection::Sqlite(c) => {
            for hit in hits {
                diesel::insert_into(comment_rule_hits::table)
                    .values(row(hit))
                    .execute(c)?;
            }
        }
        DbConnection::Pg(c) => {
            for chunk in hits.chunks(ROWS_PER_STATEMENT) {
                let values: Vec<_> = chunk.iter().map(row).collect();
                diesel::insert_into(comment_rule_hits::table)
                    .values(values)
                    .execute(c)?;
            }
        }
    }
    Ok(())
}
