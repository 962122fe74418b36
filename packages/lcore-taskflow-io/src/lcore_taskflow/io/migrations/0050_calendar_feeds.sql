-- Calendar feeds (issue 22 part B; one file for both engines).  A feed is a
-- secret URL: only the SHA-256 of its token is kept, so a leaked database
-- gives no working URL.  scope is 'me' (the user's assigned tasks) or
-- 'project:<id>' (a project feed of an owner); one live feed per user and
-- scope, so a new one replaces the old.  No foreign key points at core's
-- tables: io's event listener drops the feeds of deleted users and projects.
CREATE TABLE io_calendar_feeds (
    token_hash TEXT PRIMARY KEY,
    user_id    BIGINT NOT NULL,
    project_id BIGINT,
    scope      TEXT NOT NULL,
    created_at DOUBLE PRECISION NOT NULL,
    UNIQUE (user_id, scope)
);
CREATE INDEX idx_io_calendar_feeds_project ON io_calendar_feeds (project_id);
