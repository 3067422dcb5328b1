-- 0008-attachments: files kept with records, requests and duties (src/core/attach.h). The
-- bytes live in the data directory, DIR/attachments/ab/cdef…, named by their SHA-256; a row
-- here says who added which file to what, by which act (whose ledger entry names the SHA-256
-- and size). Only the door writes this table (src/core/guard.c); rows are never changed or
-- deleted: an attachment is part of the record's history.
CREATE TABLE attachments (
	id INTEGER PRIMARY KEY,
	owner TEXT NOT NULL,                -- 'record:12', 'request:5', 'duty:DUTY@SCOPE'
	sha256 TEXT NOT NULL,               -- lowercase hex SHA-256 of the file
	size INTEGER NOT NULL,              -- bytes
	name TEXT NOT NULL,                 -- the file name people gave: '持出し許可書.pdf'
	media_type TEXT NOT NULL,           -- as sniffed when added: 'application/pdf'
	act_id INTEGER NOT NULL REFERENCES acts(id), -- the act that added it
	added_ms INTEGER NOT NULL,
	added_by INTEGER REFERENCES users(id)        -- NULL: Mamori itself
) STRICT;
CREATE INDEX attachments_owner ON attachments(owner, id);
CREATE INDEX attachments_act ON attachments(act_id);
CREATE INDEX attachments_sha256 ON attachments(sha256);
