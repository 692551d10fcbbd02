-- Moderation: human decisions and reader flags on comments, moderator accounts and sessions,
-- bans, and the append-only audit log.

ALTER TABLE comments ADD COLUMN decided_by TEXT;
ALTER TABLE comments ADD COLUMN decided_at TIMESTAMP;
ALTER TABLE comments ADD COLUMN decision_reason TEXT;
-- Set when reader flags cross the threshold; cleared when a moderator decides.
ALTER TABLE comments ADD COLUMN flagged_at TIMESTAMP;
ALTER TABLE comments ADD COLUMN flag_count INTEGER NOT NULL DEFAULT 0;

CREATE INDEX comments_status_id ON comments (status, id);
CREATE INDEX comments_flagged_id ON comments (flagged_at, id);

-- Which rules matched which comment, so the queue can filter by rule through an index.
CREATE TABLE comment_rule_hits (
    rule_id TEXT NOT NULL,
    comment_id TEXT NOT NULL REFERENCES comments (id),
    PRIMARY KEY (rule_id, comment_id)
);

CREATE TABLE users (
    id TEXT PRIMARY KEY NOT NULL,
    username TEXT NOT NULL UNIQUE,
    password_hash TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('moderator', 'admin')),
    disabled BOOLEAN NOT NULL DEFAULT FALSE,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);

-- Only the SHA-256 of a bearer token is stored: a leaked table grants no access.
CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY NOT NULL,
    user_id TEXT NOT NULL REFERENCES users (id),
    created_at TIMESTAMP NOT NULL,
    last_used_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    revoked_at TIMESTAMP
);
CREATE INDEX sessions_user ON sessions (user_id);

-- One flag per client (IP key) per comment.
CREATE TABLE flags (
    id TEXT PRIMARY KEY NOT NULL,
    comment_id TEXT NOT NULL REFERENCES comments (id),
    client_key TEXT NOT NULL,
    reason TEXT NOT NULL CHECK (reason IN ('spam', 'abuse', 'off_topic', 'other')),
    note TEXT,
    created_at TIMESTAMP NOT NULL,
    UNIQUE (comment_id, client_key)
);

CREATE TABLE bans (
    id TEXT PRIMARY KEY NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('author', 'ip')),
    -- An author key (email:… or name:…) or a network in CIDR form.
    value TEXT NOT NULL,
    reason TEXT,
    created_by TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP,
    lifted_at TIMESTAMP,
    lifted_by TEXT
);
CREATE INDEX bans_kind_value ON bans (kind, value);

CREATE TABLE audit_log (
    id TEXT PRIMARY KEY NOT NULL,
    at TIMESTAMP NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    target_type TEXT NOT NULL,
    target_id TEXT,
    before_state TEXT,
    after_state TEXT,
    reason TEXT,
    details TEXT
);
CREATE INDEX audit_log_target ON audit_log (target_id, id);
CREATE INDEX audit_log_actor ON audit_log (actor, id);
CREATE INDEX audit_log_action ON audit_log (action, id);

CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'the audit log is append-only');
END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'the audit log is append-only');
END;
