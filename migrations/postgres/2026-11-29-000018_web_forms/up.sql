-- Public web forms: a website posts name, email, subject, text and files with the form's key;
-- each submission becomes a case (channel web_form).
CREATE TABLE web_forms (
    id BIGSERIAL PRIMARY KEY,
    form_key TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    allowed_origins TEXT NOT NULL DEFAULT '[]',
    team_id BIGINT REFERENCES teams(id) ON DELETE SET NULL,
    priority TEXT NOT NULL DEFAULT 'normal',
    active BOOLEAN NOT NULL DEFAULT TRUE,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
