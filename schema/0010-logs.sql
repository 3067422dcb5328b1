-- 0010-logs: the search index of the collected logs (src/ingest/logindex.c). Derived data:
-- the messages themselves are the ledger's ingest entries and their sealed payloads; this is
-- rebuilt from them when missing (the follower starts again from log_state.indexed). Only
-- src/ingest writes these tables. Times are milliseconds since the Unix epoch, UTC.

-- A block of consecutive collected messages (up to 4096), with the hosts, programs and users
-- it names so a search reads only the blocks that can match.
CREATE TABLE log_block (
	id INTEGER PRIMARY KEY,
	first_index INTEGER NOT NULL,   -- ledger index of its first message
	last_index INTEGER NOT NULL,    -- ... and of its last
	n INTEGER NOT NULL,             -- messages in the block
	t_min INTEGER NOT NULL,         -- the messages' own times (received time when none)
	t_max INTEGER NOT NULL,
	r_max INTEGER NOT NULL,         -- the latest received time (retention goes by it)
	hosts TEXT NOT NULL,            -- distinct hosts, lowercased, each followed by LF, after an LF
	apps TEXT NOT NULL,             -- programs (APP-NAME, TAG), the same way
	users TEXT NOT NULL,            -- users the messages name, the same way
	data BLOB NOT NULL              -- one 24-byte record per message (logindex.c)
) STRICT;
CREATE INDEX log_block_time ON log_block(t_max, t_min);
CREATE INDEX log_block_received ON log_block(r_max);

-- How far the follower got: ledger entries below `indexed` are in log_block (or are not
-- collected messages); the analysis has seen entries below `analysed`.
CREATE TABLE log_state (
	id INTEGER PRIMARY KEY CHECK (id = 1),
	indexed INTEGER NOT NULL,
	analysed INTEGER NOT NULL,
	erased_before_ms INTEGER NOT NULL DEFAULT 0  -- retention: payloads received before are erased
) STRICT;
INSERT INTO log_state(id, indexed, analysed) VALUES (1, 0, 0);

-- Every host that has sent, and when it last did (the analysis's log-gap rule).
CREATE TABLE log_host (
	host TEXT PRIMARY KEY NOT NULL,
	first_ms INTEGER NOT NULL,      -- received times
	last_ms INTEGER NOT NULL,
	last_index INTEGER NOT NULL,    -- the ledger entry of its latest message
	messages INTEGER NOT NULL
) STRICT;

-- API tokens get a scope: 'api' (the JSON API with the user's rights, as before) or 'logs'
-- (only POST /api/v1/logs: a log shipper's token), or both separated by a space.
ALTER TABLE api_tokens ADD COLUMN scope TEXT NOT NULL DEFAULT 'api';
