-- 0027-duty-log-acts, PostgreSQL's form (schema/0027-duty-log-acts.sql says what and why): the
-- same pairing; duty_log is a domain table, whose statement trigger (mamori_door_guard) lets
-- only a transaction that opened the door write it, so this migration's own transaction opens
-- it first (transaction-local, as the door does: store_hooks_door), under the writers' lock the
-- migrations hold. It writes only duty_log.act_id.
SELECT set_config('mamori.door', 'open', true);
WITH unlinked AS (
	SELECT id, 'duty:' || duty || '@' || scope AS target, done_by, done_ms,
	       ROW_NUMBER() OVER (PARTITION BY duty, scope, done_by ORDER BY id) AS k,
	       COUNT(*) OVER (PARTITION BY duty, scope, done_by) AS n
	FROM duty_log WHERE act_id IS NULL
), unnamed AS (
	SELECT a.id, a.target, a.actor, a.at_ms,
	       ROW_NUMBER() OVER (PARTITION BY a.target, a.actor ORDER BY a.id) AS k,
	       COUNT(*) OVER (PARTITION BY a.target, a.actor) AS n
	FROM acts a
	WHERE a.action = 'duty.done' AND a.outcome = 'done'
	  AND NOT EXISTS (SELECT 1 FROM duty_log l WHERE l.act_id = a.id)
), pairs AS (
	SELECT l.id AS log_id, a.id AS act_id
	FROM unlinked l JOIN unnamed a
	  ON a.target = l.target AND a.actor = l.done_by AND a.k = l.k AND a.n = l.n
	 AND l.done_ms <= a.at_ms
)
UPDATE duty_log SET act_id = (SELECT p.act_id FROM pairs p WHERE p.log_id = duty_log.id)
WHERE id IN (SELECT log_id FROM pairs);
