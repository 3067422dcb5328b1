-- 0029-records-text-pending, PostgreSQL's form: nothing changes. SQLite's FTS5 index wrote a
-- segment per act (schema/0029-records-text-pending.sql says why); PostgreSQL's records_text
-- (pg/0018) is a table whose GIN index gathers new entries in its own pending list.
COMMENT ON TABLE records_text IS 'the text of each record''s field values, for substring search (schema/pg/0018)';
