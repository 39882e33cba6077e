-- Leads (potential customers not yet an organization or contact), comments on CRM records, and
-- the "from lead" mark of records a conversion created.
CREATE SEQUENCE lead_numbers START 1;
CREATE TABLE leads (
    id BIGSERIAL PRIMARY KEY,
    number BIGINT NOT NULL UNIQUE DEFAULT nextval('lead_numbers'),
    first_name TEXT,
    last_name TEXT NOT NULL,
    organization_name TEXT,
    title TEXT,
    phones TEXT NOT NULL DEFAULT '[]',
    emails TEXT NOT NULL DEFAULT '[]',
    website TEXT,
    source TEXT,
    status TEXT NOT NULL DEFAULT 'new',
    rating TEXT,
    industry TEXT,
    annual_revenue BIGINT,
    employees INTEGER,
    social_profiles TEXT NOT NULL DEFAULT '[]',
    do_not_email BOOLEAN NOT NULL DEFAULT FALSE,
    address TEXT,
    description TEXT,
    owner_id BIGINT REFERENCES users(id) ON DELETE SET NULL,
    created_by_id BIGINT REFERENCES users(id) ON DELETE SET NULL,
    converted_organization_id BIGINT REFERENCES organizations(id) ON DELETE SET NULL,
    converted_contact_id BIGINT REFERENCES contacts(id) ON DELETE SET NULL,
    converted_case_id BIGINT REFERENCES cases(id) ON DELETE SET NULL,
    converted_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX leads_status ON leads (status, id);
CREATE INDEX leads_owner ON leads (owner_id, id);

CREATE TABLE comments (
    id BIGSERIAL PRIMARY KEY,
    entity_type TEXT NOT NULL,
    entity_id BIGINT NOT NULL,
    author_id BIGINT REFERENCES users(id) ON DELETE SET NULL,
    body TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX comments_entity ON comments (entity_type, entity_id, id);

ALTER TABLE organizations ADD COLUMN from_lead_id BIGINT REFERENCES leads(id) ON DELETE SET NULL;
ALTER TABLE contacts ADD COLUMN from_lead_id BIGINT REFERENCES leads(id) ON DELETE SET NULL;
