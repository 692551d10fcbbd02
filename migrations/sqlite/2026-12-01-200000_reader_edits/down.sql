DROP TABLE comment_revisions;
DROP TABLE comment_edit_grants;
ALTER TABLE comments DROP COLUMN revision;
ALTER TABLE comments DROP COLUMN status_changed_at;
ALTER TABLE comments DROP COLUMN status_changed_by;
ALTER TABLE comments DROP COLUMN deleted_at;
ALTER TABLE comments DROP COLUMN edited_at;
