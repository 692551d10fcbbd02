-- Forget where imported comments came from (the comments stay).
DROP TABLE imported_comments;
