-- 0027-duty-log-acts: each duty fulfilment recorded before the door linked it to its act
-- (duty_log.act_id, set by the door since issue 16's compliance links) is paired with the act
-- that recorded it, so the compliance report links every duty done or overdue to its ledger
-- entry. A fulfilment is written in the same transaction as its duty.done act, by the same
-- person, for the same duty and scope (acts.target 'duty:ID@SCOPE'): within one duty, scope
-- and person, the k-th fulfilment without a link belongs to the k-th duty.done act (outcome
-- done) no fulfilment names yet, both in the order they were written. A group is paired only
-- when both sides count alike, and a pair only when the fulfilment is not dated after its act
-- (--done-on is never a day to come); anything else stays without a link (the report says
-- 台帳の記録なし) rather than guess. Only links are written: no ledgered fact changes (the
-- ledger's entry of each act names its duty, scope and evidence), and a row already linked is
-- never touched, so the pairing can run again and finds nothing.
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
