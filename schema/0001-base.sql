-- 0001-base: the bookkeeping every Mamori database has.
-- schema_version itself is created by the store before the first migration runs.
CREATE TABLE meta (
	key TEXT PRIMARY KEY NOT NULL,   -- e.g. 'created_at', 'instance_uuid'
	value TEXT NOT NULL
) STRICT;
