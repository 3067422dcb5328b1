-- 0018-records-text: a trigram index over the text of every record's fields, so a search of
-- the record lists (core/records.c, three characters or more) looks up the records holding
-- the text instead of reading every record's fields. Kept by triggers on records (the door
-- is the only writer of records; these rows are derived from them and never written
-- otherwise). One row per record, rowid = records.id, its field values one per line.
CREATE VIRTUAL TABLE records_text USING fts5(text, tokenize = 'trigram', detail = 'none');

INSERT INTO records_text(rowid, text)
	SELECT id, (SELECT group_concat(value, char(10)) FROM json_each(records.fields)) FROM records;

CREATE TRIGGER records_text_insert AFTER INSERT ON records BEGIN
	INSERT INTO records_text(rowid, text)
		SELECT new.id, group_concat(value, char(10)) FROM json_each(new.fields);
END;

CREATE TRIGGER records_text_update AFTER UPDATE OF fields ON records
	WHEN old.fields IS NOT new.fields BEGIN
	DELETE FROM records_text WHERE rowid = old.id;
	INSERT INTO records_text(rowid, text)
		SELECT new.id, group_concat(value, char(10)) FROM json_each(new.fields);
END;

CREATE TRIGGER records_text_delete AFTER DELETE ON records BEGIN
	DELETE FROM records_text WHERE rowid = old.id;
END;
