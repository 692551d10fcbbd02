//! Comment rows: inserting a judged comment, the look-ups intake needs (parent, author history)
//! and the public, thread-ordered listing.

use super::schema::{bans, comments};
use super::{DbConnection, StorageError};
use diesel::prelude::*;
use time::PrimitiveDateTime;

/// A comment ready to store, verdict included.
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = comments)]
pub struct NewCommentRow {
    pub id: String,
    pub article_id: String,
    pub parent_id: Option<String>,
    pub thread_path: String,
    pub depth: i32,
    pub author_name: String,
    pub author_email: Option<String>,
    pub author_key: String,
    pub body: String,
    pub body_fingerprint: String,
    pub client_ip: String,
    pub status: String,
    pub score: f64,
    pub verdict: String,
    pub rules_version: String,
    pub created_at: PrimitiveDateTime,
}

/// What a reply needs to know about the comment it answers.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = comments)]
pub struct ParentRow {
    pub id: String,
    pub article_id: String,
    pub thread_path: String,
    pub depth: i32,
    pub status: String,
}

/// A published comment as the public sees it: no email, no IP, no verdict.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = comments)]
pub struct PublicCommentRow {
    pub id: String,
    pub article_id: String,
    pub parent_id: Option<String>,
    pub thread_path: String,
    pub depth: i32,
    pub author_name: String,
    pub body: String,
    pub created_at: PrimitiveDateTime,
    pub edited_at: Option<PrimitiveDateTime>,
}

/// Where a comment stands in its thread, for a placeholder where it is not shown.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = comments)]
pub struct ThreadPlaceRow {
    pub id: String,
    pub parent_id: Option<String>,
    pub thread_path: String,
    pub depth: i32,
    pub created_at: PrimitiveDateTime,
}

/// The author's past as the rules need it, and whether bans may bar the submission.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct HistoryFacts {
    /// 0 for an author with no published comment, else 1 (the rules need no more).
    pub prior_published: u64,
    pub last_same_body_by_author: Option<PrimitiveDateTime>,
    pub last_same_body_by_ip: Option<PrimitiveDateTime>,
    /// An author ban on the author's key is in force.
    pub author_banned: bool,
    /// Some address ban is in force (whether it covers the client's address is the caller's
    /// to check, with `bans::address_bans`: networks are matched outside SQL).
    pub address_bans_in_force: bool,
}

/// Rows per statement: 17 parameters a row stays far below SQLite's 32,766 and PostgreSQL's
/// 65,535 bound parameters.
const ROWS_PER_STATEMENT: usize = 1_000;

/// Inserts judged comments, many rows per statement (one round trip on PostgreSQL).
pub fn insert_many(conn: &mut DbConnection, rows: &[&NewCommentRow]) -> Result<(), StorageError> {
    match conn {
        // diesel runs an SQLite batch row by row in a transaction of its own, which cannot
        // nest in ours: one cached statement per row costs as little.
        DbConnection::Sqlite(c) => {
            for row in rows {
                diesel::insert_into(comments::table)
                    .values(*row)
                    .execute(c)?;
            }
        }
        DbConnection::Pg(c) => {
            for chunk in rows.chunks(ROWS_PER_STATEMENT) {
                diesel::insert_into(comments::table)
                    .values(chunk.to_vec())
                    .execute(c)?;
            }
        }
    }
    Ok(())
}

pub fn find_parent(conn: &mut DbConnection, id: &str) -> Result<Option<ParentRow>, StorageError> {
    Ok(comments::table
        .filter(comments::id.eq(id))
        .select(ParentRow::as_select())
        .first(conn)
        .optional()?)
}

