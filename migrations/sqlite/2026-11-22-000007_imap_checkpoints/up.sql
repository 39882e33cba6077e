-- Where IMAP polling of each mailbox stands: the folder's UIDVALIDITY and the last UID done.
CREATE TABLE mailbox_imap_state (
    mailbox_id BIGINT PRIMARY KEY REFERENCES mailboxes(id) ON DELETE CASCADE,
    uidvalidity BIGINT NOT NULL,
    last_uid BIGINT NOT NULL,
    polled_at TIMESTAMP NOT NULL,
    last_error TEXT
);
