//! The rows an import writes: a comment's place in its thread (replies deeper than Gatehouse
//! shows hang on their deepest shown ancestor), its row from another system's record or from
//! Gatehouse's own, time-ordered ids, the audit entries, flags and earlier texts a record
//! carries, and an article record's settings row.

use super::articles::ArticleState;
use super::judge::MAX_THREAD_DEPTH;
use super::{ArticleId, ModerationError, NewComment};
use crate::interchange::{ArticleRecord, CommentRecord, SourceComment};
use crate::rules::{CommentStatus, Decision, Verdict};
use crate::storage::articles::ArticleSettingsRow;
use crate::storage::audit::AuditRow;
use crate::storage::imported::PlacedRow;
use crate::storage::reader_edits::RevisionRow;
use crate::storage::transfer::{CommentRow, FlagRow};
use time::PrimitiveDateTime;

/// Where a comment goes in its thread.
pub(super) struct Placement {
    pub id: String,
    pub parent_id: Option<String>,
    pub thread_path: String,
    pub depth: i32,
}

/// The placement of comment `id` under `parent` (`None`: top level), and whether it was
/// attached higher than its parent because the thread is deeper than Gatehouse shows.
pub(super) fn place_under(id: &str, parent: Option<&PlacedRow>) -> (Placement, bool) {
    let at = |parent_id: Option<String>, thread_path: String, depth: i32| Placement {
        id: id.to_string(),
        parent_id,
        thread_path,
        depth,
    };
    match parent {
        None => (at(None, id.to_string(), 0), false),
        Some(p) if p.depth < MAX_THREAD_DEPTH => (
            at(
                Some(p.id.clone()),
                format!("{}/{id}", p.thread_path),
                p.depth + 1,
            ),
            false,
        ),
        Some(p) => {
            let kept: Vec<&str> = p
                .thread_path
                .split('/')
                .take(usize::try_from(MAX_THREAD_DEPTH).unwrap_or(12))
                .collect();
            let ancestor = kept.last().map_or(p.id.clone(), |a| (*a).to_string());
            let path = format!("{}/{id}", kept.join("/"));
            (at(Some(ancestor), path, MAX_THREAD_DEPTH), true)
        }
    }
}

/// The row of a comment from another system: its source's status (or today's verdict with
/// `--judge`), the source's state as the reason.
pub(super) fn row_from_source(
    source: &SourceComment,
    comment: &NewComment,
    placement: &Placement,
    judged: Option<(Verdict, CommentStatus)>,
    fingerprint: String,
    format: &str,
) -> Result<CommentRow, ModerationError> {
    let (verdict, status) = judged.unwrap_or_else(|| {
        let verdict = Verdict {
            decision: match source.status {
                CommentStatus::Published => Decision::Publish,
                CommentStatus::Pending => Decision::Hold,
                CommentStatus::Rejected => Decision::Reject,
            },
            score: 0.0,
            hold_threshold: 0.0,
            reject_threshold: 0.0,
            matches: Vec::new(),
            rules_version: format!("import:{format}"),
        };
        (verdict, source.status)
    });
    let client_ip = source
        .client_ip
        .as_deref()
        .and_then(|ip| ip.parse::<std::net::IpAddr>().ok())
        .map_or_else(String::new, |ip| ip.to_string());
    Ok(CommentRow {
        status: status.as_str().to_string(),
        score: verdict.score,
        verdict: verdict_text(&verdict)?,
        rules_version: verdict.rules_version.clone(),
        decision_reason: source
            .source_state
            .as_ref()
            .map(|state| format!("{state} in the {format} export")),
        ..base_row(
            comment,
            placement,
            fingerprint,
            client_ip,
            source.created_at,
        )
    })
}

/// The row of one of Gatehouse's own records: everything it carries, unless `--judge` gave
/// today's verdict.
pub(super) fn row_from_record(
    record: &CommentRecord,
    comment: &NewComment,
    placement: &Placement,
    judged: Option<(Verdict, CommentStatus)>,
    fingerprint: String,
) -> Result<CommentRow, ModerationError> {
    let status = CommentStatus::parse(&record.status).unwrap_or(CommentStatus::Pending);
    let (verdict, score, rules_version, status) = match judged {
        Some((verdict, status)) => (
            verdict_text(&verdict)?,
            verdict.score,
            verdict.rules_version.clone(),
            status,
        ),
        None => (
            record.verdict.to_string(),
            record.score,
            record.rules_version.clone(),
            status,
        ),
    };
    let time = |t: &Option<String>| t.as_deref().and_then(crate::timestamps::parse_rfc3339);
    let created_at = crate::interchange::parse_time(&record.created_at)
        .map_err(|e| ModerationError::invalid("created_at", e))?;
    let base = base_row(
        comment,
        placement,
        fingerprint,
        record.client_ip.clone(),
        created_at,
    );
    Ok(CommentRow {
        status: status.as_str().to_string(),
        score,
        verdict,
        rules_version,
        decided_by: record.decided_by.clone(),
        decided_at: time(&record.decided_at),
        decision_reason: record.decision_reason.clone(),
        flagged_at: time(&record.flagged_at),
        flag_count: record.flag_count,
        edited_at: time(&record.edited_at),
        deleted_at: time(&record.deleted_at),
        status_changed_by: record.status_changed_by.clone(),
        status_changed_at: time(&record.status_changed_at),
        revision: record.revision,
        ..base
    })
}

