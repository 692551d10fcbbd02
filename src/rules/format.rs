//! The serde shape of the rules' tables in the policy file (`[thresholds]`, `[[rule]]`,
//! `[[example]]`; see docs/RULES_FORMAT.md): strict structs with `deny_unknown_fields` and
//! `toml::Spanned` so later validation can point at a line. The policy file embeds these
//! tables beside its own.

use super::{Action, CommentStatus, Field};
use serde::{Deserialize, Serialize};
use toml::Spanned;

pub(crate) type SpannedList = Spanned<Vec<Spanned<String>>>;

/// The rules' part of a policy file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RulesTables {
    pub thresholds: Spanned<ThresholdsTable>,
    #[serde(default)]
    pub rule: Vec<Spanned<RuleTable>>,
    #[serde(default)]
    pub example: Vec<Spanned<ExampleTable>>,
}

/// An `[[example]]` entry: a comment and the status the rules must give it.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExampleTable {
    pub body: String,
    pub author_name: Option<String>,
    pub author_email: Option<String>,
    pub expected: CommentStatus,
    /// Evaluate as the author's first comment (default: a reader with a published comment).
    pub first_comment: Option<bool>,
    #[allow(dead_code)] // documentation for the reader of the file
    pub note: Option<String>,
}

/// Whether a rule's matches count (`live`) or are only recorded (`shadow`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    #[default]
    Live,
    Shadow,
}

impl Mode {
    pub fn as_str(self) -> &'static str {
        match self {
            Mode::Live => "live",
            Mode::Shadow => "shadow",
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
/// The `[thresholds]` table as written.
pub struct ThresholdsTable {
    pub hold: Spanned<f64>,
    pub reject: Spanned<f64>,
}

/// The rule kinds of the format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    Words,
    Regex,
    LinkCount,
    LinkDomains,
    CapsRatio,
    RepeatedChars,
    Length,
    Duplicate,
    FirstComment,
    Learned,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Words => "words",
            Kind::Regex => "regex",
            Kind::LinkCount => "link_count",
            Kind::LinkDomains => "link_domains",
            Kind::CapsRatio => "caps_ratio",
            Kind::RepeatedChars => "repeated_chars",
            Kind::Length => "length",
            Kind::Duplicate => "duplicate",
            Kind::FirstComment => "first_comment",
            Kind::Learned => "learned",
        }
    }

    /// Kind-specific keys this kind accepts (besides the common ones).
    pub(crate) fn keys(self) -> &'static [&'static str] {
        match self {
            Kind::Words => &["words", "files", "fuzzy"],
            Kind::Regex => &["patterns", "case_insensitive"],
            Kind::LinkCount => &["max"],
            Kind::LinkDomains => &["deny", "allow"],
            Kind::CapsRatio => &["min_ratio", "min_letters"],
            Kind::RepeatedChars => &["max_run"],
            Kind::Length => &["min", "max"],
            Kind::Duplicate => &["window_seconds", "scope"],
            Kind::FirstComment => &[],
            Kind::Learned => &["min_ham", "min_spam", "min_probability", "ham_weight"],
        }
    }

    /// Whether `fields`, `target` and `exceptions` apply (kinds that look at text).
    pub(crate) fn reads_text(self) -> bool {
        !matches!(self, Kind::Duplicate | Kind::FirstComment)
    }

    /// Whether hits can be suppressed by exceptions (kinds that report spans).
    pub(crate) fn takes_exceptions(self) -> bool {
        matches!(
            self,
            Kind::Words | Kind::Regex | Kind::LinkCount | Kind::LinkDomains | Kind::RepeatedChars
        )
    }

    pub(crate) fn default_target(self) -> Target {
        match self {
            Kind::Words => Target::Normalized,
            Kind::Regex => Target::Both,
            Kind::Learned => Target::Normalized,
            _ => Target::Raw,
        }
    }
}

/// Which view(s) of the text a rule looks at.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Target {
    Raw,
    Normalized,
    Both,
}

