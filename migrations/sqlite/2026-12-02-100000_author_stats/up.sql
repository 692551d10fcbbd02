-- Each author's comments counted by status, kept by triggers on `comments` (every path that
-- adds a comment or changes its status keeps it right), so a queue page reads 50 rows
-- instead of counting every comment of its authors.
CREATE TABLE author_stats (
  author_key TEXT PRIMARY KEY NOT NULL,
  published BIGINT NOT NULL DEFAULT 0,
  pending BIGINT NOT NULL DEFAULT 0,
  rejected BIGINT NOT NULL DEFAULT 0,
  first_seen TIMESTAMP
);
INSERT INTO author_stats (author_key, published, pending, rejected, first_seen)
SELECT author_key, sum(status = 'published'), sum(status = 'pending'),
       sum(status NOT IN ('published', 'pending')), min(created_at)
FROM comments GROUP BY author_key;
CREATE TRIGGER comments_author_stats_insert AFTER INSERT ON comments BEGIN
  INSERT INTO author_stats (author_key, published, pending, rejected, first_seen)
  VALUES (NEW.author_key, NEW.status = 'published', NEW.status = 'pending',
          NEW.status NOT IN ('published', 'pending'), NEW.created_at)
  ON CONFLICT (author_key) DO UPDATE SET
    published = published + excluded.published,
    pending = pending + excluded.pending,
    rejected = rejected + excluded.rejected,
    first_seen = min(first_seen, excluded.first_seen);
END;
CREATE TRIGGER comments_author_stats_status AFTER UPDATE OF status ON comments
WHEN OLD.status <> NEW.status BEGIN
  UPDATE author_stats SET
    published = published - (OLD.status = 'published') + (NEW.status = 'published'),
    pending = pending - (OLD.status = 'pending') + (NEW.status = 'pending'),
    rejected = rejected - (OLD.status NOT IN ('published', 'pending'))
                        + (NEW.status NOT IN ('published', 'pending'))
  WHERE author_key = NEW.author_key;
END;
