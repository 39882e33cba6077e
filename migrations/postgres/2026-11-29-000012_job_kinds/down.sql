DROP INDEX jobs_kind;
