-- The first answer to each idempotency key of a submission, kept a day: a retry with the same
-- key and request is answered the same way instead of storing the comment twice.
CREATE TABLE idempotency_keys (
    -- sha256 of the article id and the key the client sent.
    key_hash TEXT PRIMARY KEY NOT NULL,
    -- sha256 of the request it answered, to tell a retry from a reused key.
    request_hash TEXT NOT NULL,
    comment_id TEXT NOT NULL REFERENCES comments (id),
    -- The answer as first given.
    status TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);

CREATE INDEX idempotency_keys_created ON idempotency_keys (created_at);
