-- Run by bench/queue with sqlite3 on a migrated database holding only the seed comments that
-- the real server judged: multiplies them into :total comments (a tenth pending, a twentieth
-- rejected, the rest published) over 30 days, ~5,000 articles, 2,000 regular authors and
-- 200,000 occasional ones, with the seeds' verdicts and rule hits; 2,000 published comments
-- flagged by three readers each. Then removes the seeds. The parameter :total is set by the
-- caller (.parameter set).

CREATE TEMP TABLE seeds AS
SELECT row_number() OVER (PARTITION BY status ORDER BY id) - 1 AS k, *
FROM comments;
CREATE INDEX temp.seeds_status_k ON seeds (status, k);
CREATE TEMP TABLE seed_counts AS SELECT status, count(*) AS n FROM seeds GROUP BY status;

-- n -> status and the seed it copies.
CREATE TEMP TABLE plan AS
WITH RECURSIVE numbers(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM numbers WHERE n < :total),
statuses AS (
  SELECT n, CASE WHEN n % 10 = 0 THEN 'pending' WHEN n % 20 = 5 THEN 'rejected' ELSE 'published' END AS status
  FROM numbers
)
SELECT statuses.n AS n, statuses.status AS status,
       -- 30 days up to now, in order of n.
       CAST((unixepoch('now') - 30 * 86400) * 1000 + statuses.n * (30 * 86400000 / :total) AS INTEGER) AS at_ms,
       (statuses.n / 20) % seed_counts.n AS k,
       -- Knuth's multiplicative hash: authors independent of status and article.
       (statuses.n * 2654435761) % 4294967296 AS h
FROM statuses JOIN seed_counts ON seed_counts.status = statuses.status;

CREATE TEMP TABLE generated AS
SELECT plan.n AS n,
       -- A UUIDv7 of the comment's time; n makes it unique.
       printf('%08x-%04x-7%03x-%04x-%012x', at_ms / 65536, at_ms % 65536, plan.n % 4096,
              32768 + (plan.n / 4096) % 16384, plan.n) AS id,
       strftime('%Y-%m-%d %H:%M:%f', at_ms / 1000.0, 'unixepoch') AS created_at,
       seeds.id AS seed_id,
       -- Comments come to a handful of recent articles at a time, ~200 each.
       'news-' || ((plan.n / 200 + (plan.n % 7) * 3) % 5000) AS article_id,
       -- Two in five comments are from 2,000 regulars, the rest from 200,000 occasional readers.
       CASE WHEN plan.h % 5 < 2 THEN 'regular' || (plan.h / 5 % 2000)
            ELSE 'reader' || (plan.h / 5 % 200000) END AS author
FROM plan JOIN seeds ON seeds.status = plan.status AND seeds.k = plan.k;

INSERT INTO comments (id, article_id, parent_id, thread_path, depth, author_name, author_email,
                      author_key, body, body_fingerprint, client_ip, status, score, verdict,
                      rules_version, created_at, decided_by, decided_at, decision_reason,
                      flagged_at, flag_count)
SELECT g.id, g.article_id, NULL, g.id, 0, 'Reader ' || g.author, g.author || '@example.org',
       'email:' || g.author || '@example.org', s.body || ' #' || g.n, s.body_fingerprint,
       printf('10.%d.%d.%d', (g.n >> 16) % 256, (g.n >> 8) % 256, g.n % 256),
       s.status, s.score, s.verdict, s.rules_version, g.created_at, NULL, NULL, NULL,
       CASE WHEN s.status = 'published' AND g.n % 500 = 7
            THEN strftime('%Y-%m-%d %H:%M:%f', g.created_at, '+1 hour') END,
       CASE WHEN s.status = 'published' AND g.n % 500 = 7 THEN 3 ELSE 0 END
FROM generated g JOIN seeds s ON s.id = g.seed_id;

INSERT INTO comment_rule_hits (rule_id, comment_id)
SELECT hits.rule_id, g.id
FROM generated g JOIN comment_rule_hits hits ON hits.comment_id = g.seed_id;

INSERT INTO flags (id, comment_id, client_key, reason, note, created_at)
SELECT c.id || '-f' || reader.r, c.id,
       printf('ip:192.0.2.%d', reader.r), CASE reader.r WHEN 1 THEN 'abuse' ELSE 'spam' END,
       CASE reader.r WHEN 1 THEN 'rude to other readers' END, c.flagged_at
FROM comments c, (SELECT 1 AS r UNION ALL SELECT 2 UNION ALL SELECT 3) AS reader
WHERE c.flagged_at IS NOT NULL;

DELETE FROM comment_rule_hits WHERE comment_id IN (SELECT id FROM seeds);
DELETE FROM comments WHERE id IN (SELECT id FROM seeds);
