//! Per-article settings: an article is open (the default, no row), premoderated (every new
//! comment is held for a moderator) or closed (no new comments; the thread stays readable),
//! and may close by itself at a time (its own, or the site's default some days after its first
//! comment). Moderators read and change them (audited); readers' widgets read whether
//! commenting is open; the intake writer applies them (`gate`).

use super::{ArticleId, Database, ModerationError};
use crate::storage::articles::{self, ArticleSettingsRow};
use crate::storage::audit::{self, AuditRow};
use crate::storage::{self, DbConnection, StorageError};
use crate::timestamps;
use serde_json::json;
use time::PrimitiveDateTime;

pub use super::article_list::{list, ArticlePage};
pub use crate::storage::articles::ArticleOrder;

/// Longest reason a moderator may give for a change.
pub const MAX_REASON_CHARS: usize = 500;
/// Articles on one page of the console's list, at most.
pub const MAX_LIST_LIMIT: i64 = 200;
/// Deepest offset into the list: paging further means the list wants a filter.
pub const MAX_LIST_OFFSET: i64 = 100_000;

/// What a moderator set an article to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ArticleState {
    Open,
    Premoderated,
    Closed,
}

impl ArticleState {
    pub const ALL: [ArticleState; 3] = [
        ArticleState::Open,
        ArticleState::Premoderated,
        ArticleState::Closed,
    ];

    pub fn parse(text: &str, field: &'static str) -> Result<Self, ModerationError> {
        Self::ALL
            .into_iter()
            .find(|s| s.as_str() == text)
            .ok_or_else(|| {
                ModerationError::invalid(
                    field,
                    format!("{field} must be open, premoderated or closed"),
                )
            })
    }

    pub fn as_str(self) -> &'static str {
        match self {
            ArticleState::Open => "open",
            ArticleState::Premoderated => "premoderated",
            ArticleState::Closed => "closed",
        }
    }

    /// A stored state; a row holds one of the three (the table's CHECK constraint).
    pub(super) fn from_stored(text: &str) -> Result<Self, StorageError> {
        Self::ALL
            .into_iter()
            .find(|s| s.as_str() == text)
            .ok_or_else(|| StorageError::Corrupt(format!("article state {text:?}")))
    }
}

/// Where new comments on an article go now: the intake's answer to its settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Admission {
    /// Judged by the rules as usual.
    Open,
    /// Held for a moderator, whatever the rules say (a rejection stays a rejection).
    Held,
    /// Refused: `409 article_closed`.
    Closed,
}

/// An article's settings, and what they amount to at a moment.
#[derive(Debug, Clone, PartialEq)]
pub struct ArticleSettings {
    pub article_id: String,
    /// As a moderator set it (`Open` without a row).
    pub state: ArticleState,
    /// When comments close by themselves: the moderator's time, or for an article no moderator
    /// set, the site's default counted from the first comment.
    pub closes_at: Option<PrimitiveDateTime>,
    /// Whether `closes_at` comes from the site's default rather than the article's row.
    pub closes_by_default: bool,
    /// Who set the article last, and when (`None`: never set).
    pub updated_by: Option<String>,
    pub updated_at: Option<PrimitiveDateTime>,
}

impl ArticleSettings {
    /// The settings of an article from its row (if a moderator set it), the site's default
    /// and the time of its first comment.
    pub(super) fn resolve(
        article_id: &str,
        row: Option<&ArticleSettingsRow>,
        auto_close_after: Option<time::Duration>,
        first_comment_at: Option<PrimitiveDateTime>,
    ) -> Result<Self, StorageError> {
        Ok(match row {
            Some(row) => ArticleSettings {
                article_id: article_id.to_string(),
                state: ArticleState::from_stored(&row.state)?,
                closes_at: row.closes_at,
                closes_by_default: false,
                updated_by: Some(row.updated_by.clone()),
                updated_at: Some(row.updated_at),
            },
            None => {
                let closes_at = auto_close_after.zip(first_comment_at).map(|(d, t)| t + d);
                ArticleSettings {
                    article_id: article_id.to_string(),
                    state: ArticleState::Open,
                    closes_at,
                    closes_by_default: closes_at.is_some(),
                    updated_by: None,
                    updated_at: None,
                }
            }
        })
    }

