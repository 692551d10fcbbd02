//! Retrying a submission safely: a client names each submission with an `Idempotency-Key`; the
//! first answer to a key is kept a day, a retry of the same request gets that answer again
//! without being judged or stored, and a key reused for another request is refused.

use super::judge::SubmittedComment;
use super::{Database, ModerationError, NewComment};
use crate::rules::CommentStatus;
use crate::storage::idempotency::{self, IdempotencyRow};
use crate::storage::{DbConnection, StorageError};
use sha2::{Digest, Sha256};
use time::PrimitiveDateTime;

/// How long the first answer to a key is kept.
pub const KEY_LIFETIME: time::Duration = time::Duration::hours(24);
/// Longest key accepted (UUIDs are 36 characters).
pub const MAX_KEY_LEN: usize = 255;

/// One submission's key, scoped to its article, and the request it names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Idempotency {
    key_hash: String,
    request_hash: String,
}

fn sha256_hex(parts: &[&str]) -> String {
    let mut hasher = Sha256::new();
    for part in parts {
        // Lengths first, so ("ab","c") and ("a","bc") differ.
        hasher.update((part.len() as u64).to_le_bytes());
        hasher.update(part.as_bytes());
    }
    hex::encode(hasher.finalize())
}

impl Idempotency {
    /// The key as the client sent it (1-255 visible ASCII characters) for `comment`.
    pub fn new(key: &str, comment: &NewComment) -> Result<Idempotency, ModerationError> {
        let valid = !key.is_empty()
            && key.len() <= MAX_KEY_LEN
            && key.bytes().all(|b| b.is_ascii_graphic());
        if !valid {
            return Err(ModerationError::invalid(
                "Idempotency-Key",
                format!("Idempotency-Key must be 1-{MAX_KEY_LEN} visible ASCII characters"),
            ));
        }
        let parent = comment.parent_id.map(|p| p.to_string()).unwrap_or_default();
        Ok(Idempotency {
            key_hash: sha256_hex(&[comment.article_id.as_str(), key]),
            request_hash: sha256_hex(&[
                &comment.author_name,
                comment.author_email.as_deref().unwrap_or(""),
                &comment.body,
                &parent,
            ]),
        })
    }

    /// The row that records `stored` as this key's first answer.
    pub(crate) fn row(&self, stored: &SubmittedComment) -> IdempotencyRow {
        IdempotencyRow {
            key_hash: self.key_hash.clone(),
            request_hash: self.request_hash.clone(),
            comment_id: stored.id.clone(),
            status: stored.status.as_str().to_string(),
            created_at: stored.created_at,
        }
    }

    /// The answer already given to this key, if any: `Ok(Some(..))` to replay, an error when
    /// the key named another request.
    pub(crate) fn earlier_answer(
        &self,
        conn: &mut DbConnection,
        now: PrimitiveDateTime,
    ) -> Result<Option<SubmittedComment>, ModerationError> {
        let Some((row, article_id, parent_id)) =
            idempotency::find(conn, &self.key_hash, now - KEY_LIFETIME)?
        else {
            return Ok(None);
        };
        self.replay(row, article_id, parent_id).map(Some)
    }

    /// `row` as the answer to this request.
    pub(crate) fn replay(
        &self,
        row: IdempotencyRow,
        article_id: String,
        parent_id: Option<String>,
    ) -> Result<SubmittedComment, ModerationError> {
        if row.request_hash != self.request_hash {
            return Err(ModerationError::IdempotencyKeyReused);
        }
        let status = CommentStatus::parse(&row.status)
            .ok_or_else(|| StorageError::Corrupt(format!("status {:?}", row.status)))?;
        Ok(SubmittedComment {
            id: row.comment_id,
            article_id,
            parent_id,
            status,
            created_at: row.created_at,
            verdict: None,
            replayed: true,
            // The token was shown once; the replay cache keeps no secret to show again.
            edit_token: None,
            editable_until: None,
        })
    }

    /// Whether `other` names the same key (two submissions of one batch).
    pub(crate) fn same_key(&self, other: &Idempotency) -> bool {
        self.key_hash == other.key_hash
    }

    pub(crate) fn same_request(&self, other: &Idempotency) -> bool {
        self.request_hash == other.request_hash
    }
}

/// The answer already given to `idempotency`, looked up before judging (a retry costs one read).
pub(crate) fn lookup(
    pool: &Database,
    idempotency: &Idempotency,
    now: PrimitiveDateTime,
) -> Result<Option<SubmittedComment>, ModerationError> {
    let mut conn = pool.get().map_err(StorageError::from)?;
    idempotency.earlier_answer(&mut conn, now)
}
