//! Reading a site's comments (or one article's) as `interchange` records, a page at a time in
//! thread order (a parent before its replies), with each comment's verdict, audit entries,
//! flags, earlier texts and import source, and the articles' settings: what `export` writes and
//! `import --format jsonl` reads back. Readers' edit grants are never exported.

use super::{ArticleId, ModerationError};
use crate::interchange::{
    ArticleRecord, CommentRecord, DecisionRecord, FlagRecord, RevisionRecord, SourceRef,
    ARTICLE_FORMAT, ARTICLE_VERSION, RECORD_FORMAT,
};
use crate::storage::imported;
use crate::storage::transfer::CommentRow;
use crate::storage::DbConnection;
use crate::timestamps::rfc3339;
use std::collections::HashMap;

/// Comments read per page.
const PAGE: i64 = 500;

/// A cursor over the comments to export.
pub struct ExportPages {
    article: Option<ArticleId>,
    after: Option<(String, String)>,
    done: bool,
}

impl ExportPages {
    /// Every comment of the site, or of one article.
    pub fn new(article: Option<ArticleId>) -> Self {
        ExportPages {
            article,
            after: None,
            done: false,
        }
    }

    /// The next page of records; `None` when all were read.
    pub fn next_page(
        &mut self,
        conn: &mut DbConnection,
    ) -> Result<Option<Vec<CommentRecord>>, ModerationError> {
        if self.done {
            return Ok(None);
        }
        let after = self.after.as_ref().map(|(a, p)| (a.as_str(), p.as_str()));
        let rows = imported::export_page(
            conn,
            self.article.as_ref().map(ArticleId::as_str),
            after,
            PAGE,
        )?;
        if rows.len() < usize::try_from(PAGE).unwrap_or(usize::MAX) {
            self.done = true;
        }
        let Some(last) = rows.last() else {
            return Ok(None);
        };
        self.after = Some((last.article_id.clone(), last.thread_path.clone()));
        let ids: Vec<String> = rows.iter().map(|r| r.id.clone()).collect();
        let extras = imported::comment_extras(conn, &ids)?;
        let mut grouped = Grouped::of(extras);
        Ok(Some(
            rows.into_iter().map(|row| grouped.record(row)).collect(),
        ))
    }
}

/// A page's audit entries, flags, earlier texts and sources by comment id.
struct Grouped {
    decisions: HashMap<String, Vec<DecisionRecord>>,
    flags: HashMap<String, Vec<FlagRecord>>,
    revisions: HashMap<String, Vec<RevisionRecord>>,
    sources: HashMap<String, SourceRef>,
}

impl Grouped {
    fn of(extras: imported::CommentExtras) -> Self {
        let imported::CommentExtras {
            audit,
            flags,
            sources,
            revisions,
        } = extras;
        let mut earlier: HashMap<String, Vec<RevisionRecord>> = HashMap::new();
        for r in revisions {
            earlier
                .entry(r.comment_id)
                .or_default()
                .push(RevisionRecord {
                    id: r.id,
                    kind: r.kind,
                    body: r.body,
                    status: r.status,
                    score: r.score,
                    verdict: json_or_text(&r.verdict),
                    rules_version: r.rules_version,
                    replaced_at: rfc3339(r.replaced_at),
                });
        }
        let mut decisions: HashMap<String, Vec<DecisionRecord>> = HashMap::new();
        for a in audit {
            let parse = |text: &Option<String>| text.as_deref().map(json_or_text);
            decisions
                .entry(a.target_id.clone().unwrap_or_default())
                .or_default()
                .push(DecisionRecord {
                    id: a.id.clone(),
                    at: rfc3339(a.at),
                    before: parse(&a.before_state),
                    after: parse(&a.after_state),
                    details: parse(&a.details),
                    actor: a.actor,
                    action: a.action,
                    reason: a.reason,
                });
        }
        let mut flag_records: HashMap<String, Vec<FlagRecord>> = HashMap::new();
        for f in flags {
            flag_records
                .entry(f.comment_id)
                .or_default()
                .push(FlagRecord {
                    id: f.id,
                    client_key: f.client_key,
                    reason: f.reason,
                    note: f.note,
                    created_at: rfc3339(f.created_at),
                });
        }
        let from: HashMap<String, SourceRef> = sources
            .into_iter()
            .map(|s| {
                (
                    s.comment_id,
                    SourceRef {
                        source: s.source,
                        id: s.source_id,
                    },
                )
            })
            .collect();
        Grouped {
            decisions,
            flags: flag_records,
            revisions: earlier,
            sources: from,
        }
    }

    /// The record of one comment row, with what belongs to it.
    fn record(&mut self, row: CommentRow) -> CommentRecord {
        let mut record = CommentRecord {
            format: RECORD_FORMAT.to_string(),
            version: 0,
            decisions: self.decisions.remove(&row.id).unwrap_or_default(),
            flags: self.flags.remove(&row.id).unwrap_or_default(),
            revisions: self.revisions.remove(&row.id).unwrap_or_default(),
            imported_from: self.sources.remove(&row.id),
            verdict: json_or_text(&row.verdict),
            created_at: rfc3339(row.created_at),
            decided_at: row.decided_at.map(rfc3339),
            flagged_at: row.flagged_at.map(rfc3339),
            edited_at: row.edited_at.map(rfc3339),
            deleted_at: row.deleted_at.map(rfc3339),
            status_changed_at: row.status_changed_at.map(rfc3339),
            status_changed_by: row.status_changed_by,
            revision: row.revision,
            id: row.id,
            article_id: row.article_id,
            parent_id: row.parent_id,
            author_name: row.author_name,
            author_email: row.author_email,
            body: row.body,
            client_ip: row.client_ip,
            status: row.status,
            score: row.score,
            rules_version: row.rules_version,
            decided_by: row.decided_by,
            decision_reason: row.decision_reason,
            flag_count: row.flag_count,
        };
        record.version = record.version_needed();
        record
    }
}

/// A stored JSON text as a value (a text that is not JSON stays a string).
fn json_or_text(text: &str) -> serde_json::Value {
    serde_json::from_str(text).unwrap_or(serde_json::Value::String(text.to_string()))
}

/// The settings moderators gave articles (every article's, or `article`'s), by article id:
/// written before the comments.
pub fn settings_records(
    conn: &mut DbConnection,
    article: Option<&ArticleId>,
) -> Result<Vec<ArticleRecord>, ModerationError> {
    Ok(
        imported::article_settings_rows(conn, article.map(ArticleId::as_str))?
            .into_iter()
            .map(|row| ArticleRecord {
                format: ARTICLE_FORMAT.to_string(),
                version: ARTICLE_VERSION,
                article_id: row.article_id,
                state: row.state,
                closes_at: row.closes_at.map(rfc3339),
                updated_by: row.updated_by,
                updated_at: rfc3339(row.updated_at),
            })
            .collect(),
    )
}

/// One article's export as JSON lines: its settings (if a moderator set it), then its
/// comments, all of them (an article's thread fits in memory).
pub fn article_lines(
    pool: &super::Database,
    article: ArticleId,
) -> Result<String, ModerationError> {
    let mut conn = pool.get().map_err(crate::storage::StorageError::from)?;
    let mut body = String::new();
    for record in settings_records(&mut conn, Some(&article))? {
        body.push_str(&record.to_line());
        body.push('\n');
    }
    let mut pages = ExportPages::new(Some(article));
    while let Some(page) = pages.next_page(&mut conn)? {
        for record in page {
            body.push_str(&record.to_line());
            body.push('\n');
        }
    }
    Ok(body)
}
