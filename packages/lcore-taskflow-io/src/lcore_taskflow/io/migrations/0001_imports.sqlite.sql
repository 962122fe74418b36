-- Import jobs: the uploaded file waits here until a worker takes the job under a
-- lease (lease_until); a job whose lease ran out (its worker died) is taken again.
-- No foreign key points at core's tables (users, projects): the plugin can be
-- uninstalled without touching core's schema.
CREATE TABLE io_imports (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id     INTEGER NOT NULL,
    source      TEXT NOT NULL,
    status      TEXT NOT NULL DEFAULT 'queued',
    filename    TEXT NOT NULL DEFAULT '',
    options     TEXT NOT NULL DEFAULT '{}',
    content     BLOB,
    size        INTEGER NOT NULL DEFAULT 0,
    project_id  INTEGER,
    counts      TEXT NOT NULL DEFAULT '{}',
    errors      TEXT NOT NULL DEFAULT '[]',
    attempts    INTEGER NOT NULL DEFAULT 0,
    lease_until REAL,
    created_at  REAL NOT NULL,
    started_at  REAL,
    finished_at REAL
);
-- The worker looks for queued jobs and running ones whose lease ran out.
CREATE INDEX idx_io_imports_status ON io_imports (status, lease_until);
CREATE INDEX idx_io_imports_user ON io_imports (user_id, id);
