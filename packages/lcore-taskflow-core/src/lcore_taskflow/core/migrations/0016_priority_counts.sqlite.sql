-- Tasks per priority in each project, maintained by the same triggers as the
-- status counts (0001), so the task list filtered by one priority answers its
-- total from the project's row: exact, and as cheap at 1M tasks as at 1k
-- (it was counted up to 1,001 rows; bench/RESULTS.md, issue 25).

ALTER TABLE projects ADD COLUMN low_count INTEGER NOT NULL DEFAULT 0;
ALTER TABLE projects ADD COLUMN medium_count INTEGER NOT NULL DEFAULT 0;
ALTER TABLE projects ADD COLUMN high_count INTEGER NOT NULL DEFAULT 0;

UPDATE projects SET
    low_count = (SELECT COUNT(*) FROM tasks t
                 WHERE t.project_id = projects.id AND t.priority = 'low'),
    medium_count = (SELECT COUNT(*) FROM tasks t
                    WHERE t.project_id = projects.id AND t.priority = 'medium'),
    high_count = (SELECT COUNT(*) FROM tasks t
                  WHERE t.project_id = projects.id AND t.priority = 'high');

DROP TRIGGER tasks_count_insert;
CREATE TRIGGER tasks_count_insert AFTER INSERT ON tasks BEGIN
    UPDATE projects SET
        task_count = task_count + 1,
        todo_count = todo_count + (NEW.status = 'todo'),
        in_progress_count = in_progress_count + (NEW.status = 'in_progress'),
        done_count = done_count + (NEW.status = 'done'),
        low_count = low_count + (NEW.priority = 'low'),
        medium_count = medium_count + (NEW.priority = 'medium'),
        high_count = high_count + (NEW.priority = 'high')
    WHERE id = NEW.project_id;
END;

DROP TRIGGER tasks_count_delete;
CREATE TRIGGER tasks_count_delete AFTER DELETE ON tasks BEGIN
    UPDATE projects SET
        task_count = task_count - 1,
        todo_count = todo_count - (OLD.status = 'todo'),
        in_progress_count = in_progress_count - (OLD.status = 'in_progress'),
        done_count = done_count - (OLD.status = 'done'),
        low_count = low_count - (OLD.priority = 'low'),
        medium_count = medium_count - (OLD.priority = 'medium'),
        high_count = high_count - (OLD.priority = 'high')
    WHERE id = OLD.project_id;
END;

DROP TRIGGER tasks_count_update;
CREATE TRIGGER tasks_count_update AFTER UPDATE OF status, priority, project_id ON tasks
WHEN OLD.status != NEW.status OR OLD.priority != NEW.priority
  OR OLD.project_id != NEW.project_id BEGIN
    UPDATE projects SET
        task_count = task_count - 1,
        todo_count = todo_count - (OLD.status = 'todo'),
        in_progress_count = in_progress_count - (OLD.status = 'in_progress'),
        done_count = done_count - (OLD.status = 'done'),
        low_count = low_count - (OLD.priority = 'low'),
        medium_count = medium_count - (OLD.priority = 'medium'),
        high_count = high_count - (OLD.priority = 'high')
    WHERE id = OLD.project_id;
    UPDATE projects SET
        task_count = task_count + 1,
        todo_count = todo_count + (NEW.status = 'todo'),
        in_progress_count = in_progress_count + (NEW.status = 'in_progress'),
        done_count = done_count + (NEW.status = 'done'),
        low_count = low_count + (NEW.priority = 'low'),
        medium_count = medium_count + (NEW.priority = 'medium'),
        high_count = high_count + (NEW.priority = 'high')
    WHERE id = NEW.project_id;
END;
