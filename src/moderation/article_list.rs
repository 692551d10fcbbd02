//! The console's list of articles: every article with comments or settings, its settings as
//! they stand and its comment counts by status, a page at a time.

use super::articles::{ArticleOrder, ArticleOverview, ArticleSettings, ArticleState, StatusCounts};
use super::{Database, ModerationError};
use crate::storage::articles::{self, ArticleListQuery, ArticleListRow, ArticleSettingsRow};
use crate::storage::StorageError;
use time::PrimitiveDateTime;

/// One page of the console's article list.
#[derive(Debug, Clone)]
pub struct ArticlePage {
    pub articles: Vec<ArticleOverview>,
    /// Whether more articles follow this page.
    pub has_more: bool,
}

pub fn list(
    pool: &Database,
    state: Option<ArticleState>,
    order: ArticleOrder,
    limit: i64,
    offset: i64,
    auto_close_after: Option<time::Duration>,
) -> Result<ArticlePage, ModerationError> {
    let mut conn = pool.get().map_err(StorageError::from)?;
    let mut rows = articles::list(
        &mut conn,
        &ArticleListQuery {
            state: state.map(ArticleState::as_str),
            order,
            limit: limit + 1,
            offset,
        },
    )?;
    let has_more = rows.len() as i64 > limit;
    rows.truncate(usize::try_from(limit).unwrap_or(0));
    let articles = rows
        .into_iter()
        .map(|row| overview_of(row, auto_close_after))
        .collect::<Result<_, StorageError>>()?;
    Ok(ArticlePage { articles, has_more })
}

fn overview_of(
    row: ArticleListRow,
    auto_close_after: Option<time::Duration>,
) -> Result<ArticleOverview, StorageError> {
    let stored = (row.has_settings != 0).then(|| ArticleSettingsRow {
        article_id: row.article_id.clone(),
        state: row.state.clone(),
        closes_at: row.closes_at,
        updated_by: row.updated_by.clone().unwrap_or_default(),
        updated_at: row.updated_at.unwrap_or(PrimitiveDateTime::MIN),
    });
    Ok(ArticleOverview {
        settings: ArticleSettings::resolve(
            &row.article_id,
            stored.as_ref(),
            auto_close_after,
            row.first_comment_at,
        )?,
        counts: StatusCounts {
            pending: row.pending,
            published: row.published,
            rejected: row.rejected,
        },
        first_comment_at: row.first_comment_at,
        last_comment_at: row.last_comment_at,
    })
}
