-- Sign-in throttling by growing delays, one row per account, client address or known device.
-- A sign-in reserves its attempt here (counted as a failure until the password proves right)
-- before the password is checked, so concurrent guesses cannot all slip through.
CREATE TABLE login_throttles (
    key TEXT PRIMARY KEY,
    failures INTEGER NOT NULL,
    next_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX login_throttles_updated ON login_throttles (updated_at);

-- What happened to accounts, for admins: sign-ins, sessions, API tokens, roles, passwords.
CREATE TABLE security_events (
    id BIGSERIAL PRIMARY KEY,
    occurred_at TIMESTAMP NOT NULL,
    kind TEXT NOT NULL,
    user_id BIGINT REFERENCES users (id) ON DELETE SET NULL,
    actor_id BIGINT REFERENCES users (id) ON DELETE SET NULL,
    email TEXT,
    ip TEXT NOT NULL,
    user_agent TEXT NOT NULL,
    reason TEXT,
    session_id BIGINT
);
CREATE INDEX security_events_occurred ON security_events (occurred_at);
CREATE INDEX security_events_user ON security_events (user_id, id);
CREATE INDEX security_events_kind ON security_events (kind, id);

-- Replaced by the two tables above.
DROP TABLE login_attempts;
