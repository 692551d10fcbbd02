//! Gatehouse's own format, one JSON object per line: `export` writes it, `import --format
//! jsonl` reads it back with nothing lost. Each line is a `CommentRecord` naming its format
//! and version; a reader refuses versions newer than it knows and ignores fields it does not
//! know within its version, so fields can be added without breaking older files.

use super::{parse_time, Item, Malformed, Position, SourceComment};
use crate::rules::CommentStatus;
use serde::{Deserialize, Serialize};
use std::io::BufRead;

/// The `format` of every record.
pub const RECORD_FORMAT: &str = "gatehouse.comment";
/// The newest `version` this build writes and reads.
pub const RECORD_VERSION: u32 = 1;
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
    /// Audit-log entries about this comment (decisions and flags), oldest first.
    #[serde(default)]
    pub decisions: Vec<DecisionRecord>,
    /// Readers' flags on it.
    #[serde(default)]
    pub flags: Vec<FlagRecord>,
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

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SourceRef {
    pub source: String,
    pub id: String,
}

impl CommentRecord {
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
