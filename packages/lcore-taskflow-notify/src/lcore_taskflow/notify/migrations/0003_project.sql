-- A notification about a project remembers which, so the history holds only
-- what its reader may still see (SPEC §9): someone removed from a private
-- project no longer finds its tasks in their history.  Rows from before stay
-- unattached (NULL) and visible to their recipient, as they were.
ALTER TABLE notifications ADD COLUMN project_id BIGINT;
