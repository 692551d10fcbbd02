//! Command-line tools beside `serve`: `user …` (accounts, over the database), `migrate-data`
//! (copy a database to another, `transfer`), the rules tools that work on files alone
//! (`rules check`, `rules test` and `rules eval`) and `rules backtest`, which replays the
//! comments stored in a database.
//!
//! Modules: `rules` (the subcommands, `check` and `test`), `eval` (the streaming evaluator),
//! `summary` (confusion matrix, per-rule precision and per-label outcomes for `eval`),
//! `backtest`, `import` and `export` (moving a site's comments in and out), `learn` (train, reset, retrain and show the learned rule's model), `users`, `transfer`, `backup` (an online copy of an SQLite database).

pub mod backtest;
pub mod backup;
pub mod eval;
pub mod export;
pub mod import;
pub mod learn;
pub mod rules;
mod summary;
pub mod transfer;
pub mod users;

pub use rules::RulesCommand;

use crate::config::DatabaseArgs;
use crate::moderation::LiveModel;
use crate::rules::{CommentInput, CommentStatus, LearnedModel, RulesError};
use crate::storage::{self, DatabaseUrl, OpenMode, Pool, StorageError};
use serde::Deserialize;
use std::sync::Arc;

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
    /// What the comment is, in the words of a labelled corpus (`spam`, `ham`, `hate`…): `rules
    /// eval` counts each label's outcomes.
    pub label: Option<String>,
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

/// Opens an existing database for a command other than `serve` and `migrate`, which alone may
/// create one. One connection: these commands never hold two at once.
pub fn open_existing(database: &DatabaseArgs) -> Result<Pool, String> {
    let url = DatabaseUrl::parse(&database.database_url).map_err(|e| e.to_string())?;
    storage::open(&url, 1, OpenMode::Existing).map_err(|e| match e {
        StorageError::Missing(_) => {
            format!("{e}. Check --database-url (GATEHOUSE_DATABASE_URL) and the working folder.")
        }
        other => other.to_string(),
    })
}

/// The learned rule's model as stored in the database at `url` (`--learned-from`), with a
/// note on stderr when it is empty or still below what the rule waits for.
pub fn load_model(url: &str) -> Result<Arc<LearnedModel>, String> {
    let pool = open_existing(&DatabaseArgs {
        database_url: url.to_string(),
    })
    .map_err(|e| format!("--learned-from: {e}"))?;
    let mut conn = pool.get().map_err(|e| format!("--learned-from: {e}"))?;
    let live = LiveModel::load(&mut conn).map_err(|e| format!("--learned-from: {e}"))?;
    let model = live.snapshot();
    if model.ham_docs() == 0 && model.spam_docs() == 0 {
        eprintln!(
            "note: the learned model in {} is empty (no decision or training file yet): the learned rule will not match",
            redacted(url)
        );
    }
    Ok(model)
}

fn redacted(url: &str) -> String {
    DatabaseUrl::parse(url).map_or_else(|_| url.to_string(), |u| u.redacted())
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
