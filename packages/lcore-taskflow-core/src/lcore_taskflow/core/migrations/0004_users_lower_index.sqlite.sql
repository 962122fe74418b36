-- Usernames and emails are compared as lower(column) = lower(?), the form
-- both engines share (SQLite's COLLATE NOCASE does not exist on PostgreSQL);
-- these indexes answer it.  The NOCASE unique constraints of 0001 stay.
CREATE INDEX idx_users_username_lower ON users (lower(username));
CREATE INDEX idx_users_email_lower ON users (lower(email));
