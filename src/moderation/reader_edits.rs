//! A reader edits or deletes their own comment with the token its submission returned, within
//! the edit window: an edit is judged again by the rules in force, the earlier text is kept
//! for moderators, and a lost race with a moderator's decision changes nothing. The article's
//! settings apply to an edit as to a new comment: none on a closed article, held on a
//! premoderated one; a delete is always allowed (a reader can take their words back).

use super::articles::{Admission, BatchArticles};
use super::bans::matching_ban;
use super::judge::{premoderate, verdict_for};
use super::learning::{forget_comment_label, LiveModel};
use super::{ArticleId, ModerationError, ModerationSettings, NewComment, StatusConflict};
use crate::auth::token;
use crate::rules::{AuthorHistory, CommentStatus, Normalized, RuleSet};
use crate::storage::audit::{self, AuditRow};
use crate::storage::reader_edits::{self, EditGrantRow, EditableRow, EditedText, RevisionRow};
use crate::storage::{self, comments, outbox, Pool, StorageError};
use crate::webhooks::event;
use serde_json::json;
use std::net::IpAddr;
use time::PrimitiveDateTime;

/// The audit log's actor for a reader's own change (readers have no account).
pub const READER_ACTOR: &str = reader_edits::READER;

/// Which comment an edit or delete is about, read before it is rate-limited.
#[derive(Debug, Clone)]
pub struct EditTarget {
    pub article_id: String,
    pub author_key: String,
}

/// A comment after its reader's edit.
#[derive(Debug, Clone)]
pub struct EditedComment {
    pub id: String,
    pub status: CommentStatus,
    pub edited_at: PrimitiveDateTime,
    pub editable_until: PrimitiveDateTime,
}

fn not_found() -> ModerationError {
    ModerationError::NotFound {
        what: "comment",
        field: None,
    }
}

fn forbidden() -> ModerationError {
    ModerationError::EditForbidden {
        message: "this edit token does not belong to this comment".into(),
    }
}

/// The comment an edit names, for the rate limiter: unknown ids are 404 before any quota is
/// spent.
pub fn edit_target(pool: &Pool, comment_id: &str) -> Result<EditTarget, ModerationError> {
    if uuid::Uuid::try_parse(comment_id).is_err() {
        return Err(not_found());
    }
    let mut conn = pool.get().map_err(StorageError::from)?;
    let (row, _) = reader_edits::find_editable(&mut conn, comment_id)?.ok_or_else(not_found)?;
    Ok(EditTarget {
        article_id: row.article_id,
        author_key: row.author_key,
    })
}

/// Reads the comment and checks the token and the window; the grant on success.
fn authorize(
    conn: &mut storage::DbConnection,
    comment_id: &str,
    edit_token: &str,
    now: PrimitiveDateTime,
) -> Result<(EditableRow, EditGrantRow), ModerationError> {
    if uuid::Uuid::try_parse(comment_id).is_err() {
        return Err(not_found());
    }
    let (row, grant) = reader_edits::find_editable(conn, comment_id)?.ok_or_else(not_found)?;
    let grant = grant
        .filter(|g| token::is_well_formed(edit_token) && g.token_hash == token::hash(edit_token))
        .ok_or_else(forbidden)?;
    if now > grant.editable_until {
        return Err(ModerationError::EditWindowClosed {
            message: format!(
                "the edit window closed at {}",
                crate::timestamps::rfc3339(grant.editable_until)
            ),
        });
    }
    Ok((row, grant))
}

/// The revision that keeps what the comment was before a reader's change.
fn revision(row: &EditableRow, kind: &str, now: PrimitiveDateTime) -> RevisionRow {
    RevisionRow {
        id: uuid::Uuid::now_v7().to_string(),
        comment_id: row.id.clone(),
        kind: kind.to_string(),
        body: row.body.clone(),
        status: row.status.clone(),
        score: row.score,
        verdict: row.verdict.clone(),
        rules_version: row.rules_version.clone(),
        replaced_at: now,
    }
}

/// What the edit is judged by.
pub struct EditJudge<'a> {
    pub rules: &'a RuleSet,
    pub live: &'a LiveModel,
    pub settings: ModerationSettings,
}

