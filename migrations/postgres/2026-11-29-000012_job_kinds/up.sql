-- The worker looks for due jobs of a kind (the recomputation after policy changes) every second.
CREATE INDEX jobs_kind ON jobs (kind, run_at) WHERE status = 'pending';
