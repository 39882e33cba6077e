-- A session is one sign-in: the family of refresh tokens that descend from it. Every access
-- token names its session, and each request checks that the session and its user are still
-- in good standing, so signing out, revoking a session or disabling a user ends the access
-- tokens at once instead of when they expire.
CREATE TABLE sessions (
    id BIGSERIAL PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users(id),
    family TEXT NOT NULL UNIQUE,
    created_at TIMESTAMP NOT NULL,
    last_used_at TIMESTAMP NOT NULL,
    revoked_at TIMESTAMP,
    ip TEXT NOT NULL DEFAULT '',
    user_agent TEXT NOT NULL DEFAULT ''
);
CREATE INDEX sessions_user ON sessions (user_id);

-- The sign-ins made before sessions existed keep working: one session per refresh family.
INSERT INTO sessions (user_id, family, created_at, last_used_at, revoked_at)
SELECT user_id, family, MIN(created_at), MAX(created_at), MAX(revoked_at)
FROM refresh_tokens
GROUP BY user_id, family;
