-- The knowledge base: a category tree, articles (Markdown, with the sanitized HTML kept beside
-- it), their links to cases, and search over them.
CREATE TABLE kb_categories (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    parent_id BIGINT REFERENCES kb_categories(id) ON DELETE SET NULL,
    name TEXT NOT NULL,
    position INTEGER NOT NULL DEFAULT 0,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);

CREATE TABLE kb_articles (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    category_id BIGINT REFERENCES kb_categories(id) ON DELETE SET NULL,
    title TEXT NOT NULL,
    body_md TEXT NOT NULL,
    body_html TEXT NOT NULL,
    language TEXT NOT NULL DEFAULT 'en',
    status TEXT NOT NULL DEFAULT 'draft',
    visibility TEXT NOT NULL DEFAULT 'internal',
    tags TEXT NOT NULL DEFAULT '[]',
    author_id BIGINT REFERENCES users(id) ON DELETE SET NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    published_at TIMESTAMP
);
CREATE INDEX kb_articles_category ON kb_articles (category_id, id);
CREATE INDEX kb_articles_status ON kb_articles (status, visibility, id);

CREATE TABLE case_articles (
    case_id BIGINT NOT NULL REFERENCES cases(id) ON DELETE CASCADE,
    article_id BIGINT NOT NULL REFERENCES kb_articles(id) ON DELETE CASCADE,
    linked_by_id BIGINT REFERENCES users(id) ON DELETE SET NULL,
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (case_id, article_id)
);
CREATE INDEX case_articles_article ON case_articles (article_id, case_id);

CREATE VIRTUAL TABLE kb_articles_fts USING fts5(title, body_md, content='kb_articles', content_rowid='id',
    tokenize='porter unicode61 remove_diacritics 2');
CREATE TRIGGER kb_articles_fts_insert AFTER INSERT ON kb_articles BEGIN
    INSERT INTO kb_articles_fts(rowid, title, body_md) VALUES (new.id, new.title, new.body_md);
END;
CREATE TRIGGER kb_articles_fts_delete AFTER DELETE ON kb_articles BEGIN
    INSERT INTO kb_articles_fts(kb_articles_fts, rowid, title, body_md) VALUES ('delete', old.id, old.title, old.body_md);
END;
CREATE TRIGGER kb_articles_fts_update AFTER UPDATE OF title, body_md ON kb_articles BEGIN
    INSERT INTO kb_articles_fts(kb_articles_fts, rowid, title, body_md) VALUES ('delete', old.id, old.title, old.body_md);
    INSERT INTO kb_articles_fts(rowid, title, body_md) VALUES (new.id, new.title, new.body_md);
END;
