-- Every queue table is worked the same way (helpdesk_store::queue): a row waits in a state, due
-- at `next_attempt_at`; one worker leases it until `lease_until`; each attempt's outcome counts
-- in `attempts` and, when it failed, says why in `last_error`.
ALTER TABLE mail_outbox ADD COLUMN lease_until TIMESTAMP;
-- Claimed and sending mails kept the time their step began in next_attempt_at; now a lease.
UPDATE mail_outbox SET lease_until = datetime(next_attempt_at, '+2 minutes') WHERE status = 'claimed';
UPDATE mail_outbox SET lease_until = datetime(next_attempt_at, '+10 minutes') WHERE status = 'sending';
ALTER TABLE webhook_deliveries RENAME COLUMN locked_until TO lease_until;
ALTER TABLE inbound_messages ADD COLUMN attempts INTEGER NOT NULL DEFAULT 0;
ALTER TABLE inbound_messages ADD COLUMN next_attempt_at TIMESTAMP NOT NULL DEFAULT '1970-01-01 00:00:00';
ALTER TABLE inbound_messages ADD COLUMN lease_until TIMESTAMP;
ALTER TABLE inbound_messages ADD COLUMN last_error TEXT;
ALTER TABLE crm_imports ADD COLUMN attempts INTEGER NOT NULL DEFAULT 0;
ALTER TABLE crm_imports ADD COLUMN next_attempt_at TIMESTAMP NOT NULL DEFAULT '1970-01-01 00:00:00';
ALTER TABLE crm_imports ADD COLUMN last_error TEXT;
