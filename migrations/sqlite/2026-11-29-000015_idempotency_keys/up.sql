-- Idempotency-Key: the first answer to a creating POST, replayed for the same key and request
-- for 24 hours. A row without a status is a request still being handled.
CREATE TABLE idempotency_keys (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    principal TEXT NOT NULL,
    idem_key TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    status_code INTEGER,
    content_type TEXT,
    response_body TEXT,
    created_at TIMESTAMP NOT NULL,
    UNIQUE (principal, idem_key)
);
CREATE INDEX idempotency_keys_created ON idempotency_keys (created_at);
