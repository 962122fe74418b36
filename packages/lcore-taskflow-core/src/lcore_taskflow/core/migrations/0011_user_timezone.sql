-- A user's time zone (an IANA name such as 'Europe/Berlin'; NULL: UTC), set with
-- PATCH /api/users/me.  Notify sends the daily digest in the morning of that zone.
ALTER TABLE users ADD COLUMN timezone TEXT;
