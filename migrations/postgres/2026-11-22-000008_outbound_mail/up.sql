-- The mailbox a case came in by: replies go out from its address, through its SMTP server.
ALTER TABLE cases ADD COLUMN mailbox_id BIGINT REFERENCES mailboxes(id) ON DELETE SET NULL;
ALTER TABLE mail_outbox ADD COLUMN mailbox_id BIGINT REFERENCES mailboxes(id) ON DELETE SET NULL;
-- Files sent with the mail (ids of attachments), JSON.
ALTER TABLE mail_outbox ADD COLUMN attachment_ids TEXT NOT NULL DEFAULT '[]';
