//! Copying a whole Gatehouse database to another one, typically SQLite to PostgreSQL: every
//! table in foreign-key order, in batches, inside one transaction on the target, then the row
//! counts compared. The target must be empty: the copy keeps every id, and the audit log can
//! never be deleted from, so nothing is ever overwritten or merged.

use super::audit::AuditRow;
use super::bans::BanRow;
use super::reader_edits::{EditGrantRow, RevisionRow};
use super::schema::{
    audit_log, bans, comment_edit_grants, comment_revisions, comment_rule_hits, comments, flags,
    sessions, users,
};
use super::users::{SessionRow, UserRow};
use super::{run_migrations, write_transaction, DbConnection, StorageError};
use diesel::prelude::*;
use time::PrimitiveDateTime;

/// The tables in the order they are copied: every row's references are copied before it.
pub const TABLES: [&str; 9] = [
    "users",
    "sessions",
    "comments",
    "comment_rule_hits",
    "comment_edit_grants",
    "comment_revisions",
    "flags",
    "bans",
    "audit_log",
];

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = comments)]
struct CommentRow {
    id: String,
    article_id: String,
    parent_id: Option<String>,
    thread_path: String,
    depth: i32,
    author_name: String,
    author_email: Option<String>,
    author_key: String,
    body: String,
    body_fingerprint: String,
    client_ip: String,
    status: String,
    score: f64,
    verdict: String,
    rules_version: String,
    created_at: PrimitiveDateTime,
    decided_by: Option<String>,
    decided_at: Option<PrimitiveDateTime>,
    decision_reason: Option<String>,
    flagged_at: Option<PrimitiveDateTime>,
    flag_count: i32,
    edited_at: Option<PrimitiveDateTime>,
    deleted_at: Option<PrimitiveDateTime>,
    status_changed_by: Option<String>,
    status_changed_at: Option<PrimitiveDateTime>,
    revision: i32,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = comment_rule_hits)]
struct RuleHitRow {
    rule_id: String,
    comment_id: String,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = flags)]
struct FlagRow {
    id: String,
    comment_id: String,
    client_key: String,
    reason: String,
    note: Option<String>,
    created_at: PrimitiveDateTime,
}

/// One table's rows: in the source, copied, and in the target afterwards.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableCount {
    pub table: &'static str,
    pub source: i64,
    pub copied: i64,
    pub target: i64,
}

/// Why a transfer stopped. The target is untouched unless it was only migrated.
#[derive(Debug, thiserror::Error)]
pub enum TransferError {
    #[error("{0}")]
    Storage(#[from] StorageError),
    #[error(
        "the target database is not empty ({0}); migrate-data only fills an empty database: \
         create a new one and try again"
    )]
    TargetNotEmpty(String),
    #[error("row counts differ after the copy: {0}")]
    Mismatch(String),
}

impl From<diesel::result::Error> for TransferError {
    fn from(err: diesel::result::Error) -> Self {
        TransferError::Storage(err.into())
    }
}

/// Row counts of every table, in `TABLES` order.
pub fn count_rows(conn: &mut DbConnection) -> Result<Vec<(&'static str, i64)>, StorageError> {
    let counts = [
        users::table.count().get_result::<i64>(conn)?,
        sessions::table.count().get_result(conn)?,
        comments::table.count().get_result(conn)?,
        comment_rule_hits::table.count().get_result(conn)?,
        comment_edit_grants::table.count().get_result(conn)?,
        comment_revisions::table.count().get_result(conn)?,
        flags::table.count().get_result(conn)?,
        bans::table.count().get_result(conn)?,
        audit_log::table.count().get_result(conn)?,
    ];
    Ok(TABLES.into_iter().zip(counts).collect())
}

/// Copies every row of `source` into the empty `target`, migrating both first. `progress` is
/// called after each batch with the table and the rows copied of it so far. Everything is
/// written in one transaction on the target: it gets all rows or none.
pub fn copy_database(
    source: &mut DbConnection,
    target: &mut DbConnection,
    batch_size: i64,
    progress: &mut dyn FnMut(&'static str, i64),
) -> Result<Vec<TableCount>, TransferError> {
    run_migrations(source)?;
    run_migrations(target)?;
    let source_counts = count_rows(source)?;
    let occupied: Vec<String> = count_rows(target)?
        .into_iter()
        .filter(|(_, n)| *n > 0)
        .map(|(table, n)| format!("{table}: {n} rows"))
        .collect();
    if !occupied.is_empty() {
        return Err(TransferError::TargetNotEmpty(occupied.join(", ")));
    }
    let batch = batch_size.max(1);
    let copied = write_transaction(target, |target| {
        // A read transaction on the source: one consistent snapshot of every table.
        source.transaction(|source| {
            let mut copied = Vec::with_capacity(TABLES.len());
            macro_rules! copy_table {
                ($name:literal, $table:ident, $row:ty, $order:expr) => {{
                    let mut done = 0i64;
                    loop {
                        let rows: Vec<$row> = $table::table
                            .order($order)
                            .limit(batch)
                            .offset(done)
                            .select(<$row>::as_select())
                            .load(source)?;
                        for row in &rows {
                            diesel::insert_into($table::table)
                                .values(row)
                                .execute(target)?;
                        }
                        done += i64::try_from(rows.len()).unwrap_or(i64::MAX);
                        progress($name, done);
                        if i64::try_from(rows.len()).unwrap_or(0) < batch {
                            break;
                        }
                    }
                    copied.push(done);
                }};
            }
            copy_table!("users", users, UserRow, users::id.asc());
            copy_table!("sessions", sessions, SessionRow, sessions::token_hash.asc());
            // Parents before replies: a reply is always deeper than its parent.
            copy_table!(
                "comments",
                comments,
                CommentRow,
                (comments::depth.asc(), comments::id.asc())
            );
            copy_table!(
                "comment_rule_hits",
                comment_rule_hits,
                RuleHitRow,
                (
                    comment_rule_hits::comment_id.asc(),
                    comment_rule_hits::rule_id.asc()
                )
            );
            copy_table!(
                "comment_edit_grants",
                comment_edit_grants,
                EditGrantRow,
                comment_edit_grants::comment_id.asc()
            );
            copy_table!(
                "comment_revisions",
                comment_revisions,
                RevisionRow,
                comment_revisions::id.asc()
            );
            copy_table!("flags", flags, FlagRow, flags::id.asc());
            copy_table!("bans", bans, BanRow, bans::id.asc());
            copy_table!("audit_log", audit_log, AuditRow, audit_log::id.asc());
            Ok::<_, TransferError>(copied)
        })
    })?;
    let target_counts = count_rows(target)?;
    let report: Vec<TableCount> = source_counts
        .iter()
        .zip(copied)
        .zip(target_counts)
        .map(|((&(table, source), copied), (_, target))| TableCount {
            table,
            source,
            copied,
            target,
        })
        .collect();
    let wrong: Vec<String> = report
        .iter()
        .filter(|c| c.source != c.copied || c.source != c.target)
        .map(|c| {
            format!(
                "{}: {} in the source, {} copied, {} in the target",
                c.table, c.source, c.copied, c.target
            )
        })
        .collect();
    if !wrong.is_empty() {
        return Err(TransferError::Mismatch(wrong.join("; ")));
    }
    Ok(report)
}
