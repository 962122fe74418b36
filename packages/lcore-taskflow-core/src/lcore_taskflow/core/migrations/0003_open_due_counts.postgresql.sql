-- Open tasks per due date, maintained by triggers, so that the dashboard's
-- overdue total sums a row per day instead of counting every overdue task.
-- Statement-level triggers over transition tables, as in 0001 (bulk loads).

CREATE TABLE task_due_counts (
    due_date   TEXT PRIMARY KEY,
    open_count INTEGER NOT NULL DEFAULT 0
);

INSERT INTO task_due_counts (due_date, open_count)
SELECT due_date, COUNT(*) FROM tasks
WHERE status != 'done' AND due_date IS NOT NULL GROUP BY due_date;

CREATE FUNCTION tasks_due_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO task_due_counts AS c (due_date, open_count)
    SELECT due_date, COUNT(*) FROM new_rows
    WHERE status != 'done' AND due_date IS NOT NULL GROUP BY due_date
    ON CONFLICT (due_date) DO UPDATE SET open_count = c.open_count + excluded.open_count;
    RETURN NULL;
END $$;
CREATE TRIGGER tasks_due_insert AFTER INSERT ON tasks
REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION tasks_due_insert();

CREATE FUNCTION tasks_due_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE task_due_counts c SET open_count = c.open_count - d.n
    FROM (SELECT due_date, COUNT(*) AS n FROM old_rows
          WHERE status != 'done' AND due_date IS NOT NULL GROUP BY due_date) d
    WHERE c.due_date = d.due_date;
    RETURN NULL;
END $$;
CREATE TRIGGER tasks_due_delete AFTER DELETE ON tasks
REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION tasks_due_delete();

-- -1 for each task that was open with a due date before the update, +1 for
-- each that is after it (only tasks whose status or due date changed).
CREATE FUNCTION tasks_due_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO task_due_counts AS c (due_date, open_count)
    SELECT due_date, SUM(delta) FROM (
        SELECT o.due_date, -1 AS delta
        FROM old_rows o JOIN new_rows n ON n.id = o.id
        WHERE o.status != 'done' AND o.due_date IS NOT NULL
          AND (o.status != n.status OR o.due_date IS DISTINCT FROM n.due_date)
        UNION ALL
        SELECT n.due_date, 1
        FROM old_rows o JOIN new_rows n ON n.id = o.id
        WHERE n.status != 'done' AND n.due_date IS NOT NULL
          AND (o.status != n.status OR o.due_date IS DISTINCT FROM n.due_date)
    ) changes
    GROUP BY due_date HAVING SUM(delta) != 0
    ON CONFLICT (due_date) DO UPDATE SET open_count = c.open_count + excluded.open_count;
    RETURN NULL;
END $$;
CREATE TRIGGER tasks_due_update AFTER UPDATE ON tasks
REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
FOR EACH STATEMENT EXECUTE FUNCTION tasks_due_update();
