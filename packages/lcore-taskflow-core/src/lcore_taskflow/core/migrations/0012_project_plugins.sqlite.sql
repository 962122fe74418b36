-- Round 3: project-scoped plugins (SPEC §13).  A row means the plugin is on in
-- the project; a plugin declared project_scoped is off where it has no row.
-- Rows go with their project.  (PostgreSQL: 0011_project_plugins.postgresql.sql.)

CREATE TABLE project_plugins (
    project_id INTEGER NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    plugin     TEXT NOT NULL,
    enabled_by INTEGER REFERENCES users (id) ON DELETE SET NULL,
    enabled_at REAL NOT NULL,
    PRIMARY KEY (project_id, plugin)
);
