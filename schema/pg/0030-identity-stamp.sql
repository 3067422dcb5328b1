-- 0030-identity-stamp, PostgreSQL's form: nothing is added. On SQLite one row moved by triggers
-- lets `mamori serve` reuse an API token's identity (schema/0030-identity-stamp.sql). On
-- PostgreSQL concurrent writers would queue on that row (and could deadlock with a change of a
-- person's row taken in the other order), and PostgreSQL already reads the person with their
-- roles in one statement (core/org.c USER_WITH_ROLES_PG): the server reads the identity at
-- every API call there, as before.
COMMENT ON TABLE api_tokens IS 'API tokens: the hex SHA-256 of each, whose rights it carries, its scope; the door issues and revokes them';