/// Replaces the comment's text with `body` if `edit_token` is its token and the window is
/// open; judged again by `judge`'s rules (its new status and explanation replace the old).
pub fn edit(
    pool: &Pool,
    judge: &EditJudge<'_>,
    comment_id: &str,
    edit_token: &str,
    body: &str,
    now: PrimitiveDateTime,
) -> Result<(EditedComment, crate::rules::Verdict), ModerationError> {
    let mut conn = pool.get().map_err(StorageError::from)?;
    let (row, grant) = authorize(&mut conn, comment_id, edit_token, now)?;
    if row.deleted_at.is_some() {
        return Err(ModerationError::EditWindowClosed {
            message: "this comment was deleted".into(),
        });
    }
    if row.status == CommentStatus::Rejected.as_str() && row.decided_at.is_some() {
        return Err(ModerationError::EditForbidden {
            message: "a moderator removed this comment; it can no longer be edited".into(),
        });
    }
    let article = ArticleId::parse(&row.article_id)?;
    let comment = NewComment::parse(
        article,
        &row.author_name,
        row.author_email.as_deref(),
        body,
        row.parent_id.as_deref(),
    )?;
    // The body's normalized view serves its fingerprint and then the rules, as for a new
    // comment.
    let normalized = crate::rules::normalize(&comment.body);
    let fingerprint = crate::rules::normalized_fingerprint(&normalized);
    let (mut verdict, mut status) = judge_edit(
        &mut conn,
        judge,
        &row,
        &comment,
        &fingerprint,
        &normalized,
        now,
    )?;
    let auto_close_after = judge.settings.auto_close_after();
    let won = storage::write_transaction(&mut conn, |conn| {
        // The article's settings as an intake batch reads them: after the intake's settings
        // lock, in this transaction. A close that committed first is seen here; one that comes
        // later waits for this edit to commit (storage::articles::lock_for_change).
        let article = BatchArticles::read(conn, &[row.article_id.as_str()], auto_close_after)?;
        match article.admission(&row.article_id) {
            Admission::Closed => return Err(ModerationError::ArticleClosed),
            Admission::Held => {
                premoderate(&mut verdict);
                if status == CommentStatus::Published {
                    status = CommentStatus::Pending;
                }
            }
            Admission::Open => {}
        }
        let verdict_json =
            serde_json::to_string(&verdict).map_err(|e| StorageError::Corrupt(e.to_string()))?;
        let text = EditedText {
            body: &comment.body,
            body_fingerprint: &fingerprint,
            status: status.as_str(),
            score: verdict.score,
            verdict: &verdict_json,
            rules_version: &verdict.rules_version,
            edited_at: now,
        };
        if !reader_edits::replace_text(conn, &row, &text)? {
            return Ok::<_, ModerationError>(false);
        }
        reader_edits::insert_revision(conn, &revision(&row, "edit", now))?;
        forget_comment_label(conn, &row.id, &row.body, &row.author_name)?;
        if status == CommentStatus::Pending && row.status != status.as_str() {
            outbox::insert(conn, &[held_again(&row, &verdict, now)])?;
        }
        audit::append(
            conn,
            &[
                AuditRow::new(READER_ACTOR, "reader_edit", "comment", Some(&row.id), now)
                    .change(
                        Some(json!({"status": row.status})),
                        Some(json!({"status": status.as_str()})),
                    )
                    .details(json!({"from": row.status, "to": status.as_str()})),
            ],
        )?;
        Ok(true)
    })?;
    if !won {
        return Err(changed_meanwhile(&mut conn, &row.id)?);
    }
    // A label taken back changed the model.
    judge.live.refresh_after_commit(&mut conn);
    Ok((
        EditedComment {
            id: row.id,
            status,
            edited_at: now,
            editable_until: grant.editable_until,
        },
        verdict,
    ))
}

