-- While a subscription fails, one delivery is tried early at most once a minute (a probe), so a
-- receiver that recovers gets its backlog within a minute instead of at the next scheduled retry.
ALTER TABLE webhook_subscriptions ADD COLUMN probe_at TIMESTAMP;
