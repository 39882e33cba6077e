DROP TABLE kb_articles_fts;
DROP TABLE case_articles;
DROP TABLE kb_articles;
DROP TABLE kb_categories;
