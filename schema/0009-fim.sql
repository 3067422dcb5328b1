-- 0009-fim: file integrity (src/core/fim*.c, docs/fim.md): the configurations under check,
-- their baseline generations and every check's report. Baseline files live in DIR/fim/ and
-- are signed; their SHA-256 is kept here and in the ledger (entries of kind 'integrity'), so
-- a baseline rewritten on disk no longer matches. Who accepted a change into a new generation
-- is decided and ledgered by the door (register 'fim' of the profile). Times are ms UTC.

-- One configuration on one host: the Mamori host's own ('local') or an agent's.
CREATE TABLE fim_configs (
	id INTEGER PRIMARY KEY,
	host TEXT NOT NULL,             -- 'local', or the agent's host name
	path TEXT NOT NULL,             -- the configuration file, absolute, as on that host
	system TEXT,                    -- the information system it protects (duty scope), or NULL
	generation INTEGER NOT NULL,    -- the generation in force (1, 2, ...)
	baseline_sha256 TEXT NOT NULL,  -- hex SHA-256 of that generation's file ('' while an agent
	                                -- has yet to report the file of an accepted generation)
	config_sha256 TEXT NOT NULL,    -- hex SHA-256 of the configuration it was made with
	entries INTEGER NOT NULL,       -- entries in the baseline
	ledger_index INTEGER NOT NULL,  -- the integrity entry that recorded the generation
	record_id INTEGER,              -- the profile's 'fim' record, once someone acted on it
	created_ms INTEGER NOT NULL,
	changed_ms INTEGER NOT NULL,
	UNIQUE (host, path)
) STRICT;

-- Every generation, kept as history (the files of the last two stay on disk).
CREATE TABLE fim_generations (
	config_id INTEGER NOT NULL REFERENCES fim_configs(id),
	generation INTEGER NOT NULL,
	sha256 TEXT NOT NULL,
	entries INTEGER NOT NULL,
	made_ms INTEGER NOT NULL,
	made_by TEXT,                   -- login under whose authority, or NULL (the first init)
	report_id INTEGER,              -- the report accepted into it, or NULL (init)
	ledger_index INTEGER NOT NULL,
	PRIMARY KEY (config_id, generation)
) STRICT;

-- One check: what it found against which generation.
CREATE TABLE fim_reports (
	id INTEGER PRIMARY KEY,
	config_id INTEGER NOT NULL REFERENCES fim_configs(id),
	generation INTEGER NOT NULL,    -- the baseline generation compared with
	at_ms INTEGER NOT NULL,
	by_login TEXT,                  -- --as, or the agent token's user; NULL otherwise
	via TEXT NOT NULL,              -- 'cli' or 'agent'
	outcome TEXT NOT NULL CHECK (outcome IN ('clean', 'changed', 'tampered')),
	added INTEGER NOT NULL,
	removed INTEGER NOT NULL,
	changed INTEGER NOT NULL,
	problems INTEGER NOT NULL,
	entries INTEGER NOT NULL,
	critical INTEGER NOT NULL,      -- 1: a file the configuration marks critical
	result_sha256 TEXT NOT NULL,    -- hex SHA-256 of report, as ledgered
	report TEXT NOT NULL,           -- the report JSON (fim check --json without "id")
	delta BLOB,                     -- the signed delta accepting it applies (local checks)
	ledger_index INTEGER NOT NULL,
	batch TEXT UNIQUE,              -- an agent's batch id: a batch sent twice is stored once
	accepted_generation INTEGER,    -- the generation it was accepted into
	accepted_by TEXT,
	accepted_ms INTEGER
) STRICT;
CREATE INDEX fim_reports_config ON fim_reports(config_id, id);
