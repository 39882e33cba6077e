ALTER TABLE crm_imports DROP COLUMN last_error;
ALTER TABLE crm_imports DROP COLUMN next_attempt_at;
ALTER TABLE crm_imports DROP COLUMN attempts;
ALTER TABLE inbound_messages DROP COLUMN last_error;
ALTER TABLE inbound_messages DROP COLUMN lease_until;
ALTER TABLE inbound_messages DROP COLUMN next_attempt_at;
ALTER TABLE inbound_messages DROP COLUMN attempts;
ALTER TABLE webhook_deliveries RENAME COLUMN lease_until TO locked_until;
ALTER TABLE mail_outbox DROP COLUMN lease_until;
