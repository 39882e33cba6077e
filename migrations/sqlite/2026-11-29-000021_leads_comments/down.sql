ALTER TABLE organizations DROP COLUMN from_lead_id;
ALTER TABLE contacts DROP COLUMN from_lead_id;
DROP TABLE comments;
DROP TABLE leads;
