-- Invitations to the customer portal: a single-use link, mailed to the contact, with which the
-- portal user chooses a password. Only the SHA-256 of the token is kept.
CREATE TABLE portal_invitations (
    id BIGSERIAL PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users(id),
    token_hash TEXT NOT NULL UNIQUE,
    invited_by BIGINT REFERENCES users(id),
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    accepted_at TIMESTAMP,
    revoked_at TIMESTAMP
);
CREATE INDEX portal_invitations_user ON portal_invitations (user_id);
