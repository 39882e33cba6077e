-- Request counts per key (a hashed API token, a client address) and one-minute window, shared by
-- every API replica so that N replicas enforce one limit.
CREATE TABLE rate_limits (
    key TEXT NOT NULL,
    window_start TIMESTAMP NOT NULL,
    hits INTEGER NOT NULL,
    PRIMARY KEY (key, window_start)
);
CREATE INDEX rate_limits_window ON rate_limits (window_start);
