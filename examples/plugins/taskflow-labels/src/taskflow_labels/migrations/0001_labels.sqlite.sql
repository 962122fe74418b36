-- Labels of a project and the labels of each task.  No foreign key points at
-- core's tables: the plugin keeps its rows consistent by listening to
-- task.deleted and project.deleted (and can be uninstalled without touching
-- core's schema).
CREATE TABLE labels (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    project_id INTEGER NOT NULL,
    name       TEXT NOT NULL COLLATE NOCASE,
    color      TEXT NOT NULL,
    created_at REAL NOT NULL,
    updated_at REAL,
    UNIQUE (project_id, name)
);

CREATE TABLE task_labels (
    task_id    INTEGER NOT NULL,
    label_id   INTEGER NOT NULL REFERENCES labels (id) ON DELETE CASCADE,
    created_at REAL NOT NULL,
    PRIMARY KEY (task_id, label_id)
);
-- The label filter and the cleanup look tasks up by label.
CREATE INDEX idx_task_labels_label ON task_labels (label_id, task_id);
