DROP TABLE mail_outbox;
DROP TABLE notifications;
ALTER TABLE users DROP COLUMN notification_settings;
ALTER TABLE users DROP COLUMN auto_follow;
DROP TABLE attachments;
