-- Job queries bind the status as a parameter, which a partial index (`WHERE status =
-- 'pending'`) cannot serve in a prepared statement's generic plan: whole-column indexes instead.
DROP INDEX jobs_due;
DROP INDEX jobs_case;
CREATE INDEX jobs_due ON jobs (status, run_at, id);
CREATE INDEX jobs_case ON jobs (case_id, status);
CREATE INDEX jobs_kind ON jobs (kind, status, run_at);
