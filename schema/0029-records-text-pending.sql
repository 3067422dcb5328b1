-- 0029-records-text-pending: the records' trigram index (0018, records_text) is brought up to
-- date once per batch of changed records instead of within each act. FTS5 writes a new segment
-- of its index at every savepoint after a change (each act of a door's batch is one) and again
-- at every commit, ~12 pages of log per commit whatever its size, and merges them again later:
-- a quarter of the door's CPU per record act and a quarter of its log (issue 17). Now a record
-- inserted or whose fields change only notes its id here; the door moves the noted records into
-- the index within a batch's transaction once at least 64 are noted (core/records-text.c), and
-- a search takes the noted records as candidates besides the index's (each candidate is tested
-- on its fields anyway, core/records-query.c), so it finds exactly what it found before. The
-- index may hold a noted record's former text: that only adds a candidate. Idempotent (a
-- migration test runs it again).
CREATE TABLE IF NOT EXISTS records_text_pending (
	id INTEGER PRIMARY KEY              -- records.id, its text not yet (or not newly) indexed
);

DROP TRIGGER IF EXISTS records_text_insert;
DROP TRIGGER IF EXISTS records_text_update;
DROP TRIGGER IF EXISTS records_text_delete;

CREATE TRIGGER records_text_insert AFTER INSERT ON records BEGIN
	INSERT OR IGNORE INTO records_text_pending(id) VALUES (new.id);
END;

CREATE TRIGGER records_text_update AFTER UPDATE OF fields ON records
	WHEN old.fields IS NOT new.fields BEGIN
	INSERT OR IGNORE INTO records_text_pending(id) VALUES (new.id);
END;

CREATE TRIGGER records_text_delete AFTER DELETE ON records BEGIN
	DELETE FROM records_text WHERE rowid = old.id;
	DELETE FROM records_text_pending WHERE id = old.id;
END;
