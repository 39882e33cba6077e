-- Full-text search: each searchable text indexed under Russian and English stemming (a query is
-- matched under both), GIN indexes on generated columns.
ALTER TABLE cases ADD COLUMN search_vector tsvector GENERATED ALWAYS AS (
    setweight(to_tsvector('russian', subject), 'A') || setweight(to_tsvector('english', subject), 'A') ||
    setweight(to_tsvector('russian', left(description, 100000)), 'B') ||
    setweight(to_tsvector('english', left(description, 100000)), 'B')
) STORED;
CREATE INDEX cases_search ON cases USING GIN (search_vector);

ALTER TABLE stream_entries ADD COLUMN search_vector tsvector GENERATED ALWAYS AS (
    to_tsvector('russian', left(body, 100000)) || to_tsvector('english', left(body, 100000))
) STORED;
CREATE INDEX stream_entries_search ON stream_entries USING GIN (search_vector);

ALTER TABLE contacts ADD COLUMN search_vector tsvector GENERATED ALWAYS AS (
    setweight(to_tsvector('simple', first_name || ' ' || last_name), 'A') ||
    setweight(to_tsvector('russian', coalesce(title, '') || ' ' || coalesce(department, '')), 'C') ||
    setweight(to_tsvector('english', coalesce(title, '') || ' ' || coalesce(department, '')), 'C')
) STORED;
CREATE INDEX contacts_search ON contacts USING GIN (search_vector);

ALTER TABLE organizations ADD COLUMN search_vector tsvector GENERATED ALWAYS AS (
    setweight(to_tsvector('simple', name || ' ' || coalesce(short_name, '') || ' ' || coalesce(inn, '') || ' ' || coalesce(kpp, '')), 'A') ||
    setweight(to_tsvector('russian', name || ' ' || coalesce(short_name, '')), 'A') ||
    setweight(to_tsvector('english', name || ' ' || coalesce(short_name, '')), 'A') ||
    setweight(to_tsvector('russian', coalesce(description, '')), 'C') ||
    setweight(to_tsvector('english', coalesce(description, '')), 'C')
) STORED;
CREATE INDEX organizations_search ON organizations USING GIN (search_vector);
