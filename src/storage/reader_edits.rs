//! Readers' edits and deletes of their own comments: edit grants (the hashed token and its
//! window), the compare-and-set that replaces a comment's text and verdict, the delete, and the
//! revisions kept for moderators.

use super::schema::{comment_edit_grants, comment_revisions, comments};
use super::{DbConnection, StorageError};
use diesel::prelude::*;
use time::PrimitiveDateTime;

/// The reader's right to edit one comment: the SHA-256 of the token and the window's end.
#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = comment_edit_grants)]
pub struct EditGrantRow {
    pub comment_id: String,
    pub token_hash: String,
    pub editable_until: PrimitiveDateTime,
}

/// What a comment was before a reader's edit or delete.
#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = comment_revisions)]
pub struct RevisionRow {
    pub id: String,
    pub comment_id: String,
    /// `edit` or `delete`.
    pub kind: String,
    pub body: String,
    pub status: String,
    pub score: f64,
    pub verdict: String,
    pub rules_version: String,
    pub replaced_at: PrimitiveDateTime,
}

/// A comment as an edit needs it: what to judge again, what to keep, what to compare.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = comments)]
pub struct EditableRow {
    pub id: String,
    pub article_id: String,
    pub parent_id: Option<String>,
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
    pub decided_by: Option<String>,
    pub decided_at: Option<PrimitiveDateTime>,
    pub edited_at: Option<PrimitiveDateTime>,
    pub deleted_at: Option<PrimitiveDateTime>,
    pub status_changed_by: Option<String>,
    pub status_changed_at: Option<PrimitiveDateTime>,
    pub revision: i32,
    pub created_at: PrimitiveDateTime,
}

/// Stores the grants of newly stored comments (in the intake writer's transaction).
pub fn insert_grants(
    conn: &mut DbConnection,
    grants: &[&EditGrantRow],
) -> Result<(), StorageError> {
    for grant in grants {
        diesel::insert_into(comment_edit_grants::table)
            .values(*grant)
            .execute(conn)?;
    }
    Ok(())
}

/// The comment and its grant (`None` when it was stored without one).
pub fn find_editable(
    conn: &mut DbConnection,
    id: &str,
) -> Result<Option<(EditableRow, Option<EditGrantRow>)>, StorageError> {
    Ok(comments::table
        .left_join(comment_edit_grants::table)
        .filter(comments::id.eq(id))
        .select((
            EditableRow::as_select(),
            Option::<EditGrantRow>::as_select(),
        ))
        .first(conn)
        .optional()?)
}

/// The new text and verdict of an edited comment.
#[derive(Debug, Clone)]
pub struct EditedText<'a> {
    pub body: &'a str,
    pub body_fingerprint: &'a str,
    pub status: &'a str,
    pub score: f64,
    pub verdict: &'a str,
    pub rules_version: &'a str,
    pub edited_at: PrimitiveDateTime,
}

/// Replaces the text and verdict if the comment is still as `seen` left it (same revision,
/// not deleted): a compare-and-set, so an edit racing a moderator's decision or another edit
/// changes nothing when it loses. True when it won.
pub fn replace_text(
    conn: &mut DbConnection,
    seen: &EditableRow,
    edit: &EditedText<'_>,
) -> Result<bool, StorageError> {
    let status_moved = edit.status != seen.status;
    let changed = diesel::update(
        comments::table
            .filter(comments::id.eq(&seen.id))
            .filter(comments::revision.eq(seen.revision))
            .filter(comments::deleted_at.is_null()),
    )
    .set((
        comments::body.eq(edit.body),
        comments::body_fingerprint.eq(edit.body_fingerprint),
        comments::status.eq(edit.status),
        comments::score.eq(edit.score),
        comments::verdict.eq(edit.verdict),
        comments::rules_version.eq(edit.rules_version),
        comments::edited_at.eq(edit.edited_at),
        comments::revision.eq(seen.revision + 1),
        comments::status_changed_by.eq(if status_moved {
            Some(READER)
        } else {
            seen.status_changed_by.as_deref()
        }),
        comments::status_changed_at.eq(if status_moved {
            Some(edit.edited_at)
        } else {
            seen.status_changed_at
        }),
        // A decision was about the text replaced: when the new verdict moves the comment, it
        // awaits a new one (the audit log keeps the old).
        comments::decided_by.eq(if status_moved {
            None
        } else {
            seen.decided_by.as_deref()
        }),
        comments::decided_at.eq(if status_moved { None } else { seen.decided_at }),
    ))
    .execute(conn)?;
    Ok(changed == 1)
}

/// Who changed a status when the reader's edit did (moderators are named by username).
pub const READER: &str = "reader";

/// Marks the comment deleted by its reader, if it is not already. True when this call did.
pub fn mark_deleted(
    conn: &mut DbConnection,
    id: &str,
    now: PrimitiveDateTime,
) -> Result<bool, StorageError> {
    let changed = diesel::update(
        comments::table
            .filter(comments::id.eq(id))
            .filter(comments::deleted_at.is_null()),
    )
    .set(comments::deleted_at.eq(now))
    .execute(conn)?;
    Ok(changed == 1)
}

pub fn insert_revision(conn: &mut DbConnection, row: &RevisionRow) -> Result<(), StorageError> {
    diesel::insert_into(comment_revisions::table)
        .values(row)
        .execute(conn)?;
    Ok(())
}

/// The revisions of `comment_ids`, oldest first.
pub fn revisions_of(
    conn: &mut DbConnection,
    comment_ids: &[String],
) -> Result<Vec<RevisionRow>, StorageError> {
    Ok(on_backend_where_in!(
        conn,
        comment_revisions::comment_id,
        comment_ids,
        |c, listed| comment_revisions::table
            .filter(listed)
            .order(comment_revisions::id.asc())
            .select(RevisionRow::as_select())
            .load(c)?
    ))
}
