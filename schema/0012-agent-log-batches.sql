-- 0012-agent-log-batches: log batches the agents sent with an Idempotency-Key (their batch id),
-- so that a batch sent again after a lost answer is taken once (POST /api/v1/logs, docs/api.md).
CREATE TABLE agent_log_batches (
	batch TEXT PRIMARY KEY NOT NULL, -- the Idempotency-Key: "<agent id>-<sequence number>"
	token_id INTEGER NOT NULL,       -- the API token that sent it
	received INTEGER NOT NULL,       -- lines received
	bad_lines INTEGER NOT NULL,
	received_ms INTEGER NOT NULL
) STRICT;
