-- 0002-core: the organization, the registers' records, approval requests and the door's
-- act log (src/core). Only the door (src/core/act*.c) writes these tables: an SQLite
-- authorizer and update hook installed by src/core/guard.c refuse any other writer, and
-- tests/unit/core/test-guard.c plus tests/cli/t0510-door-only.sh check it.
-- Times are milliseconds since the Unix epoch, UTC.

-- Every version of the ward's profile ever in force; the newest row is the one in force.
CREATE TABLE profiles (
	seq INTEGER PRIMARY KEY,            -- 1, 2, ...
	profile_id TEXT NOT NULL,           -- 'minato', 'shinjuku', or a ward's own id
	sha256 TEXT NOT NULL,               -- hex SHA-256 of content: the version decisions name
	name TEXT NOT NULL,                 -- the file name given to init or policy apply
	content BLOB NOT NULL,              -- the YAML exactly as applied
	applied_ms INTEGER NOT NULL,
	applied_by TEXT                     -- login of who applied it; NULL for init
) STRICT;

-- 課等 and 部: a section may belong to a parent (its 部).
CREATE TABLE sections (
	id TEXT PRIMARY KEY NOT NULL,       -- 'zeimu'
	name TEXT NOT NULL,                 -- '税務課'
	parent TEXT REFERENCES sections(id),
	created_ms INTEGER NOT NULL
) STRICT;

-- Information systems: the scope of system roles (system_manager@system:kokuho).
CREATE TABLE systems (
	id TEXT PRIMARY KEY NOT NULL,       -- 'kokuho'
	name TEXT NOT NULL,                 -- '国民健康保険システム'
	section TEXT NOT NULL REFERENCES sections(id), -- the 課等 that installs it
	created_ms INTEGER NOT NULL
) STRICT;

CREATE TABLE users (
	id INTEGER PRIMARY KEY,
	login TEXT NOT NULL UNIQUE,
	name TEXT NOT NULL,                 -- display name, '佐藤 花子'
	section TEXT REFERENCES sections(id),
	employment TEXT NOT NULL,           -- '職員', '非常勤職員', '受託事業者' ...
	status TEXT NOT NULL DEFAULT 'active'
		CHECK (status IN ('active', 'suspended', 'retired')),
	password_hash TEXT,                 -- Argon2id encoded string; NULL: cannot log in
	must_change INTEGER NOT NULL DEFAULT 0, -- 1: change the password at the next login
	created_ms INTEGER NOT NULL,
	changed_ms INTEGER NOT NULL
) STRICT;

-- role@scope held by a person from start_ms (inclusive) until end_ms (exclusive).
CREATE TABLE role_assignments (
	id INTEGER PRIMARY KEY,
	user_id INTEGER NOT NULL REFERENCES users(id),
	role TEXT NOT NULL,                 -- a role id of the profile, or 'mamori_admin'
	scope TEXT NOT NULL,                -- 'org', 'section:zeimu', 'system:kokuho'
	start_ms INTEGER NOT NULL,
	end_ms INTEGER,                     -- NULL: open-ended
	revoked_ms INTEGER,                 -- set by 'role revoke'; the row is kept as history
	created_ms INTEGER NOT NULL
) STRICT;
CREATE INDEX role_assignments_user ON role_assignments(user_id);
CREATE INDEX role_assignments_role ON role_assignments(role, scope);

-- One row of a register the profile declares.
CREATE TABLE records (
	id INTEGER PRIMARY KEY,
	register TEXT NOT NULL,             -- register id of the profile: 'asset', 'media' ...
	state TEXT NOT NULL,                -- lifecycle state id
	level TEXT,                         -- level id ('3', 'I'); NULL when the register has none
	section TEXT REFERENCES sections(id),
	system TEXT,
	fields TEXT NOT NULL DEFAULT '{}',  -- JSON object: field id -> value as text
	version INTEGER NOT NULL DEFAULT 1, -- +1 on every change; a request remembers it
	created_ms INTEGER NOT NULL,
	created_by INTEGER REFERENCES users(id),
	changed_ms INTEGER NOT NULL
) STRICT;
CREATE INDEX records_register ON records(register, state);

-- An action waiting for approval. Approving it runs the action through the door.
CREATE TABLE requests (
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
		CHECK (state IN ('pending', 'approved', 'rejected', 'expired', 'cancelled')),
	profile_sha256 TEXT NOT NULL,       -- the profile version that asked for approval
	clauses TEXT NOT NULL DEFAULT '[]', -- JSON array of clause ids
	created_ms INTEGER NOT NULL,
	expires_ms INTEGER NOT NULL,
	decided_ms INTEGER,
	decided_by INTEGER REFERENCES users(id),
	decision_comment TEXT
) STRICT;
CREATE INDEX requests_state ON requests(state, expires_ms);
CREATE INDEX requests_applicant ON requests(applicant);

-- Who must approve a request: every row must be approved by a different person, none of
-- them the applicant.
CREATE TABLE request_approvers (
	request_id INTEGER NOT NULL REFERENCES requests(id),
	seq INTEGER NOT NULL,               -- 0, 1, ... in the decision's order
	role TEXT NOT NULL,
	scope TEXT NOT NULL,
	routed_from TEXT,                   -- role@scope the profile's fallback replaced
	needs_exception INTEGER NOT NULL DEFAULT 0, -- applicant is the only holder: exception needed
	approved_by INTEGER REFERENCES users(id),
	approved_ms INTEGER,
	PRIMARY KEY (request_id, seq)
) STRICT;

-- One row per call of the door, whatever the outcome: the index into the ledger.
CREATE TABLE acts (
	id INTEGER PRIMARY KEY,
	at_ms INTEGER NOT NULL,
	actor INTEGER REFERENCES users(id), -- NULL: Mamori itself (init)
	kind TEXT NOT NULL,                 -- 'record.create', 'record.action', 'request.approve' ...
	action TEXT NOT NULL,               -- 'asset.copy', 'user.add', 'role.grant' ...
	record_id INTEGER,
	request_id INTEGER,
	target TEXT,                        -- what an organization act changed: 'user:sato' ...
	outcome TEXT NOT NULL CHECK (outcome IN ('done', 'pending', 'refused')),
	clauses TEXT NOT NULL DEFAULT '[]', -- JSON array of clause ids
	fields TEXT NOT NULL DEFAULT '{}',  -- JSON: the values the act recorded
	comment TEXT,
	message TEXT,                       -- what the actor was told
	via TEXT NOT NULL,                  -- 'cli', 'web', 'api', 'scheduler', 'init'
	os_user TEXT,                       -- the OS account, for acts from the CLI
	profile_sha256 TEXT NOT NULL,
	ledger_index INTEGER                -- the act's entry in the ledger
) STRICT;
CREATE INDEX acts_record ON acts(record_id);
CREATE INDEX acts_request ON acts(request_id);

-- Fulfilment of the profile's periodic duties.
CREATE TABLE duty_log (
	id INTEGER PRIMARY KEY,
	duty TEXT NOT NULL,                 -- duty id of the profile
	scope TEXT NOT NULL,                -- where it was owed: 'org', 'system:kokuho' ...
	done_ms INTEGER NOT NULL,
	done_by INTEGER NOT NULL REFERENCES users(id),
	evidence TEXT NOT NULL,             -- the text, or the file's name
	evidence_sha256 TEXT,               -- hex SHA-256 of the evidence file
	act_id INTEGER REFERENCES acts(id)
) STRICT;
CREATE INDEX duty_log_duty ON duty_log(duty, scope, done_ms);
