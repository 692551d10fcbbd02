//! Gatehouse's own format, one JSON object per line: `export` writes it, `import --format
//! jsonl` reads it back with nothing lost. Each line is a record naming its format and version
//! (a `CommentRecord`, or an `ArticleRecord`: one article's settings); a reader refuses
//! versions newer than it knows and ignores fields it does not know within its version, so
//! fields can be added without breaking older files.

use super::{parse_time, Item, Malformed, Position, SourceComment};
use crate::rules::CommentStatus;
use serde::{Deserialize, Serialize};
use std::io::BufRead;

/// The `format` of every comment record.
pub const RECORD_FORMAT: &str = "gatehouse.comment";
/// The newest comment `version` this build writes and reads. Version 2 added `deleted_at`,
/// which a version-1 reader must not drop (it would show again words their reader took back);
/// a record without it is still written as version 1 (`CommentRecord::version_needed`).
pub const RECORD_VERSION: u32 = 2;
/// The `format` of an article's settings record.
pub const ARTICLE_FORMAT: &str = "gatehouse.article";
/// The newest article `version` this build writes and reads.
pub const ARTICLE_VERSION: u32 = 1;
/// Longest line read; a longer one is reported and skipped without being held in memory.
pub const MAX_LINE: usize = 4 << 20;

/// One comment with everything Gatehouse knows of it (docs/EXPORT_FORMAT.md).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CommentRecord {
    pub format: String,
    pub version: u32,
    pub id: String,
    pub article_id: String,
    pub parent_id: Option<String>,
    pub author_name: String,
    pub author_email: Option<String>,
    pub body: String,
    pub client_ip: String,
    /// RFC 3339, UTC.
    pub created_at: String,
    /// `published`, `pending` or `rejected`.
    pub status: String,
    pub score: f64,
    /// The rules' full verdict as stored (decision, score, thresholds, matches, version).
    pub verdict: serde_json::Value,
    pub rules_version: String,
    pub decided_by: Option<String>,
    pub decided_at: Option<String>,
    pub decision_reason: Option<String>,
    pub flagged_at: Option<String>,
    pub flag_count: i32,
    /// When its reader last edited it (RFC 3339).
    #[serde(default)]
    pub edited_at: Option<String>,
    /// When its reader deleted it (version 2): hidden from the public, kept for moderators.
    #[serde(default)]
    pub deleted_at: Option<String>,
    /// Who last changed its status (a moderator, or `reader` for an edit judged again), when.
    #[serde(default)]
    pub status_changed_by: Option<String>,
    #[serde(default)]
    pub status_changed_at: Option<String>,
    /// Bumped by every decision and edit (what an edit's compare-and-set compares).
    #[serde(default)]
    pub revision: i32,
    /// Audit-log entries about this comment (decisions and flags), oldest first.
    #[serde(default)]
    pub decisions: Vec<DecisionRecord>,
    /// Readers' flags on it.
    #[serde(default)]
    pub flags: Vec<FlagRecord>,
    /// What it was before each of its reader's edits and its delete, oldest first.
    #[serde(default)]
    pub revisions: Vec<RevisionRecord>,
    /// Where it was imported from, if it was (`disqus`, `wordpress`) and its id there.
    #[serde(default)]
    pub imported_from: Option<SourceRef>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DecisionRecord {
    pub id: String,
    pub at: String,
    pub actor: String,
    pub action: String,
    pub before: Option<serde_json::Value>,
    pub after: Option<serde_json::Value>,
    pub reason: Option<String>,
    pub details: Option<serde_json::Value>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FlagRecord {
    pub id: String,
    pub client_key: String,
    pub reason: String,
    pub note: Option<String>,
    pub created_at: String,
}

/// A comment's text and verdict before one of its reader's changes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RevisionRecord {
    pub id: String,
    /// `edit` or `delete`.
    pub kind: String,
    pub body: String,
    pub status: String,
    pub score: f64,
    pub verdict: serde_json::Value,
    pub rules_version: String,
    /// When the change replaced it (RFC 3339).
    pub replaced_at: String,
}

/// One article's settings as a moderator set them (articles nobody set have none).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ArticleRecord {
    pub format: String,
    pub version: u32,
    pub article_id: String,
    /// `open`, `premoderated` or `closed`.
    pub state: String,
    /// When its comments close by themselves (RFC 3339); null: never.
    pub closes_at: Option<String>,
    pub updated_by: String,
    pub updated_at: String,
}

