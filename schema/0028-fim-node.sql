-- 0028-fim-node: which Mamori node's own files a configuration of the Mamori host ('local')
-- describes. On PostgreSQL several nodes serve one ward (docs/operations.md), each with its own
-- files: the same configuration path on two nodes is two configurations, each with its own
-- baseline. node is the node's name (mamori.conf [node] name, else its host name) for a
-- configuration made on PostgreSQL, and '' on SQLite (one machine) and for an agent's
-- configuration (host names the agent's host); a configuration made before this migration
-- keeps '' (docs/fim.md says how nodes treat it). The key becomes (host, node, path).
-- SQLite cannot change a UNIQUE constraint in place: the table is rebuilt with every row;
-- fim_generations and fim_reports keep pointing at it (foreign keys are checked at commit).
-- Only the door writes these tables (src/core/guard.c).
PRAGMA defer_foreign_keys = ON;

CREATE TABLE fim_configs_new (
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
	node TEXT NOT NULL DEFAULT '',  -- for 'local': the Mamori node whose files ('': see above)
	UNIQUE (host, node, path)
) STRICT;
INSERT INTO fim_configs_new(id, host, path, system, generation, baseline_sha256,
	config_sha256, entries, ledger_index, record_id, created_ms, changed_ms, node)
	SELECT id, host, path, system, generation, baseline_sha256, config_sha256, entries,
		ledger_index, record_id, created_ms, changed_ms, '' FROM fim_configs;
DROP TABLE fim_configs;
ALTER TABLE fim_configs_new RENAME TO fim_configs;
