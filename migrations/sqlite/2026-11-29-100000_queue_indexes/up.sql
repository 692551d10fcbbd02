-- Reads that must stay fast with a million comments. Queue pages by article and by author come
-- in id order straight from an index; an author's history (counts by status, first seen) is read from an
-- index alone; the flagged queue has a small index of its own that new comments never touch;
-- one fingerprint index serves both duplicate checks (by author and by address), which leaves
-- each new comment one index fewer to update.
CREATE INDEX comments_article_status_id ON comments (article_id, status, id);
CREATE INDEX comments_author_status_id ON comments (author_key, status, id, created_at);
DROP INDEX comments_author_status;
CREATE INDEX comments_flagged ON comments (id) WHERE flagged_at IS NOT NULL;
DROP INDEX comments_flagged_id;
CREATE INDEX comments_fingerprint_created ON comments (body_fingerprint, created_at);
DROP INDEX comments_author_fingerprint;
DROP INDEX comments_ip_fingerprint;
