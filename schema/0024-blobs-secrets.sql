-- 0024-blobs-secrets: what every node of a ward needs, kept in the database (issue 18): the
-- bytes of attachments (content-addressed) and the server's secrets (the key of CSRF tokens).
-- A PostgreSQL store keeps them here (src/core/attach-store.c, src/core/secret.c); a SQLite
-- ward, one server on one machine, keeps them in its data directory as before
-- (DIR/attachments/, DIR/web.secret) and leaves these tables empty.

-- A stored file in parts of at most 1 MiB (a row or a bound value stays small whatever the
-- file's size). The blobs row is written after its parts: a file is there when its row is.
CREATE TABLE blob_parts (
	sha256 TEXT NOT NULL,           -- the whole file's SHA-256, lowercase hex
	part INTEGER NOT NULL CHECK (part >= 0),
	data BLOB NOT NULL,
	PRIMARY KEY (sha256, part)
) STRICT, WITHOUT ROWID;

CREATE TABLE blobs (
	sha256 TEXT PRIMARY KEY,
	size INTEGER NOT NULL CHECK (size > 0),
	parts INTEGER NOT NULL CHECK (parts > 0)
) STRICT, WITHOUT ROWID;

-- Random keys made by the first node that needs one ('web': the CSRF and sealing key).
CREATE TABLE secrets (
	name TEXT PRIMARY KEY,
	value BLOB NOT NULL
) STRICT, WITHOUT ROWID;
