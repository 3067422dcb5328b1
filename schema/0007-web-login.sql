-- 0007-web-login: login throttling that cannot be turned into a weapon, and failed logins
-- counted here instead of one ledger entry each (issue 11, findings 5, 7, 8). Times are ms UTC.

-- Which logins failed from which client address: an address is locked when many DIFFERENT
-- logins fail from it (a spray), never by one person's typos behind a ward's proxy.
CREATE TABLE web_login_addr_fail (
	remote TEXT NOT NULL,
	login TEXT NOT NULL,                    -- the throttle key of the login (web/session.c)
	last_ms INTEGER NOT NULL,
	PRIMARY KEY (remote, login)
) STRICT, WITHOUT ROWID;

-- Logins that succeeded from an address: while that address is locked they may still try,
-- and their success lifts its lock (OWASP's "device cookie" idea, by address).
CREATE TABLE web_login_known (
	login TEXT NOT NULL,
	remote TEXT NOT NULL,
	last_ok_ms INTEGER NOT NULL,
	PRIMARY KEY (login, remote)
) STRICT, WITHOUT ROWID;

-- Unauthenticated failures are ledgered at most once a minute per login and per address; the
-- entry carries how many happened since the last one. Exact counts stay here.
CREATE TABLE web_audit_pending (
	key TEXT PRIMARY KEY NOT NULL,          -- 'L:' login key, 'A:' address
	pending INTEGER NOT NULL,               -- failures since the last ledger entry
	total INTEGER NOT NULL,                 -- failures ever counted here
	last_entry_ms INTEGER NOT NULL          -- when the last ledger entry was written
) STRICT;

-- Wrong current passwords typed in a session (POST /password): 5 end the session.
ALTER TABLE web_sessions ADD COLUMN password_failures INTEGER NOT NULL DEFAULT 0;
