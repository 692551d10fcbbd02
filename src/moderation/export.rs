//! Reading a site's comments (or one article's) as `interchange` records, a page at a time in
//! thread order (a parent before its replies), with each comment's verdict, audit entries,
//! flags and import source: what `export` writes and `import --format jsonl` reads back.

use super::{ArticleId, ModerationError};
use crate::interchange::{
    CommentRecord, DecisionRecord, FlagRecord, SourceRef, RECORD_FORMAT, RECORD_VERSION,
};
use crate::storage::imported;
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
        let imported::CommentExtras {
            audit,
            flags,
            sources,
        } = imported::comment_extras(conn, &ids)?;
        let mut decisions: HashMap<String, Vec<DecisionRecord>> = HashMap::new();
        for a in audit {
            let parse = |text: &Option<String>| {
                text.as_deref()
                    .map(|t| serde_json::from_str(t).unwrap_or(serde_json::Value::String(t.into())))
            };
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
        let mut from: HashMap<String, SourceRef> = sources
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
        let records = rows
            .into_iter()
            .map(|row| CommentRecord {
                format: RECORD_FORMAT.to_string(),
                version: RECORD_VERSION,
                decisions: decisions.remove(&row.id).unwrap_or_default(),
                flags: flag_records.remove(&row.id).unwrap_or_default(),
                imported_from: from.remove(&row.id),
                verdict: serde_json::from_str(&row.verdict)
                    .unwrap_or(serde_json::Value::String(row.verdict.clone())),
                created_at: rfc3339(row.created_at),
                decided_at: row.decided_at.map(rfc3339),
                flagged_at: row.flagged_at.map(rfc3339),
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
            })
            .collect();
        Ok(Some(records))
    }
}

/// One article's records, all of them (an article's thread fits in memory).
pub fn article_records(
    pool: &super::Database,
    article: ArticleId,
) -> Result<Vec<CommentRecord>, ModerationError> {
    let mut conn = pool.get().map_err(crate::storage::StorageError::from)?;
    let mut pages = ExportPages::new(Some(article));
    let mut records = Vec::new();
    while let Some(page) = pages.next_page(&mut conn)? {
        records.extend(page);
    }
    Ok(records)
}
