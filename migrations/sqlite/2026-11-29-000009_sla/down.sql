DROP TABLE jobs;
DROP TABLE case_sla;
DROP TABLE sla_policies;
DROP TABLE calendars;
