-- Round 2: board order, the change cursor of live updates, revocable sessions
-- and the kernel's own state.  (PostgreSQL: 0005_board_sessions_state.postgresql.sql.)

-- Board order: positions 1..n within each (project, status) column.
ALTER TABLE tasks ADD COLUMN position INTEGER NOT NULL DEFAULT 0;
UPDATE tasks SET position = ranked.pos FROM (
    SELECT id, ROW_NUMBER() OVER (PARTITION BY project_id, status ORDER BY id) AS pos
    FROM tasks) AS ranked
WHERE ranked.id = tasks.id;
CREATE INDEX idx_tasks_column ON tasks (project_id, status, position);

-- Change cursor: every task write bumps its project's change_seq and stamps
-- the task with it; a deletion leaves a tombstone.  "What changed since N"
-- is then two indexed range reads.
ALTER TABLE projects ADD COLUMN change_seq INTEGER NOT NULL DEFAULT 0;
ALTER TABLE projects ADD COLUMN tombstone_floor INTEGER NOT NULL DEFAULT 0;
ALTER TABLE tasks ADD COLUMN change_seq INTEGER NOT NULL DEFAULT 0;
CREATE INDEX idx_tasks_changes ON tasks (project_id, change_seq);

CREATE TABLE task_tombstones (
    project_id INTEGER NOT NULL,
    task_id    INTEGER NOT NULL,
    change_seq INTEGER NOT NULL,
    deleted_at REAL NOT NULL,
    PRIMARY KEY (project_id, task_id)
);
CREATE INDEX idx_task_tombstones_seq ON task_tombstones (project_id, change_seq);
CREATE INDEX idx_task_tombstones_deleted ON task_tombstones (deleted_at);

CREATE TRIGGER tasks_change_insert AFTER INSERT ON tasks BEGIN
    UPDATE projects SET change_seq = change_seq + 1 WHERE id = NEW.project_id;
    UPDATE tasks SET change_seq = (SELECT change_seq FROM projects WHERE id = NEW.project_id)
    WHERE id = NEW.id;
END;

-- Every column but change_seq itself, so the stamp does not fire this trigger.
CREATE TRIGGER tasks_change_update AFTER UPDATE OF title, description, project_id,
    assignee_id, creator_id, status, priority, due_date, attachment, comment_count, position,
    updated_at ON tasks BEGIN
    UPDATE projects SET change_seq = change_seq + 1 WHERE id = NEW.project_id;
    UPDATE tasks SET change_seq = (SELECT change_seq FROM projects WHERE id = NEW.project_id)
    WHERE id = NEW.id;
END;

-- When the whole project goes (ON DELETE CASCADE) its row is already gone,
-- so no tombstones are written for it.
CREATE TRIGGER tasks_change_delete AFTER DELETE ON tasks BEGIN
    UPDATE projects SET change_seq = change_seq + 1 WHERE id = OLD.project_id;
    INSERT INTO task_tombstones (project_id, task_id, change_seq, deleted_at)
    SELECT id, OLD.id, change_seq, (julianday('now') - 2440587.5) * 86400.0
    FROM projects WHERE id = OLD.project_id;
END;

-- Sessions: a password change or deactivation bumps the generation (every
-- token issued before dies); a logout revokes one credential by its id.
ALTER TABLE users ADD COLUMN token_generation INTEGER NOT NULL DEFAULT 0;
CREATE TABLE revoked_credentials (
    credential_id TEXT PRIMARY KEY,
    user_id       INTEGER NOT NULL,
    expires_at    REAL NOT NULL,
    created_at    REAL NOT NULL
);
CREATE INDEX idx_revoked_credentials_expiry ON revoked_credentials (expires_at);

-- The kernel's own small facts (which demo accounts it seeded, ...).
CREATE TABLE taskflow_state (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
