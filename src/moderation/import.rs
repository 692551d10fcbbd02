//! Storing comments read from an export (`interchange`): validated like a submission, each
//! record's source and id remembered so a second run adds nothing, replies placed under their
//! parent even when the parent comes later in the file, written in batches, one transaction
//! each. Not judged unless asked; when judged, today's rules only ever hold a comment.

pub use super::import_report::{ImportReport, StatusCounts, MAX_LISTED};
use super::import_rows::{
    article_row, audit_row, check_record, flag_row, place_under, revision_rows, row_from_record,
    row_from_source, time_ordered_id,
};
use super::{ArticleId, ModerationError, NewComment};
use crate::interchange::{Format, Item, Malformed, Position, SourceComment};
use crate::rules::{
    CommentInput, CommentStatus, Decision, LearnedModel, Normalized, RuleSet, Verdict,
};
use crate::storage::articles::{self, ArticleSettingsRow};
use crate::storage::audit::AuditRow;
use crate::storage::imported::{self, ImportBatch, PlacedRow};
use crate::storage::transfer::ImportedRow;
use crate::storage::{write_transaction, DbConnection};
use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use time::PrimitiveDateTime;

/// Replies waiting for a parent not seen yet, at most; past this the oldest are imported as
/// top-level comments (memory stays bounded whatever the file's order).
pub const MAX_WAITING: usize = 200_000;

/// Today's rules, for `--judge`.
pub struct Judging {
    pub rules: Arc<RuleSet>,
    pub model: Arc<LearnedModel>,
}

pub struct ImportOptions {
    pub format: Format,
    pub judge: Option<Judging>,
    /// Read and check everything, write nothing.
    pub dry_run: bool,
    /// Records per transaction.
    pub batch_size: usize,
}

/// A record checked and ready to place.
struct Ready {
    source: SourceComment,
    comment: NewComment,
}

pub struct Importer<'c> {
    conn: &'c mut DbConnection,
    options: ImportOptions,
    report: ImportReport,
    incoming: Vec<Ready>,
    batch: ImportBatch,
    /// Placed in this run and not yet looked up from the database (all of them in a dry run).
    placed: HashMap<String, PlacedRow>,
    /// Replies by the source id of the parent they wait for, in file order.
    waiting: HashMap<String, Vec<Ready>>,
    /// The source ids of the waiting replies.
    waiting_ids: HashSet<String>,
    /// Comment ids this run wrote, per source id seen (duplicate check in a dry run).
    seen_in_dry_run: HashSet<String>,
    /// Articles whose settings this run took.
    articles_seen: HashSet<String>,
    now: PrimitiveDateTime,
}

impl<'c> Importer<'c> {
    pub fn new(conn: &'c mut DbConnection, options: ImportOptions) -> Self {
        Importer {
            conn,
            report: ImportReport {
                dry_run: options.dry_run,
                ..ImportReport::default()
            },
            options,
            incoming: Vec::new(),
            batch: ImportBatch::default(),
            placed: HashMap::new(),
            waiting: HashMap::new(),
            waiting_ids: HashSet::new(),
            seen_in_dry_run: HashSet::new(),
            articles_seen: HashSet::new(),
            now: crate::timestamps::now(),
        }
    }

    pub fn report(&self) -> &ImportReport {
        &self.report
    }

