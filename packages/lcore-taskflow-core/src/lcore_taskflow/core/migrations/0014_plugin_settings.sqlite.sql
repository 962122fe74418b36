-- Round 3: settings changed at runtime from the plugins screen (SPEC §13).
-- One row per (plugin, key), the value as JSON.  taskflow_settings_version
-- is a single-row counter bumped with every change: each server reads it
-- (one indexed row) every APP_SETTINGS_REFRESH_SECONDS and reloads the rows
-- only when it moved.
-- (PostgreSQL: 0011_plugin_settings.postgresql.sql.)

CREATE TABLE plugin_settings (
    plugin     TEXT NOT NULL,
    key        TEXT NOT NULL,
    value      TEXT NOT NULL,
    updated_at REAL NOT NULL,
    updated_by INTEGER,
    PRIMARY KEY (plugin, key)
);

CREATE TABLE taskflow_settings_version (
    id      INTEGER PRIMARY KEY CHECK (id = 1),
    version INTEGER NOT NULL
);
INSERT INTO taskflow_settings_version (id, version) VALUES (1, 0);
