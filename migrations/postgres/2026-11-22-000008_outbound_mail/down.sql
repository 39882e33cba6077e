ALTER TABLE mail_outbox DROP COLUMN attachment_ids;
ALTER TABLE mail_outbox DROP COLUMN mailbox_id;
ALTER TABLE cases DROP COLUMN mailbox_id;
