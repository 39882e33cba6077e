-- Merging CRM records: a merged record stays as a tombstone pointing at the record it was merged
-- into, so its old id still resolves. CSV imports run as jobs with progress and a report.
-- Files attached to knowledge-base articles.
ALTER TABLE organizations ADD COLUMN merged_into_id BIGINT REFERENCES organizations(id);
ALTER TABLE contacts ADD COLUMN merged_into_id BIGINT REFERENCES contacts(id);
ALTER TABLE leads ADD COLUMN merged_into_id BIGINT REFERENCES leads(id);
CREATE INDEX organizations_merged_into ON organizations (merged_into_id) WHERE merged_into_id IS NOT NULL;
CREATE INDEX contacts_merged_into ON contacts (merged_into_id) WHERE merged_into_id IS NOT NULL;
CREATE INDEX leads_merged_into ON leads (merged_into_id) WHERE merged_into_id IS NOT NULL;

CREATE TABLE crm_imports (
    id BIGSERIAL PRIMARY KEY,
    entity_type TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'queued',
    dry_run BOOLEAN NOT NULL,
    on_duplicate TEXT NOT NULL,
    -- JSON: the column mapping, separator and encoding in effect.
    options TEXT NOT NULL,
    filename TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    total_rows BIGINT NOT NULL DEFAULT 0,
    processed_rows BIGINT NOT NULL DEFAULT 0,
    created_count BIGINT NOT NULL DEFAULT 0,
    updated_count BIGINT NOT NULL DEFAULT 0,
    skipped_count BIGINT NOT NULL DEFAULT 0,
    failed_count BIGINT NOT NULL DEFAULT 0,
    -- JSON: the reported rows (errors and duplicates), at most a few thousand.
    report TEXT NOT NULL DEFAULT '[]',
    error TEXT,
    lease_until TIMESTAMP,
    created_by_id BIGINT REFERENCES users(id) ON DELETE SET NULL,
    created_at TIMESTAMP NOT NULL,
    started_at TIMESTAMP,
    finished_at TIMESTAMP
);
CREATE INDEX crm_imports_status ON crm_imports (status, id);

CREATE TABLE kb_attachments (
    id BIGSERIAL PRIMARY KEY,
    article_id BIGINT NOT NULL REFERENCES kb_articles(id) ON DELETE CASCADE,
    sha256 TEXT NOT NULL,
    size BIGINT NOT NULL,
    filename TEXT NOT NULL,
    content_type TEXT NOT NULL,
    uploaded_by_id BIGINT REFERENCES users(id) ON DELETE SET NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX kb_attachments_article ON kb_attachments (article_id, id);
CREATE INDEX kb_attachments_sha256 ON kb_attachments (sha256);
