-- Failed sign-ins per account name (whether or not it exists), so a guesser
-- spread over many addresses is slowed down per account: past a few
-- failures each try waits longer, up to a cap.  A successful sign-in clears
-- the row.  One file for both engines.
CREATE TABLE auth_login_failures (
    account      TEXT PRIMARY KEY,
    failures     INTEGER NOT NULL,
    last_failure DOUBLE PRECISION NOT NULL,
    locked_until DOUBLE PRECISION NOT NULL DEFAULT 0
);
CREATE INDEX idx_auth_login_failures_last ON auth_login_failures (last_failure);