/// The edit's verdict by the rules in force, as a new comment's would be: the author's
/// history (the comment's own earlier text is not a duplicate of itself), bans, the model.
fn judge_edit(
    conn: &mut storage::DbConnection,
    judge: &EditJudge<'_>,
    row: &EditableRow,
    comment: &NewComment,
    fingerprint: &str,
    normalized: &Normalized,
    now: PrimitiveDateTime,
) -> Result<(crate::rules::Verdict, CommentStatus), ModerationError> {
    // The author's history as a new comment would see it; the comment's own earlier text is
    // not a duplicate of itself.
    let window_start = judge
        .rules
        .duplicate_window()
        .and_then(|w| time::Duration::try_from(w).ok())
        .filter(|_| *fingerprint != row.body_fingerprint)
        .map(|w| now - w);
    let facts = comments::author_history(
        conn,
        &row.author_key,
        &row.client_ip,
        fingerprint,
        window_start,
        now,
    )?;
    let history = AuthorHistory {
        prior_published: facts.prior_published,
        same_body_by_author_secs_ago: super::judge::secs_between(
            facts.last_same_body_by_author,
            now,
        ),
        same_body_by_ip_secs_ago: super::judge::secs_between(facts.last_same_body_by_ip, now),
    };
    let client_ip: Option<IpAddr> = row.client_ip.parse().ok();
    let ban = match client_ip {
        Some(ip) => matching_ban(conn, &facts, ip, now)?,
        None => None,
    }
    .map(|kind| (kind, judge.settings.ban_action));
    let model = judge.live.snapshot();
    Ok(verdict_for(
        judge.rules,
        &model,
        comment,
        &history,
        ban,
        Some(normalized),
    ))
}

/// The `comment.held` event of an edit the rules hold: as for a new comment, marked `edited`.
fn held_again(
    row: &EditableRow,
    verdict: &crate::rules::Verdict,
    now: PrimitiveDateTime,
) -> outbox::OutboxRow {
    let matched: Vec<&str> = verdict
        .matches
        .iter()
        .filter(|m| !m.shadow)
        .map(|m| m.rule_id.as_str())
        .collect();
    let data = json!({
        "comment_id": row.id,
        "article_id": row.article_id,
        "parent_id": row.parent_id,
        "status": CommentStatus::Pending.as_str(),
        "score": verdict.score,
        "matched_rules": matched,
        "rules_version": verdict.rules_version,
        "edited": true,
    });
    outbox::OutboxRow::new(event::COMMENT_HELD, None, data.to_string(), now)
}

/// The 409 of an edit that lost its compare-and-set: what the comment is now, who made it so.
fn changed_meanwhile(
    conn: &mut storage::DbConnection,
    id: &str,
) -> Result<ModerationError, ModerationError> {
    let (now_row, _) = reader_edits::find_editable(conn, id)?.ok_or_else(not_found)?;
    if now_row.deleted_at.is_some() {
        return Ok(ModerationError::EditWindowClosed {
            message: "this comment was deleted".into(),
        });
    }
    let (by, at) = match (now_row.status_changed_by, now_row.status_changed_at) {
        (Some(by), Some(at)) => (by, at),
        _ => (
            READER_ACTOR.to_string(),
            now_row.edited_at.unwrap_or(now_row.created_at),
        ),
    };
    Ok(ModerationError::StatusChanged {
        message: format!(
            "the comment changed while you edited it ({by} at {}); reload and try again",
            crate::timestamps::rfc3339(at)
        ),
        conflict: StatusConflict {
            status: now_row.status,
            changed_by: by,
            changed_at: at,
        },
    })
}

/// Takes the comment out of public view if `edit_token` is its token and the window is open.
/// The row stays for moderators and the audit log; deleting twice is harmless.
pub fn delete(
    pool: &Pool,
    comment_id: &str,
    edit_token: &str,
    now: PrimitiveDateTime,
) -> Result<(), ModerationError> {
    let mut conn = pool.get().map_err(StorageError::from)?;
    let (row, _) = match authorize(&mut conn, comment_id, edit_token, now) {
        // A retry of a delete that succeeded is answered as the first was, even late.
        Err(closed @ ModerationError::EditWindowClosed { .. }) => {
            let deleted = reader_edits::find_editable(&mut conn, comment_id)?
                .is_some_and(|(row, _)| row.deleted_at.is_some());
            return if deleted { Ok(()) } else { Err(closed) };
        }
        other => other?,
    };
    if row.deleted_at.is_some() {
        return Ok(());
    }
    storage::write_transaction(&mut conn, |conn| {
        if !reader_edits::mark_deleted(conn, &row.id, now)? {
            return Ok::<_, StorageError>(());
        }
        reader_edits::insert_revision(conn, &revision(&row, "delete", now))?;
        audit::append(
            conn,
            &[
                AuditRow::new(READER_ACTOR, "reader_delete", "comment", Some(&row.id), now).change(
                    Some(json!({"status": row.status, "deleted": false})),
                    Some(json!({"status": row.status, "deleted": true})),
                ),
            ],
        )?;
        Ok(())
    })?;
    Ok(())
}
