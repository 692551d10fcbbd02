CREATE INDEX comments_ip_fingerprint ON comments (client_ip, body_fingerprint, created_at);
CREATE INDEX comments_author_fingerprint ON comments (author_key, body_fingerprint, created_at);
DROP INDEX comments_fingerprint_created;
CREATE INDEX comments_flagged_id ON comments (flagged_at, id);
DROP INDEX comments_flagged;
CREATE INDEX comments_author_status ON comments (author_key, status);
DROP INDEX comments_author_status_id;
DROP INDEX comments_article_status_id;