/// Looks up what the first-comment and duplicate rules need, and whether a ban may apply, in
/// one statement (on the hot path of every submission: one round trip on PostgreSQL).
/// `same_body_since` is `None` when no duplicate rule is enabled; bans are those in force at
/// `now`.
pub fn author_history(
    conn: &mut DbConnection,
    author_key: &str,
    client_ip: &str,
    body_fingerprint: &str,
    same_body_since: Option<PrimitiveDateTime>,
    now: PrimitiveDateTime,
) -> Result<HistoryFacts, StorageError> {
    // Without a duplicate rule, a window that starts after every comment finds none; one
    // statement shape keeps the statement cached.
    let since = same_body_since.unwrap_or(PrimitiveDateTime::MAX);
    let statement = || {
        let published_before = comments::table
            .filter(comments::author_key.eq(author_key))
            .filter(comments::status.eq("published"))
            .select(comments::id)
            .limit(1)
            .single_value();
        let same_body = comments::table
            .filter(comments::body_fingerprint.eq(body_fingerprint))
            .filter(comments::created_at.ge(since))
            .select(diesel::dsl::max(comments::created_at));
        let by_author = same_body
            .filter(comments::author_key.eq(author_key))
            .single_value();
        let by_ip = same_body
            .filter(comments::client_ip.eq(client_ip))
            .single_value();
        let bans_in_force = bans::table
            .filter(bans::lifted_at.is_null())
            .filter(bans::expires_at.is_null().or(bans::expires_at.gt(now)));
        let author_banned = diesel::dsl::exists(
            bans_in_force
                .filter(bans::kind.eq("author"))
                .filter(bans::value.eq(author_key)),
        );
        let address_bans = diesel::dsl::exists(bans_in_force.filter(bans::kind.eq("ip")));
        diesel::select((
            published_before,
            by_author,
            by_ip,
            author_banned,
            address_bans,
        ))
    };
    let (prior, by_author, by_ip, author_banned, address_bans_in_force): (
        Option<String>,
        Option<PrimitiveDateTime>,
        Option<PrimitiveDateTime>,
        bool,
        bool,
    ) = on_backend!(conn, |c| statement().get_result(c)?);
    Ok(HistoryFacts {
        prior_published: u64::from(prior.is_some()),
        last_same_body_by_author: by_author,
        last_same_body_by_ip: by_ip,
        author_banned,
        address_bans_in_force,
    })
}

/// Published comments of an article in thread order, strictly after `after_path`; flagged ones
/// only when the site keeps them visible during review.
pub fn list_published(
    conn: &mut DbConnection,
    article_id: &str,
    after_path: Option<&str>,
    limit: i64,
    include_flagged: bool,
) -> Result<Vec<PublicCommentRow>, StorageError> {
    let mut query = comments::table
        .filter(comments::article_id.eq(article_id))
        .filter(comments::status.eq("published"))
        .filter(comments::deleted_at.is_null())
        .into_boxed();
    if !include_flagged {
        query = query.filter(comments::flagged_at.is_null());
    }
    if let Some(after) = after_path {
        query = query.filter(comments::thread_path.gt(after.to_string()));
    }
    Ok(query
        .order(comments::thread_path.asc())
        .limit(limit)
        .select(PublicCommentRow::as_select())
        .load(conn)?)
}

/// The thread places of `ids` on `article_id` (the ancestors of shown replies).
pub fn thread_places(
    conn: &mut DbConnection,
    article_id: &str,
    ids: &[String],
) -> Result<Vec<ThreadPlaceRow>, StorageError> {
    Ok(comments::table
        .filter(comments::article_id.eq(article_id))
        .filter(comments::id.eq_any(ids))
        .select(ThreadPlaceRow::as_select())
        .load(conn)?)
}

/// How many comments of each of `article_ids` the public thread shows (published; flagged ones
/// only when the site keeps them visible), for articles with at least one.
pub fn published_counts(
    conn: &mut DbConnection,
    article_ids: &[String],
    include_flagged: bool,
) -> Result<Vec<(String, i64)>, StorageError> {
    use diesel::sql_types::Bool;
    Ok(comments::table
        .filter(comments::article_id.eq_any(article_ids))
        .filter(comments::status.eq("published"))
        .filter(comments::deleted_at.is_null())
        .filter(
            comments::flagged_at
                .is_null()
                .or(include_flagged.into_sql::<Bool>()),
        )
        .group_by(comments::article_id)
        .select((comments::article_id, diesel::dsl::count_star()))
        .load(conn)?)
}

/// Cheap liveness probe for `/healthz`.
pub fn ping(conn: &mut DbConnection) -> Result<(), StorageError> {
    diesel::sql_query("SELECT 1").execute(conn)?;
    Ok(())
}

/// A stored comment as a backtest replays it.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = comments)]
pub struct ReplayRow {
    pub id: String,
    pub body: String,
    pub author_name: String,
    pub author_email: Option<String>,
    pub status: String,
    pub decided_by: Option<String>,
}

/// Comments created at or after `since`, oldest first, a batch at a time after `after_id`.
pub fn replay_batch(
    conn: &mut DbConnection,
    since: Option<PrimitiveDateTime>,
    after_id: Option<&str>,
    batch: i64,
) -> Result<Vec<ReplayRow>, StorageError> {
    let mut query = comments::table.into_boxed();
    if let Some(since) = since {
        query = query.filter(comments::created_at.ge(since));
    }
    if let Some(after) = after_id {
        query = query.filter(comments::id.gt(after.to_string()));
    }
    Ok(query
        .order(comments::id.asc())
        .limit(batch)
        .select(ReplayRow::as_select())
        .load(conn)?)
}

pub fn count_since(
    conn: &mut DbConnection,
    since: Option<PrimitiveDateTime>,
) -> Result<i64, StorageError> {
    let mut query = comments::table.into_boxed();
    if let Some(since) = since {
        query = query.filter(comments::created_at.ge(since));
    }
    Ok(query.count().get_result(conn)?)
}
