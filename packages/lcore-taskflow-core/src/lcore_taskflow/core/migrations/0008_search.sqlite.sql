-- Round 3: full-text search (SPEC §11) on SQLite FTS5.  One row per document:
-- core's tasks (title + description), comments (body) and projects (name +
-- description), kept current by triggers in the transaction of the change;
-- plugins add text of their own through kernel.search (rows with negative
-- ids, see _search.py).  rowid = id * 4 + 1 (task), + 2 (comment), + 3
-- (project), so a trigger finds its row without a lookup.
-- unicode61 with remove_diacritics folds case and accents ("Café" = "cafe");
-- prefix indexes make "dep*" cheap.  (PostgreSQL: 0008_search.postgresql.sql.)

CREATE VIRTUAL TABLE search_index USING fts5(
    title, body,
    kind UNINDEXED, ref_id UNINDEXED, project_id UNINDEXED, task_id UNINDEXED,
    tokenize = 'unicode61 remove_diacritics 2', prefix = '2 3'
);

INSERT INTO search_index (rowid, title, body, kind, ref_id, project_id, task_id)
SELECT id * 4 + 1, title, description, 'task', id, project_id, id FROM tasks;
INSERT INTO search_index (rowid, title, body, kind, ref_id, project_id, task_id)
SELECT c.id * 4 + 2, '', c.body, 'comment', c.id, t.project_id, t.id
FROM comments c JOIN tasks t ON t.id = c.task_id;
INSERT INTO search_index (rowid, title, body, kind, ref_id, project_id, task_id)
SELECT id * 4 + 3, name, description, 'project', id, id, NULL FROM projects;

CREATE TRIGGER search_task_insert AFTER INSERT ON tasks BEGIN
    INSERT INTO search_index (rowid, title, body, kind, ref_id, project_id, task_id)
    VALUES (NEW.id * 4 + 1, NEW.title, NEW.description, 'task', NEW.id, NEW.project_id, NEW.id);
END;
CREATE TRIGGER search_task_update AFTER UPDATE OF title, description, project_id ON tasks BEGIN
    DELETE FROM search_index WHERE rowid = OLD.id * 4 + 1;
    INSERT INTO search_index (rowid, title, body, kind, ref_id, project_id, task_id)
    VALUES (NEW.id * 4 + 1, NEW.title, NEW.description, 'task', NEW.id, NEW.project_id, NEW.id);
END;
CREATE TRIGGER search_task_delete AFTER DELETE ON tasks BEGIN
    DELETE FROM search_index WHERE rowid = OLD.id * 4 + 1;
    DELETE FROM search_index WHERE rowid IN (
        SELECT -id FROM search_extra WHERE kind = 'task' AND ref_id = OLD.id);
    DELETE FROM search_extra WHERE kind = 'task' AND ref_id = OLD.id;
END;

CREATE TRIGGER search_comment_insert AFTER INSERT ON comments BEGIN
    INSERT INTO search_index (rowid, title, body, kind, ref_id, project_id, task_id)
    SELECT NEW.id * 4 + 2, '', NEW.body, 'comment', NEW.id, t.project_id, t.id
    FROM tasks t WHERE t.id = NEW.task_id;
END;
CREATE TRIGGER search_comment_delete AFTER DELETE ON comments BEGIN
    DELETE FROM search_index WHERE rowid = OLD.id * 4 + 2;
END;

CREATE TRIGGER search_project_insert AFTER INSERT ON projects BEGIN
    INSERT INTO search_index (rowid, title, body, kind, ref_id, project_id, task_id)
    VALUES (NEW.id * 4 + 3, NEW.name, NEW.description, 'project', NEW.id, NEW.id, NULL);
END;
CREATE TRIGGER search_project_update AFTER UPDATE OF name, description ON projects BEGIN
    DELETE FROM search_index WHERE rowid = OLD.id * 4 + 3;
    INSERT INTO search_index (rowid, title, body, kind, ref_id, project_id, task_id)
    VALUES (NEW.id * 4 + 3, NEW.name, NEW.description, 'project', NEW.id, NEW.id, NULL);
END;
CREATE TRIGGER search_project_delete AFTER DELETE ON projects BEGIN
    DELETE FROM search_index WHERE rowid = OLD.id * 4 + 3;
END;

-- Plugins' documents: which plugin said what about which task or project.
-- Their index rows have rowid = -id.
CREATE TABLE search_extra (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    source     TEXT NOT NULL,
    kind       TEXT NOT NULL,
    ref_id     INTEGER NOT NULL,
    created_at REAL NOT NULL,
    UNIQUE (source, kind, ref_id)
);
CREATE INDEX idx_search_extra_ref ON search_extra (kind, ref_id);
