-- My tasks (GET /api/users/me/tasks) in its order, soonest due first and the
-- undated last: one page is a walk of this index, not a sort of every task of
-- the user in a temporary B-tree (20 ms at 1M tasks; bench/RESULTS.md, issue 25).
CREATE INDEX idx_tasks_assignee_due ON tasks (assignee_id, (due_date IS NULL), due_date, id);
