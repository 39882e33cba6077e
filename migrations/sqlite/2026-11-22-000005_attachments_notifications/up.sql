-- Files on cases and stream entries. The bytes live on disk under their SHA-256 (stored once
-- however often uploaded); each row is one upload of them.
CREATE TABLE attachments (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    case_id BIGINT NOT NULL REFERENCES cases(id) ON DELETE CASCADE,
    entry_id BIGINT REFERENCES stream_entries(id) ON DELETE SET NULL,
    sha256 TEXT NOT NULL,
    size BIGINT NOT NULL,
    filename TEXT NOT NULL,
    content_type TEXT NOT NULL,
    uploaded_by_id BIGINT REFERENCES users(id) ON DELETE SET NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX attachments_case ON attachments (case_id, id);
CREATE INDEX attachments_entry ON attachments (entry_id);
CREATE INDEX attachments_sha256 ON attachments (sha256);

-- Per-user settings: follow every new case; which notifications arrive in the app and by email.
ALTER TABLE users ADD COLUMN auto_follow BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE users ADD COLUMN notification_settings TEXT NOT NULL DEFAULT '{}';

-- In-app notifications; one per event and user at most.
CREATE TABLE notifications (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    event_id BIGINT NOT NULL,
    kind TEXT NOT NULL,
    case_id BIGINT REFERENCES cases(id) ON DELETE CASCADE,
    entry_id BIGINT,
    actor_user_id BIGINT,
    title TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    read_at TIMESTAMP,
    UNIQUE (event_id, user_id)
);
CREATE INDEX notifications_user ON notifications (user_id, id);
CREATE INDEX notifications_unread ON notifications (user_id) WHERE read_at IS NULL;

-- Outgoing email. A row is claimed (status 'sending') in its own transaction before the SMTP
-- conversation, so a crash never sends it twice; one row per event and recipient at most.
CREATE TABLE mail_outbox (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    event_id BIGINT NOT NULL,
    recipient TEXT NOT NULL,
    kind TEXT NOT NULL,
    case_id BIGINT REFERENCES cases(id) ON DELETE SET NULL,
    subject TEXT NOT NULL,
    body TEXT NOT NULL,
    message_id TEXT NOT NULL,
    status TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TIMESTAMP NOT NULL,
    last_error TEXT,
    created_at TIMESTAMP NOT NULL,
    sent_at TIMESTAMP,
    UNIQUE (event_id, recipient)
);
CREATE INDEX mail_outbox_due ON mail_outbox (status, next_attempt_at);
CREATE INDEX mail_outbox_case ON mail_outbox (case_id);
