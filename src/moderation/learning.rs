//! Learning from moderators: the labels their decisions give (approve = ham, reject = spam),
//! written in the decision's own transaction, and the live model the judge reads (`LiveModel`,
//! arc-swap): brought up to date right after a local decision commits and by a poller that
//! follows the database's generation, so other instances catch up within a second.

use crate::rules::{training_tokens, LearnedModel, TokenCounts};
use crate::storage::learned::{self, Label, LabelOutcome, LabelledDoc};
use crate::storage::{DbConnection, Pool, StorageError};
use arc_swap::ArcSwap;
use parking_lot::Mutex;
use sha2::Digest;
use std::sync::{Arc, Weak};
use std::time::Duration;
use time::PrimitiveDateTime;

/// Most tokens the model keeps; past it the rarest are pruned (bounds memory: ~80 bytes each
/// in memory, counts and scoring table, a short row each in the database).
pub const MAX_TOKENS: u64 = 200_000;
/// How often an instance looks for decisions made elsewhere.
pub const POLL_EVERY: Duration = Duration::from_millis(400);

/// The document key of a moderator's decision on a comment.
pub fn comment_key(comment_id: &str) -> String {
    format!("comment:{comment_id}")
}

/// The document key of a training-file line: its text, so the same line twice counts once.
pub fn text_key(body: &str, author_name: &str) -> String {
    let mut h = sha2::Sha256::new();
    h.update(author_name.as_bytes());
    h.update([0u8]);
    h.update(body.as_bytes());
    format!("text:{}", hex::encode(h.finalize()))
}

/// Labels decided comments inside the caller's transaction (the decision's). Comments that do
/// not exist are skipped: the decision itself reports them.
pub fn label_comments(
    conn: &mut DbConnection,
    decided: &[(String, Label)],
    now: PrimitiveDateTime,
) -> Result<LabelOutcome, StorageError> {
    let ids: Vec<String> = decided.iter().map(|(id, _)| id.clone()).collect();
    let texts = learned::comment_texts(conn, &ids)?;
    let docs: Vec<LabelledDoc> = decided
        .iter()
        .filter_map(|(id, label)| {
            let text = texts.iter().find(|t| &t.id == id)?;
            Some(LabelledDoc {
                doc_key: comment_key(id),
                label: *label,
                tokens: training_tokens(&text.body, &text.author_name),
            })
        })
        .collect();
    let outcome = learned::apply_labels(conn, &docs, now)?;
    learned::prune(conn, MAX_TOKENS)?;
    Ok(outcome)
}

/// Takes back the label a moderator's decision gave a comment whose reader then changed its
/// text (inside the edit's transaction): the counts come off the words it was labelled with,
/// and a later decision labels the new text.
pub fn forget_comment_label(
    conn: &mut DbConnection,
    comment_id: &str,
    old_body: &str,
    author_name: &str,
) -> Result<bool, StorageError> {
    let tokens = training_tokens(old_body, author_name);
    learned::forget(conn, &comment_key(comment_id), &tokens)
}

/// Where this instance's model stands against the database.
#[derive(Debug, Clone, Copy, Default)]
struct Seen {
    epoch: i64,
    generation: i64,
    loaded: bool,
}

/// The model the judge reads, kept up to date with the database.
pub struct LiveModel {
    current: ArcSwap<LearnedModel>,
    seen: Mutex<Seen>,
}

impl Default for LiveModel {
    fn default() -> Self {
        LiveModel {
            current: ArcSwap::from_pointee(LearnedModel::default()),
            seen: Mutex::new(Seen::default()),
        }
    }
}

impl LiveModel {
    /// Loads the model from the database (at start: it survives restarts).
    pub fn load(conn: &mut DbConnection) -> Result<LiveModel, StorageError> {
        let live = LiveModel::default();
        live.refresh(conn)?;
        Ok(live)
    }

    /// The snapshot to judge one comment with.
    pub fn snapshot(&self) -> Arc<LearnedModel> {
        self.current.load_full()
    }

    /// Brings the snapshot up to date: nothing when the generation is unchanged, the changed
    /// tokens when it moved, everything when tokens were deleted (reset, pruning).
    pub fn refresh(&self, conn: &mut DbConnection) -> Result<bool, StorageError> {
        let mut seen = self.seen.lock();
        let state = learned::state(conn)?;
        if seen.loaded && state.epoch == seen.epoch && state.generation == seen.generation {
            return Ok(false);
        }
        let full = !seen.loaded || state.epoch != seen.epoch;
        let rows = learned::tokens(conn, (!full).then_some(seen.generation))?;
        let mut model = if full {
            LearnedModel::default()
        } else {
            LearnedModel::clone(&self.current.load())
        };
        model.set_docs(state.ham_docs.max(0) as u64, state.spam_docs.max(0) as u64);
        for (token, ham, spam) in rows {
            let clamp = |n: i64| u32::try_from(n.max(0)).unwrap_or(u32::MAX);
            model.set(
                &token,
                TokenCounts {
                    ham: clamp(ham),
                    spam: clamp(spam),
                },
            );
        }
        model.prepare();
        self.current.store(Arc::new(model));
        *seen = Seen {
            epoch: state.epoch,
            generation: state.generation,
            loaded: true,
        };
        Ok(true)
    }

    /// Refreshes right after this instance's decision committed; a failure only delays the
    /// update to the poller's next round (the decision stands either way).
    pub fn refresh_after_commit(&self, conn: &mut DbConnection) {
        if let Err(e) = self.refresh(conn) {
            tracing::warn!(error = %e, "could not refresh the learned model after a decision");
        }
    }

    /// Refreshes from a pooled connection, logging (not failing) when the database is away:
    /// the judge keeps the last snapshot meanwhile.
    pub fn refresh_from(&self, pool: &Pool) {
        let result = pool
            .get()
            .map_err(StorageError::from)
            .and_then(|mut conn| self.refresh(&mut conn));
        if let Err(e) = result {
            tracing::warn!(error = %e, "could not refresh the learned model");
        }
    }

    /// Polls the database every `POLL_EVERY` on a thread of its own until the model is
    /// dropped, so decisions made by other instances count here too.
    pub fn spawn_poller(live: &Arc<LiveModel>, pool: Pool) {
        let weak: Weak<LiveModel> = Arc::downgrade(live);
        std::thread::Builder::new()
            .name("learned-model".into())
            .spawn(move || loop {
                std::thread::sleep(POLL_EVERY);
                match weak.upgrade() {
                    Some(live) => live.refresh_from(&pool),
                    None => break,
                }
            })
            .map(drop)
            .unwrap_or_else(|e| tracing::warn!(error = %e, "could not start the model poller"));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_text_has_the_same_key_and_another_author_another() {
        assert_eq!(text_key("hi", "a"), text_key("hi", "a"));
        assert_ne!(text_key("hi", "a"), text_key("hi", "b"));
        assert_ne!(text_key("ab", ""), text_key("b", "a"));
    }
}
