-- Single sign-on with OpenID Connect. A sign-in in flight: its state, nonce and PKCE verifier
-- (kept in the database so the callback may reach any replica), then, after the provider's
-- answer, the user it signed in and the hash of the one-time code that hands the session to
-- the app.
CREATE TABLE sso_logins (
    state TEXT PRIMARY KEY,
    nonce TEXT NOT NULL,
    verifier TEXT NOT NULL,
    return_to TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    user_id BIGINT REFERENCES users (id) ON DELETE CASCADE,
    handoff_hash TEXT UNIQUE,
    signed_in_at TIMESTAMP,
    used_at TIMESTAMP
);
CREATE INDEX sso_logins_created ON sso_logins (created_at);
-- Which account a provider's subject is.
CREATE TABLE user_identities (
    issuer TEXT NOT NULL,
    subject TEXT NOT NULL,
    user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (issuer, subject)
);
CREATE INDEX user_identities_user ON user_identities (user_id);
