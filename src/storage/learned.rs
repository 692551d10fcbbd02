//! The learned rule's counts: tokens per class, one label row per labelled document (so a
//! relabel moves its counts and a repeat changes nothing), and the state row whose generation
//! each change bumps and whose epoch each deletion bumps (instances poll it to catch up).

use super::schema::{comments, learned_labels, learned_state, learned_tokens};
use super::{DbConnection, StorageError};
use diesel::prelude::*;
use std::collections::HashMap;
use time::PrimitiveDateTime;

/// What a labelled document is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Label {
    Ham,
    Spam,
}

impl Label {
    pub fn as_str(self) -> &'static str {
        match self {
            Label::Ham => "ham",
            Label::Spam => "spam",
        }
    }

    pub fn parse(text: &str) -> Option<Label> {
        match text {
            "ham" => Some(Label::Ham),
            "spam" => Some(Label::Spam),
            _ => None,
        }
    }
}

/// One document to label: its key (`comment:<id>`, `text:<sha256>`), label and distinct tokens.
#[derive(Debug, Clone)]
pub struct LabelledDoc {
    pub doc_key: String,
    pub label: Label,
    pub tokens: Vec<String>,
}

/// What applying labels did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LabelOutcome {
    /// Documents labelled for the first time.
    pub learned: usize,
    /// Documents whose label changed: their counts moved.
    pub relabelled: usize,
    /// Documents that already had this label: nothing changed.
    pub unchanged: usize,
}

/// The state row: versions and totals.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = learned_state)]
pub struct ModelState {
    pub generation: i64,
    pub epoch: i64,
    pub ham_docs: i64,
    pub spam_docs: i64,
    pub token_count: i64,
}

pub fn state(conn: &mut DbConnection) -> Result<ModelState, StorageError> {
    Ok(learned_state::table
        .filter(learned_state::id.eq(1))
        .select(ModelState::as_select())
        .first(conn)?)
}

/// Takes the state row for this transaction (PostgreSQL locks it until commit, so trainers
/// queue instead of racing on new tokens) and returns the new generation.
fn next_generation(conn: &mut DbConnection) -> Result<i64, StorageError> {
    diesel::update(learned_state::table.filter(learned_state::id.eq(1)))
        .set(learned_state::generation.eq(learned_state::generation + 1))
        .execute(conn)?;
    Ok(state(conn)?.generation)
}

