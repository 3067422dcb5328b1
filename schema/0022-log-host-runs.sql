-- 0022-log-host-runs: the log index gains each block's messages grouped by host, so a search for
-- one host reads that host's records only, not every block of the time range (a block holds
-- up to 4096 messages of every host, and messages whose own times are scattered make every
-- block span the whole period). Derived data (src/ingest/logindex.c): the index is emptied
-- and the follower builds it again from the ledger (log_state.indexed = 0); the analysis
-- keeps its position.

-- One block's messages of one host: the same 20-byte records as log_block.data.
CREATE TABLE log_run (
	host TEXT NOT NULL,             -- lowercased, as in log_block.hosts
	t_max INTEGER NOT NULL,         -- the latest of the messages' own times in the run
	block INTEGER NOT NULL,         -- log_block.id (its programs and users lists)
	t_min INTEGER NOT NULL,
	first_index INTEGER NOT NULL,   -- the block's first_index (records count from it)
	data BLOB NOT NULL,
	PRIMARY KEY (host, t_max, block)
) STRICT, WITHOUT ROWID;

-- The widest run of each host (t_max - t_min): a search reads runs with t_max in
-- [since, until + span] only.
ALTER TABLE log_host ADD COLUMN run_span INTEGER NOT NULL DEFAULT 0;

DELETE FROM log_block;
DELETE FROM log_host;
UPDATE log_state SET indexed = 0;
