//! Per-article settings (`article_settings`): the row a moderator's choice writes, the locks
//! that order a change of state against the intake writer's batches, and the per-article
//! figures the console lists (comment counts by status, first and last comment).

use super::schema::{article_settings, comments};
use super::{DbConnection, StorageError};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Nullable, Text, Timestamp};
use time::PrimitiveDateTime;

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = article_settings, primary_key(article_id), treat_none_as_null = true)]
pub struct ArticleSettingsRow {
    pub article_id: String,
    pub state: String,
    pub closes_at: Option<PrimitiveDateTime>,
    pub updated_by: String,
    pub updated_at: PrimitiveDateTime,
}

pub fn find(
    conn: &mut DbConnection,
    article_id: &str,
) -> Result<Option<ArticleSettingsRow>, StorageError> {
    Ok(article_settings::table
        .find(article_id)
        .select(ArticleSettingsRow::as_select())
        .first(conn)
        .optional()?)
}

/// The rows of those of `article_ids` a moderator has set.
pub fn find_many(
    conn: &mut DbConnection,
    article_ids: &[&str],
) -> Result<Vec<ArticleSettingsRow>, StorageError> {
    Ok(article_settings::table
        .filter(article_settings::article_id.eq_any(article_ids))
        .select(ArticleSettingsRow::as_select())
        .load(conn)?)
}

/// Writes `row`, replacing the article's earlier one. Run inside the transaction that took
/// `lock_for_change`, so no other change of the same article interleaves.
pub fn save(conn: &mut DbConnection, row: &ArticleSettingsRow) -> Result<(), StorageError> {
    let updated = diesel::update(article_settings::table.find(&row.article_id))
        .set(row)
        .execute(conn)?;
    if updated == 0 {
        diesel::insert_into(article_settings::table)
            .values(row)
            .execute(conn)?;
    }
    Ok(())
}

/// The PostgreSQL advisory lock that orders changes of article settings against intake
/// batches (an arbitrary constant: "gh-artcl").
const ARTICLE_SETTINGS_LOCK: i64 = 0x6768_2d61_7274_636c;

/// Orders a change of an article's settings against the intake batches that store comments.
///
/// SQLite: nothing to do; every write transaction holds the database's one write lock from its
/// first statement (`BEGIN IMMEDIATE`), so a change and a batch never overlap. PostgreSQL: the
/// settings lock, exclusive until this transaction ends: it waits for the batches in flight
/// (which hold it shared, `lock_for_intake`) to commit, and batches that start meanwhile wait
/// for this change and then read it. One lock, not one per article: a batch of 512 comments on
/// 512 articles would otherwise take 512 locks, and changes are rare and short.
pub fn lock_for_change(conn: &mut DbConnection) -> Result<(), StorageError> {
    if let DbConnection::Pg(pg) = conn {
        diesel::sql_query("SELECT pg_advisory_xact_lock($1)::text AS locked")
            .bind::<BigInt, _>(ARTICLE_SETTINGS_LOCK)
            .execute(pg)?;
    }
    Ok(())
}

/// The intake writer's side of `lock_for_change` (and a reader's edit's, which obeys the
/// article's state as a new comment does): the settings lock, shared, held until the
/// batch commits, taken before the batch reads any article's settings. Shared holders never
/// wait for one another, so batches (of this instance or others) do not queue behind each
/// other; only a moderator's change waits, or is waited for.
pub fn lock_for_intake(conn: &mut DbConnection) -> Result<(), StorageError> {
    if let DbConnection::Pg(pg) = conn {
        diesel::sql_query("SELECT pg_advisory_xact_lock_shared($1)::text AS locked")
            .bind::<BigInt, _>(ARTICLE_SETTINGS_LOCK)
            .execute(pg)?;
    }
    Ok(())
}

/// When the article's first and latest comments (of any status) were stored, if it has any:
/// the comments with the lowest and highest ids (ids are time-ordered UUIDv7), found by index
/// seeks on `(article_id, status, id)` in one statement instead of a scan of the article's
/// comments, then their rows by primary key.
pub fn comment_span(
    conn: &mut DbConnection,
    article_id: &str,
) -> Result<(Option<PrimitiveDateTime>, Option<PrimitiveDateTime>), StorageError> {
    let of_status = |status: &'static str| {
        comments::table
            .filter(comments::article_id.eq(article_id))
            .filter(comments::status.eq(status))
    };
    let lowest = |status| {
        of_status(status)
            .select(diesel::dsl::min(comments::id))
            .single_value()
    };
    let highest = |status| {
        of_status(status)
            .select(diesel::dsl::max(comments::id))
            .single_value()
    };
    type Ids = (Option<String>, Option<String>, Option<String>);
    let (low, high): (Ids, Ids) = diesel::select((
        (lowest("published"), lowest("pending"), lowest("rejected")),
        (
            highest("published"),
            highest("pending"),
            highest("rejected"),
        ),
    ))
    .get_result(conn)?;
    let first = [low.0, low.1, low.2].into_iter().flatten().min();
    let last = [high.0, high.1, high.2].into_iter().flatten().max();
    Ok((created_at_of(conn, first)?, created_at_of(conn, last)?))
}

fn created_at_of(
    conn: &mut DbConnection,
    id: Option<String>,
) -> Result<Option<PrimitiveDateTime>, StorageError> {
    let Some(id) = id else { return Ok(None) };
    Ok(comments::table
        .find(id)
        .select(comments::created_at)
        .first(conn)
        .optional()?)
}

