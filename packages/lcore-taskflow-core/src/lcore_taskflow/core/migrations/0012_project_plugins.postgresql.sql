-- Round 3: project-scoped plugins (SPEC §13).  A row means the plugin is on in
-- the project; a plugin declared project_scoped is off where it has no row.
-- Rows go with their project.  (SQLite: 0011_project_plugins.sqlite.sql.)

CREATE TABLE project_plugins (
    project_id BIGINT NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    plugin     TEXT NOT NULL,
    enabled_by BIGINT REFERENCES users (id) ON DELETE SET NULL,
    enabled_at DOUBLE PRECISION NOT NULL,
    PRIMARY KEY (project_id, plugin)
);
