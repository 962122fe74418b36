-- The notification hub (namespace "notify", issue 21): watchers, the in-app
-- inbox, per-user preferences and the daily digest's record.
--
-- inbox_items: one row per person told of something.  in_inbox says whether
-- it shows in their inbox, in_digest whether the next daily digest carries it
-- (digested_at once it did).  Read items older than APP_INBOX_RETENTION_DAYS
-- are pruned by the worker (and `taskflow notify prune`).
CREATE TABLE task_watchers (
    task_id    INTEGER NOT NULL REFERENCES tasks (id) ON DELETE CASCADE,
    user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at REAL NOT NULL,
    PRIMARY KEY (task_id, user_id)
);
CREATE INDEX idx_task_watchers_user ON task_watchers (user_id);

CREATE TABLE inbox_items (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id     INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    kind        TEXT NOT NULL,
    actor_id    INTEGER REFERENCES users (id) ON DELETE SET NULL,
    actor       TEXT,
    project_id  INTEGER REFERENCES projects (id) ON DELETE CASCADE,
    task_id     INTEGER REFERENCES tasks (id) ON DELETE CASCADE,
    title       TEXT NOT NULL,
    summary     TEXT,
    in_inbox    INTEGER NOT NULL DEFAULT 1,
    in_digest   INTEGER NOT NULL DEFAULT 0,
    created_at  REAL NOT NULL,
    read_at     REAL,
    digested_at REAL
);
CREATE INDEX idx_inbox_user ON inbox_items (user_id, id) WHERE in_inbox = 1;
CREATE INDEX idx_inbox_unread ON inbox_items (user_id) WHERE in_inbox = 1 AND read_at IS NULL;
CREATE INDEX idx_inbox_digest ON inbox_items (user_id)
    WHERE in_digest = 1 AND digested_at IS NULL;
CREATE INDEX idx_inbox_read ON inbox_items (read_at) WHERE read_at IS NOT NULL;

-- A user's choices that differ from the defaults, one row per kind and channel
-- (absent: the default), so the fan-out reads them in SQL for 200 watchers at once.
CREATE TABLE notification_prefs (
    user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    kind    TEXT NOT NULL,
    channel TEXT NOT NULL,
    enabled INTEGER NOT NULL,
    PRIMARY KEY (user_id, kind, channel)
);

-- A user's own chat (Apprise) URLs, a JSON list.
CREATE TABLE notification_settings (
    user_id      INTEGER PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    apprise_urls TEXT NOT NULL DEFAULT '[]',
    updated_at   REAL
);

-- One row per user and local day the digest was written for: the primary
-- key is what makes it "never twice" (two workers race for the insert; the
-- loser's transaction writes nothing).
CREATE TABLE digest_runs (
    user_id         INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    day             TEXT NOT NULL,
    notification_id INTEGER,
    items           INTEGER NOT NULL,
    created_at      REAL NOT NULL,
    PRIMARY KEY (user_id, day)
);

-- What a hub row is about (assigned, mentioned, ..., digest): the email
-- channel builds its List-Unsubscribe header from it; body_text is the plain
-- text part rendered from its own template.
ALTER TABLE notifications ADD COLUMN kind TEXT;
ALTER TABLE notifications ADD COLUMN body_text TEXT;