/// How many of the article's comments stand in each status, `(status, count)`; read from the
/// `(article_id, status, id)` index alone.
pub fn counts_by_status(
    conn: &mut DbConnection,
    article_id: &str,
) -> Result<Vec<(String, i64)>, StorageError> {
    Ok(comments::table
        .filter(comments::article_id.eq(article_id))
        .group_by(comments::status)
        .select((comments::status, diesel::dsl::count_star()))
        .load(conn)?)
}

/// How the console's article list is ordered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ArticleOrder {
    /// Latest comment first; articles without comments last.
    RecentActivity,
    /// Most comments waiting for a moderator first.
    MostPending,
    /// By article id.
    ArticleId,
}

/// Which articles the console lists.
#[derive(Debug, Clone)]
pub struct ArticleListQuery {
    /// Only articles in this state (`open`, `premoderated`, `closed` as stored; an article
    /// without a row is `open`). Must be one of those words: it is written into the statement.
    pub state: Option<&'static str>,
    pub order: ArticleOrder,
    pub limit: i64,
    pub offset: i64,
}

/// One article of the console's list.
#[derive(Debug, Clone, QueryableByName)]
pub struct ArticleListRow {
    #[diesel(sql_type = Text)]
    pub article_id: String,
    /// The stored state; `open` for an article without a row.
    #[diesel(sql_type = Text)]
    pub state: String,
    /// Whether a moderator has set the article (a row exists).
    #[diesel(sql_type = BigInt)]
    pub has_settings: i64,
    #[diesel(sql_type = Nullable<Timestamp>)]
    pub closes_at: Option<PrimitiveDateTime>,
    #[diesel(sql_type = Nullable<Text>)]
    pub updated_by: Option<String>,
    #[diesel(sql_type = Nullable<Timestamp>)]
    pub updated_at: Option<PrimitiveDateTime>,
    #[diesel(sql_type = BigInt)]
    pub pending: i64,
    #[diesel(sql_type = BigInt)]
    pub published: i64,
    #[diesel(sql_type = BigInt)]
    pub rejected: i64,
    #[diesel(sql_type = Nullable<Timestamp>)]
    pub first_comment_at: Option<PrimitiveDateTime>,
    #[diesel(sql_type = Nullable<Timestamp>)]
    pub last_comment_at: Option<PrimitiveDateTime>,
}

/// Articles with comments or settings, with their counts by status, one page of them.
///
/// The counts come from one pass over the `(article_id, status, id)` index (the first and last
/// comment are its lowest and highest ids), so a page costs a scan of that index: fine for a
/// console, not for a public route. Nothing is bound: the state is one of three fixed words and
/// the order, limit and offset are numbers and variants, which keeps one statement text for
/// both backends' placeholder styles.
pub fn list(
    conn: &mut DbConnection,
    query: &ArticleListQuery,
) -> Result<Vec<ArticleListRow>, StorageError> {
    let state_filter = match query.state {
        Some(state @ ("open" | "premoderated" | "closed")) => {
            format!("WHERE COALESCE(s.state, 'open') = '{state}'")
        }
        Some(other) => return Err(StorageError::Corrupt(format!("article state {other:?}"))),
        None => String::new(),
    };
    let order = match query.order {
        ArticleOrder::RecentActivity => "COALESCE(p.last_id, '') DESC, p.article_id ASC",
        ArticleOrder::MostPending => {
            "p.pending DESC, COALESCE(p.last_id, '') DESC, p.article_id ASC"
        }
        ArticleOrder::ArticleId => "p.article_id ASC",
    };
    let sql = format!(
        "WITH counts AS (
            SELECT article_id,
                SUM(CASE WHEN status = 'pending' THEN 1 ELSE 0 END) AS pending,
                SUM(CASE WHEN status = 'published' THEN 1 ELSE 0 END) AS published,
                SUM(CASE WHEN status = 'rejected' THEN 1 ELSE 0 END) AS rejected,
                MIN(id) AS first_id, MAX(id) AS last_id
            FROM comments GROUP BY article_id
        ), listed AS (
            SELECT article_id FROM counts UNION SELECT article_id FROM article_settings
        ), p AS (
            SELECT l.article_id, COALESCE(s.state, 'open') AS state,
                CASE WHEN s.article_id IS NULL THEN 0 ELSE 1 END AS has_settings,
                s.closes_at, s.updated_by, s.updated_at,
                COALESCE(c.pending, 0) AS pending, COALESCE(c.published, 0) AS published,
                COALESCE(c.rejected, 0) AS rejected, c.first_id, c.last_id
            FROM listed l
            LEFT JOIN counts c ON c.article_id = l.article_id
            LEFT JOIN article_settings s ON s.article_id = l.article_id
            {state_filter}
        )
        SELECT p.article_id, p.state, CAST(p.has_settings AS BIGINT) AS has_settings,
            p.closes_at, p.updated_by, p.updated_at,
            CAST(p.pending AS BIGINT) AS pending, CAST(p.published AS BIGINT) AS published,
            CAST(p.rejected AS BIGINT) AS rejected,
            f.created_at AS first_comment_at, z.created_at AS last_comment_at
        FROM p
        LEFT JOIN comments f ON f.id = p.first_id
        LEFT JOIN comments z ON z.id = p.last_id
        ORDER BY {order}
        LIMIT {limit} OFFSET {offset}",
        limit = query.limit.max(0),
        offset = query.offset.max(0),
    );
    Ok(match conn {
        DbConnection::Sqlite(c) => diesel::sql_query(sql).load(c)?,
        DbConnection::Pg(c) => diesel::sql_query(sql).load(c)?,
    })
}
