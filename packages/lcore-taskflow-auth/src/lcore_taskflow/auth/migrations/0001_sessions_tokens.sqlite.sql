-- The auth package's own tables (namespace "auth").
-- Sessions: every sign-in (password, single sign-on), listed to its user;
-- ending one revokes its credential (core's revoked_credentials), so it
-- stops at once on every server.  `generation` is the user's token
-- generation when it began: a password change or deactivation moves the
-- user's on, and the older sessions are no longer listed (nor valid).
-- (PostgreSQL: 0001_sessions_tokens.postgresql.sql.)

CREATE TABLE auth_sessions (
    id           TEXT PRIMARY KEY,
    user_id      INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    generation   INTEGER NOT NULL,
    via          TEXT NOT NULL,
    client       TEXT NOT NULL DEFAULT '',
    address      TEXT,
    created_at   REAL NOT NULL,
    last_seen_at REAL NOT NULL,
    expires_at   REAL NOT NULL,
    ended_at     REAL
);
CREATE INDEX idx_auth_sessions_user ON auth_sessions (user_id, created_at);
CREATE INDEX idx_auth_sessions_expiry ON auth_sessions (expires_at);

-- Personal access tokens: the secret (tfp_...) is shown once and kept as its
-- SHA-256; scopes is a comma-separated subset of read,write,admin.
CREATE TABLE auth_tokens (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id      INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name         TEXT NOT NULL,
    token_hash   TEXT NOT NULL UNIQUE,
    scopes       TEXT NOT NULL,
    expires_at   REAL NOT NULL,
    last_used_at REAL,
    created_at   REAL NOT NULL
);
CREATE INDEX idx_auth_tokens_user ON auth_tokens (user_id, id);
