-- Two-factor sign-in (TOTP, RFC 6238).  `secret` is the shared base32 key
-- (needed to check codes, so not hashable); `last_step` is the time step of
-- the last accepted code, so a code works once.  Recovery codes are kept as
-- their SHA-256, each usable once.  (PostgreSQL: 0002_totp.postgresql.sql.)

CREATE TABLE auth_totp (
    user_id      INTEGER PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    secret       TEXT NOT NULL,
    confirmed_at REAL,
    last_step    INTEGER NOT NULL DEFAULT 0,
    created_at   REAL NOT NULL
);

CREATE TABLE auth_recovery_codes (
    user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    code_hash  TEXT NOT NULL,
    used_at    REAL,
    created_at REAL NOT NULL,
    PRIMARY KEY (user_id, code_hash)
);
