//! The moderators' queue: filtered, oldest-first keyset pages of comments with everything a
//! moderator needs beside them (author history, flags).

use super::schema::{author_stats, comment_rule_hits, comments, flags};
use super::{DbConnection, StorageError};
use diesel::dsl::{count_star, min};
use diesel::prelude::*;
use std::collections::HashMap;
use time::PrimitiveDateTime;

/// Which queue to read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QueueKind {
    Pending,
    /// Published comments that reader flags sent back for review.
    Flagged,
    Rejected,
    Published,
}

#[derive(Debug, Clone, Default)]
pub struct QueueFilter {
    pub article_id: Option<String>,
    pub rule_id: Option<String>,
    pub author_key: Option<String>,
    /// Only comments created before this instant.
    pub created_before: Option<PrimitiveDateTime>,
    /// Keyset cursor: only ids after this one.
    pub after_id: Option<String>,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = comments)]
pub struct QueueRow {
    pub id: String,
    pub article_id: String,
    pub parent_id: Option<String>,
    pub author_name: String,
    pub author_email: Option<String>,
    pub author_key: String,
    pub body: String,
    pub client_ip: String,
    pub status: String,
    pub score: f64,
    pub verdict: String,
    pub rules_version: String,
    pub created_at: PrimitiveDateTime,
    pub decided_by: Option<String>,
    pub decided_at: Option<PrimitiveDateTime>,
    pub decision_reason: Option<String>,
    pub flagged_at: Option<PrimitiveDateTime>,
    pub flag_count: i32,
    pub edited_at: Option<PrimitiveDateTime>,
    pub deleted_at: Option<PrimitiveDateTime>,
}

/// Narrows a boxed query over `comments` (alone or joined with its rule hits) to one queue and
/// the filter's article, author and age: the WHERE clause queue reads and bulk selections share.
macro_rules! narrowed {
    ($query:expr, $kind:expr, $filter:expr) => {{
        let filter: &QueueFilter = $filter;
        let mut query = $query;
        query = match $kind {
            // A comment its reader deleted awaits nobody's decision.
            QueueKind::Pending => query
                .filter(comments::status.eq("pending"))
                .filter(comments::deleted_at.is_null()),
            QueueKind::Flagged => query
                .filter(comments::flagged_at.is_not_null())
                .filter(comments::deleted_at.is_null()),
            QueueKind::Rejected => query.filter(comments::status.eq("rejected")),
            QueueKind::Published => query.filter(comments::status.eq("published")),
        };
        if let Some(article) = &filter.article_id {
            query = query.filter(comments::article_id.eq(article.clone()));
        }
        if let Some(author) = &filter.author_key {
            query = query.filter(comments::author_key.eq(author.clone()));
        }
        if let Some(before) = filter.created_before {
            query = query.filter(comments::created_at.lt(before));
        }
        query
    }};
}

/// Comments of the queue matching `filter` in id order, after the cursor, then `finish` picks
/// the columns. With a rule, the rule's hits drive the read (in comment id order, from their
/// primary key), so a page costs about as many look-ups as it has rows, however many comments
/// the queue holds.
macro_rules! queue_read {
    ($conn:expr, $kind:expr, $filter:expr, $limit:expr, |$query:ident| $finish:expr) => {{
        let filter: &QueueFilter = $filter;
        match &filter.rule_id {
            None => {
                let mut $query = narrowed!(comments::table.into_boxed(), $kind, filter);
                if let Some(after) = &filter.after_id {
                    $query = $query.filter(comments::id.gt(after.clone()));
                }
                let $query = $query.order(comments::id.asc()).limit($limit);
                $finish.load($conn)?
            }
            Some(rule) => {
                let joined = comments::table
                    .inner_join(comment_rule_hits::table)
                    .filter(comment_rule_hits::rule_id.eq(rule.clone()))
                    .into_boxed();
                let mut $query = narrowed!(joined, $kind, filter);
                if let Some(after) = &filter.after_id {
                    $query = $query.filter(comment_rule_hits::comment_id.gt(after.clone()));
                }
                let $query = $query
                    .order(comment_rule_hits::comment_id.asc())
                    .limit($limit);
                $finish.load($conn)?
            }
        }
    }};
}

pub fn list(
    conn: &mut DbConnection,
    kind: QueueKind,
    filter: &QueueFilter,
    limit: i64,
) -> Result<Vec<QueueRow>, StorageError> {
    Ok(queue_read!(conn, kind, filter, limit, |query| query
        .select(QueueRow::as_select())))
}

/// Ids of undecided comments matching a filter, oldest first, for bulk actions.
pub fn undecided_ids(
    conn: &mut DbConnection,
    kind: QueueKind,
    filter: &QueueFilter,
    limit: i64,
) -> Result<Vec<String>, StorageError> {
    Ok(queue_read!(conn, kind, filter, limit, |query| query
        .filter(comments::decided_at.is_null())
        .select(comments::id)))
}

/// Ids of comments matching a filter, decided or not, oldest first, for bulk changes of mind.
pub fn ids(
    conn: &mut DbConnection,
    kind: QueueKind,
    filter: &QueueFilter,
    limit: i64,
) -> Result<Vec<String>, StorageError> {
    Ok(queue_read!(conn, kind, filter, limit, |query| query
        .select(comments::id)))
}

/// An author's record: comments per status and the first time we saw them.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AuthorRecord {
    pub published: i64,
    pub pending: i64,
    pub rejected: i64,
    pub first_seen: Option<PrimitiveDateTime>,
}

