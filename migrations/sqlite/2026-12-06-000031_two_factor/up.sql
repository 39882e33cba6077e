-- Two-factor sign-in: a user's authenticator secret (sealed with the server's key) and the
-- last 30-second step a code was accepted for, so each code works once. A row without
-- confirmed_at is an enrolment not yet proven with a code.
CREATE TABLE two_factor (
    user_id BIGINT PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    secret TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    confirmed_at TIMESTAMP,
    last_step BIGINT NOT NULL DEFAULT 0
);
-- Single-use codes for a lost authenticator; only their SHA-256 is kept.
CREATE TABLE recovery_codes (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    code_hash TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    used_at TIMESTAMP
);
CREATE INDEX recovery_codes_user ON recovery_codes (user_id);