/// What a record's times and earlier texts must be to be stored as they are (checked before
/// the record joins a batch: one bad value must not fail the batch's transaction).
pub(super) fn check_record(record: &CommentRecord) -> Result<(), String> {
    let times = [
        ("decided_at", &record.decided_at),
        ("flagged_at", &record.flagged_at),
        ("edited_at", &record.edited_at),
        ("deleted_at", &record.deleted_at),
        ("status_changed_at", &record.status_changed_at),
    ];
    for (field, time) in times {
        if let Some(text) = time {
            crate::timestamps::parse_rfc3339(text)
                .ok_or_else(|| format!("{field}: unreadable date {text:?}"))?;
        }
    }
    for r in &record.revisions {
        if !matches!(r.kind.as_str(), "edit" | "delete") {
            return Err(format!(
                "revision {}: kind {:?} is not edit or delete",
                r.id, r.kind
            ));
        }
        CommentStatus::parse(&r.status)
            .ok_or_else(|| format!("revision {}: status {:?}", r.id, r.status))?;
        crate::timestamps::parse_rfc3339(&r.replaced_at)
            .ok_or_else(|| format!("revision {}: unreadable date {:?}", r.id, r.replaced_at))?;
    }
    Ok(())
}

/// The rows of a record's earlier texts, under comment `comment_id`.
pub(super) fn revision_rows(record: &CommentRecord, comment_id: &str) -> Vec<RevisionRow> {
    record
        .revisions
        .iter()
        .map(|r| RevisionRow {
            id: r.id.clone(),
            comment_id: comment_id.to_string(),
            kind: r.kind.clone(),
            body: r.body.clone(),
            status: r.status.clone(),
            score: r.score,
            verdict: r.verdict.to_string(),
            rules_version: r.rules_version.clone(),
            replaced_at: crate::timestamps::parse_rfc3339(&r.replaced_at)
                .unwrap_or(PrimitiveDateTime::MIN),
        })
        .collect()
}

/// The settings row of an article record, checked (id, state, times).
pub(super) fn article_row(record: &ArticleRecord) -> Result<ArticleSettingsRow, String> {
    let article = ArticleId::parse(&record.article_id).map_err(|e| e.to_string())?;
    let state = ArticleState::parse(&record.state, "state").map_err(|e| e.to_string())?;
    let time = |field: &str, text: &str| {
        crate::timestamps::parse_rfc3339(text)
            .ok_or_else(|| format!("{field}: unreadable date {text:?}"))
    };
    Ok(ArticleSettingsRow {
        article_id: article.as_str().to_string(),
        state: state.as_str().to_string(),
        closes_at: record
            .closes_at
            .as_deref()
            .map(|t| time("closes_at", t))
            .transpose()?,
        updated_by: record.updated_by.clone(),
        updated_at: time("updated_at", &record.updated_at)?,
    })
}

/// A row's columns that come from the checked comment (and its body's fingerprint) and its
/// place in the thread; status, verdict and decision are the caller's to fill.
fn base_row(
    comment: &NewComment,
    placement: &Placement,
    body_fingerprint: String,
    client_ip: String,
    created_at: PrimitiveDateTime,
) -> CommentRow {
    CommentRow {
        id: placement.id.clone(),
        article_id: comment.article_id.as_str().to_string(),
        parent_id: placement.parent_id.clone(),
        thread_path: placement.thread_path.clone(),
        depth: placement.depth,
        author_name: comment.author_name.clone(),
        author_email: comment.author_email.clone(),
        author_key: comment.author_key.clone(),
        body: comment.body.clone(),
        body_fingerprint,
        client_ip,
        status: String::new(),
        score: 0.0,
        verdict: String::new(),
        rules_version: String::new(),
        created_at,
        decided_by: None,
        decided_at: None,
        decision_reason: None,
        flagged_at: None,
        flag_count: 0,
        edited_at: None,
        deleted_at: None,
        status_changed_by: None,
        status_changed_at: None,
        revision: 0,
    }
}

fn verdict_text(verdict: &Verdict) -> Result<String, ModerationError> {
    serde_json::to_string(verdict)
        .map_err(|e| ModerationError::Storage(crate::storage::StorageError::Corrupt(e.to_string())))
}

/// A comment id ordered by the comment's time, like those intake gives (UUID v7).
pub(super) fn time_ordered_id(created_at: PrimitiveDateTime) -> String {
    let at = created_at.assume_utc();
    let seconds = u64::try_from(at.unix_timestamp()).unwrap_or(0);
    let ts = uuid::Timestamp::from_unix(uuid::NoContext, seconds, at.nanosecond());
    uuid::Uuid::new_v7(ts).to_string()
}

pub(super) fn audit_row(d: &crate::interchange::DecisionRecord, comment_id: &str) -> AuditRow {
    AuditRow {
        id: d.id.clone(),
        at: crate::timestamps::parse_rfc3339(&d.at).unwrap_or(PrimitiveDateTime::MIN),
        actor: d.actor.clone(),
        action: d.action.clone(),
        target_type: "comment".into(),
        target_id: Some(comment_id.to_string()),
        before_state: d.before.as_ref().map(ToString::to_string),
        after_state: d.after.as_ref().map(ToString::to_string),
        reason: d.reason.clone(),
        details: d.details.as_ref().map(ToString::to_string),
    }
}

pub(super) fn flag_row(f: &crate::interchange::FlagRecord, comment_id: &str) -> FlagRow {
    FlagRow {
        id: f.id.clone(),
        comment_id: comment_id.to_string(),
        client_key: f.client_key.clone(),
        reason: f.reason.clone(),
        note: f.note.clone(),
        created_at: crate::timestamps::parse_rfc3339(&f.created_at)
            .unwrap_or(PrimitiveDateTime::MIN),
    }
}
