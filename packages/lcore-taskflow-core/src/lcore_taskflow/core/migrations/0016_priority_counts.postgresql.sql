-- Tasks per priority in each project, maintained by the same statement-level
-- triggers as the status counts (0001, 0005), so the task list filtered by one
-- priority answers its total from the project's row: exact, and as cheap at 1M
-- tasks as at 1k (it was counted up to 1,001 rows; bench/RESULTS.md, issue 25).

ALTER TABLE projects ADD COLUMN low_count INTEGER NOT NULL DEFAULT 0;
ALTER TABLE projects ADD COLUMN medium_count INTEGER NOT NULL DEFAULT 0;
ALTER TABLE projects ADD COLUMN high_count INTEGER NOT NULL DEFAULT 0;

UPDATE projects p SET low_count = c.low, medium_count = c.medium, high_count = c.high
FROM (SELECT project_id,
             COUNT(*) FILTER (WHERE priority = 'low') AS low,
             COUNT(*) FILTER (WHERE priority = 'medium') AS medium,
             COUNT(*) FILTER (WHERE priority = 'high') AS high
      FROM tasks GROUP BY project_id) c
WHERE p.id = c.project_id;

CREATE OR REPLACE FUNCTION tasks_count_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE projects p SET
        task_count = p.task_count + d.total,
        todo_count = p.todo_count + d.todo,
        in_progress_count = p.in_progress_count + d.in_progress,
        done_count = p.done_count + d.done,
        low_count = p.low_count + d.low,
        medium_count = p.medium_count + d.medium,
        high_count = p.high_count + d.high
    FROM (SELECT project_id, COUNT(*) AS total,
                 COUNT(*) FILTER (WHERE status = 'todo') AS todo,
                 COUNT(*) FILTER (WHERE status = 'in_progress') AS in_progress,
                 COUNT(*) FILTER (WHERE status = 'done') AS done,
                 COUNT(*) FILTER (WHERE priority = 'low') AS low,
                 COUNT(*) FILTER (WHERE priority = 'medium') AS medium,
                 COUNT(*) FILTER (WHERE priority = 'high') AS high
          FROM new_rows GROUP BY project_id) d
    WHERE p.id = d.project_id;
    RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION tasks_count_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE projects p SET
        task_count = p.task_count - d.total,
        todo_count = p.todo_count - d.todo,
        in_progress_count = p.in_progress_count - d.in_progress,
        done_count = p.done_count - d.done,
        low_count = p.low_count - d.low,
        medium_count = p.medium_count - d.medium,
        high_count = p.high_count - d.high
    FROM (SELECT project_id, COUNT(*) AS total,
                 COUNT(*) FILTER (WHERE status = 'todo') AS todo,
                 COUNT(*) FILTER (WHERE status = 'in_progress') AS in_progress,
                 COUNT(*) FILTER (WHERE status = 'done') AS done,
                 COUNT(*) FILTER (WHERE priority = 'low') AS low,
                 COUNT(*) FILTER (WHERE priority = 'medium') AS medium,
                 COUNT(*) FILTER (WHERE priority = 'high') AS high
          FROM old_rows GROUP BY project_id) d
    WHERE p.id = d.project_id;
    RETURN NULL;
END $$;

-- 0005's linear form (+1 per new row, -1 per old one, grouped), with the
-- priorities; the change stamp moves neither, so it is skipped as before.
CREATE OR REPLACE FUNCTION tasks_count_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF current_setting('taskflow.stamping', true) = 'on' THEN
        RETURN NULL;
    END IF;
    UPDATE projects p SET
        task_count = p.task_count + d.total,
        todo_count = p.todo_count + d.todo,
        in_progress_count = p.in_progress_count + d.in_progress,
        done_count = p.done_count + d.done,
        low_count = p.low_count + d.low,
        medium_count = p.medium_count + d.medium,
        high_count = p.high_count + d.high
    FROM (SELECT project_id, SUM(delta) AS total,
                 COALESCE(SUM(delta) FILTER (WHERE status = 'todo'), 0) AS todo,
                 COALESCE(SUM(delta) FILTER (WHERE status = 'in_progress'), 0) AS in_progress,
                 COALESCE(SUM(delta) FILTER (WHERE status = 'done'), 0) AS done,
                 COALESCE(SUM(delta) FILTER (WHERE priority = 'low'), 0) AS low,
                 COALESCE(SUM(delta) FILTER (WHERE priority = 'medium'), 0) AS medium,
                 COALESCE(SUM(delta) FILTER (WHERE priority = 'high'), 0) AS high
          FROM (SELECT project_id, status, priority, 1 AS delta FROM new_rows
                UNION ALL
                SELECT project_id, status, priority, -1 FROM old_rows) moved
          GROUP BY project_id) d
    WHERE p.id = d.project_id
      AND (d.total != 0 OR d.todo != 0 OR d.in_progress != 0 OR d.done != 0
           OR d.low != 0 OR d.medium != 0 OR d.high != 0);
    RETURN NULL;
END $$;