    /// Where a new comment goes at `now`. A closing time closes a premoderated article too.
    pub fn admission(&self, now: PrimitiveDateTime) -> Admission {
        if self.state == ArticleState::Closed || self.closes_at.is_some_and(|t| t <= now) {
            return Admission::Closed;
        }
        match self.state {
            ArticleState::Premoderated => Admission::Held,
            _ => Admission::Open,
        }
    }

    /// The state as readers experience it at `now`: `closed` once the closing time passed.
    pub fn effective_state(&self, now: PrimitiveDateTime) -> ArticleState {
        match self.admission(now) {
            Admission::Closed => ArticleState::Closed,
            _ => self.state,
        }
    }
}

/// Reads an article's settings; the first comment is looked up only when the site's default
/// needs it.
fn read_settings(
    conn: &mut DbConnection,
    article_id: &str,
    auto_close_after: Option<time::Duration>,
) -> Result<ArticleSettings, StorageError> {
    let row = articles::find(conn, article_id)?;
    let first = match (&row, auto_close_after) {
        (None, Some(_)) => articles::comment_span(conn, article_id)?.0,
        _ => None,
    };
    ArticleSettings::resolve(article_id, row.as_ref(), auto_close_after, first)
}

/// The settings of the articles of one intake batch (or of one reader's edit), read inside its
/// transaction.
pub(crate) struct BatchArticles {
    settings: Vec<ArticleSettings>,
    /// The moment the batch checks closing times against: after its locks were granted.
    now: PrimitiveDateTime,
}

impl BatchArticles {
    /// Takes the intake's shared settings lock (see `storage::articles::lock_for_change`), then
    /// reads the rows of `article_ids` (distinct) at once, and the first comment of each
    /// article no moderator set when the site has a default.
    pub(crate) fn read(
        conn: &mut DbConnection,
        article_ids: &[&str],
        auto_close_after: Option<time::Duration>,
    ) -> Result<Self, StorageError> {
        articles::lock_for_intake(conn)?;
        let now = timestamps::now();
        let rows = articles::find_many(conn, article_ids)?;
        let settings = article_ids
            .iter()
            .map(|id| {
                let row = rows.iter().find(|r| r.article_id == *id);
                let first = match (row, auto_close_after) {
                    (None, Some(_)) => articles::comment_span(conn, id)?.0,
                    _ => None,
                };
                ArticleSettings::resolve(id, row, auto_close_after, first)
            })
            .collect::<Result<_, StorageError>>()?;
        Ok(BatchArticles { settings, now })
    }

    /// Where a new comment on `article_id` goes in this batch.
    pub(crate) fn admission(&self, article_id: &str) -> Admission {
        self.settings
            .iter()
            .find(|s| s.article_id == article_id)
            .map_or(Admission::Open, |s| s.admission(self.now))
    }
}

/// Comment counts of one article by status.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct StatusCounts {
    pub pending: i64,
    pub published: i64,
    pub rejected: i64,
}

/// An article as moderators see it: settings and counts.
#[derive(Debug, Clone, PartialEq)]
pub struct ArticleOverview {
    pub settings: ArticleSettings,
    pub counts: StatusCounts,
    pub first_comment_at: Option<PrimitiveDateTime>,
    pub last_comment_at: Option<PrimitiveDateTime>,
}

