-- 0006-requests-people, PostgreSQL's form (schema/0006-requests-people.sql says why): SQLite
-- rebuilds requests to change its CHECK constraint; PostgreSQL changes the constraint in place.
ALTER TABLE requests DROP CONSTRAINT requests_state_check;
ALTER TABLE requests ADD CONSTRAINT requests_state_check
	CHECK (state IN ('pending', 'approved', 'rejected', 'expired', 'cancelled', 'withdrawn'));
ALTER TABLE requests ADD COLUMN closed_reason TEXT; -- why the system cancelled it: a code
UPDATE requests SET closed_reason = 'unknown' WHERE state = 'cancelled';

ALTER TABLE request_approvers ADD COLUMN acting_for TEXT; -- role id the deputy stood in for

ALTER TABLE users ADD COLUMN title TEXT; -- 職名: '税務課長'; NULL when not given
ALTER TABLE users ADD COLUMN email TEXT; -- notifications; NULL: none are sent
