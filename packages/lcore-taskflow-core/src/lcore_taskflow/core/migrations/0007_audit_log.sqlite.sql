-- Round 3: the audit log (SPEC §10).  Append-only through the API; entries
-- older than APP_AUDIT_RETENTION_DAYS go with `taskflow audit prune`.
-- The activity feed gets an index per project: lists filtered by access
-- walk one project's entries instead of the whole feed.
-- (PostgreSQL: 0007_audit_log.postgresql.sql.)

CREATE TABLE audit_log (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    at         REAL NOT NULL,
    actor_id   INTEGER,
    actor      TEXT,
    action     TEXT NOT NULL,
    target     TEXT,
    address    TEXT,
    details    TEXT NOT NULL DEFAULT '{}',
    created_at REAL NOT NULL
);
CREATE INDEX idx_audit_log_at ON audit_log (at);
CREATE INDEX idx_audit_log_action ON audit_log (action, id);
CREATE INDEX idx_audit_log_actor ON audit_log (actor_id, id);

CREATE INDEX idx_activity_project ON activity (project_id, id);