/// One article for moderators.
pub fn overview(
    pool: &Database,
    article_id: &ArticleId,
    auto_close_after: Option<time::Duration>,
) -> Result<ArticleOverview, ModerationError> {
    let mut conn = pool.get().map_err(StorageError::from)?;
    let id = article_id.as_str();
    let settings = read_settings(&mut conn, id, auto_close_after)?;
    let mut counts = StatusCounts::default();
    for (status, n) in articles::counts_by_status(&mut conn, id)? {
        match status.as_str() {
            "pending" => counts.pending = n,
            "published" => counts.published = n,
            "rejected" => counts.rejected = n,
            _ => {}
        }
    }
    let (first_comment_at, last_comment_at) = articles::comment_span(&mut conn, id)?;
    Ok(ArticleOverview {
        settings,
        counts,
        first_comment_at,
        last_comment_at,
    })
}

/// What a reader's widget needs: whether it may offer the form, and how many comments show.
#[derive(Debug, Clone, PartialEq)]
pub struct PublicArticle {
    pub article_id: String,
    /// `open`, `premoderated` or `closed` (closing time passed included).
    pub state: ArticleState,
    pub closes_at: Option<PrimitiveDateTime>,
    pub published_count: i64,
}

pub fn public_article(
    pool: &Database,
    article_id: &ArticleId,
    auto_close_after: Option<time::Duration>,
    include_flagged: bool,
    now: PrimitiveDateTime,
) -> Result<PublicArticle, ModerationError> {
    let mut conn = pool.get().map_err(StorageError::from)?;
    let id = article_id.as_str();
    let settings = read_settings(&mut conn, id, auto_close_after)?;
    let published_count =
        crate::storage::comments::published_counts(&mut conn, &[id.to_string()], include_flagged)?
            .into_iter()
            .map(|(_, n)| n)
            .sum();
    Ok(PublicArticle {
        article_id: id.to_string(),
        state: settings.effective_state(now),
        closes_at: settings.closes_at,
        published_count,
    })
}

/// A moderator's change of one article.
#[derive(Debug, Clone)]
pub struct ArticleChange {
    pub state: ArticleState,
    /// `None`: the article never closes by itself (the site's default no longer applies).
    pub closes_at: Option<PrimitiveDateTime>,
    pub reason: String,
}

impl ArticleChange {
    /// A change with its reason checked: 1-500 characters after trimming.
    pub fn new(
        state: ArticleState,
        closes_at: Option<PrimitiveDateTime>,
        reason: &str,
    ) -> Result<Self, ModerationError> {
        let reason = reason.trim();
        if reason.is_empty() || reason.chars().count() > MAX_REASON_CHARS {
            return Err(ModerationError::invalid(
                "reason",
                format!(
                    "reason must be 1-{MAX_REASON_CHARS} characters: say why, for the audit log"
                ),
            ));
        }
        Ok(ArticleChange {
            state,
            closes_at,
            reason: reason.to_string(),
        })
    }
}

fn settings_json(settings: &ArticleSettings) -> serde_json::Value {
    json!({
        "state": settings.state.as_str(),
        "closes_at": settings.closes_at.map(timestamps::rfc3339),
        "closes_by_default": settings.closes_by_default,
    })
}

