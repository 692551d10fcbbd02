//! What `import` and `export` read and write: whole comment rows with their rule hits, audit
//! entries, flags and earlier texts (`comment_revisions`), `imported_comments` (each imported
//! record's source and id) and articles' settings, in batches inside the caller's transaction;
//! and the pages of a site's comments in export order. Edit grants are never read here: their
//! token hashes stay in the database they were made for.

use super::articles::ArticleSettingsRow;
use super::audit::AuditRow;
use super::reader_edits::RevisionRow;
use super::schema::{
    article_settings, audit_log, comment_revisions, comments, flags, imported_comments,
};
use super::transfer::{CommentRow, FlagRow, ImportedRow};
use super::{DbConnection, StorageError};
use diesel::prelude::*;

/// Ids per `IN (…)` list: far below either backend's bound parameters.
const IDS_PER_STATEMENT: usize = 1_000;

/// What a parent look-up needs of a stored comment.
#[derive(Debug, Clone, PartialEq, Queryable, Selectable)]
#[diesel(table_name = comments)]
pub struct PlacedRow {
    pub id: String,
    pub article_id: String,
    pub thread_path: String,
    pub depth: i32,
}

/// A batch of imported comments and everything that goes with them.
#[derive(Debug, Default)]
pub struct ImportBatch {
    pub comments: Vec<CommentRow>,
    pub sources: Vec<ImportedRow>,
    pub rule_hits: Vec<(String, String)>,
    pub audit: Vec<AuditRow>,
    pub flags: Vec<FlagRow>,
    pub revisions: Vec<RevisionRow>,
    /// Settings of articles that had none in this database.
    pub articles: Vec<ArticleSettingsRow>,
}

impl ImportBatch {
    pub fn is_empty(&self) -> bool {
        self.comments.is_empty() && self.sources.is_empty() && self.articles.is_empty()
    }
}

/// Comment rows per statement on PostgreSQL: 21 parameters a row, far below its 65,535.
const ROWS_PER_STATEMENT: usize = 1_000;

/// Writes a batch (the caller holds the transaction).
pub fn insert_batch(conn: &mut DbConnection, batch: &ImportBatch) -> Result<(), StorageError> {
    match conn {
        // diesel runs an SQLite batch row by row in a transaction of its own, which cannot
        // nest in ours: one cached statement per row costs as little.
        DbConnection::Sqlite(c) => {
            for row in &batch.comments {
                diesel::insert_into(comments::table)
                    .values(row)
                    .execute(c)?;
            }
            for row in &batch.sources {
                diesel::insert_into(imported_comments::table)
                    .values(row)
                    .execute(c)?;
            }
        }
        // Many rows per statement: one round trip each.
        DbConnection::Pg(c) => {
            for chunk in batch.comments.chunks(ROWS_PER_STATEMENT) {
                diesel::insert_into(comments::table)
                    .values(chunk)
                    .execute(c)?;
            }
            for chunk in batch.sources.chunks(ROWS_PER_STATEMENT) {
                diesel::insert_into(imported_comments::table)
                    .values(chunk)
                    .execute(c)?;
            }
        }
    }
    super::rule_hits::insert_many(conn, &batch.rule_hits)?;
    super::audit::append(conn, &batch.audit)?;
    for row in &batch.flags {
        diesel::insert_into(flags::table)
            .values(row)
            .execute(conn)?;
    }
    for row in &batch.revisions {
        diesel::insert_into(comment_revisions::table)
            .values(row)
            .execute(conn)?;
    }
    for row in &batch.articles {
        diesel::insert_into(article_settings::table)
            .values(row)
            .execute(conn)?;
    }
    Ok(())
}

/// The settings moderators gave articles (all of them, or `article_id`'s), by article id.
pub fn article_settings_rows(
    conn: &mut DbConnection,
    article_id: Option<&str>,
) -> Result<Vec<ArticleSettingsRow>, StorageError> {
    let mut query = article_settings::table.into_boxed();
    if let Some(article) = article_id {
        query = query.filter(article_settings::article_id.eq(article.to_string()));
    }
    Ok(query
        .order(article_settings::article_id.asc())
        .select(ArticleSettingsRow::as_select())
        .load(conn)?)
}

