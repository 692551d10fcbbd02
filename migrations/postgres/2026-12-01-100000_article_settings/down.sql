DROP TABLE article_settings;
