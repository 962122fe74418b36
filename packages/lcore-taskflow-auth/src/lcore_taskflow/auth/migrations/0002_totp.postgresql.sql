-- Two-factor sign-in (TOTP, RFC 6238).  `secret` is the shared base32 key
-- (needed to check codes, so not hashable); `last_step` is the time step of
-- the last accepted code, so a code works once.  Recovery codes are kept as
-- their SHA-256, each usable once.  (SQLite: 0002_totp.sqlite.sql.)

CREATE TABLE auth_totp (
    user_id      BIGINT PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    secret       TEXT NOT NULL,
    confirmed_at DOUBLE PRECISION,
    last_step    BIGINT NOT NULL DEFAULT 0,
    created_at   DOUBLE PRECISION NOT NULL
);

CREATE TABLE auth_recovery_codes (
    user_id    BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    code_hash  TEXT NOT NULL,
    used_at    DOUBLE PRECISION,
    created_at DOUBLE PRECISION NOT NULL,
    PRIMARY KEY (user_id, code_hash)
);
