//! The public thread: published comments of an article in thread order, a page at a time.

use super::{ArticleId, ModerationError};
use crate::storage::{self, comments, Pool};
use base64::Engine;
use time::PrimitiveDateTime;

pub const DEFAULT_PAGE_SIZE: i64 = 50;
pub const MAX_PAGE_SIZE: i64 = 200;

/// A published comment as anyone may see it.
#[derive(Debug, Clone)]
pub struct PublicComment {
    pub id: String,
    pub parent_id: Option<String>,
    pub depth: i32,
    pub author_name: String,
    pub body: String,
    pub created_at: PrimitiveDateTime,
}

#[derive(Debug, Clone)]
pub struct CommentPage {
    pub comments: Vec<PublicComment>,
    /// Opaque; pass it back as `cursor` for the next page. `None` on the last page.
    pub next_cursor: Option<String>,
}

/// Most articles one count request may name.
pub const MAX_COUNTED_ARTICLES: usize = 100;

/// The number of comments each article's public thread shows, for index pages ("12
/// comments"): every requested article once, in the order given, 0 for one with none.
pub fn published_counts(
    pool: &Pool,
    article_ids: &[ArticleId],
    include_flagged: bool,
) -> Result<Vec<(String, i64)>, ModerationError> {
    if article_ids.is_empty() || article_ids.len() > MAX_COUNTED_ARTICLES {
        return Err(ModerationError::invalid(
            "ids",
            format!("name 1-{MAX_COUNTED_ARTICLES} article ids, separated by commas"),
        ));
    }
    let ids: Vec<String> = article_ids.iter().map(|a| a.as_str().to_string()).collect();
    let mut conn = pool.get().map_err(storage::StorageError::from)?;
    let found: std::collections::HashMap<String, i64> =
        comments::published_counts(&mut conn, &ids, include_flagged)?
            .into_iter()
            .collect();
    let mut seen = std::collections::HashSet::new();
    Ok(ids
        .into_iter()
        .filter(|id| seen.insert(id.clone()))
        .map(|id| {
            let count = found.get(&id).copied().unwrap_or(0);
            (id, count)
        })
        .collect())
}

const CURSOR: base64::engine::GeneralPurpose = base64::engine::general_purpose::URL_SAFE_NO_PAD;

fn decode_cursor(cursor: &str) -> Result<String, ModerationError> {
    let invalid = || ModerationError::invalid("cursor", "cursor is not one this server issued");
    let bytes = CURSOR.decode(cursor).map_err(|_| invalid())?;
    let path = String::from_utf8(bytes).map_err(|_| invalid())?;
    let path_char = |c: char| c.is_ascii_hexdigit() || c == '-' || c == '/';
    if path.is_empty() || !path.chars().all(path_char) {
        return Err(invalid());
    }
    Ok(path)
}

pub fn list_published(
    pool: &Pool,
    article_id: &ArticleId,
    cursor: Option<&str>,
    limit: Option<i64>,
    include_flagged: bool,
) -> Result<CommentPage, ModerationError> {
    let limit = limit.unwrap_or(DEFAULT_PAGE_SIZE);
    if !(1..=MAX_PAGE_SIZE).contains(&limit) {
        return Err(ModerationError::invalid(
            "limit",
            format!("limit must be between 1 and {MAX_PAGE_SIZE}"),
        ));
    }
    let after = cursor.map(decode_cursor).transpose()?;
    let mut conn = pool.get().map_err(storage::StorageError::from)?;
    // One extra row tells whether another page exists without a count query.
    let mut rows = comments::list_published(
        &mut conn,
        article_id.as_str(),
        after.as_deref(),
        limit + 1,
        include_flagged,
    )?;
    let has_more = rows.len() as i64 > limit;
    rows.truncate(limit as usize);
    let next_cursor = has_more
        .then(|| rows.last().map(|r| CURSOR.encode(&r.thread_path)))
        .flatten();
    let comments = rows
        .into_iter()
        .map(|r| PublicComment {
            id: r.id,
            parent_id: r.parent_id,
            depth: r.depth,
            author_name: r.author_name,
            body: r.body,
            created_at: r.created_at,
        })
        .collect();
    Ok(CommentPage {
        comments,
        next_cursor,
    })
}
