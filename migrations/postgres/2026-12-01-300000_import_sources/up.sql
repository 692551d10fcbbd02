-- Where each imported comment came from: `gatehouse import` skips a record whose source and
-- id are already here, so running an import twice adds nothing, and replies find their parent
-- by its id in the source.
CREATE TABLE imported_comments (
    -- disqus, wordpress (Gatehouse's own JSON lines keep the comment id instead).
    source TEXT NOT NULL,
    -- The record's id in that source.
    source_id TEXT NOT NULL,
    comment_id TEXT NOT NULL REFERENCES comments (id),
    PRIMARY KEY (source, source_id)
);

CREATE INDEX imported_comments_comment ON imported_comments (comment_id);
