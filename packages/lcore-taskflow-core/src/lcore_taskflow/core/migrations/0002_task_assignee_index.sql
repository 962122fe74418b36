-- The task list filtered by assignee walked every task of the project;
-- this index answers (project, assignee) directly, and its COUNT too.
CREATE INDEX idx_tasks_project_assignee ON tasks (project_id, assignee_id, id);
