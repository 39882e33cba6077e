-- Rules triggered by time spent in a status: how long, in minutes.
ALTER TABLE workflow_rules ADD COLUMN after_minutes INTEGER;
