DROP TRIGGER comments_author_stats_status ON comments;
DROP TRIGGER comments_author_stats_insert ON comments;
DROP FUNCTION comments_author_stats_moved();
DROP FUNCTION comments_author_stats_added();
DROP TABLE author_stats;