/// Whose earlier identical comment counts for the duplicate rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Scope {
    Author,
    Ip,
    Either,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
/// One `[[rule]]` table as written.
pub struct RuleTable {
    pub id: Spanned<String>,
    pub description: Spanned<String>,
    pub kind: Spanned<Kind>,
    pub action: Spanned<Action>,
    pub weight: Option<Spanned<f64>>,
    pub enabled: Option<bool>,
    pub mode: Option<Mode>,
    pub fields: Option<Spanned<Vec<Field>>>,
    pub target: Option<Spanned<Target>>,
    pub exceptions: Option<SpannedList>,
    pub words: Option<SpannedList>,
    pub files: Option<SpannedList>,
    /// Edits a word of 6+ letters may be off by and still match (0 or 1).
    pub fuzzy: Option<Spanned<i64>>,
    /// Apply the rule only to an author's first comment (no published comment yet).
    pub first_comment_only: Option<Spanned<bool>>,
    pub patterns: Option<SpannedList>,
    pub case_insensitive: Option<Spanned<bool>>,
    pub max: Option<Spanned<i64>>,
    pub deny: Option<SpannedList>,
    pub allow: Option<SpannedList>,
    pub min_ratio: Option<Spanned<f64>>,
    pub min_letters: Option<Spanned<i64>>,
    pub max_run: Option<Spanned<i64>>,
    pub min: Option<Spanned<i64>>,
    pub window_seconds: Option<Spanned<i64>>,
    pub scope: Option<Spanned<Scope>>,
    /// Approved comments the learned rule needs before it counts.
    pub min_ham: Option<Spanned<i64>>,
    /// Rejected comments the learned rule needs before it counts.
    pub min_spam: Option<Spanned<i64>>,
    /// The spam probability from which the learned rule counts (full weight at 1).
    pub min_probability: Option<Spanned<f64>>,
    /// How far the learned rule may lower the score of a comment like the approved ones.
    pub ham_weight: Option<Spanned<f64>>,
}

impl RuleTable {
    /// Every optional kind-specific key present, with the byte offset where its value starts.
    pub(crate) fn present_keys(&self) -> Vec<(&'static str, usize)> {
        let mut keys = Vec::new();
        let mut add = |name: &'static str, span: Option<std::ops::Range<usize>>| {
            if let Some(s) = span {
                keys.push((name, s.start));
            }
        };
        add("words", self.words.as_ref().map(Spanned::span));
        add("files", self.files.as_ref().map(Spanned::span));
        add("fuzzy", self.fuzzy.as_ref().map(Spanned::span));
        add("patterns", self.patterns.as_ref().map(Spanned::span));
        add(
            "case_insensitive",
            self.case_insensitive.as_ref().map(Spanned::span),
        );
        add("max", self.max.as_ref().map(Spanned::span));
        add("deny", self.deny.as_ref().map(Spanned::span));
        add("allow", self.allow.as_ref().map(Spanned::span));
        add("min_ratio", self.min_ratio.as_ref().map(Spanned::span));
        add("min_letters", self.min_letters.as_ref().map(Spanned::span));
        add("max_run", self.max_run.as_ref().map(Spanned::span));
        add("min", self.min.as_ref().map(Spanned::span));
        add(
            "window_seconds",
            self.window_seconds.as_ref().map(Spanned::span),
        );
        add("scope", self.scope.as_ref().map(Spanned::span));
        add("min_ham", self.min_ham.as_ref().map(Spanned::span));
        add("min_spam", self.min_spam.as_ref().map(Spanned::span));
        add(
            "min_probability",
            self.min_probability.as_ref().map(Spanned::span),
        );
        add("ham_weight", self.ham_weight.as_ref().map(Spanned::span));
        keys
    }
}

/// Just enough of a rule to name it in an error when the strict parse fails.
#[derive(Debug, Deserialize)]
pub(crate) struct LooseFile {
    #[serde(default)]
    pub rule: Vec<Spanned<LooseRule>>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct LooseRule {
    pub id: Option<toml::Value>,
}
