//! Command-line tools beside `serve`: `user …` (accounts, over the database), `migrate-data`
//! (copy a database to another, `transfer`) and the rules
//! tools that work on files alone: `rules check`, `rules test` and `rules eval`.
//!
//! Modules: `rules` (the subcommands, `check` and `test`), `eval` (the streaming evaluator),
//! `summary` (confusion matrix and per-rule precision for labelled input).

pub mod backtest;
pub mod eval;
pub mod rules;
mod summary;
pub mod transfer;
pub mod users;

pub use rules::RulesCommand;

use crate::rules::{CommentInput, CommentStatus, RulesError};
use serde::Deserialize;

/// One comment as the tools read it: `rules test` on stdin, `rules eval` one per line.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Sample {
    /// Echoed in the output; any JSON value (usually a string).
    pub id: Option<serde_json::Value>,
    #[serde(default)]
    pub author_name: String,
    pub author_email: Option<String>,
    pub body: String,
    /// The status the comment should get, for the summary of `rules eval`.
    pub expected: Option<CommentStatus>,
    /// Evaluate as the author's first comment (default: a reader with a published comment).
    #[serde(default)]
    pub first_comment: bool,
    /// Free text for the reader of the samples file; ignored.
    #[allow(dead_code)]
    pub note: Option<String>,
}

impl Sample {
    /// The sample as the rules see it, like a rules file example: no recent duplicate, and a
    /// reader with one published comment unless `first_comment` is set.
    pub fn comment(&self) -> CommentInput<'_> {
        let s = self;
        CommentInput::sample(
            &s.body,
            &s.author_name,
            s.author_email.as_deref(),
            s.first_comment,
        )
    }
}

/// The error as JSON for `--json` output.
pub fn error_json(e: &RulesError) -> serde_json::Value {
    serde_json::json!({
        "file": e.file,
        "line": e.line,
        "column": e.column,
        "rule_id": e.rule_id,
        "message": e.message,
    })
}
