ALTER TABLE workflow_rules DROP COLUMN after_minutes;