/// Sets an article's state and closing time, with an audit row saying from what to what (one
/// transaction). Ordered against intake batches by `lock_for_change`: once this returns, no
/// comment is stored on a closed article by a batch that had not committed yet.
pub fn change(
    pool: &Database,
    article_id: &ArticleId,
    change: &ArticleChange,
    auto_close_after: Option<time::Duration>,
    moderator: &str,
    now: PrimitiveDateTime,
) -> Result<ArticleSettings, ModerationError> {
    let id = article_id.as_str();
    let mut conn = pool.get().map_err(StorageError::from)?;
    storage::write_transaction(&mut conn, |conn| {
        articles::lock_for_change(conn)?;
        let before = read_settings(conn, id, auto_close_after)?;
        let row = ArticleSettingsRow {
            article_id: id.to_string(),
            state: change.state.as_str().to_string(),
            closes_at: change.closes_at,
            updated_by: moderator.to_string(),
            updated_at: now,
        };
        articles::save(conn, &row)?;
        let after = ArticleSettings::resolve(id, Some(&row), auto_close_after, None)?;
        audit::append(
            conn,
            &[
                AuditRow::new(moderator, "article_changed", "article", Some(id), now)
                    .change(Some(settings_json(&before)), Some(settings_json(&after)))
                    .reason(Some(&change.reason)),
            ],
        )?;
        Ok::<_, ModerationError>(after)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    const NOON: PrimitiveDateTime = datetime!(2026-12-01 12:00);

    fn row(state: &str, closes_at: Option<PrimitiveDateTime>) -> ArticleSettingsRow {
        ArticleSettingsRow {
            article_id: "a1".into(),
            state: state.into(),
            closes_at,
            updated_by: "mia".into(),
            updated_at: NOON,
        }
    }

    #[test]
    fn an_article_nobody_set_is_open_and_closes_by_the_site_default() {
        let open = ArticleSettings::resolve("a1", None, None, Some(NOON)).unwrap();
        assert_eq!(open.admission(NOON), Admission::Open);
        assert_eq!(open.closes_at, None);

        let three_days = Some(time::Duration::days(3));
        let first = NOON - time::Duration::days(3);
        let by_default = ArticleSettings::resolve("a1", None, three_days, Some(first)).unwrap();
        assert!(by_default.closes_by_default);
        assert_eq!(by_default.closes_at, Some(NOON));
        assert_eq!(
            by_default.admission(NOON - time::Duration::seconds(1)),
            Admission::Open
        );
        assert_eq!(by_default.admission(NOON), Admission::Closed);
        assert_eq!(by_default.effective_state(NOON), ArticleState::Closed);

        let no_comments = ArticleSettings::resolve("a1", None, three_days, None).unwrap();
        assert_eq!(
            no_comments.closes_at, None,
            "counted from the first comment"
        );
    }

    #[test]
    fn a_moderators_setting_replaces_the_site_default() {
        let days = Some(time::Duration::days(1));
        let long_ago = Some(NOON - time::Duration::days(30));
        let reopened =
            ArticleSettings::resolve("a1", Some(&row("open", None)), days, long_ago).unwrap();
        assert_eq!(reopened.admission(NOON), Admission::Open);
        assert!(!reopened.closes_by_default);

        let premoderated = row("premoderated", Some(NOON));
        let held = ArticleSettings::resolve("a1", Some(&premoderated), days, long_ago).unwrap();
        assert_eq!(
            held.admission(NOON - time::Duration::minutes(1)),
            Admission::Held
        );
        assert_eq!(
            held.admission(NOON),
            Admission::Closed,
            "a closing time closes it too"
        );
        assert_eq!(
            held.effective_state(NOON - time::Duration::minutes(1)),
            ArticleState::Premoderated
        );

        let closed =
            ArticleSettings::resolve("a1", Some(&row("closed", None)), None, None).unwrap();
        assert_eq!(closed.admission(NOON), Admission::Closed);
    }

    #[test]
    fn states_parse_from_their_names_only() {
        for state in ArticleState::ALL {
            assert_eq!(ArticleState::parse(state.as_str(), "state").unwrap(), state);
        }
        assert!(ArticleState::parse("Closed", "state").is_err());
        assert!(ArticleState::from_stored("frozen").is_err());
    }

    #[test]
    fn a_change_needs_a_reason_of_at_most_500_characters() {
        assert!(ArticleChange::new(ArticleState::Closed, None, "  ").is_err());
        assert!(ArticleChange::new(ArticleState::Closed, None, &"x".repeat(501)).is_err());
        let change = ArticleChange::new(ArticleState::Closed, None, "  court order ").unwrap();
        assert_eq!(change.reason, "court order");
    }
}
