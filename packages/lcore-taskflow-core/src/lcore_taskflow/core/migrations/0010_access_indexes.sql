-- Lists filtered by access (bench/access.py, bench/RESULTS.md "Round 3 — access"):
-- a member's overdue count and list walk the open tasks with a due date per
-- visible project instead of every overdue task of the workspace.
CREATE INDEX idx_tasks_project_open_due ON tasks (project_id, due_date)
WHERE status != 'done' AND due_date IS NOT NULL;
