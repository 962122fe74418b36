-- Core schema: the seed's users, projects, tasks and comments, plus the
-- activity feed.  Per-project task counts are maintained by triggers so that
-- the dashboard and unfiltered task lists never count the tasks table.

CREATE TABLE users (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    username      TEXT NOT NULL UNIQUE COLLATE NOCASE,
    email         TEXT NOT NULL UNIQUE COLLATE NOCASE,
    password_hash TEXT NOT NULL,
    role          TEXT NOT NULL DEFAULT 'member' CHECK (role IN ('admin', 'member')),
    avatar        TEXT,
    is_active     INTEGER NOT NULL DEFAULT 1,
    created_at    REAL NOT NULL,
    updated_at    REAL
);
CREATE INDEX idx_users_role ON users (role, id);

CREATE TABLE projects (
    id                INTEGER PRIMARY KEY AUTOINCREMENT,
    name              TEXT NOT NULL,
    description       TEXT NOT NULL DEFAULT '',
    owner_id          INTEGER NOT NULL REFERENCES users (id),
    status            TEXT NOT NULL DEFAULT 'active',
    task_count        INTEGER NOT NULL DEFAULT 0,
    todo_count        INTEGER NOT NULL DEFAULT 0,
    in_progress_count INTEGER NOT NULL DEFAULT 0,
    done_count        INTEGER NOT NULL DEFAULT 0,
    created_at        REAL NOT NULL,
    updated_at        REAL
);
CREATE INDEX idx_projects_owner ON projects (owner_id);
CREATE INDEX idx_projects_status ON projects (status, id);

CREATE TABLE tasks (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    title         TEXT NOT NULL,
    description   TEXT NOT NULL DEFAULT '',
    project_id    INTEGER NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    assignee_id   INTEGER REFERENCES users (id),
    creator_id    INTEGER NOT NULL REFERENCES users (id),
    status        TEXT NOT NULL DEFAULT 'todo' CHECK (status IN ('todo', 'in_progress', 'done')),
    priority      TEXT NOT NULL DEFAULT 'medium' CHECK (priority IN ('low', 'medium', 'high')),
    due_date      TEXT,
    attachment    TEXT,
    comment_count INTEGER NOT NULL DEFAULT 0,
    created_at    REAL NOT NULL,
    updated_at    REAL
);
CREATE INDEX idx_tasks_project ON tasks (project_id, id);
CREATE INDEX idx_tasks_project_status ON tasks (project_id, status, id);
CREATE INDEX idx_tasks_project_priority ON tasks (project_id, priority, id);
CREATE INDEX idx_tasks_assignee ON tasks (assignee_id, id);
CREATE INDEX idx_tasks_creator ON tasks (creator_id);
CREATE INDEX idx_tasks_open_due ON tasks (due_date) WHERE status != 'done' AND due_date IS NOT NULL;

CREATE TABLE comments (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    task_id    INTEGER NOT NULL REFERENCES tasks (id) ON DELETE CASCADE,
    user_id    INTEGER NOT NULL REFERENCES users (id),
    body       TEXT NOT NULL,
    created_at REAL NOT NULL
);
CREATE INDEX idx_comments_task ON comments (task_id, id);
CREATE INDEX idx_comments_user ON comments (user_id);

CREATE TABLE activity (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    type       TEXT NOT NULL,
    actor_id   INTEGER,
    actor      TEXT,
    project_id INTEGER,
    task_id    INTEGER,
    summary    TEXT NOT NULL,
    created_at REAL NOT NULL
);
CREATE INDEX idx_activity_created ON activity (created_at);

CREATE TRIGGER tasks_count_insert AFTER INSERT ON tasks BEGIN
    UPDATE projects SET
        task_count = task_count + 1,
        todo_count = todo_count + (NEW.status = 'todo'),
        in_progress_count = in_progress_count + (NEW.status = 'in_progress'),
        done_count = done_count + (NEW.status = 'done')
    WHERE id = NEW.project_id;
END;

CREATE TRIGGER tasks_count_delete AFTER DELETE ON tasks BEGIN
    UPDATE projects SET
        task_count = task_count - 1,
        todo_count = todo_count - (OLD.status = 'todo'),
        in_progress_count = in_progress_count - (OLD.status = 'in_progress'),
        done_count = done_count - (OLD.status = 'done')
    WHERE id = OLD.project_id;
END;

CREATE TRIGGER tasks_count_update AFTER UPDATE OF status, project_id ON tasks
WHEN OLD.status != NEW.status OR OLD.project_id != NEW.project_id BEGIN
    UPDATE projects SET
        task_count = task_count - 1,
        todo_count = todo_count - (OLD.status = 'todo'),
        in_progress_count = in_progress_count - (OLD.status = 'in_progress'),
        done_count = done_count - (OLD.status = 'done')
    WHERE id = OLD.project_id;
    UPDATE projects SET
        task_count = task_count + 1,
        todo_count = todo_count + (NEW.status = 'todo'),
        in_progress_count = in_progress_count + (NEW.status = 'in_progress'),
        done_count = done_count + (NEW.status = 'done')
    WHERE id = NEW.project_id;
END;

CREATE TRIGGER comments_count_insert AFTER INSERT ON comments BEGIN
    UPDATE tasks SET comment_count = comment_count + 1 WHERE id = NEW.task_id;
END;

CREATE TRIGGER comments_count_delete AFTER DELETE ON comments BEGIN
    UPDATE tasks SET comment_count = comment_count - 1 WHERE id = OLD.task_id;
END;
