-- Per-article moderation settings. An article without a row is open (and closes by the site's
-- default, if it has one); a row exists once a moderator has set the article, and its
-- closes_at is then exactly what the moderator chose (NULL: never closes by itself).
CREATE TABLE article_settings (
    article_id TEXT PRIMARY KEY NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('open', 'premoderated', 'closed')),
    closes_at TIMESTAMP,
    updated_by TEXT NOT NULL,
    updated_at TIMESTAMP NOT NULL
);

-- The console lists articles set by a moderator by state.
CREATE INDEX article_settings_state ON article_settings (state);
