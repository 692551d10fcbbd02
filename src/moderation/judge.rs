//! Judging a new comment off the write path: the reads it needs (parent, bans, the author's
//! history), the rules' verdict, and the row to store. The intake writer may judge it again
//! with history the reads could not see yet (`Judged::rejudge`).

use super::bans::{matching_ban, BanKind};
use super::idempotency::Idempotency;
use super::settings::{BanAction, ModerationSettings};
use super::{ModerationError, NewComment, Unacceptable};
use crate::rules::{
    Action, AuthorHistory, CommentInput, CommentStatus, Decision, LearnedModel, Normalized,
    RuleMatch, RuleSet, Verdict,
};
use crate::storage::reader_edits::EditGrantRow;
use crate::storage::{self, comments, DbConnection};
use std::net::IpAddr;
use std::sync::Arc;
use time::PrimitiveDateTime;

/// The match a premoderated article adds to each new comment's verdict.
pub const PREMODERATED_RULE_ID: &str = "article.premoderated";

/// Holds a verdict because its article is premoderated: the `article.premoderated` match says
/// why in the queue, and a verdict that would publish holds instead (a rejection stays a
/// rejection; one already held gets the match as a second reason). New comments and readers'
/// edits alike.
pub fn premoderate(verdict: &mut Verdict) {
    verdict.matches.push(RuleMatch {
        rule_id: PREMODERATED_RULE_ID.to_string(),
        description: "The article is premoderated: every new comment waits for a moderator"
            .to_string(),
        kind: "article".to_string(),
        action: Action::Hold,
        weight: 0.0,
        hits: Vec::new(),
        shadow: false,
        learned: None,
    });
    if verdict.decision == Decision::Publish {
        verdict.decision = Decision::Hold;
    }
}

/// Replies nest at most this deep; deeper threads stop being readable on a news page.
pub const MAX_THREAD_DEPTH: i32 = 12;

/// The stored comment as the submitter may see it.
#[derive(Debug, Clone)]
pub struct SubmittedComment {
    pub id: String,
    pub article_id: String,
    pub parent_id: Option<String>,
    pub status: CommentStatus,
    pub created_at: PrimitiveDateTime,
    /// The full explanation, for per-rule statistics; never shown to the submitter. `None` for
    /// a replayed answer (the comment was judged when first submitted).
    pub verdict: Option<Verdict>,
    /// The answer given earlier to the same idempotency key, repeated.
    pub replayed: bool,
    /// The secret that lets the submitter edit or delete the comment, shown only in the first
    /// answer (a replay carries none: the stored answer holds no secret). `None` when the site
    /// turned reader edits off.
    pub edit_token: Option<String>,
    /// When the edit window closes (with the token).
    pub editable_until: Option<PrimitiveDateTime>,
}

/// A judged comment on its way to the writer, with what it takes to judge it again.
pub struct Judged {
    pub row: comments::NewCommentRow,
    pub verdict: Verdict,
    pub history: AuthorHistory,
    /// The writer's commit count when the history was read: later writes were not seen.
    pub seen_writes: u64,
    /// The client's idempotency key for this submission, if it sent one.
    pub idempotency: Option<Idempotency>,
    /// The request's span, entered by the intake writer for its lines about this comment.
    pub span: tracing::Span,
    /// The reader's edit token (shown once) and the grant stored for it.
    pub edit: Option<(String, EditGrantRow)>,
    rules: Arc<RuleSet>,
    model: Arc<LearnedModel>,
    comment: NewComment,
    ban: Option<(BanKind, BanAction)>,
    /// The site's default closing delay when this comment was judged (read by the writer's
    /// article check).
    auto_close_after: Option<time::Duration>,
}

impl Judged {
    /// The rule ids of the verdict, for the rule index.
    pub fn rule_ids(&self) -> Vec<String> {
        self.verdict
            .matches
            .iter()
            .map(|m| m.rule_id.clone())
            .collect()
    }

    /// The window of the rules' duplicate check, if they have one.
    pub fn duplicate_window(&self) -> Option<time::Duration> {
        self.rules
            .duplicate_window()
            .and_then(|w| time::Duration::try_from(w).ok())
    }

    /// The site's default: articles close this long after their first comment.
    pub fn auto_close_after(&self) -> Option<time::Duration> {
        self.auto_close_after
    }