/// The records of `author_keys`, from the counts triggers keep per author
/// (`2026-12-02-100000_author_stats`): a page costs one look-up per author, however many
/// comments they wrote.
pub fn author_records(
    conn: &mut DbConnection,
    author_keys: &[String],
) -> Result<HashMap<String, AuthorRecord>, StorageError> {
    let columns = (
        author_stats::author_key,
        author_stats::published,
        author_stats::pending,
        author_stats::rejected,
        author_stats::first_seen,
    );
    let rows: Vec<(String, i64, i64, i64, Option<PrimitiveDateTime>)> =
        on_backend_where_in!(conn, author_stats::author_key, author_keys, |c, listed| {
            author_stats::table.filter(listed).select(columns).load(c)?
        });
    Ok(rows
        .into_iter()
        .map(|(key, published, pending, rejected, first_seen)| {
            let record = AuthorRecord {
                published,
                pending,
                rejected,
                first_seen,
            };
            (key, record)
        })
        .collect())
}

/// Flags per comment: how many for each reason, and the notes readers left.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FlagSummary {
    pub by_reason: Vec<(String, i64)>,
    pub notes: Vec<String>,
}

pub fn flag_summaries(
    conn: &mut DbConnection,
    comment_ids: &[String],
) -> Result<HashMap<String, FlagSummary>, StorageError> {
    let columns = (flags::comment_id, flags::reason, flags::note);
    let rows: Vec<(String, String, Option<String>)> =
        on_backend_where_in!(conn, flags::comment_id, comment_ids, |c, listed| {
            flags::table
                .filter(listed)
                .order(flags::id.asc())
                .select(columns)
                .load(c)?
        });
    let mut summaries: HashMap<String, FlagSummary> = HashMap::new();
    for (comment_id, reason, note) in rows {
        let summary = summaries.entry(comment_id).or_default();
        match summary.by_reason.iter_mut().find(|(r, _)| *r == reason) {
            Some((_, count)) => *count += 1,
            None => summary.by_reason.push((reason, 1)),
        }
        summary.notes.extend(note);
    }
    Ok(summaries)
}

/// How many comments wait in one queue, and since when the oldest has waited.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QueueDepth {
    pub waiting: i64,
    pub oldest: Option<PrimitiveDateTime>,
}

/// The pending queue (by creation time) and the flagged one (by flag time), for the metrics:
/// two indexed aggregate reads.
pub fn depths(conn: &mut DbConnection) -> Result<(QueueDepth, QueueDepth), StorageError> {
    let (pending, oldest_pending): (i64, Option<PrimitiveDateTime>) = comments::table
        .filter(comments::status.eq("pending"))
        .select((count_star(), min(comments::created_at)))
        .first(conn)?;
    let (flagged, oldest_flag): (i64, Option<PrimitiveDateTime>) = comments::table
        .filter(comments::flagged_at.is_not_null())
        .select((count_star(), min(comments::flagged_at)))
        .first(conn)?;
    Ok((
        QueueDepth {
            waiting: pending,
            oldest: oldest_pending,
        },
        QueueDepth {
            waiting: flagged,
            oldest: oldest_flag,
        },
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::storage::connection::{open, DatabaseUrl, OpenMode};
    use diesel::debug_query;
    use diesel::sql_types::{BigInt, Text};
    use diesel::sqlite::Sqlite;

    #[derive(QueryableByName)]
    struct PlanStep {
        #[diesel(sql_type = Text)]
        detail: String,
    }

    /// The plan the bundled SQLite (as built for the server: no STAT4, QPSG) makes for a queue
    /// page's statement, its values bound as the server binds them, on a migrated database
    /// without statistics (as a new site's).
    fn page_plan(kind: QueueKind, filter: &QueueFilter, binds: &[&str]) -> String {
        let dir = tempfile::tempdir().unwrap();
        let url = DatabaseUrl::Sqlite(dir.path().join("plan.db").to_str().unwrap().to_string());
        let pool = open(&url, 1, OpenMode::CreateIfMissing).unwrap();
        let mut conn = pool.get().unwrap();
        let DbConnection::Sqlite(conn) = &mut *conn else {
            unreachable!("a SQLite URL opens SQLite")
        };
        let query = narrowed!(comments::table.into_boxed::<Sqlite>(), kind, filter)
            .order(comments::id.asc())
            .limit(51)
            .select(QueueRow::as_select());
        let rendered = debug_query::<Sqlite, _>(&query).to_string();
        let sql = rendered.split(" -- binds:").next().unwrap();
        let mut explain = diesel::sql_query(format!("EXPLAIN QUERY PLAN {sql}")).into_boxed();
        for value in binds {
            explain = explain.bind::<Text, _>(value.to_string());
        }
        let steps: Vec<PlanStep> = explain.bind::<BigInt, _>(51).load(conn).unwrap();
        steps
            .into_iter()
            .map(|s| s.detail)
            .collect::<Vec<_>>()
            .join("; ")
    }

    #[test]
    fn queue_pages_read_their_rows_in_id_order_from_an_index_without_sorting() {
        let article = QueueFilter {
            article_id: Some("news-1".into()),
            ..QueueFilter::default()
        };
        for (kind, filter, binds, index) in [
            (
                QueueKind::Pending,
                QueueFilter::default(),
                vec!["pending"],
                "comments_status_id",
            ),
            (
                QueueKind::Pending,
                article,
                vec!["pending", "news-1"],
                "comments_article_status_id",
            ),
            (
                QueueKind::Flagged,
                QueueFilter::default(),
                vec![],
                "comments_flagged",
            ),
        ] {
            let plan = page_plan(kind, &filter, &binds);
            assert!(
                plan.contains(&format!("USING INDEX {index} ")) || plan.ends_with(index),
                "{kind:?}: {plan}"
            );
            assert!(!plan.contains("TEMP B-TREE"), "{kind:?}: {plan}");
        }
    }
}
