-- The timers of cases join the shared queue rule (helpdesk_store::queue::TimerQueue): a case
-- whose timers fail to fire is retried with back-off, counted, with the reason kept.
ALTER TABLE jobs ADD COLUMN attempts INTEGER NOT NULL DEFAULT 0;
ALTER TABLE jobs ADD COLUMN lease_until TIMESTAMP;
ALTER TABLE jobs ADD COLUMN last_error TEXT;
