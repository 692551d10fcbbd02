//! The public thread: published comments of an article in thread order, a page at a time, with
//! a placeholder where a removed comment (rejected, deleted by its reader, hidden while
//! flagged) stood above published replies, so the thread stays readable.

use super::{ArticleId, ModerationError};
use crate::storage::{self, comments, Pool};
use base64::Engine;
use time::PrimitiveDateTime;

pub const DEFAULT_PAGE_SIZE: i64 = 50;
pub const MAX_PAGE_SIZE: i64 = 200;

/// A published comment as anyone may see it, or the placeholder of a removed one.
#[derive(Debug, Clone)]
pub struct PublicComment {
    pub id: String,
    pub parent_id: Option<String>,
    pub depth: i32,
    /// `None` for a placeholder: it has replies to show, not text.
    pub shown: Option<ShownText>,
    pub created_at: PrimitiveDateTime,
}

/// What a shown comment says and who wrote it.
#[derive(Debug, Clone)]
pub struct ShownText {
    pub author_name: String,
    pub body: String,
    /// When its reader last edited it.
    pub edited_at: Option<PrimitiveDateTime>,
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
    let placeholders = removed_ancestors(&mut conn, article_id, &rows, after.as_deref())?;
    let mut comments: Vec<(String, PublicComment)> = rows
        .into_iter()
        .map(|r| {
            let comment = PublicComment {
                id: r.id,
                parent_id: r.parent_id,
                depth: r.depth,
                shown: Some(ShownText {
                    author_name: r.author_name,
                    body: r.body,
                    edited_at: r.edited_at,
                }),
                created_at: r.created_at,
            };
            (r.thread_path, comment)
        })
        .chain(placeholders.into_iter().map(|p| {
            let comment = PublicComment {
                id: p.id,
                parent_id: p.parent_id,
                depth: p.depth,
                shown: None,
                created_at: p.created_at,
            };
            (p.thread_path, comment)
        }))
        .collect();
    comments.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(CommentPage {
        comments: comments.into_iter().map(|(_, c)| c).collect(),
        next_cursor,
    })
}

/// The ancestors of this page's comments that are not shown themselves, to stand as
/// placeholders. An ancestor sorts before its replies, and a subtree is contiguous in thread
/// order, so one at or before the cursor was already on an earlier page.
fn removed_ancestors(
    conn: &mut storage::DbConnection,
    article_id: &ArticleId,
    rows: &[comments::PublicCommentRow],
    after: Option<&str>,
) -> Result<Vec<comments::ThreadPlaceRow>, ModerationError> {
    let shown: std::collections::HashSet<&str> = rows.iter().map(|r| r.id.as_str()).collect();
    let mut missing: Vec<String> = rows
        .iter()
        .flat_map(|r| {
            let ancestors = r.thread_path.split('/');
            ancestors.take(usize::try_from(r.depth).unwrap_or(0))
        })
        .filter(|id| !shown.contains(id))
        .map(str::to_string)
        .collect();
    missing.sort();
    missing.dedup();
    if missing.is_empty() {
        return Ok(Vec::new());
    }
    let places = comments::thread_places(conn, article_id.as_str(), &missing)?;
    Ok(places
        .into_iter()
        .filter(|p| after.is_none_or(|after| p.thread_path.as_str() > after))
        .collect())
}
