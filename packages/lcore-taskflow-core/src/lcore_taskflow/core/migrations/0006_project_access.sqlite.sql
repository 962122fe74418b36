-- taskflow: rebuilds-tables
-- Round 3: who sees what.  Projects get a visibility and the role every
-- workspace member has in them; members (users or teams) get roles; teams;
-- share links; users.role gains 'guest'; a comment may come from a share
-- link (no user).  Existing projects stay workspace-visible with 'editor' for
-- members (the seed's behaviour), and each creator becomes the owner.
-- (PostgreSQL: 0006_project_access.postgresql.sql.)

-- users.role gains 'guest'.  SQLite cannot change a CHECK constraint, so the
-- table is rebuilt (foreign keys are off around this file, see _migrate.py);
-- AUTOINCREMENT's high-water mark is carried over so no id is reused.
CREATE TEMP TABLE users_seq AS SELECT seq FROM sqlite_sequence WHERE name = 'users';
CREATE TABLE users_new (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    username         TEXT NOT NULL UNIQUE COLLATE NOCASE,
    email            TEXT NOT NULL UNIQUE COLLATE NOCASE,
    password_hash    TEXT NOT NULL,
    role             TEXT NOT NULL DEFAULT 'member'
                     CHECK (role IN ('admin', 'member', 'guest')),
    avatar           TEXT,
    is_active        INTEGER NOT NULL DEFAULT 1,
    created_at       REAL NOT NULL,
    updated_at       REAL,
    token_generation INTEGER NOT NULL DEFAULT 0
);
INSERT INTO users_new (id, username, email, password_hash, role, avatar, is_active,
                       created_at, updated_at, token_generation)
SELECT id, username, email, password_hash, role, avatar, is_active, created_at, updated_at,
       token_generation FROM users;
DROP TABLE users;
ALTER TABLE users_new RENAME TO users;
UPDATE sqlite_sequence SET seq = (SELECT seq FROM temp.users_seq)
WHERE name = 'users' AND (SELECT seq FROM temp.users_seq) > seq;
DROP TABLE temp.users_seq;
CREATE INDEX idx_users_role ON users (role, id);
CREATE INDEX idx_users_username_lower ON users (lower(username));
CREATE INDEX idx_users_email_lower ON users (lower(email));

-- comments.user_id becomes nullable: a commenter share link has no user, its
-- comments carry the link's label in `author`.
CREATE TEMP TABLE comments_seq AS SELECT seq FROM sqlite_sequence WHERE name = 'comments';
CREATE TABLE comments_new (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    task_id    INTEGER NOT NULL REFERENCES tasks (id) ON DELETE CASCADE,
    user_id    INTEGER REFERENCES users (id),
    body       TEXT NOT NULL,
    created_at REAL NOT NULL,
    author     TEXT
);
INSERT INTO comments_new (id, task_id, user_id, body, created_at)
SELECT id, task_id, user_id, body, created_at FROM comments;
DROP TABLE comments;
ALTER TABLE comments_new RENAME TO comments;
UPDATE sqlite_sequence SET seq = (SELECT seq FROM temp.comments_seq)
WHERE name = 'comments' AND (SELECT seq FROM temp.comments_seq) > seq;
DROP TABLE temp.comments_seq;
CREATE INDEX idx_comments_task ON comments (task_id, id);
CREATE INDEX idx_comments_user ON comments (user_id);
CREATE TRIGGER comments_count_insert AFTER INSERT ON comments BEGIN
    UPDATE tasks SET comment_count = comment_count + 1 WHERE id = NEW.task_id;
END;
CREATE TRIGGER comments_count_delete AFTER DELETE ON comments BEGIN
    UPDATE tasks SET comment_count = comment_count - 1 WHERE id = OLD.task_id;
END;

ALTER TABLE projects ADD COLUMN visibility TEXT NOT NULL DEFAULT 'workspace'
    CHECK (visibility IN ('workspace', 'private'));
ALTER TABLE projects ADD COLUMN workspace_role TEXT NOT NULL DEFAULT 'editor'
    CHECK (workspace_role IN ('viewer', 'commenter', 'editor'));
CREATE INDEX idx_projects_visibility ON projects (visibility, id);

CREATE TABLE teams (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    name       TEXT NOT NULL,
    created_at REAL NOT NULL,
    updated_at REAL
);
CREATE UNIQUE INDEX idx_teams_name ON teams (lower(name));

CREATE TABLE team_members (
    team_id    INTEGER NOT NULL REFERENCES teams (id) ON DELETE CASCADE,
    user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at REAL NOT NULL,
    PRIMARY KEY (team_id, user_id)
) WITHOUT ROWID;
CREATE INDEX idx_team_members_user ON team_members (user_id, team_id);

CREATE TABLE project_members (
    project_id INTEGER NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    role       TEXT NOT NULL CHECK (role IN ('viewer', 'commenter', 'editor', 'owner')),
    created_at REAL NOT NULL,
    PRIMARY KEY (project_id, user_id)
) WITHOUT ROWID;
CREATE INDEX idx_project_members_user ON project_members (user_id, project_id);

CREATE TABLE project_teams (
    project_id INTEGER NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    team_id    INTEGER NOT NULL REFERENCES teams (id) ON DELETE CASCADE,
    role       TEXT NOT NULL CHECK (role IN ('viewer', 'commenter', 'editor', 'owner')),
    created_at REAL NOT NULL,
    PRIMARY KEY (project_id, team_id)
) WITHOUT ROWID;
CREATE INDEX idx_project_teams_team ON project_teams (team_id, project_id);

-- A share link's secret is kept as its SHA-256 (the link shows it once).
CREATE TABLE share_links (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    project_id INTEGER NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    token_hash TEXT NOT NULL UNIQUE,
    role       TEXT NOT NULL CHECK (role IN ('viewer', 'commenter')),
    label      TEXT NOT NULL DEFAULT '',
    expires_at REAL,
    created_by INTEGER REFERENCES users (id) ON DELETE SET NULL,
    created_at REAL NOT NULL
);
CREATE INDEX idx_share_links_project ON share_links (project_id, id);

INSERT INTO project_members (project_id, user_id, role, created_at)
SELECT id, owner_id, 'owner', created_at FROM projects;