/// Labels documents inside the caller's transaction: new ones add their tokens to their
/// class, relabelled ones move them, and ones already labelled so change nothing.
pub fn apply_labels(
    conn: &mut DbConnection,
    docs: &[LabelledDoc],
    now: PrimitiveDateTime,
) -> Result<LabelOutcome, StorageError> {
    let mut outcome = LabelOutcome::default();
    if docs.is_empty() {
        return Ok(outcome);
    }
    let generation = next_generation(conn)?;
    let mut deltas: HashMap<&str, (i64, i64)> = HashMap::new();
    let (mut ham_docs, mut spam_docs) = (0i64, 0i64);
    let mut labelled_now: HashMap<&str, Label> = HashMap::new();
    for doc in docs {
        let before = match labelled_now.get(doc.doc_key.as_str()) {
            Some(label) => Some(*label),
            None => learned_labels::table
                .filter(learned_labels::doc_key.eq(&doc.doc_key))
                .select(learned_labels::label)
                .first::<String>(conn)
                .optional()?
                .and_then(|l| Label::parse(&l)),
        };
        if before == Some(doc.label) {
            outcome.unchanged += 1;
            continue;
        }
        let step = |label: Label, sign: i64| match label {
            Label::Ham => (sign, 0),
            Label::Spam => (0, sign),
        };
        let mut change = step(doc.label, 1);
        if let Some(old) = before {
            let undo = step(old, -1);
            change = (change.0 + undo.0, change.1 + undo.1);
            outcome.relabelled += 1;
            diesel::update(learned_labels::table.filter(learned_labels::doc_key.eq(&doc.doc_key)))
                .set((
                    learned_labels::label.eq(doc.label.as_str()),
                    learned_labels::labelled_at.eq(now),
                ))
                .execute(conn)?;
        } else {
            outcome.learned += 1;
            diesel::insert_into(learned_labels::table)
                .values((
                    learned_labels::doc_key.eq(&doc.doc_key),
                    learned_labels::label.eq(doc.label.as_str()),
                    learned_labels::labelled_at.eq(now),
                ))
                .execute(conn)?;
        }
        labelled_now.insert(&doc.doc_key, doc.label);
        ham_docs += change.0;
        spam_docs += change.1;
        for t in &doc.tokens {
            let d = deltas.entry(t.as_str()).or_default();
            d.0 += change.0;
            d.1 += change.1;
        }
    }
    let mut new_tokens = 0i64;
    for (token, (ham, spam)) in deltas {
        if ham == 0 && spam == 0 {
            continue;
        }
        let updated = diesel::update(learned_tokens::table.filter(learned_tokens::token.eq(token)))
            .set((
                learned_tokens::ham.eq(learned_tokens::ham + ham),
                learned_tokens::spam.eq(learned_tokens::spam + spam),
                learned_tokens::generation.eq(generation),
            ))
            .execute(conn)?;
        if updated == 0 {
            diesel::insert_into(learned_tokens::table)
                .values((
                    learned_tokens::token.eq(token),
                    learned_tokens::ham.eq(ham.max(0)),
                    learned_tokens::spam.eq(spam.max(0)),
                    learned_tokens::generation.eq(generation),
                ))
                .execute(conn)?;
            new_tokens += 1;
        }
    }
    diesel::update(learned_state::table.filter(learned_state::id.eq(1)))
        .set((
            learned_state::ham_docs.eq(learned_state::ham_docs + ham_docs),
            learned_state::spam_docs.eq(learned_state::spam_docs + spam_docs),
            learned_state::token_count.eq(learned_state::token_count + new_tokens),
        ))
        .execute(conn)?;
    Ok(outcome)
}

/// Takes back one document's label, inside the caller's transaction: its counts come off
/// `tokens` (the text it was labelled with) and its class. For a comment whose text changed
/// after a moderator's decision: the label was about words it no longer says. True when there
/// was a label.
pub fn forget(
    conn: &mut DbConnection,
    doc_key: &str,
    tokens: &[String],
) -> Result<bool, StorageError> {
    let label = learned_labels::table
        .filter(learned_labels::doc_key.eq(doc_key))
        .select(learned_labels::label)
        .first::<String>(conn)
        .optional()?
        .and_then(|l| Label::parse(&l));
    let Some(label) = label else {
        return Ok(false);
    };
    let generation = next_generation(conn)?;
    let (ham, spam) = match label {
        Label::Ham => (1i64, 0i64),
        Label::Spam => (0, 1),
    };
    diesel::delete(learned_labels::table.filter(learned_labels::doc_key.eq(doc_key)))
        .execute(conn)?;
    for token in tokens {
        diesel::update(learned_tokens::table.filter(learned_tokens::token.eq(token)))
            .set((
                learned_tokens::ham.eq(learned_tokens::ham - ham),
                learned_tokens::spam.eq(learned_tokens::spam - spam),
                learned_tokens::generation.eq(generation),
            ))
            .execute(conn)?;
    }
    diesel::update(learned_state::table.filter(learned_state::id.eq(1)))
        .set((
            learned_state::ham_docs.eq(learned_state::ham_docs - ham),
            learned_state::spam_docs.eq(learned_state::spam_docs - spam),
        ))
        .execute(conn)?;
    Ok(true)
}

