//! Moving a site's comments in and out, as formats: reading Disqus exports, WordPress WXR and
//! Gatehouse's own JSON lines into `SourceComment`s one at a time (streaming, bounded memory),
//! and the versioned JSON-lines record `export` writes. Pure: no storage, no actix; the
//! domain (`moderation::import`, `moderation::export`) stores and reads, the CLI composes.

pub mod disqus;
mod html;
pub mod jsonl;
mod utf8;
pub mod wordpress;
mod xml;

use crate::article_key::{spell_identifier, UrlKeyRule};
use crate::rules::CommentStatus;
use time::PrimitiveDateTime;

pub use jsonl::{
    ArticleRecord, CommentRecord, DecisionRecord, FlagRecord, RevisionRecord, SourceRef,
    ARTICLE_FORMAT, ARTICLE_VERSION, RECORD_FORMAT, RECORD_VERSION,
};

/// The formats `gatehouse import` reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Disqus,
    Wordpress,
    Jsonl,
}

impl Format {
    /// The `source` remembered for each imported record (with its id in that source).
    pub fn source(self) -> &'static str {
        match self {
            Format::Disqus => "disqus",
            Format::Wordpress => "wordpress",
            Format::Jsonl => "gatehouse",
        }
    }
}

/// Where an imported thread's article id comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum ArticleIdFrom {
    /// The thread's page URL by the URL rule (`[moderation.article_urls]`); the identifier
    /// when a thread has no usable URL.
    #[default]
    Url,
    /// The thread's identifier (Disqus `<id>`, WordPress `wp:post_name`, else `wp:post_id`),
    /// kept as it is when it is a valid article id, else spelled in id characters; the URL
    /// when it has none.
    Identifier,
}

/// How thread references become article ids.
#[derive(Debug, Clone, Default)]
pub struct ArticleMapping {
    pub from: ArticleIdFrom,
    pub url_rule: UrlKeyRule,
}

impl ArticleMapping {
    /// The article id of a thread with this URL and identifier (either may be empty).
    pub fn article_id(&self, url: &str, identifier: &str) -> Result<String, String> {
        let by_url = || self.url_rule.article_id(url).map_err(|e| e.to_string());
        let by_identifier = || {
            let identifier = identifier.trim();
            (!identifier.is_empty())
                .then(|| spell_identifier(identifier))
                .ok_or_else(|| "the thread has no identifier".to_string())
        };
        match self.from {
            ArticleIdFrom::Url => by_url().or_else(|url_error| {
                by_identifier()
                    .map_err(|_| format!("no article id: {url_error}, and no identifier"))
            }),
            ArticleIdFrom::Identifier => by_identifier().or_else(|_| {
                by_url()
                    .map_err(|url_error| format!("no article id: no identifier, and {url_error}"))
            }),
        }
    }
}

/// Where a record was found in its file, for reports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Position {
    /// 1-based number of the record (post, comment or line) in the file.
    pub record: u64,
    /// Byte offset of the record's start.
    pub byte: u64,
    /// 1-based line, for JSON lines.
    pub line: Option<u64>,
}

impl std::fmt::Display for Position {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.line {
            Some(line) => write!(f, "line {line}"),
            None => write!(f, "record {} at byte {}", self.record, self.byte),
        }
    }
}

/// One comment as an export file has it, its thread already mapped to an article id.
#[derive(Debug, Clone, PartialEq)]
pub struct SourceComment {
    pub position: Position,
    /// Its id in the source (`disqus`: the post's `dsq:id`; `wordpress`: `comment_id`;
    /// `gatehouse`: the comment id).
    pub source_id: String,
    pub article_id: String,
    /// The parent's id in the same source.
    pub parent_source_id: Option<String>,
    pub author_name: String,
    pub author_email: Option<String>,
    pub body: String,
    pub created_at: PrimitiveDateTime,
    pub status: CommentStatus,
    /// Why the status is what it is, when the source said more (`deleted`, `spam`, `trash`).
    pub source_state: Option<String>,
    pub client_ip: Option<String>,
    /// Gatehouse's own record, everything it carries (JSON lines only).
    pub record: Option<Box<CommentRecord>>,
}

/// A record that could not be read, and why; the import goes on with the next one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Malformed {
    pub position: Position,
    pub message: String,
}

/// What a reader yields: a comment, an article's settings, a record it skipped, or a note (e.g.
/// a DOCTYPE ignored).
#[derive(Debug, Clone, PartialEq)]
pub enum Item {
    Comment(Box<SourceComment>),
    Malformed(Malformed),
    /// One article's settings (Gatehouse's JSON lines only).
    Article {
        position: Position,
        record: Box<ArticleRecord>,
    },
    /// A record that is no reader's comment (a WordPress pingback): counted, not imported.
    Skipped {
        position: Position,
        reason: String,
    },
}

/// A reader of one format: an iterator of items; the error ends the file (broken XML).
pub type Items<'a> = Box<dyn Iterator<Item = Item> + 'a>;

/// Opens `input` as `format`.
pub fn read<'a>(
    format: Format,
    input: impl std::io::BufRead + 'a,
    mapping: ArticleMapping,
) -> Items<'a> {
    match format {
        Format::Disqus => Box::new(disqus::DisqusReader::new(input, mapping)),
        Format::Wordpress => Box::new(wordpress::WordpressReader::new(input, mapping)),
        Format::Jsonl => Box::new(jsonl::JsonlReader::new(input)),
    }
}

/// Parses an export's timestamp: RFC 3339 (Disqus, JSON lines) or WordPress'
/// `YYYY-MM-DD hh:mm:ss` in UTC.
pub fn parse_time(raw: &str) -> Result<PrimitiveDateTime, String> {
    let raw = raw.trim();
    if let Some(t) = crate::timestamps::parse_rfc3339(raw) {
        return Ok(t);
    }
    let format = time::macros::format_description!("[year]-[month]-[day] [hour]:[minute]:[second]");
    PrimitiveDateTime::parse(raw, &format).map_err(|_| format!("unreadable date {raw:?}"))
}

#[cfg(test)]
mod tests;
