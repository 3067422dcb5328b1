-- 0028-fim-node, PostgreSQL's form (schema/0028-fim-node.sql says what and why): the column
-- added and the key changed in place (SQLite rebuilds the table). The constraint's name is
-- the one PostgreSQL gave 0009's UNIQUE (host, path).
-- Idempotent (a migration test runs it again).
ALTER TABLE fim_configs ADD COLUMN IF NOT EXISTS node TEXT NOT NULL DEFAULT '';
ALTER TABLE fim_configs DROP CONSTRAINT IF EXISTS fim_configs_host_path_key;
ALTER TABLE fim_configs DROP CONSTRAINT IF EXISTS fim_configs_host_node_path_key;
ALTER TABLE fim_configs ADD CONSTRAINT fim_configs_host_node_path_key UNIQUE (host, node, path);
