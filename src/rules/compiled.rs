//! The compiled form of the rules: each rule with its validated parameters, the phrase indexes
//! and regex sets shared by all rules, and the file's examples. Built by `compile`, read by
//! `evaluate` and `lint`.

use super::examples::Example;
use super::format::{Kind, Mode, Scope};
use super::links::DomainSet;
use super::patterns::{Pattern, ViewSet};
use super::words::{PhraseIndex, Role};
use super::{Action, Field, Thresholds};

/// What a rule checks, with its validated parameters.
#[derive(Debug)]
pub(crate) enum Spec {
    Words,
    Regex,
    LinkCount {
        max: usize,
    },
    LinkDomains {
        deny: DomainSet,
        allow: DomainSet,
    },
    CapsRatio {
        min_ratio: f64,
        min_letters: usize,
    },
    RepeatedChars {
        max_run: usize,
    },
    Length {
        min: Option<usize>,
        max: Option<usize>,
    },
    Duplicate {
        window_seconds: u64,
        scope: Scope,
    },
    FirstComment,
    /// The token model: counts only once `min_ham` approved and `min_spam` rejected comments
    /// were learned, and from a spam probability of `min_probability` (full weight at 1);
    /// lowers a score by at most `ham_weight` from `1 - min_probability` down.
    Learned {
        min_ham: u64,
        min_spam: u64,
        min_probability: f64,
        ham_weight: f64,
    },
}

#[derive(Debug)]
pub(crate) struct Rule {
    pub id: String,
    pub description: String,
    pub kind: Kind,
    pub action: Action,
    pub weight: f64,
    pub enabled: bool,
    pub mode: Mode,
    /// 1-based line of the rule's `[[rule]]` table in the rules file.
    pub line: usize,
    pub fields: Vec<Field>,
    pub raw: bool,
    pub normalized: bool,
    pub has_exceptions: bool,
    /// Word entries also match with one edit in words of 6+ letters.
    pub fuzzy: bool,
    /// Only an author's first comment is checked.
    pub first_comment_only: bool,
    pub spec: Spec,
}

/// Everything `RuleSet` holds.
#[derive(Debug)]
pub(crate) struct Compiled {
    pub version: String,
    pub thresholds: Thresholds,
    /// The list files the rules read, as the rules file names them, so a watcher can follow
    /// them.
    pub list_files: Vec<String>,
    pub rules: Vec<Rule>,
    pub phrases_raw: PhraseIndex,
    pub phrases_norm: PhraseIndex,
    pub patterns: Vec<Pattern>,
    /// Prefilter sets by field (`field_slot`) and view (raw, normalized): each holds only the
    /// patterns of enabled rules that read that field in that view.
    pub sets: [[Option<ViewSet>; 2]; 3],
    /// Every word entry and exception as written, for `rules check`.
    pub entries: Vec<Entry>,
    pub examples: Vec<Example>,
    /// The shortest run of one character a `repeated_chars` rule flags (its `max_run` + 1;
    /// `usize::MAX` when there is no such rule): shorter runs are not looked for.
    pub shortest_run: usize,
}

/// One word-list entry or exception of a rule, kept for the checks of `rules check`.
#[derive(Debug)]
pub(crate) struct Entry {
    pub rule: usize,
    pub role: Role,
    /// The entry's words as matched (folded for the rule's view), joined by single spaces.
    pub key: String,
    /// Where it is written: `line 40` of the rules file or `rules/x.txt:12`.
    pub origin: String,
}

/// Index of a field in per-field tables.
pub(crate) fn field_slot(field: Field) -> usize {
    match field {
        Field::Body => 0,
        Field::AuthorName => 1,
        Field::AuthorEmail => 2,
    }
}
