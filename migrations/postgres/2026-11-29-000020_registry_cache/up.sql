-- Answers of the company registry (lookup by INN), kept to spare the paid provider.
CREATE TABLE registry_cache (
    inn TEXT PRIMARY KEY,
    payload TEXT NOT NULL,
    fetched_at TIMESTAMP NOT NULL
);