impl ArticleRecord {
    /// The record as one line of JSON (no newline).
    pub fn to_line(&self) -> String {
        // A struct of strings and numbers always serializes.
        serde_json::to_string(self).unwrap_or_default()
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SourceRef {
    pub source: String,
    pub id: String,
}

impl CommentRecord {
    /// The oldest version that carries everything in the record: 2 for a reader's delete,
    /// else 1 (so an older Gatehouse still reads it).
    pub fn version_needed(&self) -> u32 {
        if self.deleted_at.is_some() {
            2
        } else {
            1
        }
    }

    /// The record as one line of JSON (no newline).
    pub fn to_line(&self) -> String {
        // A struct of strings, numbers and JSON values always serializes.
        serde_json::to_string(self).unwrap_or_default()
    }

    fn into_source(self, position: Position) -> Result<SourceComment, String> {
        if self.format != RECORD_FORMAT {
            return Err(format!(
                "format is {:?}, not {RECORD_FORMAT:?}",
                self.format
            ));
        }
        if self.version == 0 || self.version > RECORD_VERSION {
            return Err(format!(
                "version {} is not one this Gatehouse reads (1-{RECORD_VERSION}): upgrade first",
                self.version
            ));
        }
        let status = CommentStatus::parse(&self.status).ok_or_else(|| {
            format!(
                "status {:?} is not published, pending or rejected",
                self.status
            )
        })?;
        let created_at = parse_time(&self.created_at).map_err(|e| format!("created_at: {e}"))?;
        Ok(SourceComment {
            position,
            source_id: self.id.clone(),
            article_id: self.article_id.clone(),
            parent_source_id: self.parent_id.clone(),
            author_name: self.author_name.clone(),
            author_email: self.author_email.clone(),
            body: self.body.clone(),
            created_at,
            status,
            source_state: None,
            client_ip: Some(self.client_ip.clone()),
            record: Some(Box::new(self)),
        })
    }
}

/// What a line says it is, read before the whole record.
#[derive(Deserialize)]
struct Head {
    #[serde(default)]
    format: Option<String>,
}

/// An article's settings record, its version checked.
fn article_item(text: &str) -> Result<ArticleRecord, String> {
    let record: ArticleRecord =
        serde_json::from_str(text).map_err(|e| format!("not an article record: {e}"))?;
    if record.version == 0 || record.version > ARTICLE_VERSION {
        return Err(format!(
            "article record version {} is not one this Gatehouse reads (1-{ARTICLE_VERSION}): upgrade first",
            record.version
        ));
    }
    Ok(record)
}

pub struct JsonlReader<R: BufRead> {
    input: R,
    line: u64,
    byte: u64,
    done: bool,
}

impl<R: BufRead> JsonlReader<R> {
    pub fn new(input: R) -> Self {
        JsonlReader {
            input,
            line: 0,
            byte: 0,
            done: false,
        }
    }

    /// The next line, at most `MAX_LINE` bytes of it kept (`Err(len)` when it was longer).
    fn next_line(&mut self) -> std::io::Result<Option<Result<Vec<u8>, usize>>> {
        let mut line = Vec::new();
        let mut length = 0usize;
        loop {
            let available = self.input.fill_buf()?;
            if available.is_empty() {
                return Ok((length > 0).then(|| Self::kept(line, length)));
            }
            let (chunk, ends) = match available.iter().position(|&b| b == b'\n') {
                Some(at) => (&available[..at], Some(at + 1)),
                None => (available, None),
            };
            length += chunk.len();
            if length <= MAX_LINE {
                line.extend_from_slice(chunk);
            }
            let used = ends.unwrap_or(chunk.len());
            self.input.consume(used);
            self.byte += used as u64;
            if ends.is_some() {
                return Ok(Some(Self::kept(line, length)));
            }
        }
    }

    fn kept(line: Vec<u8>, length: usize) -> Result<Vec<u8>, usize> {
        if length > MAX_LINE {
            Err(length)
        } else {
            Ok(line)
        }
    }
}

impl<R: BufRead> Iterator for JsonlReader<R> {
    type Item = Item;

    fn next(&mut self) -> Option<Item> {
        while !self.done {
            let start = self.byte;
            let next = self.next_line();
            self.line += 1;
            let position = Position {
                record: self.line,
                byte: start,
                line: Some(self.line),
            };
            let malformed = |message: String| {
                Some(Item::Malformed(Malformed {
                    position: position.clone(),
                    message,
                }))
            };
            let line = match next {
                Ok(None) => {
                    self.done = true;
                    return None;
                }
                Err(e) => {
                    self.done = true;
                    return malformed(format!("cannot read on: {e}"));
                }
                Ok(Some(Err(length))) => {
                    return malformed(format!("the line is {length} bytes, more than {MAX_LINE}"))
                }
                Ok(Some(Ok(line))) => line,
            };
            let Ok(text) = std::str::from_utf8(&line) else {
                return malformed("the line is not valid UTF-8".into());
            };
            if text.trim().is_empty() {
                continue;
            }
            let head: Head = match serde_json::from_str(text) {
                Ok(head) => head,
                Err(e) => return malformed(format!("not a record: {e}")),
            };
            match head.format.as_deref() {
                Some(RECORD_FORMAT | ARTICLE_FORMAT) => {}
                other => {
                    return malformed(format!(
                        "format is {other:?}, not {RECORD_FORMAT:?} or {ARTICLE_FORMAT:?}"
                    ))
                }
            }
            if head.format.as_deref() == Some(ARTICLE_FORMAT) {
                return match article_item(text) {
                    Ok(record) => Some(Item::Article {
                        position,
                        record: Box::new(record),
                    }),
                    Err(message) => malformed(message),
                };
            }
            let record: CommentRecord = match serde_json::from_str(text) {
                Ok(record) => record,
                Err(e) => return malformed(format!("not a comment record: {e}")),
            };
            return match record.into_source(position.clone()) {
                Ok(comment) => Some(Item::Comment(Box::new(comment))),
                Err(message) => malformed(message),
            };
        }
        None
    }
}
