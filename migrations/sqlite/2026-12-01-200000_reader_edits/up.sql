-- Readers edit and delete their own comments within a window; moderators change decisions.

-- When the reader last edited or deleted the comment (public listing: "edited"; deleted
-- comments leave the public thread, or a placeholder when they have published replies).
ALTER TABLE comments ADD COLUMN edited_at TIMESTAMP;
ALTER TABLE comments ADD COLUMN deleted_at TIMESTAMP;
-- Who last changed the status (a moderator's name, or 'reader' for an edit judged again) and
-- when: a decision that expected another status is told this.
ALTER TABLE comments ADD COLUMN status_changed_by TEXT;
ALTER TABLE comments ADD COLUMN status_changed_at TIMESTAMP;
-- Bumped by every decision and edit: what a compare-and-set of an edit compares.
ALTER TABLE comments ADD COLUMN revision INTEGER NOT NULL DEFAULT 0;

-- The reader's edit token, only as its SHA-256 (a leaked table edits nothing), and its end.
CREATE TABLE comment_edit_grants (
    comment_id TEXT PRIMARY KEY NOT NULL REFERENCES comments (id),
    token_hash TEXT NOT NULL,
    editable_until TIMESTAMP NOT NULL
);

-- What a comment was before each reader edit or delete, for moderators.
CREATE TABLE comment_revisions (
    id TEXT PRIMARY KEY NOT NULL,
    comment_id TEXT NOT NULL REFERENCES comments (id),
    kind TEXT NOT NULL CHECK (kind IN ('edit', 'delete')),
    body TEXT NOT NULL,
    status TEXT NOT NULL,
    score DOUBLE PRECISION NOT NULL,
    verdict TEXT NOT NULL,
    rules_version TEXT NOT NULL,
    replaced_at TIMESTAMP NOT NULL
);
CREATE INDEX comment_revisions_comment ON comment_revisions (comment_id, id);
