DROP INDEX cases_assignee_recent;
DROP INDEX cases_team_recent;
