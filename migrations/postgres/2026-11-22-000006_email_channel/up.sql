-- Group mailboxes: where customer email arrives, and how it becomes cases. Passwords are stored
-- encrypted with the key from configuration; the inbound token only as a hash.
CREATE TABLE mailboxes (
    id BIGSERIAL PRIMARY KEY,
    name TEXT NOT NULL,
    address TEXT NOT NULL UNIQUE,
    imap_host TEXT,
    imap_port INTEGER,
    imap_tls TEXT NOT NULL DEFAULT 'tls',
    imap_user TEXT,
    imap_password_enc TEXT,
    imap_folder TEXT NOT NULL DEFAULT 'INBOX',
    processed_folder TEXT,
    smtp_host TEXT,
    smtp_port INTEGER,
    smtp_tls TEXT NOT NULL DEFAULT 'starttls',
    smtp_user TEXT,
    smtp_password_enc TEXT,
    default_team_id BIGINT REFERENCES teams(id) ON DELETE SET NULL,
    default_priority TEXT NOT NULL DEFAULT 'normal',
    auto_reply BOOLEAN NOT NULL DEFAULT TRUE,
    auto_reply_en TEXT,
    auto_reply_ru TEXT,
    language TEXT NOT NULL DEFAULT 'en',
    trust_organization_domain BOOLEAN NOT NULL DEFAULT FALSE,
    inbound_token_hash TEXT,
    active BOOLEAN NOT NULL DEFAULT TRUE,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);

-- Every message received, stored (raw bytes in the file store) before it is processed. One row
-- per Message-ID: a second delivery of the same message creates nothing.
CREATE TABLE inbound_messages (
    id BIGSERIAL PRIMARY KEY,
    mailbox_id BIGINT REFERENCES mailboxes(id) ON DELETE SET NULL,
    message_id TEXT NOT NULL UNIQUE,
    raw_sha256 TEXT NOT NULL,
    size BIGINT NOT NULL,
    source TEXT NOT NULL,
    from_address TEXT,
    subject TEXT,
    status TEXT NOT NULL,
    case_id BIGINT REFERENCES cases(id) ON DELETE SET NULL,
    entry_id BIGINT REFERENCES stream_entries(id) ON DELETE SET NULL,
    thread_rule TEXT,
    note TEXT,
    received_at TIMESTAMP NOT NULL,
    processed_at TIMESTAMP
);
CREATE INDEX inbound_messages_pending ON inbound_messages (status, id);
CREATE INDEX inbound_messages_case ON inbound_messages (case_id);

-- Every Message-ID we received or sent for a case: replies thread by In-Reply-To/References.
CREATE TABLE case_message_ids (
    message_id TEXT PRIMARY KEY,
    case_id BIGINT NOT NULL REFERENCES cases(id) ON DELETE CASCADE,
    entry_id BIGINT REFERENCES stream_entries(id) ON DELETE SET NULL,
    direction TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX case_message_ids_case ON case_message_ids (case_id, created_at);

-- Stream entries that came by email: from whom, which message, and which threading rule matched.
ALTER TABLE stream_entries ADD COLUMN email_from TEXT;
ALTER TABLE stream_entries ADD COLUMN email_message_id TEXT;
ALTER TABLE stream_entries ADD COLUMN thread_rule TEXT;
ALTER TABLE stream_entries ADD COLUMN body_html TEXT;

-- Attachments of mail that were refused (over the size limit) are recorded, not dropped.
ALTER TABLE attachments ADD COLUMN refused TEXT;

-- Outgoing mail from a mailbox, in a thread, marked as automatic.
ALTER TABLE mail_outbox ADD COLUMN from_address TEXT;
ALTER TABLE mail_outbox ADD COLUMN in_reply_to TEXT;
ALTER TABLE mail_outbox ADD COLUMN references_header TEXT;
ALTER TABLE mail_outbox ADD COLUMN auto_submitted TEXT NOT NULL DEFAULT 'auto-generated';
CREATE INDEX mail_outbox_recipient ON mail_outbox (recipient, kind, created_at);
