-- 0006-requests-people: requests people can live with, and people's titles and addresses.
--  * requests.state gains 'withdrawn' (the applicant's 取下げ), distinct from 'expired' (期限切れ)
--    and 'cancelled' (取消し: the system's doing), and requests.closed_reason says why a request
--    was cancelled, as a code the pages put into words (applicant_retired, record_changed ...).
--    SQLite cannot change a CHECK constraint in place: the table is rebuilt with every row and
--    its indexes; request_approvers keeps pointing at it (foreign keys are checked at commit).
--  * request_approvers.acting_for: the role a deputy approved for (代決, MIN-2-2-2).
--  * users.title (職名, "税務課長": how a decision names its decider) and users.email (where
--    notifications go).
-- Only the door writes these tables (src/core/guard.c).
PRAGMA defer_foreign_keys = ON;

CREATE TABLE requests_new (
	id INTEGER PRIMARY KEY,
	action TEXT NOT NULL,               -- 'asset.copy'
	register TEXT NOT NULL,
	record_id INTEGER REFERENCES records(id), -- NULL when the action creates the record
	record_version INTEGER,             -- records.version when asked
	applicant INTEGER NOT NULL REFERENCES users(id),
	level TEXT, section TEXT, system TEXT, -- the record's (or the new record's) attributes
	fields TEXT NOT NULL DEFAULT '{}',  -- JSON: the values given with the action
	context TEXT NOT NULL DEFAULT '{}', -- JSON: the policy context (channel, device ...)
	comment TEXT,
	state TEXT NOT NULL DEFAULT 'pending'
		CHECK (state IN ('pending', 'approved', 'rejected', 'expired', 'cancelled',
		                 'withdrawn')),
	profile_sha256 TEXT NOT NULL,       -- the profile version that asked for approval
	clauses TEXT NOT NULL DEFAULT '[]', -- JSON array of clause ids
	created_ms INTEGER NOT NULL,
	expires_ms INTEGER NOT NULL,
	decided_ms INTEGER,                 -- approved, rejected, withdrawn, expired or cancelled
	decided_by INTEGER REFERENCES users(id), -- NULL when the system closed it
	decision_comment TEXT,              -- the decider's reason (required for a rejection)
	closed_reason TEXT                  -- why the system cancelled it: a code, see core/requests.h
) STRICT;
INSERT INTO requests_new(id, action, register, record_id, record_version, applicant, level,
	section, system, fields, context, comment, state, profile_sha256, clauses, created_ms,
	expires_ms, decided_ms, decided_by, decision_comment)
	SELECT id, action, register, record_id, record_version, applicant, level, section, system,
		fields, context, comment, state, profile_sha256, clauses, created_ms, expires_ms,
		decided_ms, decided_by, decision_comment FROM requests;
-- Requests cancelled before this migration were cancelled for one of the door's reasons; the
-- door's message in the act log says which.
UPDATE requests_new SET closed_reason = 'unknown' WHERE state = 'cancelled';
DROP TABLE requests;
ALTER TABLE requests_new RENAME TO requests;
CREATE INDEX requests_state ON requests(state, expires_ms);
CREATE INDEX requests_applicant ON requests(applicant);

ALTER TABLE request_approvers ADD COLUMN acting_for TEXT; -- role id the deputy stood in for

ALTER TABLE users ADD COLUMN title TEXT; -- 職名: '税務課長'; NULL when not given
ALTER TABLE users ADD COLUMN email TEXT; -- notifications; NULL: none are sent
