//! `[[example]]` entries: comments with the status the rules must give them, run every time a
//! rules file is loaded, so a file carries its own regression tests.

use super::compiled::Compiled;
use super::error::{line_col, RulesError};
use super::evaluate::evaluate;
use super::format::ExampleTable;
use super::{CommentInput, CommentStatus, Verdict};
use std::path::Path;
use toml::Spanned;

/// How many failing examples one error message describes in full.
const DESCRIBED: usize = 5;

/// One example of the rules file.
#[derive(Debug, Clone)]
pub struct Example {
    pub body: String,
    pub author_name: String,
    pub author_email: Option<String>,
    pub expected: CommentStatus,
    /// Run as the author's first comment; otherwise the author has one published comment.
    pub first_comment: bool,
    /// 1-based line of the `[[example]]` table.
    pub line: usize,
}

impl Example {
    pub(crate) fn from_table(raw: &Spanned<ExampleTable>, source: &str) -> Example {
        let r = raw.get_ref();
        Example {
            body: r.body.clone(),
            author_name: r.author_name.clone().unwrap_or_default(),
            author_email: r.author_email.clone(),
            expected: r.expected,
            first_comment: r.first_comment.unwrap_or(false),
            line: line_col(source, raw.span().start).0,
        }
    }

    /// The example as a comment with no recent duplicate, from a reader with one published
    /// comment (none with `first_comment = true`).
    pub fn comment(&self) -> CommentInput<'_> {
        CommentInput::sample(
            &self.body,
            &self.author_name,
            self.author_email.as_deref(),
            self.first_comment,
        )
    }
}

/// The first characters of a text on one line, for messages.
pub fn excerpt(text: &str, max_chars: usize) -> String {
    let flat: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if flat.chars().count() <= max_chars {
        return flat;
    }
    let cut: String = flat.chars().take(max_chars).collect();
    format!("{}…", cut.trim_end())
}

fn describe(e: &Example, got: &Verdict) -> String {
    let rules: Vec<&str> = got
        .matches
        .iter()
        .filter(|m| !m.shadow)
        .map(|m| m.rule_id.as_str())
        .collect();
    format!(
        "example at line {} (\"{}\") expected {}, got {} (score {}; matched rules: {})",
        e.line,
        excerpt(&e.body, 60),
        e.expected.as_str(),
        CommentStatus::from(got.decision).as_str(),
        got.score,
        if rules.is_empty() {
            "none".to_string()
        } else {
            rules.join(", ")
        }
    )
}

/// Runs every example; the error points at the first failing one and describes a few.
pub(crate) fn run_examples(c: &Compiled, origin: &Path) -> Result<(), RulesError> {
    let failures: Vec<(&Example, Verdict)> = c
        .examples
        .iter()
        .filter_map(|e| {
            let v = evaluate(c, &e.comment(), None, None);
            (CommentStatus::from(v.decision) != e.expected).then_some((e, v))
        })
        .collect();
    let Some((first, _)) = failures.first() else {
        return Ok(());
    };
    let mut message = failures
        .iter()
        .take(DESCRIBED)
        .map(|(e, v)| describe(e, v))
        .collect::<Vec<_>>()
        .join("; ");
    if failures.len() > DESCRIBED {
        message.push_str(&format!(
            "; and {} more failing examples",
            failures.len() - DESCRIBED
        ));
    }
    Err(RulesError {
        file: origin.to_path_buf(),
        line: Some(first.line),
        column: Some(1),
        rule_id: None,
        message,
    })
}