    fn source(&self) -> Option<&'static str> {
        // Gatehouse's own records keep their ids: the comment id is the key.
        (self.options.format != Format::Jsonl).then(|| self.options.format.source())
    }

    /// Takes one item of the file.
    pub fn take(&mut self, item: Item) -> Result<(), ModerationError> {
        match item {
            Item::Malformed(Malformed { position, message }) => {
                // Position 0 is a note about the file, not a record.
                if position.record > 0 {
                    self.report.malformed += 1;
                }
                self.report.problem(&position, message);
            }
            Item::Skipped { position, reason } => {
                self.report.skipped += 1;
                self.report.problem(&position, format!("skipped: {reason}"));
            }
            Item::Article { position, record } => match article_row(&record) {
                Ok(row) => self.take_article(row)?,
                Err(message) => {
                    self.report.malformed += 1;
                    self.report.problem(&position, message);
                }
            },
            Item::Comment(source) => {
                self.report.read += 1;
                match self.check(*source) {
                    Ok(ready) => self.incoming.push(ready),
                    Err((position, message)) => {
                        self.report.malformed += 1;
                        self.report.problem(&position, message);
                    }
                }
                if self.incoming.len() >= self.options.batch_size.max(1) {
                    self.place_incoming()?;
                }
            }
        }
        Ok(())
    }

    /// Places what is left (replies whose parent never came become top-level), writes the
    /// last batch and the run's audit entry.
    pub fn finish(mut self, actor: &str) -> Result<ImportReport, ModerationError> {
        self.place_incoming()?;
        while !self.waiting.is_empty() {
            // Parents that are not themselves waiting never came; if every parent waits (a
            // cycle), any one breaks it.
            let missing: Vec<String> = self
                .waiting
                .keys()
                .filter(|p| !self.waiting_ids.contains(p.as_str()))
                .cloned()
                .collect();
            let missing = if missing.is_empty() {
                self.waiting.keys().take(1).cloned().collect()
            } else {
                missing
            };
            for parent in missing {
                for ready in self.take_waiting(&parent) {
                    self.orphan(ready, &parent)?;
                }
            }
        }
        self.flush()?;
        if !self.options.dry_run && self.report.imported + self.report.articles > 0 {
            let row = AuditRow::new(actor, "comments.import", "site", None, self.now).details(
                serde_json::json!({
                    "format": self.options.format.source(),
                    "imported": self.report.imported,
                    "articles": self.report.articles,
                    "already_imported": self.report.already_imported,
                    "malformed": self.report.malformed,
                    "judged": self.options.judge.is_some(),
                }),
            );
            write_transaction(&mut *self.conn, |conn| {
                crate::storage::audit::append(conn, &[row]).map_err(ModerationError::from)
            })?;
        }
        Ok(self.report)
    }

    /// An article's settings, stored unless the article has some here already (this
    /// database's moderators' choice stands; a second run adds nothing).
    fn take_article(&mut self, row: ArticleSettingsRow) -> Result<(), ModerationError> {
        let set_here = !self.articles_seen.insert(row.article_id.clone())
            || articles::find(self.conn, &row.article_id)?.is_some();
        if set_here {
            self.report.articles_already_set += 1;
        } else {
            self.report.articles += 1;
            self.batch.articles.push(row);
        }
        Ok(())
    }

    fn check(&self, source: SourceComment) -> Result<Ready, (Position, String)> {
        let position = source.position.clone();
        if let Some(record) = &source.record {
            check_record(record).map_err(|message| (position.clone(), message))?;
        }
        let fail = |e: ModerationError| (position.clone(), e.to_string());
        let article = ArticleId::parse(&source.article_id).map_err(fail)?;
        if source.record.is_some() && uuid::Uuid::parse_str(&source.source_id).is_err() {
            return Err((
                position,
                format!("id {:?} is not a comment id", source.source_id),
            ));
        }
        let comment = NewComment::parse(
            article.clone(),
            &source.author_name,
            source.author_email.as_deref(),
            &source.body,
            None,
        )
        .or_else(|e| match e {
            // An address the form would refuse is dropped, not the comment.
            ModerationError::Invalid {
                field: "author_email",
                ..
            } if source.record.is_none() => {
                NewComment::parse(article, &source.author_name, None, &source.body, None)
            }
            other => Err(other),
        })
        .map_err(fail)?;
        Ok(Ready { source, comment })
    }

    /// Drops records already stored (an earlier run) or seen earlier in this file, then places
    /// the rest.
    fn place_incoming(&mut self) -> Result<(), ModerationError> {
        let incoming = std::mem::take(&mut self.incoming);
        let ids: Vec<String> = incoming
            .iter()
            .map(|r| r.source.source_id.clone())
            .collect();
        let stored: HashSet<String> = match self.source() {
            Some(source) => imported::already_imported(self.conn, source, &ids)?
                .into_iter()
                .map(|(source_id, _)| source_id)
                .collect(),
            None => imported::existing_comments(self.conn, &ids)?
                .into_iter()
                .collect(),
        };
        for ready in incoming {
            let id = &ready.source.source_id;
            if stored.contains(id) && !self.seen_in_dry_run.contains(id) {
                self.report.already_imported += 1;
                continue;
            }
            let seen_here = self.placed.contains_key(id)
                || self.seen_in_dry_run.contains(id)
                || self.waiting_ids.contains(id)
                || stored.contains(id);
            if seen_here {
                self.report.duplicates += 1;
                let position = ready.source.position.clone();
                self.report.problem(
                    &position,
                    format!("id {id} appears again: this one is ignored"),
                );
                continue;
            }
            if self.options.dry_run {
                self.seen_in_dry_run.insert(id.clone());
            }
            self.route(ready)?;
        }
        Ok(())
    }

    /// The replies waiting for `parent`, no longer waiting.
    fn take_waiting(&mut self, parent: &str) -> Vec<Ready> {
        let replies = self.waiting.remove(parent).unwrap_or_default();
        for reply in &replies {
            self.waiting_ids.remove(&reply.source.source_id);
        }
        replies
    }

    /// Places a record under its parent, or keeps it until the parent comes.
    fn route(&mut self, ready: Ready) -> Result<(), ModerationError> {
        let Some(parent_id) = ready.source.parent_source_id.clone() else {
            return self.place(ready, None);
        };
        let parent = match self.placed.get(&parent_id) {
            Some(parent) => Some(parent.clone()),
            None => imported::find_placed(self.conn, self.source(), &parent_id)?,
        };
        match parent {
            Some(parent) => self.place(ready, Some(parent)),
            None => {
                self.waiting_ids.insert(ready.source.source_id.clone());
                self.waiting.entry(parent_id).or_default().push(ready);
                if self.waiting_ids.len() > MAX_WAITING {
                    self.release_oldest_waiting()?;
                }
                Ok(())
            }
        }
    }

    fn release_oldest_waiting(&mut self) -> Result<(), ModerationError> {
        let oldest = self
            .waiting
            .iter()
            .min_by_key(|(_, replies)| {
                replies
                    .first()
                    .map_or(u64::MAX, |r| r.source.position.record)
            })
            .map(|(parent, _)| parent.clone());
        if let Some(parent) = oldest {
            for ready in self.take_waiting(&parent) {
                self.orphan(ready, &parent)?;
            }
        }
        Ok(())
    }

    fn orphan(&mut self, ready: Ready, parent: &str) -> Result<(), ModerationError> {
        self.report.missing_parent += 1;
        let position = ready.source.position.clone();
        self.report.problem(
            &position,
            format!(
                "{}: parent {parent} is not in the file or the database: imported as a top-level comment",
                ready.source.source_id
            ),
        );
        self.place(ready, None)
    }

    /// Adds the comment to the batch, then the replies that waited for it.
    fn place(&mut self, ready: Ready, parent: Option<PlacedRow>) -> Result<(), ModerationError> {
        let mut stack = vec![(ready, parent)];
        while let Some((ready, parent)) = stack.pop() {
            let source_id = ready.source.source_id.clone();
            let placed = self.add_to_batch(ready, parent)?;
            // Reversed so the stack places them in file order.
            for reply in self.take_waiting(&source_id).into_iter().rev() {
                stack.push((reply, Some(placed.clone())));
            }
            self.placed.insert(source_id, placed);
            if self.batch.comments.len() >= self.options.batch_size.max(1) {
                self.flush()?;
            }
        }
        Ok(())
    }

    fn add_to_batch(
        &mut self,
        ready: Ready,
        parent: Option<PlacedRow>,
    ) -> Result<PlacedRow, ModerationError> {
        let Ready { source, comment } = ready;
        let id = match &source.record {
            Some(record) => record.id.clone(),
            None => time_ordered_id(source.created_at),
        };
        let parent = match parent {
            Some(p) if p.article_id != comment.article_id.as_str() => {
                self.report.missing_parent += 1;
                self.report.problem(
                    &source.position,
                    format!(
                        "{}: its parent is on another article: imported as a top-level comment",
                        source.source_id
                    ),
                );
                None
            }
            other => other,
        };
        let (placement, flattened) = place_under(&id, parent.as_ref());
        if flattened {
            self.report.flattened += 1;
        }
        let status = source.record.as_ref().map_or(source.status, |r| {
            CommentStatus::parse(&r.status).unwrap_or(CommentStatus::Pending)
        });
        // The body's normalized view serves its fingerprint and then the rules (`--judge`).
        let normalized = crate::rules::normalize(&comment.body);
        let fingerprint = crate::rules::normalized_fingerprint(&normalized);
        let judged = self.judged(&comment, status, &normalized);
        let row = match &source.record {
            Some(record) => row_from_record(record, &comment, &placement, judged, fingerprint)?,
            None => row_from_source(
                &source,
                &comment,
                &placement,
                judged,
                fingerprint,
                self.options.format.source(),
            )?,
        };
        let status = row.status.clone();
        if let Some(record) = &source.record {
            self.batch
                .audit
                .extend(record.decisions.iter().map(|d| audit_row(d, &id)));
            self.batch
                .flags
                .extend(record.flags.iter().map(|f| flag_row(f, &id)));
            self.batch.revisions.extend(revision_rows(record, &id));
            if let Some(from) = &record.imported_from {
                self.batch.sources.push(ImportedRow {
                    source: from.source.clone(),
                    source_id: from.id.clone(),
                    comment_id: id.clone(),
                });
            }
        } else if let Some(source_name) = self.source() {
            self.batch.sources.push(ImportedRow {
                source: source_name.to_string(),
                source_id: source.source_id.clone(),
                comment_id: id.clone(),
            });
        }
        if let Ok(verdict) = serde_json::from_str::<Verdict>(&row.verdict) {
            self.batch.rule_hits.extend(
                verdict
                    .matches
                    .iter()
                    .map(|m| (m.rule_id.clone(), id.clone())),
            );
        }
        let counts = self
            .report
            .by_article
            .entry(row.article_id.clone())
            .or_default();
        match CommentStatus::parse(&status) {
            Some(CommentStatus::Published) => counts.published += 1,
            Some(CommentStatus::Pending) => counts.pending += 1,
            _ => counts.rejected += 1,
        }
        self.report.imported += 1;
        let placed = PlacedRow {
            id: row.id.clone(),
            article_id: row.article_id.clone(),
            thread_path: placement.thread_path,
            depth: placement.depth,
        };
        self.batch.comments.push(row);
        Ok(placed)
    }

    /// Today's verdict (`--judge`), and the status it leaves: a comment the rules would hold
    /// or reject is held, never rejected by the import.
    fn judged(
        &mut self,
        comment: &NewComment,
        status: CommentStatus,
        normalized_body: &Normalized,
    ) -> Option<(Verdict, CommentStatus)> {
        let judging = self.options.judge.as_ref()?;
        let input = CommentInput::sample(
            &comment.body,
            &comment.author_name,
            comment.author_email.as_deref(),
            false,
        );
        let verdict =
            judging
                .rules
                .evaluate_normalized(&input, Some(&judging.model), normalized_body);
        let held = verdict.decision != Decision::Publish && status == CommentStatus::Published;
        if held {
            self.report.held_by_rules += 1;
        }
        Some((verdict, if held { CommentStatus::Pending } else { status }))
    }

    fn flush(&mut self) -> Result<(), ModerationError> {
        let batch = std::mem::take(&mut self.batch);
        if self.options.dry_run || batch.is_empty() {
            return Ok(());
        }
        write_transaction(&mut *self.conn, |conn| {
            imported::insert_batch(conn, &batch).map_err(ModerationError::from)
        })?;
        // Stored now: later replies find these parents in the database.
        self.placed.clear();
        Ok(())
    }
}
