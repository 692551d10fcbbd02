//! Copying a whole Gatehouse database to another one, typically SQLite to PostgreSQL: every
//! table in foreign-key order, in batches, inside one transaction on the target, then the row
//! counts compared. The target must be empty: the copy keeps every id, and the audit log can
//! never be deleted from, so nothing is ever overwritten or merged.

use super::articles::ArticleSettingsRow;
use super::audit::AuditRow;
use super::bans::BanRow;
use super::idempotency::IdempotencyRow;
use super::outbox::OutboxRow;
use super::reader_edits::{EditGrantRow, RevisionRow};
use super::schema::{
    article_settings, audit_log, bans, comment_edit_grants, comment_revisions, comment_rule_hits,
    comments, flags, idempotency_keys, imported_comments, learned_labels, learned_state,
    learned_tokens, sessions, users, webhook_outbox,
};
use super::users::{SessionRow, UserRow};
use super::{run_migrations, write_transaction, DbConnection, StorageError};
use diesel::prelude::*;
use time::PrimitiveDateTime;

/// The tables in the order they are copied: every row's references are copied before it.
/// The learned model's state row is not among them: every migrated database has exactly one,
/// and the copy overwrites it.
pub const TABLES: [&str; 15] = [
    "users",
    "sessions",
    "comments",
    "imported_comments",
    "comment_rule_hits",
    "comment_edit_grants",
    "comment_revisions",
    "flags",
    "bans",
    "article_settings",
    "audit_log",
    "idempotency_keys",
    "webhook_outbox",
    "learned_tokens",
    "learned_labels",
];

/// A comment row with every column: what `migrate-data`, `import` and `export` move.
#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = comments)]
pub struct CommentRow {
    pub id: String,
    pub article_id: String,
    pub parent_id: Option<String>,
    pub thread_path: String,
    pub depth: i32,
    pub author_name: String,
    pub author_email: Option<String>,
    pub author_key: String,
    pub body: String,
    pub body_fingerprint: String,
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
    pub status_changed_by: Option<String>,
    pub status_changed_at: Option<PrimitiveDateTime>,
    pub revision: i32,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = comment_rule_hits)]
pub struct RuleHitRow {
    pub rule_id: String,
    pub comment_id: String,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = flags)]
pub struct FlagRow {
    pub id: String,
    pub comment_id: String,
    pub client_key: String,
    pub reason: String,
    pub note: Option<String>,
    pub created_at: PrimitiveDateTime,
}

/// Where an imported comment came from (`gatehouse import`).
#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = imported_comments)]
pub struct ImportedRow {
    pub source: String,
    pub source_id: String,
    pub comment_id: String,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = learned_tokens)]
struct LearnedTokenRow {
    token: String,
    ham: i64,
    spam: i64,
    generation: i64,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = learned_labels)]
struct LearnedLabelRow {
    doc_key: String,
    label: String,
    labelled_at: PrimitiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable, AsChangeset)]
#[diesel(table_name = learned_state)]
struct LearnedStateRow {
    generation: i64,
    epoch: i64,
    ham_docs: i64,
    spam_docs: i64,
    token_count: i64,
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
        imported_comments::table.count().get_result(conn)?,
        comment_rule_hits::table.count().get_result(conn)?,
        comment_edit_grants::table.count().get_result(conn)?,
        comment_revisions::table.count().get_result(conn)?,
        flags::table.count().get_result(conn)?,
        bans::table.count().get_result(conn)?,
        article_settings::table.count().get_result(conn)?,
        audit_log::table.count().get_result(conn)?,
        idempotency_keys::table.count().get_result(conn)?,
        webhook_outbox::table.count().get_result(conn)?,
        learned_tokens::table.count().get_result(conn)?,
        learned_labels::table.count().get_result(conn)?,
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
                "imported_comments",
                imported_comments,
                ImportedRow,
                (
                    imported_comments::source.asc(),
                    imported_comments::source_id.asc()
                )
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
            copy_table!(
                "article_settings",
                article_settings,
                ArticleSettingsRow,
                article_settings::article_id.asc()
            );
            copy_table!("audit_log", audit_log, AuditRow, audit_log::id.asc());
            copy_table!(
                "idempotency_keys",
                idempotency_keys,
                IdempotencyRow,
                idempotency_keys::key_hash.asc()
            );
            // Pending webhook events keep their place; finished ones keep the delivery log.
            copy_table!(
                "webhook_outbox",
                webhook_outbox,
                OutboxRow,
                webhook_outbox::id.asc()
            );
            copy_table!(
                "learned_tokens",
                learned_tokens,
                LearnedTokenRow,
                learned_tokens::token.asc()
            );
            copy_table!(
                "learned_labels",
                learned_labels,
                LearnedLabelRow,
                learned_labels::doc_key.asc()
            );
            // The model's totals and generation go with its counts, so every instance on the
            // target loads the model as it was.
            let state: LearnedStateRow = learned_state::table
                .find(1)
                .select(LearnedStateRow::as_select())
                .first(source)?;
            diesel::update(learned_state::table.find(1))
                .set(&state)
                .execute(target)?;
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
