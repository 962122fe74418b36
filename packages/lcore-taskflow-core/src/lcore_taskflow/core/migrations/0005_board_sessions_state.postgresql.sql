-- Round 2: board order, the change cursor of live updates, revocable sessions
-- and the kernel's own state.  (SQLite: 0005_board_sessions_state.sqlite.sql.)

-- Board order: positions 1..n within each (project, status) column.
ALTER TABLE tasks ADD COLUMN position INTEGER NOT NULL DEFAULT 0;
UPDATE tasks SET position = ranked.pos FROM (
    SELECT id, ROW_NUMBER() OVER (PARTITION BY project_id, status ORDER BY id) AS pos
    FROM tasks) AS ranked
WHERE ranked.id = tasks.id;
CREATE INDEX idx_tasks_column ON tasks (project_id, status, position);

-- Change cursor: every statement that writes tasks bumps each touched
-- project's change_seq once and stamps its tasks with it; a deletion leaves a
-- tombstone.  Statement-level triggers over transition tables, like the
-- counts of 0001 (one UPDATE per statement, not per row: bulk loads stay
-- fast).  The project row's lock orders the stamps: a writer gets its number
-- only after the previous writer of that project committed.
ALTER TABLE projects ADD COLUMN change_seq BIGINT NOT NULL DEFAULT 0;
ALTER TABLE projects ADD COLUMN tombstone_floor BIGINT NOT NULL DEFAULT 0;
ALTER TABLE tasks ADD COLUMN change_seq BIGINT NOT NULL DEFAULT 0;
CREATE INDEX idx_tasks_changes ON tasks (project_id, change_seq);

CREATE TABLE task_tombstones (
    project_id BIGINT NOT NULL,
    task_id    BIGINT NOT NULL,
    change_seq BIGINT NOT NULL,
    deleted_at DOUBLE PRECISION NOT NULL,
    PRIMARY KEY (project_id, task_id)
);
CREATE INDEX idx_task_tombstones_seq ON task_tombstones (project_id, change_seq);
CREATE INDEX idx_task_tombstones_deleted ON task_tombstones (deleted_at);

-- Transition tables cannot go with a column list, so the stamp's own UPDATE
-- would fire this again: a transaction-local flag stops that recursion (and
-- only that: a task update made by another trigger is still stamped).
CREATE FUNCTION tasks_change_stamp() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF current_setting('taskflow.stamping', true) = 'on' THEN
        RETURN NULL;
    END IF;
    PERFORM set_config('taskflow.stamping', 'on', true);
    WITH bumped AS (
        UPDATE projects p SET change_seq = p.change_seq + 1
        WHERE p.id IN (SELECT DISTINCT project_id FROM new_rows)
        RETURNING p.id, p.change_seq)
    UPDATE tasks t SET change_seq = b.change_seq
    FROM new_rows n JOIN bumped b ON b.id = n.project_id
    WHERE t.id = n.id;
    PERFORM set_config('taskflow.stamping', 'off', true);
    RETURN NULL;
END $$;

CREATE TRIGGER tasks_change_insert AFTER INSERT ON tasks
REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION tasks_change_stamp();
CREATE TRIGGER tasks_change_update AFTER UPDATE ON tasks
REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION tasks_change_stamp();

-- The update triggers of 0001 and 0003 joined old_rows to new_rows by id;
-- transition tables have no index, so a statement moving many tasks (a
-- column's positions shifting, the stamp above) cost rows x rows.  The same
-- sums, linear: +1 for each new row, -1 for each old one, grouped.  The
-- stamp changes neither counts nor due dates, so they skip it.
CREATE OR REPLACE FUNCTION tasks_count_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF current_setting('taskflow.stamping', true) = 'on' THEN
        RETURN NULL;
    END IF;
    UPDATE projects p SET
        task_count = p.task_count + d.total,
        todo_count = p.todo_count + d.todo,
        in_progress_count = p.in_progress_count + d.in_progress,
        done_count = p.done_count + d.done
    FROM (SELECT project_id, SUM(delta) AS total,
                 COALESCE(SUM(delta) FILTER (WHERE status = 'todo'), 0) AS todo,
                 COALESCE(SUM(delta) FILTER (WHERE status = 'in_progress'), 0) AS in_progress,
                 COALESCE(SUM(delta) FILTER (WHERE status = 'done'), 0) AS done
          FROM (SELECT project_id, status, 1 AS delta FROM new_rows
                UNION ALL
                SELECT project_id, status, -1 FROM old_rows) moved
          GROUP BY project_id) d
    WHERE p.id = d.project_id
      AND (d.total != 0 OR d.todo != 0 OR d.in_progress != 0 OR d.done != 0);
    RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION tasks_due_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF current_setting('taskflow.stamping', true) = 'on' THEN
        RETURN NULL;
    END IF;
    INSERT INTO task_due_counts AS c (due_date, open_count)
    SELECT due_date, SUM(delta) FROM (
        SELECT due_date, 1 AS delta FROM new_rows
        WHERE status != 'done' AND due_date IS NOT NULL
        UNION ALL
        SELECT due_date, -1 FROM old_rows
        WHERE status != 'done' AND due_date IS NOT NULL) changes
    GROUP BY due_date HAVING SUM(delta) != 0
    ON CONFLICT (due_date) DO UPDATE SET open_count = c.open_count + excluded.open_count;
    RETURN NULL;
END $$;

-- When the whole project goes (ON DELETE CASCADE) its row is already gone,
-- so no tombstones are written for it.
CREATE FUNCTION tasks_change_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    WITH bumped AS (
        UPDATE projects p SET change_seq = p.change_seq + 1
        WHERE p.id IN (SELECT DISTINCT project_id FROM old_rows)
        RETURNING p.id, p.change_seq)
    INSERT INTO task_tombstones (project_id, task_id, change_seq, deleted_at)
    SELECT o.project_id, o.id, b.change_seq, extract(epoch FROM clock_timestamp())
    FROM old_rows o JOIN bumped b ON b.id = o.project_id;
    RETURN NULL;
END $$;

CREATE TRIGGER tasks_change_delete AFTER DELETE ON tasks
REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION tasks_change_delete();

-- Sessions: a password change or deactivation bumps the generation (every
-- token issued before dies); a logout revokes one credential by its id.
ALTER TABLE users ADD COLUMN token_generation INTEGER NOT NULL DEFAULT 0;
CREATE TABLE revoked_credentials (
    credential_id TEXT PRIMARY KEY,
    user_id       BIGINT NOT NULL,
    expires_at    DOUBLE PRECISION NOT NULL,
    created_at    DOUBLE PRECISION NOT NULL
);
CREATE INDEX idx_revoked_credentials_expiry ON revoked_credentials (expires_at);

-- The kernel's own small facts (which demo accounts it seeded, ...).
CREATE TABLE taskflow_state (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
