DROP TABLE case_followers;
DROP INDEX cases_follow_up_of;
ALTER TABLE cases DROP COLUMN closed_at;
ALTER TABLE cases DROP COLUMN follow_up_of_id;
ALTER TABLE cases DROP COLUMN merged_into_id;
ALTER TABLE cases DROP COLUMN resolution;
