DROP INDEX jobs_kind;
DROP INDEX jobs_case;
DROP INDEX jobs_due;
CREATE INDEX jobs_due ON jobs (run_at, id) WHERE status = 'pending';
CREATE INDEX jobs_case ON jobs (case_id) WHERE status = 'pending';
