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
//! - `evaluate`: running the rules over a comment; `error`: `RulesError`;
//! - `values`: checks of single values (ids, counts, domains, quotas);
//! - `examples`: the file's `[[example]]` entries, run on every load;
//! - `lint`: warnings for `rules check` (never-matching, duplicate and over-broad entries);
//! - `counters`: per-rule live and shadow hit counts for the server.

mod compile;
mod counters;
mod error;
mod evaluate;
mod examples;
mod format;
mod links;
mod lint;
mod lists;
mod normalize;
mod patterns;
mod stats;
mod values;
mod words;

#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_admin;
#[cfg(test)]
mod tests_errors;
#[cfg(test)]
mod tests_props;

pub use counters::{RuleHitCount, RuleHitCounters};
pub use error::RulesError;
pub use examples::{excerpt, Example};
pub use format::{Kind, Mode, Scope, Status, Target};
pub use links::{find_links, Link};
pub use lint::{lint, Finding, Severity, EVERYDAY_ENGLISH};
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
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Action {
    Reject,
    Hold,
    Score,
}

impl Action {
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Reject => "reject",
            Action::Hold => "hold",
            Action::Score => "score",
        }
    }
}

/// Which field of the comment a hit is in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Field {
    Body,
    AuthorName,
    AuthorEmail,
}

impl Field {
    pub fn as_str(self) -> &'static str {
        match self {
            Field::Body => "body",
            Field::AuthorName => "author_name",
            Field::AuthorEmail => "author_email",
        }
    }
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
    /// A shadow rule's match: recorded, but it added nothing to the score or the decision.
    /// Absent in verdicts stored before shadow rules existed.
    #[serde(default)]
    pub shadow: bool,
    pub hits: Vec<Hit>,
}

/// What the server may show or count about one rule of a loaded file.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RuleInfo {
    pub id: String,
    pub description: String,
    pub kind: Kind,
    pub action: Action,
    pub weight: f64,
    pub mode: Mode,
    pub enabled: bool,
    /// 1-based line of the rule in the rules file.
    pub line: usize,
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

impl<'a> CommentInput<'a> {
    /// A comment as the admin tools and rules-file examples try it: no recent duplicate, from a
    /// reader with one published comment, or with none when `first_comment` is set.
    pub fn sample(
        body: &'a str,
        author_name: &'a str,
        author_email: Option<&'a str>,
        first_comment: bool,
    ) -> CommentInput<'a> {
        CommentInput {
            body,
            author_name,
            author_email,
            history: AuthorHistory {
                prior_published: u64::from(!first_comment),
                ..Default::default()
            },
        }
    }
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
    /// Reader flags per client address (optional; default 10 at once, 30 an hour).
    #[serde(default = "default_flag_quota")]
    pub flags: QuotaSpec,
}

fn default_flag_quota() -> QuotaSpec {
    QuotaSpec {
        burst: 10,
        rate: 30,
        per: Per::Hour,
    }
}

/// What a ban does to a submission.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum BanPolicy {
    Reject,
    Hold,
}

/// The optional `[moderation]` table: site policy that is not a matching rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ModerationPolicy {
    /// Reader flags that send a published comment back to the moderators.
    pub flag_threshold: u32,
    /// Whether a flagged comment stays visible until a moderator decides.
    pub flagged_stay_visible: bool,
    /// What happens to a submission from a banned author or address.
    pub ban_action: BanPolicy,
}

impl Default for ModerationPolicy {
    fn default() -> Self {
        ModerationPolicy {
            flag_threshold: 3,
            flagged_stay_visible: true,
            ban_action: BanPolicy::Reject,
        }
    }
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
    /// Every list file the rules read (resolved paths).
    pub fn list_files(&self) -> &[std::path::PathBuf] {
        &self.inner.list_files
    }

    pub fn moderation(&self) -> ModerationPolicy {
        self.inner.moderation
    }

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

    /// Every rule's id, in file order (disabled ones included).
    pub fn rule_ids(&self) -> Vec<&str> {
        self.inner.rules.iter().map(|r| r.id.as_str()).collect()
    }

    /// Every rule's metadata, in file order (disabled ones included).
    pub fn rules(&self) -> Vec<RuleInfo> {
        self.inner
            .rules
            .iter()
            .map(|r| RuleInfo {
                id: r.id.clone(),
                description: r.description.clone(),
                kind: r.kind,
                action: r.action,
                weight: r.weight,
                mode: r.mode,
                enabled: r.enabled,
                line: r.line,
            })
            .collect()
    }

    /// The file's `[[example]]` entries (all of which passed when it loaded).
    pub fn examples(&self) -> &[Example] {
        &self.inner.examples
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
