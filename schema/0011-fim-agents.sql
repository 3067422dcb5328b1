-- 0011-fim-agents: the file integrity agents (src/core/fim-agent.c, docs/fim.md): who sends
-- results, and every batch they sent, so that a batch sent twice is taken once.

-- The agents (mamori agent on the ward's servers): who they are and when they last reported.
-- An agent silent for longer than three of its intervals raises an alert (once per silence).
CREATE TABLE fim_agents (
	id TEXT PRIMARY KEY NOT NULL,   -- the agent's own id, kept in its state directory
	host TEXT NOT NULL,             -- its host name, as it reports it
	version TEXT NOT NULL,          -- Mamori's version it runs
	login TEXT NOT NULL,            -- whose API token it uses
	interval_s INTEGER NOT NULL,    -- how often it says it checks
	first_ms INTEGER NOT NULL,
	last_ms INTEGER NOT NULL,       -- last contact
	last_seq INTEGER NOT NULL,      -- the highest batch number received
	gaps INTEGER NOT NULL DEFAULT 0,-- batches it reported dropped, or that never arrived
	ledger_index INTEGER NOT NULL,  -- the integrity entry that registered it (fim.agent)
	silent_alert INTEGER            -- the alert of its current silence, or NULL
) STRICT;

-- Every batch an agent sent, by its id: a batch sent twice is taken once.
CREATE TABLE fim_batches (
	batch TEXT PRIMARY KEY NOT NULL, -- "<agent id>-<sequence number>"
	agent TEXT NOT NULL REFERENCES fim_agents(id),
	seq INTEGER NOT NULL,
	kind TEXT NOT NULL,             -- 'baseline', 'check', 'heartbeat'
	received_ms INTEGER NOT NULL,
	report_id INTEGER               -- the report it became (checks)
) STRICT;
