-- Every comment ever submitted, with the verdict that decided it. Rejected comments stay so
-- moderators can review false positives.
CREATE TABLE comments (
    id TEXT PRIMARY KEY NOT NULL,
    article_id TEXT NOT NULL,
    parent_id TEXT REFERENCES comments (id),
    -- Root-to-self chain of ids joined by '/': sorting by it (bytewise, hence COLLATE "C") gives thread order, and UUIDv7 ids
    -- keep siblings in submission order.
    thread_path TEXT COLLATE "C" NOT NULL,
    depth INTEGER NOT NULL,
    author_name TEXT NOT NULL,
    author_email TEXT,
    author_key TEXT NOT NULL,
    body TEXT NOT NULL,
    body_fingerprint TEXT NOT NULL,
    client_ip TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('published', 'pending', 'rejected')),
    score DOUBLE PRECISION NOT NULL,
    verdict TEXT NOT NULL,
    rules_version TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);

CREATE INDEX comments_article_status_path ON comments (article_id, status, thread_path);
CREATE INDEX comments_author_status ON comments (author_key, status);
CREATE INDEX comments_author_fingerprint ON comments (author_key, body_fingerprint, created_at);
CREATE INDEX comments_ip_fingerprint ON comments (client_ip, body_fingerprint, created_at);
