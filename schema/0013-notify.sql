-- 0013-notify: what the e-mail digests have already told each person (src/core/notify.h).
-- One row per person and inbox item key (core/inbox.h: 'approve:12', 'decided:12:approved',
-- 'duty:ID@SCOPE:DUE', 'takeout:ACT', 'incident:ID:STATE'): a digest tells only keys without
-- a row, so one thing is told once, and again only when it changes (a new key). Written by
-- the notifier, not the door: it is a record of mail sent, not of the ward's information.
CREATE TABLE notify_sent (
	user_id INTEGER NOT NULL REFERENCES users(id),
	key TEXT NOT NULL,
	sent_ms INTEGER NOT NULL,
	PRIMARY KEY (user_id, key)
) STRICT, WITHOUT ROWID;
CREATE INDEX notify_sent_ms ON notify_sent(sent_ms);