/// Of `source_ids`, those already imported from `source`, with their comment ids.
pub fn already_imported(
    conn: &mut DbConnection,
    source: &str,
    source_ids: &[String],
) -> Result<Vec<(String, String)>, StorageError> {
    let mut found = Vec::new();
    for chunk in source_ids.chunks(IDS_PER_STATEMENT) {
        found.extend(
            imported_comments::table
                .filter(imported_comments::source.eq(source))
                .filter(imported_comments::source_id.eq_any(chunk))
                .select((imported_comments::source_id, imported_comments::comment_id))
                .load::<(String, String)>(conn)?,
        );
    }
    Ok(found)
}

/// Of `ids`, those that are stored comments.
pub fn existing_comments(
    conn: &mut DbConnection,
    ids: &[String],
) -> Result<Vec<String>, StorageError> {
    let mut found = Vec::new();
    for chunk in ids.chunks(IDS_PER_STATEMENT) {
        found.extend(
            comments::table
                .filter(comments::id.eq_any(chunk))
                .select(comments::id)
                .load::<String>(conn)?,
        );
    }
    Ok(found)
}

/// The stored comment imported from `source` as `source_id`, or with id `comment_id`.
pub fn find_placed(
    conn: &mut DbConnection,
    source: Option<&str>,
    id: &str,
) -> Result<Option<PlacedRow>, StorageError> {
    let query = comments::table.select(PlacedRow::as_select());
    Ok(match source {
        Some(source) => query
            .inner_join(imported_comments::table)
            .filter(imported_comments::source.eq(source))
            .filter(imported_comments::source_id.eq(id))
            .first(conn)
            .optional()?,
        None => query.filter(comments::id.eq(id)).first(conn).optional()?,
    })
}

/// A page of comments in export order (article, then thread order: a parent before its
/// replies), after the `(article_id, thread_path)` of the last row of the previous page.
pub fn export_page(
    conn: &mut DbConnection,
    article_id: Option<&str>,
    after: Option<(&str, &str)>,
    limit: i64,
) -> Result<Vec<CommentRow>, StorageError> {
    let mut query = comments::table.into_boxed();
    if let Some(article) = article_id {
        query = query.filter(comments::article_id.eq(article.to_string()));
    }
    if let Some((article, path)) = after {
        query = query.filter(
            comments::article_id
                .gt(article.to_string())
                .or(comments::article_id
                    .eq(article.to_string())
                    .and(comments::thread_path.gt(path.to_string()))),
        );
    }
    Ok(query
        .order((comments::article_id.asc(), comments::thread_path.asc()))
        .limit(limit)
        .select(CommentRow::as_select())
        .load(conn)?)
}

/// What an export adds to each comment row.
#[derive(Debug, Default)]
pub struct CommentExtras {
    /// Audit entries about the comments, oldest first.
    pub audit: Vec<AuditRow>,
    pub flags: Vec<FlagRow>,
    pub sources: Vec<ImportedRow>,
    /// Earlier texts, oldest first.
    pub revisions: Vec<RevisionRow>,
}

/// Audit entries, flags, import sources and earlier texts of the comments `ids`.
pub fn comment_extras(
    conn: &mut DbConnection,
    ids: &[String],
) -> Result<CommentExtras, StorageError> {
    let (mut audit, mut flag_rows, mut sources) = (Vec::new(), Vec::new(), Vec::new());
    let mut revisions = Vec::new();
    for chunk in ids.chunks(IDS_PER_STATEMENT) {
        audit.extend(
            audit_log::table
                .filter(audit_log::target_type.eq("comment"))
                .filter(audit_log::target_id.eq_any(chunk))
                .order(audit_log::id.asc())
                .select(AuditRow::as_select())
                .load(conn)?,
        );
        flag_rows.extend(
            flags::table
                .filter(flags::comment_id.eq_any(chunk))
                .order(flags::id.asc())
                .select(FlagRow::as_select())
                .load(conn)?,
        );
        sources.extend(
            imported_comments::table
                .filter(imported_comments::comment_id.eq_any(chunk))
                .select(ImportedRow::as_select())
                .load(conn)?,
        );
        revisions.extend(
            comment_revisions::table
                .filter(comment_revisions::comment_id.eq_any(chunk))
                .order(comment_revisions::id.asc())
                .select(RevisionRow::as_select())
                .load(conn)?,
        );
    }
    Ok(CommentExtras {
        audit,
        flags: flag_rows,
        sources,
        revisions,
    })
}
