-- 0004-web: the web front end's own state (src/web): browser sessions, login throttling and
-- API tokens. No domain table is here; the tokens themselves are never stored, only their
-- SHA-256 (src/auth/token.h), so a copy of the database lets nobody in.
-- Times are milliseconds since the Unix epoch, UTC.

-- One logged-in browser. Ended by logout, expiry (idle or absolute) or the user's suspension.
CREATE TABLE web_sessions (
	token_sha256 TEXT PRIMARY KEY NOT NULL, -- hex SHA-256 of the cookie's token
	user_id INTEGER NOT NULL REFERENCES users(id),
	created_ms INTEGER NOT NULL,            -- login: the absolute timeout counts from here
	seen_ms INTEGER NOT NULL,               -- last request (refreshed at most once a minute)
	remote TEXT                             -- client address at login
) STRICT;
CREATE INDEX web_sessions_user ON web_sessions(user_id);

-- Failed logins per login name as typed (existing or not, so nobody learns which exist):
-- after WEB_LOCK_AFTER failures each further one doubles the wait (ASVS 6.3.1).
CREATE TABLE web_login_throttle (
	login TEXT PRIMARY KEY NOT NULL,
	failures INTEGER NOT NULL,              -- consecutive failures since the last success
	last_ms INTEGER NOT NULL,
	locked_until_ms INTEGER NOT NULL        -- no attempt is checked before this time
) STRICT;

-- API tokens for other systems, created by an administrator for one user, revocable.
CREATE TABLE api_tokens (
	id INTEGER PRIMARY KEY,
	user_id INTEGER NOT NULL REFERENCES users(id), -- whose rights the token carries
	label TEXT NOT NULL,                    -- what it is for: 'ファイルサーバ連携'
	token_sha256 TEXT NOT NULL UNIQUE,      -- hex SHA-256 of the token
	created_ms INTEGER NOT NULL,
	created_by INTEGER NOT NULL REFERENCES users(id),
	revoked_ms INTEGER,                     -- set by revocation; the row is kept as history
	revoked_by INTEGER REFERENCES users(id),
	last_used_ms INTEGER                    -- refreshed at most once a minute
) STRICT;
CREATE INDEX api_tokens_user ON api_tokens(user_id);
