//! Backtesting a candidate rules file: replay stored comments, count how many decisions would
//! change (with examples), and compare with what moderators actually decided.

use super::ModerationError;
use crate::rules::{CommentInput, CommentStatus, Decision, RuleSet, Verdict};
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
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct ChangeExample {
    pub id: String,
    pub excerpt: String,
    /// Rules the candidate matched.
    pub rules: Vec<String>,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Change {
    pub from: CommentStatus,
    pub to: CommentStatus,
    pub count: u64,
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
    pub candidate_version: String,
    pub evaluated: u64,
    pub unchanged: u64,
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

/// Replays stored comments through `candidate`. `progress(done, total)` is called per batch.
pub fn backtest(
    pool: &Pool,
    candidate: &RuleSet,
    options: &BacktestOptions,
    mut progress: impl FnMut(u64, u64),
) -> Result<BacktestReport, ModerationError> {
    let mut conn = pool.get().map_err(StorageError::from)?;
    let available = u64::try_from(comments::count_since(&mut conn, options.since)?).unwrap_or(0);
    let total = options.limit.map_or(available, |l| l.min(available));
    let mut report = BacktestReport {
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
            // History (duplicates, first comments) is not replayed: as `rules test` does, the
            // author counts as a reader with a published comment and no recent repeat.
            let verdict = candidate.evaluate(&CommentInput::sample(
                &row.body,
                &row.author_name,
                row.author_email.as_deref(),
                false,
            ));
            let old = serde_json::from_str::<Verdict>(&row.verdict)
                .map(|v| CommentStatus::from(v.decision))
                .unwrap_or(match row.status.as_str() {
                    "published" => CommentStatus::Published,
                    "pending" => CommentStatus::Pending,
                    _ => CommentStatus::Rejected,
                });
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
                        examples: Vec::new(),
                    });
                change.count += 1;
                if change.examples.len() < EXAMPLES_PER_CHANGE {
                    change.examples.push(ChangeExample {
                        id: row.id.clone(),
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