    /// Holds the comment because its article is premoderated: a match moderators see in the
    /// queue says why. A rejection stays a rejection (premoderation keeps spam out of the
    /// queue as usual); a comment already held gets the match too, as a second reason.
    pub fn hold_for_premoderation(&mut self) -> Result<(), storage::StorageError> {
        premoderate(&mut self.verdict);
        let status = CommentStatus::from(self.verdict.decision);
        self.row.status = status.as_str().to_string();
        self.row.verdict = serde_json::to_string(&self.verdict)
            .map_err(|e| storage::StorageError::Corrupt(e.to_string()))?;
        Ok(())
    }

    /// Judges again with `history` (which saw writes the first judgement could not).
    pub fn rejudge(&mut self, history: AuthorHistory) -> Result<(), storage::StorageError> {
        let (verdict, status) = verdict_for(
            &self.rules,
            &self.model,
            &self.comment,
            &history,
            self.ban,
            None,
        );
        self.row.status = status.as_str().to_string();
        self.row.score = verdict.score;
        self.row.verdict = serde_json::to_string(&verdict)
            .map_err(|e| storage::StorageError::Corrupt(e.to_string()))?;
        self.verdict = verdict;
        self.history = history;
        Ok(())
    }

    pub fn submitted(&self) -> SubmittedComment {
        SubmittedComment {
            id: self.row.id.clone(),
            article_id: self.row.article_id.clone(),
            parent_id: self.row.parent_id.clone(),
            status: CommentStatus::from(self.verdict.decision),
            created_at: self.row.created_at,
            verdict: Some(self.verdict.clone()),
            replayed: false,
            edit_token: self.edit.as_ref().map(|(token, _)| token.clone()),
            editable_until: self.edit.as_ref().map(|(_, grant)| grant.editable_until),
        }
    }
}

pub(super) fn verdict_for(
    rules: &RuleSet,
    model: &LearnedModel,
    comment: &NewComment,
    history: &AuthorHistory,
    ban: Option<(BanKind, BanAction)>,
    normalized_body: Option<&Normalized>,
) -> (Verdict, CommentStatus) {
    let input = CommentInput {
        body: &comment.body,
        author_name: &comment.author_name,
        author_email: comment.author_email.as_deref(),
        history: history.clone(),
    };
    let mut verdict = match normalized_body {
        Some(body) => rules.evaluate_normalized(&input, Some(model), body),
        None => rules.evaluate_with(&input, Some(model)),
    };
    if let Some((kind, action)) = ban {
        apply_ban(&mut verdict, kind, action);
    }
    let status = CommentStatus::from(verdict.decision);
    (verdict, status)
}

/// A submission to judge, with what it is judged by and against.
pub struct Submission {
    pub rules: Arc<RuleSet>,
    /// The learned rule's model at the time of submission.
    pub model: Arc<LearnedModel>,
    pub settings: ModerationSettings,
    pub comment: NewComment,
    pub client_ip: IpAddr,
    pub created_at: PrimitiveDateTime,
    /// The writer's commit count, read before the history is.
    pub seen_writes: u64,
    pub idempotency: Option<Idempotency>,
}

/// Reads what judging the submission needs and judges it. Nothing is written.
pub fn judge(conn: &mut DbConnection, submission: Submission) -> Result<Judged, ModerationError> {
    let Submission {
        rules,
        model,
        settings,
        comment,
        client_ip,
        created_at,
        seen_writes,
        idempotency,
    } = submission;
    let id = uuid::Uuid::now_v7().to_string();
    let parent_id = comment.parent_id.map(|p| p.to_string());
    let (thread_path, depth) = match &parent_id {
        None => (id.clone(), 0),
        Some(parent_id) => place_reply(conn, &comment, parent_id, &id)?,
    };
    let author_key = comment.author_key.clone();
    let client_address = client_ip;
    let client_ip = client_ip.to_string();
    // The body's normalized view serves its fingerprint and then the rules.
    let normalized = crate::rules::normalize(&comment.body);
    let fingerprint = crate::rules::normalized_fingerprint(&normalized);
    let window_start = rules
        .duplicate_window()
        .and_then(|w| time::Duration::try_from(w).ok())
        .map(|w| created_at - w);
    let facts = comments::author_history(
        conn,
        &author_key,
        &client_ip,
        &fingerprint,
        window_start,
        created_at,
    )?;
    let ban = matching_ban(conn, &facts, client_address, created_at)?
        .map(|kind| (kind, settings.ban_action));
    let history = AuthorHistory {
        prior_published: facts.prior_published,
        same_body_by_author_secs_ago: secs_between(facts.last_same_body_by_author, created_at),
        same_body_by_ip_secs_ago: secs_between(facts.last_same_body_by_ip, created_at),
    };
    let (verdict, status) = verdict_for(&rules, &model, &comment, &history, ban, Some(&normalized));
    let row = comments::NewCommentRow {
        id,
        article_id: comment.article_id.as_str().to_string(),
        parent_id,
        thread_path,
        depth,
        author_name: comment.author_name.clone(),
        author_email: comment.author_email.clone(),
        author_key,
        body: comment.body.clone(),
        body_fingerprint: fingerprint,
        client_ip,
        status: status.as_str().to_string(),
        score: verdict.score,
        verdict: serde_json::to_string(&verdict)
            .map_err(|e| storage::StorageError::Corrupt(e.to_string()))?,
        rules_version: verdict.rules_version.clone(),
        created_at,
    };
    let edit = edit_grant(&row.id, &settings, created_at)?;
    Ok(Judged {
        edit,
        row,
        verdict,
        history,
        seen_writes,
        span: tracing::Span::current(),
        idempotency,
        rules,
        model,
        comment,
        ban,
        auto_close_after: settings.auto_close_after(),
    })
}