/// Keeps at most `max_tokens` tokens: when there are more, the rarest (then the least
/// recently changed) are deleted down to 90% of the cap, and the epoch is bumped so every
/// instance reloads. Returns how many were deleted.
pub fn prune(conn: &mut DbConnection, max_tokens: u64) -> Result<u64, StorageError> {
    let before = state(conn)?;
    if before.token_count <= max_tokens as i64 {
        return Ok(0);
    }
    let keep = (max_tokens as i64) * 9 / 10;
    let excess = before.token_count - keep;
    // The same statement on both backends; `excess` is our own integer.
    let deleted = diesel::sql_query(format!(
        "DELETE FROM learned_tokens WHERE token IN (SELECT token FROM learned_tokens \
         ORDER BY ham + spam, generation LIMIT {excess})"
    ))
    .execute(conn)?;
    let remaining: i64 = learned_tokens::table.count().get_result(conn)?;
    diesel::update(learned_state::table.filter(learned_state::id.eq(1)))
        .set((
            learned_state::epoch.eq(learned_state::epoch + 1),
            learned_state::generation.eq(learned_state::generation + 1),
            learned_state::token_count.eq(remaining),
        ))
        .execute(conn)?;
    Ok(deleted as u64)
}

/// Forgets everything learned: tokens, labels, totals. The epoch is bumped so every instance
/// drops its model.
pub fn reset(conn: &mut DbConnection) -> Result<(), StorageError> {
    diesel::delete(learned_tokens::table).execute(conn)?;
    diesel::delete(learned_labels::table).execute(conn)?;
    diesel::update(learned_state::table.filter(learned_state::id.eq(1)))
        .set((
            learned_state::epoch.eq(learned_state::epoch + 1),
            learned_state::generation.eq(learned_state::generation + 1),
            learned_state::ham_docs.eq(0),
            learned_state::spam_docs.eq(0),
            learned_state::token_count.eq(0),
        ))
        .execute(conn)?;
    Ok(())
}

/// Tokens as stored: text, ham count, spam count.
pub type TokenRow = (String, i64, i64);

/// Every token (`since` None), or those changed after generation `since`.
pub fn tokens(conn: &mut DbConnection, since: Option<i64>) -> Result<Vec<TokenRow>, StorageError> {
    let mut q = learned_tokens::table
        .select((
            learned_tokens::token,
            learned_tokens::ham,
            learned_tokens::spam,
        ))
        .into_boxed();
    if let Some(g) = since {
        q = q.filter(learned_tokens::generation.gt(g));
    }
    Ok(q.load(conn)?)
}

/// The most decided tokens of each class (for `gatehouse learn --show`): `limit` rows with
/// the highest `class` count.
pub fn top_tokens(
    conn: &mut DbConnection,
    label: Label,
    limit: i64,
) -> Result<Vec<TokenRow>, StorageError> {
    let q = learned_tokens::table.select((
        learned_tokens::token,
        learned_tokens::ham,
        learned_tokens::spam,
    ));
    Ok(match label {
        Label::Spam => q
            .order((learned_tokens::spam.desc(), learned_tokens::token))
            .limit(limit)
            .load(conn)?,
        Label::Ham => q
            .order((learned_tokens::ham.desc(), learned_tokens::token))
            .limit(limit)
            .load(conn)?,
    })
}

/// A comment's text as the learned rule reads it.
#[derive(Debug, Clone, Queryable)]
pub struct CommentText {
    pub id: String,
    pub body: String,
    pub author_name: String,
    pub status: String,
}

/// The texts of the comments named (those that exist).
pub fn comment_texts(
    conn: &mut DbConnection,
    ids: &[String],
) -> Result<Vec<CommentText>, StorageError> {
    let mut out = Vec::with_capacity(ids.len());
    for chunk in ids.chunks(1000) {
        out.extend(
            comments::table
                .filter(comments::id.eq_any(chunk))
                .select((
                    comments::id,
                    comments::body,
                    comments::author_name,
                    comments::status,
                ))
                .load::<CommentText>(conn)?,
        );
    }
    Ok(out)
}

/// A page of comments moderators decided, after `after` by id: what `learn --retrain`
/// relearns from.
pub fn decided_page(
    conn: &mut DbConnection,
    after: &str,
    limit: i64,
) -> Result<Vec<CommentText>, StorageError> {
    Ok(comments::table
        .filter(comments::decided_at.is_not_null())
        .filter(comments::id.gt(after))
        .order(comments::id)
        .limit(limit)
        .select((
            comments::id,
            comments::body,
            comments::author_name,
            comments::status,
        ))
        .load(conn)?)
}
