-- Open tasks per due date, maintained by triggers, so that the dashboard's
-- overdue total sums a row per day instead of counting every overdue task.

CREATE TABLE task_due_counts (
    due_date   TEXT PRIMARY KEY,
    open_count INTEGER NOT NULL DEFAULT 0
) WITHOUT ROWID;

INSERT INTO task_due_counts (due_date, open_count)
SELECT due_date, COUNT(*) FROM tasks
WHERE status != 'done' AND due_date IS NOT NULL GROUP BY due_date;

CREATE TRIGGER tasks_due_insert AFTER INSERT ON tasks
WHEN NEW.status != 'done' AND NEW.due_date IS NOT NULL BEGIN
    INSERT INTO task_due_counts (due_date, open_count) VALUES (NEW.due_date, 1)
    ON CONFLICT (due_date) DO UPDATE SET open_count = open_count + 1;
END;

CREATE TRIGGER tasks_due_delete AFTER DELETE ON tasks
WHEN OLD.status != 'done' AND OLD.due_date IS NOT NULL BEGIN
    UPDATE task_due_counts SET open_count = open_count - 1 WHERE due_date = OLD.due_date;
END;

CREATE TRIGGER tasks_due_update AFTER UPDATE OF status, due_date ON tasks
WHEN (OLD.status != 'done' AND OLD.due_date IS NOT NULL)
  OR (NEW.status != 'done' AND NEW.due_date IS NOT NULL) BEGIN
    UPDATE task_due_counts SET open_count = open_count - 1
    WHERE due_date = OLD.due_date AND OLD.status != 'done';
    INSERT INTO task_due_counts (due_date, open_count)
    SELECT NEW.due_date, 1 WHERE NEW.status != 'done' AND NEW.due_date IS NOT NULL
    ON CONFLICT (due_date) DO UPDATE SET open_count = open_count + 1;
END;
