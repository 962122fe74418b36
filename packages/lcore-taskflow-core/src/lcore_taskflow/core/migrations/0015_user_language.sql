-- A user's language (a BCP 47 code such as 'de'; NULL: the browser's
-- Accept-Language, else APP_DEFAULT_LANGUAGE), set with PATCH /api/users/me.
-- API error messages and the emails sent to the user follow it.
ALTER TABLE users ADD COLUMN language TEXT;
