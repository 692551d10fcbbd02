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
SELECT author_key, count(*) FILTER (WHERE status = 'published'),
       count(*) FILTER (WHERE status = 'pending'),
       count(*) FILTER (WHERE status NOT IN ('published', 'pending')), min(created_at)
FROM comments GROUP BY author_key;
-- Statement-level triggers over transition tables: the intake writer inserts a batch in one
-- statement, and one upsert per batch costs a fraction of one per row.
CREATE FUNCTION comments_author_stats_added() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO author_stats AS s (author_key, published, pending, rejected, first_seen)
  SELECT author_key, count(*) FILTER (WHERE status = 'published'),
         count(*) FILTER (WHERE status = 'pending'),
         count(*) FILTER (WHERE status NOT IN ('published', 'pending')), min(created_at)
  FROM added GROUP BY author_key
  ON CONFLICT (author_key) DO UPDATE SET
    published = s.published + excluded.published,
    pending = s.pending + excluded.pending,
    rejected = s.rejected + excluded.rejected,
    first_seen = LEAST(s.first_seen, excluded.first_seen);
  RETURN NULL;
END $$;
CREATE FUNCTION comments_author_stats_moved() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE author_stats AS s SET
    published = s.published + d.published,
    pending = s.pending + d.pending,
    rejected = s.rejected + d.rejected
  FROM (
    SELECT n.author_key,
           sum((n.status = 'published')::int - (o.status = 'published')::int) AS published,
           sum((n.status = 'pending')::int - (o.status = 'pending')::int) AS pending,
           sum((n.status NOT IN ('published', 'pending'))::int
               - (o.status NOT IN ('published', 'pending'))::int) AS rejected
    FROM moved_old o JOIN moved_new n ON n.id = o.id
    WHERE n.status IS DISTINCT FROM o.status
    GROUP BY n.author_key
  ) AS d
  WHERE s.author_key = d.author_key;
  RETURN NULL;
END $$;
CREATE TRIGGER comments_author_stats_insert AFTER INSERT ON comments
  REFERENCING NEW TABLE AS added
  FOR EACH STATEMENT EXECUTE FUNCTION comments_author_stats_added();
-- (A trigger with transition tables cannot name columns: it sees every update of comments and
-- counts only the rows whose status moved.)
CREATE TRIGGER comments_author_stats_status AFTER UPDATE ON comments
  REFERENCING OLD TABLE AS moved_old NEW TABLE AS moved_new
  FOR EACH STATEMENT EXECUTE FUNCTION comments_author_stats_moved();
