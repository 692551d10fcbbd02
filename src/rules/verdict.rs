//! What the rules say about one comment: the decision, the resulting status, and the verdict
//! that explains it (every matched rule, where it matched, with what weight), stored with the
//! comment.

use super::learned::LearnedScore;
use serde::{Deserialize, Serialize};

/// What the rules decided for one comment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Decision {
    Publish,
    Hold,
    Reject,
}

/// Where a comment stands: what the rules decided, or a moderator since. Stored as text; the
/// words examples, labelled samples and the API use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CommentStatus {
    Published,
    Pending,
    Rejected,
}

impl CommentStatus {
    /// Every status, in the order reports list them.
    pub const ALL: [CommentStatus; 3] = [
        CommentStatus::Published,
        CommentStatus::Pending,
        CommentStatus::Rejected,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            CommentStatus::Published => "published",
            CommentStatus::Pending => "pending",
            CommentStatus::Rejected => "rejected",
        }
    }

    /// The status stored as `text`, if it is one.
    pub fn parse(text: &str) -> Option<CommentStatus> {
        CommentStatus::ALL.into_iter().find(|s| s.as_str() == text)
    }
}

impl From<Decision> for CommentStatus {
    fn from(decision: Decision) -> Self {
        match decision {
            Decision::Publish => CommentStatus::Published,
            Decision::Hold => CommentStatus::Pending,
            Decision::Reject => CommentStatus::Rejected,
        }
    }
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
    /// The learned rule's reasoning: its probability and the tokens that pushed it (their
    /// places are the hits).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub learned: Option<LearnedScore>,
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
