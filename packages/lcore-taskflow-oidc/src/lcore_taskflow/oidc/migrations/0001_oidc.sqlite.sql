-- Single sign-on (namespace "oidc").  PostgreSQL: 0001_oidc.postgresql.sql.
--
-- oidc_links: which TaskFlow user an identity of a provider is, by the
-- provider's issuer and its subject ("sub", stable for that provider), never
-- by email.  admin_granted says the admin role came from an admin group at
-- sign-in (and role_before_admin what it replaced), so leaving the group takes
-- back only a role that sign-in gave.  No foreign key on core's users table:
-- the plugin removes a deleted user's links on user.deleted, and a link to a
-- user that is gone anyway (deleted while the plugin was disabled) is dropped
-- when it is next used.
CREATE TABLE oidc_links (
    id                INTEGER PRIMARY KEY AUTOINCREMENT,
    issuer            TEXT NOT NULL,
    subject           TEXT NOT NULL,
    user_id           INTEGER NOT NULL,
    email             TEXT,
    admin_granted     INTEGER NOT NULL DEFAULT 0,
    role_before_admin TEXT,
    created_at        REAL NOT NULL,
    updated_at        REAL,
    last_login_at     REAL
);
CREATE UNIQUE INDEX idx_oidc_links_identity ON oidc_links (issuer, subject);
CREATE INDEX idx_oidc_links_user ON oidc_links (user_id);

-- oidc_flows: sign-ins under way, each used at most once and for
-- APP_OIDC_LOGIN_TTL seconds.  The state and the browser's secret (the
-- taskflow_oidc cookie) are stored as SHA-256 hex digests; the nonce and the
-- PKCE verifier never leave the server.
CREATE TABLE oidc_flows (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    state_hash    TEXT NOT NULL,
    browser_hash  TEXT NOT NULL,
    nonce         TEXT NOT NULL,
    code_verifier TEXT NOT NULL,
    redirect_uri  TEXT NOT NULL,
    created_at    REAL NOT NULL,
    expires_at    REAL NOT NULL
);
CREATE UNIQUE INDEX idx_oidc_flows_state ON oidc_flows (state_hash);
CREATE INDEX idx_oidc_flows_expires ON oidc_flows (expires_at);
