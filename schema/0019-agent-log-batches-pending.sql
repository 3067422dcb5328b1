-- 0019-agent-log-batches-pending: a log batch is noted before its lines are stored, so that a
-- batch resent after the server stopped half-way is completed, not stored twice
-- (POST /api/v1/logs, docs/api.md). A pending batch has done = 0: first_index is where the
-- ledger stood before its first line (its lines are found from there by their batch=KEY
-- header), boot the server run storing it now ('' once that run is over or gave up).
ALTER TABLE agent_log_batches ADD COLUMN done INTEGER NOT NULL DEFAULT 1;
ALTER TABLE agent_log_batches ADD COLUMN first_index INTEGER NOT NULL DEFAULT 0;
ALTER TABLE agent_log_batches ADD COLUMN boot TEXT NOT NULL DEFAULT '';
