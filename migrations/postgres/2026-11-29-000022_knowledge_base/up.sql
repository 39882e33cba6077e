-- The knowledge base: a category tree, articles (Markdown, with the sanitized HTML kept beside
-- it), their links to cases, and search over them.
CREATE TABLE kb_categories (
    id BIGSERIAL PRIMARY KEY,
    parent_id BIGINT REFERENCES kb_categories(id) ON DELETE SET NULL,
    name TEXT NOT NULL,
    position INTEGER NOT NULL DEFAULT 0,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);

CREATE TABLE kb_articles (
    id BIGSERIAL PRIMARY KEY,
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

ALTER TABLE kb_articles ADD COLUMN search_vector tsvector GENERATED ALWAYS AS (
    setweight(to_tsvector('russian', title), 'A') || setweight(to_tsvector('english', title), 'A') ||
    setweight(to_tsvector('russian', left(body_md, 100000)), 'B') ||
    setweight(to_tsvector('english', left(body_md, 100000)), 'B')
) STORED;
CREATE INDEX kb_articles_search ON kb_articles USING GIN (search_vector);
