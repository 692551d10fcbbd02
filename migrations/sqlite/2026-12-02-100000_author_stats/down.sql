DROP TRIGGER comments_author_stats_status;
DROP TRIGGER comments_author_stats_insert;
DROP TABLE author_stats;
