//! The rules engine: compiling the rules tables of a policy file (`[thresholds]`, `[[rule]]`,
//! `[[example]]`) into matchers, normalizing text, and `RuleSet::evaluate`. Pure: no actix, no
//! diesel, no IO; list files come from the caller through `ListFiles`.
//!
//! Modules:
//! - `format`: the serde shape of the rules tables (strict keys, spans for line numbers);
//! - `compile`: validation of every table and rule kind, list files, building the matchers;
//! - `compiled`: what compiling produces and evaluating reads;
//! - `verdict`: decisions, statuses and the stored explanation; `input`: the comment as judged;
//! - `normalize`: the normalized view and its map back to raw byte offsets; `fold`: its first,
//!   per-character pass; `markup`: HTML references and tags as a reader sees them;
//! - `words`: the whole-word phrase index (token hashing) for word lists and exceptions, with
//!   gaps, `near` pairs and stretched words; `fuzzy`: one-edit matching for `fuzzy = 1`
//!   rules; `entries`: the shape of one list entry;
//! - `patterns`: regex rules (one prefilter `RegexSet` per view, exact regex per pattern);
//! - `learned`: the learned rule's tokens and scoring against a `LearnedModel` snapshot;
//! - `links`: link detection; `stats`: caps ratio, runs and length;
//! - `evaluate`: running the rules over a comment; `error`: `RulesError`;
//! - `examples`: the file's `[[example]]` entries, run on every compile;
//! - `lint`: warnings for `rules check` (never-matching, duplicate and over-broad entries).

mod compile;
mod compiled;
mod entries;
mod error;
mod evaluate;
mod examples;
mod fold;
mod format;
mod fuzzy;
mod fxhash;
mod input;
mod learned;
mod links;
mod lint;
mod markup;
/// Character references decoded one way for rules and for imported bodies alike.
pub(crate) use markup::reference_at;
mod normalize;
mod patterns;
mod stats;
mod verdict;
mod word_tokens;
mod words;

#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_admin;
#[cfg(test)]
mod tests_entries;
#[cfg(test)]
mod tests_errors;
#[cfg(test)]
mod tests_kinds;
#[cfg(test)]
mod tests_props;

pub use compile::{parse_error, ListFiles};
pub use error::RulesError;
pub use examples::{excerpt, Example};
pub use format::{
    ExampleTable, Kind, Mode, RuleTable, RulesTables, Scope, Target, ThresholdsTable,
};
pub use input::{AuthorHistory, CommentInput};
pub use learned::{
    token_hash, training_tokens, LearnedModel, LearnedScore, LearnedToken, TokenCounts,
};
pub use links::{find_links, Link};
pub use lint::{lint, Finding, Severity, EVERYDAY_ENGLISH};
pub use normalize::{body_fingerprint, normalize, normalized_fingerprint, Normalized};
pub use verdict::{Action, CommentStatus, Decision, Field, Hit, RuleMatch, Verdict, View};

use serde::{Deserialize, Serialize};
use std::path::Path;
use std::time::Duration;

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
    inner: compiled::Compiled,
}

impl RuleSet {
    /// Compiles the rules tables parsed from `source` (the whole file's text: its hash, with
    /// the list files', is the version, and spans point into it). List files come from
    /// `lists`; `origin` names the file in errors. The file's examples must pass.
    pub fn compile(
        tables: &RulesTables,
        source: &str,
        origin: &Path,
        lists: &dyn ListFiles,
    ) -> Result<RuleSet, RulesError> {
        Ok(RuleSet {
            inner: compile::compile(tables, source, origin, lists)?,
        })
    }

    /// Parses and compiles a file that holds only rules tables.
    pub fn parse(
        source: &str,
        origin: &Path,
        lists: &dyn ListFiles,
    ) -> Result<RuleSet, RulesError> {
        let tables: RulesTables =
            toml::from_str(source).map_err(|e| parse_error(source, origin, &e))?;
        Self::compile(&tables, source, origin, lists)
    }

    /// sha256 (hex) over the rules file and every list file it uses.
    pub fn version(&self) -> &str {
        &self.inner.version
    }

    /// Every list file the rules read, as the rules file names them.
    pub fn list_files(&self) -> &[String] {
        &self.inner.list_files
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
                compiled::Spec::Duplicate { window_seconds, .. } => Some(window_seconds),
                _ => None,
            })
            .max()
            .map(Duration::from_secs)
    }

    /// Runs every enabled rule over the comment, the learned rule without a model (it never
    /// matches). Never panics.
    pub fn evaluate(&self, comment: &CommentInput<'_>) -> Verdict {
        evaluate::evaluate(&self.inner, comment, None, None)
    }

    /// Runs every enabled rule over the comment, the learned rule with `model` (moderators'
    /// decisions so far). Never panics.
    pub fn evaluate_with(
        &self,
        comment: &CommentInput<'_>,
        model: Option<&LearnedModel>,
    ) -> Verdict {
        evaluate::evaluate(&self.inner, comment, model, None)
    }

    /// `evaluate_with`, given the body's normalized view (`normalize(comment.body)`) that the
    /// caller has already worked out (the intake needs it first, for the body's fingerprint):
    /// the same verdict, without normalizing the body twice.
    pub fn evaluate_normalized(
        &self,
        comment: &CommentInput<'_>,
        model: Option<&LearnedModel>,
        body: &Normalized,
    ) -> Verdict {
        evaluate::evaluate(&self.inner, comment, model, Some(body))
    }

    /// Whether an enabled rule learns from decisions (so callers need load no model otherwise).
    pub fn has_learned_rule(&self) -> bool {
        self.inner
            .rules
            .iter()
            .any(|r| r.enabled && matches!(r.spec, compiled::Spec::Learned { .. }))
    }
}
