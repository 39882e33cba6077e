-- SLA: business-hour calendars, policies chosen by conditions, each case's clocks, and durable
-- timers (jobs) the worker fires.
CREATE TABLE calendars (
    id BIGSERIAL PRIMARY KEY,
    name TEXT NOT NULL,
    time_zone TEXT NOT NULL,
    -- Seven lists (Monday first) of [start, end] seconds after local midnight, JSON.
    week TEXT NOT NULL,
    -- [[from, to], ...] inclusive local dates, JSON.
    holidays TEXT NOT NULL DEFAULT '[]',
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);

CREATE TABLE sla_policies (
    id BIGSERIAL PRIMARY KEY,
    name TEXT NOT NULL,
    position INTEGER NOT NULL,
    active BOOLEAN NOT NULL DEFAULT TRUE,
    -- NULL: round the clock.
    calendar_id BIGINT REFERENCES calendars(id),
    conditions TEXT NOT NULL DEFAULT '{}',
    -- Targets per priority, JSON.
    targets TEXT NOT NULL,
    warn_percent INTEGER NOT NULL DEFAULT 80,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX sla_policies_order ON sla_policies (position, id) WHERE active;

-- Where a case's clocks stood at its last change. `due_at`: the next deadline of a running
-- clock (queues sort and filter by it); `fired`: warnings and breaches already announced.
CREATE TABLE case_sla (
    case_id BIGINT PRIMARY KEY REFERENCES cases(id) ON DELETE CASCADE,
    policy_id BIGINT NOT NULL REFERENCES sla_policies(id) ON DELETE CASCADE,
    clocks TEXT NOT NULL,
    due_at TIMESTAMP,
    breached BOOLEAN NOT NULL DEFAULT FALSE,
    fired TEXT NOT NULL DEFAULT '[]',
    computed_at TIMESTAMP NOT NULL
);
CREATE INDEX case_sla_due ON case_sla (due_at) WHERE due_at IS NOT NULL;
CREATE INDEX case_sla_breached ON case_sla (case_id) WHERE breached;

-- Durable timers: a job runs once at or after `run_at`; a worker that was down runs what it
-- missed. `key` names what the job announces, so recomputing clocks never duplicates one.
CREATE TABLE jobs (
    id BIGSERIAL PRIMARY KEY,
    kind TEXT NOT NULL,
    case_id BIGINT REFERENCES cases(id) ON DELETE CASCADE,
    key TEXT NOT NULL,
    run_at TIMESTAMP NOT NULL,
    status TEXT NOT NULL DEFAULT 'pending',
    created_at TIMESTAMP NOT NULL,
    done_at TIMESTAMP
);
CREATE INDEX jobs_due ON jobs (run_at, id) WHERE status = 'pending';
CREATE INDEX jobs_case ON jobs (case_id) WHERE status = 'pending';
