ALTER TABLE webhook_subscriptions DROP COLUMN probe_at;
