//! Backtesting a candidate rules file: replay stored comments through the live rules and the
//! candidate alike, count the decisions that differ (with every such comment's id, so an admin
//! can act on them, and examples), and compare with what moderators actually decided.

use super::ModerationError;
use crate::rules::{CommentInput, CommentStatus, Decision, RuleSet};
use crate::storage::{comments, Pool, StorageError};
use serde::Serialize;
use std::collections::BTreeMap;
use time::PrimitiveDateTime;

const BATCH: i64 = 1_000;
const EXAMPLES_PER_CHANGE: usize = 5;

#[derive(Debug, Clone, Default)]
pub struct BacktestOptions {
    pub since: Option<PrimitiveDateTime>,
    pub limit: Option<u64>,
    /// The learned rule's model, for both files; without it the learned rule never matches.
    pub model: Option<std::sync::Arc<crate::rules::LearnedModel>>,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct ChangeExample {
    pub id: String,
    /// The comment's status in the database now (moderators may have decided it since).
    pub stored_status: CommentStatus,
    pub excerpt: String,
    /// Rules the candidate matched.
    pub rules: Vec<String>,
}

/// Comments the live rules give one status and the candidate another.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Change {
    /// The status under the live rules.
    pub from: CommentStatus,
    /// The status under the candidate.
    pub to: CommentStatus,
    pub count: u64,
    /// Every such comment's id, oldest first: e.g. for `POST /api/v1/moderation/bulk`.
    pub ids: Vec<String>,
    pub examples: Vec<ChangeExample>,
}

/// How one candidate rule fared on comments a moderator decided.
#[derive(Debug, Clone, Serialize, PartialEq, Default)]
pub struct RuleAgreement {
    pub rule_id: String,
    /// Moderator-decided comments this rule matched.
    pub matched: u64,
    /// …of which moderators rejected (the rule was right to flag them).
    pub moderator_rejected: u64,
    /// …of which moderators approved (a false positive).
    pub moderator_approved: u64,
}

#[derive(Debug, Clone, Serialize, PartialEq, Default)]
pub struct BacktestReport {
    pub live_version: String,
    pub candidate_version: String,
    pub evaluated: u64,
    /// Comments the live rules and the candidate decide alike.
    pub unchanged: u64,
    /// Comments they decide differently, by (live, candidate) status.
    pub changes: Vec<Change>,
    pub moderator_decided: u64,
    /// Candidate publishes what moderators approved, or holds/rejects what they rejected.
    pub agrees_with_moderators: u64,
    pub disagrees_with_moderators: u64,
    pub rules: Vec<RuleAgreement>,
}

fn excerpt(body: &str) -> String {
    let mut text: String = body.chars().take(120).collect();
    if body.chars().count() > 120 {
        text.push('…');
    }
    text
}

/// The stored status text as a status (anything unknown counts as rejected: not public).
fn stored_status(status: &str) -> CommentStatus {
    match status {
        "published" => CommentStatus::Published,
        "pending" => CommentStatus::Pending,
        _ => CommentStatus::Rejected,
    }
}

/// Replays stored comments through `live` and `candidate`. Both see each comment the same way,
/// so only the rules' difference shows: history (duplicates, first comments) and bans are not
/// replayed. `progress(done, total)` is called per batch.
pub fn backtest(
    pool: &Pool,
    live: &RuleSet,
    candidate: &RuleSet,
    options: &BacktestOptions,
    mut progress: impl FnMut(u64, u64),
) -> Result<BacktestReport, ModerationError> {
    let mut conn = pool.get().map_err(StorageError::from)?;
    let available = u64::try_from(comments::count_since(&mut conn, options.since)?).unwrap_or(0);
    let total = options.limit.map_or(available, |l| l.min(available));
    let mut report = BacktestReport {
        live_version: live.version().to_string(),
        candidate_version: candidate.version().to_string(),
        ..Default::default()
    };
    let mut changes: BTreeMap<(u8, u8), Change> = BTreeMap::new();
    let mut rules: BTreeMap<String, RuleAgreement> = BTreeMap::new();
    let mut after: Option<String> = None;
    while report.evaluated < total {
        let batch = comments::replay_batch(&mut conn, options.since, after.as_deref(), BATCH)?;
        let Some(last) = batch.last() else { break };
        after = Some(last.id.clone());
        for row in batch {
            if report.evaluated >= total {
                break;
            }
            report.evaluated += 1;
            // As `rules test` does: a reader with a published comment and no recent repeat.
            let comment = CommentInput::sample(
                &row.body,
                &row.author_name,
                row.author_email.as_deref(),
                false,
            );
            let model = options.model.as_deref();
            let old = CommentStatus::from(live.evaluate_with(&comment, model).decision);
            let verdict = candidate.evaluate_with(&comment, model);
            let new = CommentStatus::from(verdict.decision);
            let matched: Vec<String> = verdict.matches.iter().map(|m| m.rule_id.clone()).collect();
            if old == new {
                report.unchanged += 1;
            } else {
                let change = changes
                    .entry((old as u8, new as u8))
                    .or_insert_with(|| Change {
                        from: old,
                        to: new,
                        count: 0,
                        ids: Vec::new(),
                        examples: Vec::new(),
                    });
                change.count += 1;
                change.ids.push(row.id.clone());
                if change.examples.len() < EXAMPLES_PER_CHANGE {
                    change.examples.push(ChangeExample {
                        id: row.id.clone(),
                        stored_status: stored_status(&row.status),
                        excerpt: excerpt(&row.body),
                        rules: matched.clone(),
                    });
                }
            }
            if row.decided_by.is_some() {
                report.moderator_decided += 1;
                let approved = row.status == "published";
                let agrees = (verdict.decision == Decision::Publish) == approved;
                if agrees {
                    report.agrees_with_moderators += 1;
                } else {
                    report.disagrees_with_moderators += 1;
                }
                for rule in &matched {
                    let entry = rules.entry(rule.clone()).or_insert_with(|| RuleAgreement {
                        rule_id: rule.clone(),
                        ..Default::default()
                    });
                    entry.matched += 1;
                    if approved {
                        entry.moderator_approved += 1;
                    } else {
                        entry.moderator_rejected += 1;
                    }
                }
            }
        }
        progress(report.evaluated, total);
    }
    report.changes = changes.into_values().collect();
    report.rules = rules.into_values().collect();
    Ok(report)
}
