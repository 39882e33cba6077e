DROP INDEX cases_assignee_recent;
DROP INDEX cases_team_recent;
ALTER TABLE cases ALTER COLUMN number DROP DEFAULT;
