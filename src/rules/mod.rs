//! The rules engine: the `moderation_rules.toml` format, loading and validation, text
//! normalization, compiled matchers and `RuleSet::evaluate`. Pure: no actix, no diesel, no IO
//! besides reading the files it is given.
//!
//! Modules:
//! - `format`: the serde shape of the file (strict keys, spans for line numbers);
//! - `compile` and `lists`: validation, list files, building the matchers;
//! - `normalize`: the normalized view and its map back to raw byte offsets;
//! - `words`: the whole-word phrase index (token hashing) for word lists and exceptions;
//! - `patterns`: regex rules (one prefilter `RegexSet` per view, exact regex per pattern);
//! - `links`: link detection; `stats`: caps ratio, runs and length;
//! - `evaluate`: running the rules over a comment; `error`: `RulesError`.

mod compile;
mod error;
mod evaluate;
mod format;
mod links;
mod lists;
mod normalize;
mod patterns;
mod stats;
mod words;

#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_errors;
#[cfg(test)]
mod tests_props;

pub use error::RulesError;
pub use format::{Kind, Scope, Target};
pub use links::{find_links, Link};
pub use normalize::{body_fingerprint, normalize, Normalized};

use serde::{Deserialize, Serialize};
use std::path::Path;
use std::time::Duration;

/// What the rules decided for one comment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Decision {
    Publish,
    Hold,
    Reject,
}

/// What a rule does when it matches.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Action {
    Reject,
    Hold,
    Score,
}

/// Which field of the comment a hit is in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Field {
    Body,
    AuthorName,
    AuthorEmail,
}

/// Whether a hit was found in the text as written or in its normalized form.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum View {
    Raw,
    Normalized,
}

/// One place a rule matched. `start..end` are byte offsets into the RAW field text, so a
/// moderator UI can highlight exactly what the reader wrote.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Hit {
    pub field: Field,
    pub view: View,
    pub start: usize,
    pub end: usize,
    /// The matched text as it appears in the view it was found in.
    pub matched: String,
}

/// One rule that matched, with every place it matched (capped) and the weight it added.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RuleMatch {
    pub rule_id: String,
    pub description: String,
    pub kind: String,
    pub action: Action,
    pub weight: f64,
    pub hits: Vec<Hit>,
}

/// The full explanation of a decision; stored with the comment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Verdict {
    pub decision: Decision,
    pub score: f64,
    pub hold_threshold: f64,
    pub reject_threshold: f64,
    pub matches: Vec<RuleMatch>,
    pub rules_version: String,
}

/// Facts about the author's past that some rules need; the caller looks them up.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AuthorHistory {
    /// Comments by this author that were published before (first-comment rule).
    pub prior_published: u64,
    /// Seconds since the same body (by `body_fingerprint`) came from the same author, if it did
    /// within `RuleSet::duplicate_window`.
    pub same_body_by_author_secs_ago: Option<u64>,
    /// Seconds since the same body came from the same client IP, likewise.
    pub same_body_by_ip_secs_ago: Option<u64>,
}

/// The comment as the rules see it.
#[derive(Debug, Clone, Default)]
pub struct CommentInput<'a> {
    pub body: &'a str,
    pub author_name: &'a str,
    pub author_email: Option<&'a str>,
    pub history: AuthorHistory,
}

/// How often one kind of sender may submit: `burst` at once, refilled at `rate` per `per`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct QuotaSpec {
    pub burst: u32,
    pub rate: u32,
    pub per: Per,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Per {
    Second,
    Minute,
    Hour,
    Day,
}

impl QuotaSpec {
    /// Time for one unit of the quota to come back.
    pub fn replenish_interval(&self) -> Duration {
        let period = match self.per {
            Per::Second => Duration::from_secs(1),
            Per::Minute => Duration::from_secs(60),
            Per::Hour => Duration::from_secs(3600),
            Per::Day => Duration::from_secs(86_400),
        };
        period / self.rate.max(1)
    }
}

/// The `[rate_limits]` table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RateLimitSettings {
    pub per_ip: QuotaSpec,
    pub per_author: QuotaSpec,
    pub per_article: QuotaSpec,
    pub global: QuotaSpec,
}

/// The `[thresholds]` table: the score at which a comment is held, and rejected.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Thresholds {
    pub hold: f64,
    pub reject: f64,
}

/// A compiled, validated rules file.
#[derive(Debug)]
pub struct RuleSet {
    inner: compile::Compiled,
}

impl RuleSet {
    /// Reads and compiles a rules file and the list files it names (relative to its folder).
    pub fn load(path: &Path) -> Result<RuleSet, RulesError> {
        let source =
            std::fs::read_to_string(path).map_err(|e| RulesError::file(path, e.to_string()))?;
        let base = path.parent().unwrap_or(Path::new("."));
        Self::from_source(&source, base, path)
    }

    /// Compiles rules from source text; list files resolve against `base_dir`; `origin` names
    /// the source in errors.
    pub fn from_source(
        source: &str,
        base_dir: &Path,
        origin: &Path,
    ) -> Result<RuleSet, RulesError> {
        Ok(RuleSet {
            inner: compile::compile(source, base_dir, origin)?,
        })
    }

    /// sha256 (hex) over the rules file and every list file it uses.
    pub fn version(&self) -> &str {
        &self.inner.version
    }

    pub fn rate_limits(&self) -> &RateLimitSettings {
        &self.inner.rate_limits
    }

    /// The hold and reject score thresholds.
    pub fn thresholds(&self) -> Thresholds {
        self.inner.thresholds
    }

    /// How many rules the file defines, disabled ones included.
    pub fn rule_count(&self) -> usize {
        self.inner.rules.len()
    }

    /// How many rules are enabled.
    pub fn enabled_rule_count(&self) -> usize {
        self.inner.rules.iter().filter(|r| r.enabled).count()
    }

    /// The longest window any enabled duplicate rule looks back; `None` when none is enabled,
    /// so the caller can skip the lookup.
    pub fn duplicate_window(&self) -> Option<Duration> {
        self.inner
            .rules
            .iter()
            .filter(|r| r.enabled)
            .filter_map(|r| match r.spec {
                compile::Spec::Duplicate { window_seconds, .. } => Some(window_seconds),
                _ => None,
            })
            .max()
            .map(Duration::from_secs)
    }

    /// Runs every enabled rule over the comment. Never panics.
    pub fn evaluate(&self, comment: &CommentInput<'_>) -> Verdict {
        evaluate::evaluate(&self.inner, comment)
    }
}
