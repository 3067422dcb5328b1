-- 0014-totp: the second login factor (RFC 6238) for the roles DIR/mamori.conf names in
-- [totp] roles (issue 11, Identity). Times are ms UTC.

-- The credential, written only by the door (user.totp_enrol by the person, user.totp_reset by
-- an administrator). The secret is sealed with a key derived from DIR/web.secret, so a copy of
-- the database alone yields no codes.
CREATE TABLE user_totp (
	user_id INTEGER PRIMARY KEY REFERENCES users(id),
	secret BLOB NOT NULL,                   -- nonce || XSalsa20-Poly1305(20-byte secret)
	enrolled_ms INTEGER NOT NULL
) STRICT;

-- Ten single-use recovery codes per person, shown once at enrolment; only their SHA-256 is
-- kept (80 random bits each, so a fast hash is enough). Written by the door with user_totp.
CREATE TABLE user_recovery_codes (
	user_id INTEGER NOT NULL REFERENCES users(id),
	code_sha256 TEXT NOT NULL,              -- hex SHA-256 of the code (auth/totp.h)
	PRIMARY KEY (user_id, code_sha256)
) STRICT;

-- Login state, not credentials (the logins themselves are ledgered): the last accepted step,
-- so a code is never accepted twice, and the recovery codes used up.
CREATE TABLE totp_state (
	user_id INTEGER PRIMARY KEY REFERENCES users(id),
	last_step INTEGER NOT NULL              -- the last accepted 30 s step
) STRICT;
CREATE TABLE totp_recovery_used (
	user_id INTEGER NOT NULL REFERENCES users(id),
	code_sha256 TEXT NOT NULL,
	used_ms INTEGER NOT NULL,
	PRIMARY KEY (user_id, code_sha256)
) STRICT, WITHOUT ROWID;

-- A session is 'full' once every factor is given; 'totp' (a code is asked) or 'enrol' (the
-- authenticator is being set up) while only the password was: it opens nothing but
-- /login/totp and ends after 5 minutes. pending_secret: the sealed secret being enrolled.
ALTER TABLE web_sessions ADD COLUMN stage TEXT NOT NULL DEFAULT 'full';
ALTER TABLE web_sessions ADD COLUMN pending_secret BLOB;