/// A fresh edit token for a new comment and the grant that stores its hash, unless the site
/// turned reader edits off.
fn edit_grant(
    comment_id: &str,
    settings: &ModerationSettings,
    created_at: PrimitiveDateTime,
) -> Result<Option<(String, EditGrantRow)>, ModerationError> {
    if settings.edit_window.is_off() {
        return Ok(None);
    }
    let token = crate::auth::token::generate().map_err(|e| {
        storage::StorageError::Unwritable(format!("no randomness for a token: {e}"))
    })?;
    let grant = EditGrantRow {
        comment_id: comment_id.to_string(),
        token_hash: crate::auth::token::hash(&token),
        editable_until: created_at + settings.edit_window.duration(),
    };
    Ok(Some((token, grant)))
}

/// Whole seconds from `earlier` to `now` (0 if the clock went back).
pub(crate) fn secs_between(
    earlier: Option<PrimitiveDateTime>,
    now: PrimitiveDateTime,
) -> Option<u64> {
    earlier.map(|t| u64::try_from((now - t).whole_seconds()).unwrap_or(0))
}

/// Checks that a reply's parent exists, is on the same article and is visible, and returns the
/// reply's thread path and depth.
fn place_reply(
    conn: &mut DbConnection,
    comment: &NewComment,
    parent_id: &str,
    id: &str,
) -> Result<(String, i32), ModerationError> {
    let parent = comments::find_parent(conn, parent_id)?.ok_or(ModerationError::NotFound {
        what: "parent comment",
        field: Some("parent_id"),
    })?;
    if parent.article_id != comment.article_id.as_str() {
        return Err(ModerationError::Unprocessable {
            reason: Unacceptable::ParentOnOtherArticle,
            field: Some("parent_id"),
            message: "the parent comment belongs to a different article".into(),
        });
    }
    if parent.status != CommentStatus::Published.as_str() {
        return Err(ModerationError::Unprocessable {
            reason: Unacceptable::ParentNotPublished,
            field: Some("parent_id"),
            message: "replies can only be made to published comments".into(),
        });
    }
    if parent.depth + 1 > MAX_THREAD_DEPTH {
        return Err(ModerationError::Unprocessable {
            reason: Unacceptable::ThreadTooDeep,
            field: Some("parent_id"),
            message: format!("replies nest at most {MAX_THREAD_DEPTH} levels deep"),
        });
    }
    Ok((format!("{}/{id}", parent.thread_path), parent.depth + 1))
}

/// A ban overrides the rules. It is recorded for moderators as a match like any other; the
/// submitter sees the ordinary rejected or pending answer, which tells them nothing about bans.
fn apply_ban(verdict: &mut Verdict, kind: BanKind, action: BanAction) {
    let (rule_id, description) = match kind {
        BanKind::Author => ("ban.author", "The author is banned by a moderator"),
        BanKind::Ip => ("ban.ip", "The client address is banned by a moderator"),
    };
    let (decision, rule_action) = match action {
        BanAction::Reject => (Decision::Reject, Action::Reject),
        BanAction::Hold => (Decision::Hold, Action::Hold),
    };
    verdict.matches.push(RuleMatch {
        rule_id: rule_id.to_string(),
        description: description.to_string(),
        kind: "ban".to_string(),
        action: rule_action,
        weight: 0.0,
        hits: Vec::new(),
        shadow: false,
        learned: None,
    });
    verdict.decision = decision;
}
