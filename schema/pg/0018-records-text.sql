-- 0018-records-text, PostgreSQL's form (schema/0018-records-text.sql says why): the text of
-- every record's field values, one line per value, for substring search. SQLite keeps it in an
-- FTS5 trigram index; PostgreSQL in a table with a pg_trgm GIN index (pg_trgm is a trusted
-- extension: the database's owner may create it), kept up to date by triggers alike.
CREATE EXTENSION IF NOT EXISTS pg_trgm;

CREATE TABLE records_text (
	id BIGINT PRIMARY KEY,              -- records.id
	text TEXT NOT NULL
);
CREATE INDEX records_text_trgm ON records_text USING gin (text gin_trgm_ops);

CREATE FUNCTION records_text_of(fields TEXT) RETURNS TEXT LANGUAGE sql IMMUTABLE AS $$
	SELECT coalesce(string_agg(value, E'\n'), '') FROM jsonb_each_text(fields::jsonb)
$$;

INSERT INTO records_text(id, text) SELECT id, records_text_of(fields) FROM records;

CREATE FUNCTION records_text_sync() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	IF TG_OP = 'DELETE' THEN
		DELETE FROM records_text WHERE id = OLD.id;
		RETURN OLD;
	END IF;
	IF TG_OP = 'UPDATE' AND OLD.fields IS NOT DISTINCT FROM NEW.fields THEN
		RETURN NEW;
	END IF;
	INSERT INTO records_text(id, text) VALUES (NEW.id, records_text_of(NEW.fields))
		ON CONFLICT (id) DO UPDATE SET text = excluded.text;
	RETURN NEW;
END
$$;

CREATE TRIGGER records_text_insert AFTER INSERT ON records
	FOR EACH ROW EXECUTE FUNCTION records_text_sync();
CREATE TRIGGER records_text_update AFTER UPDATE OF fields ON records
	FOR EACH ROW EXECUTE FUNCTION records_text_sync();
CREATE TRIGGER records_text_delete AFTER DELETE ON records
	FOR EACH ROW EXECUTE FUNCTION records_text_sync();
