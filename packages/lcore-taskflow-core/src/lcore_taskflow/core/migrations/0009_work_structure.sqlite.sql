-- Round 3: work structure (SPEC §11).  Checklists on tasks, with the task's
-- counts kept by triggers (a card shows "3/5" without a query of its own,
-- and the change stamps the task so boards update live); relations between
-- tasks; saved views.  (PostgreSQL: 0009_work_structure.postgresql.sql.)

ALTER TABLE tasks ADD COLUMN checklist_total INTEGER NOT NULL DEFAULT 0;
ALTER TABLE tasks ADD COLUMN checklist_done INTEGER NOT NULL DEFAULT 0;

CREATE TABLE checklist_items (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    task_id     INTEGER NOT NULL REFERENCES tasks (id) ON DELETE CASCADE,
    title       TEXT NOT NULL,
    done        INTEGER NOT NULL DEFAULT 0,
    position    INTEGER NOT NULL,
    assignee_id INTEGER REFERENCES users (id) ON DELETE SET NULL,
    created_at  REAL NOT NULL,
    updated_at  REAL
);
CREATE INDEX idx_checklist_items_task ON checklist_items (task_id, position);

-- updated_at is in each SET list so that 0005's change stamp fires.
CREATE TRIGGER checklist_count_insert AFTER INSERT ON checklist_items BEGIN
    UPDATE tasks SET checklist_total = checklist_total + 1,
        checklist_done = checklist_done + NEW.done, updated_at = updated_at
    WHERE id = NEW.task_id;
END;
CREATE TRIGGER checklist_count_delete AFTER DELETE ON checklist_items BEGIN
    UPDATE tasks SET checklist_total = checklist_total - 1,
        checklist_done = checklist_done - OLD.done, updated_at = updated_at
    WHERE id = OLD.task_id;
END;
CREATE TRIGGER checklist_count_update AFTER UPDATE OF done ON checklist_items
WHEN OLD.done != NEW.done BEGIN
    UPDATE tasks SET checklist_done = checklist_done + NEW.done - OLD.done,
        updated_at = updated_at
    WHERE id = NEW.task_id;
END;

-- "from_task <kind> to_task": blocks, relates, duplicates, parent (of).
CREATE TABLE task_relations (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    kind       TEXT NOT NULL CHECK (kind IN ('blocks', 'relates', 'duplicates', 'parent')),
    from_task  INTEGER NOT NULL REFERENCES tasks (id) ON DELETE CASCADE,
    to_task    INTEGER NOT NULL REFERENCES tasks (id) ON DELETE CASCADE,
    created_by INTEGER REFERENCES users (id) ON DELETE SET NULL,
    created_at REAL NOT NULL,
    UNIQUE (kind, from_task, to_task),
    CHECK (from_task != to_task)
);
CREATE INDEX idx_task_relations_to ON task_relations (to_task, kind);
CREATE INDEX idx_task_relations_from ON task_relations (from_task, kind);

CREATE TABLE saved_views (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    project_id INTEGER REFERENCES projects (id) ON DELETE CASCADE,
    name       TEXT NOT NULL,
    query      TEXT NOT NULL,
    shared     INTEGER NOT NULL DEFAULT 0,
    created_at REAL NOT NULL
);
CREATE INDEX idx_saved_views_user ON saved_views (user_id, id);
CREATE INDEX idx_saved_views_project ON saved_views (project_id, id);
