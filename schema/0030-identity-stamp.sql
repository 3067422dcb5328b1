-- 0030-identity-stamp: a number that every change of users, role_assignments and api_tokens
-- moves, in the same transaction (issue 17). `mamori serve` keeps an API token's identity (its
-- person, their roles, the token's scope) per worker and uses it again only while this number
-- is what it was when the identity was read, read in the request's own snapshot: a revoked
-- token, a suspended person or a revoked role takes effect at the next request as before,
-- whichever process made the change (a CLI command while the server runs). Authenticating an
-- API call read four statements (token, person, roles, the roles' next change), ~13% of the
-- server's CPU per API act; now one. A transaction that rolls back moves nothing, and neither
-- does anything it did. Idempotent (a migration test runs it again).
CREATE TABLE IF NOT EXISTS identity_stamp (
	id INTEGER PRIMARY KEY CHECK (id = 1),
	n INTEGER NOT NULL                  -- moved by every change of the three tables
) STRICT;
INSERT OR IGNORE INTO identity_stamp(id, n) VALUES (1, 0);

DROP TRIGGER IF EXISTS identity_stamp_users_insert;
DROP TRIGGER IF EXISTS identity_stamp_users_update;
DROP TRIGGER IF EXISTS identity_stamp_users_delete;
DROP TRIGGER IF EXISTS identity_stamp_roles_insert;
DROP TRIGGER IF EXISTS identity_stamp_roles_update;
DROP TRIGGER IF EXISTS identity_stamp_roles_delete;
DROP TRIGGER IF EXISTS identity_stamp_tokens_insert;
DROP TRIGGER IF EXISTS identity_stamp_tokens_update;
DROP TRIGGER IF EXISTS identity_stamp_tokens_delete;

CREATE TRIGGER identity_stamp_users_insert AFTER INSERT ON users BEGIN
	UPDATE identity_stamp SET n = n + 1 WHERE id = 1;
END;
CREATE TRIGGER identity_stamp_users_update AFTER UPDATE ON users BEGIN
	UPDATE identity_stamp SET n = n + 1 WHERE id = 1;
END;
CREATE TRIGGER identity_stamp_users_delete AFTER DELETE ON users BEGIN
	UPDATE identity_stamp SET n = n + 1 WHERE id = 1;
END;
CREATE TRIGGER identity_stamp_roles_insert AFTER INSERT ON role_assignments BEGIN
	UPDATE identity_stamp SET n = n + 1 WHERE id = 1;
END;
CREATE TRIGGER identity_stamp_roles_update AFTER UPDATE ON role_assignments BEGIN
	UPDATE identity_stamp SET n = n + 1 WHERE id = 1;
END;
CREATE TRIGGER identity_stamp_roles_delete AFTER DELETE ON role_assignments BEGIN
	UPDATE identity_stamp SET n = n + 1 WHERE id = 1;
END;
CREATE TRIGGER identity_stamp_tokens_insert AFTER INSERT ON api_tokens BEGIN
	UPDATE identity_stamp SET n = n + 1 WHERE id = 1;
END;
CREATE TRIGGER identity_stamp_tokens_update AFTER UPDATE ON api_tokens BEGIN
	UPDATE identity_stamp SET n = n + 1 WHERE id = 1;
END;
CREATE TRIGGER identity_stamp_tokens_delete AFTER DELETE ON api_tokens BEGIN
	UPDATE identity_stamp SET n = n + 1 WHERE id = 1;
END;
