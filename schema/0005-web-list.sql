-- 0005-web-list: indexes for the web's register lists (src/web/ui-registers.c), so a page of
-- a register with tens of thousands of records is read in index order and stops after a page
-- instead of sorting the whole register. The id and changed orders also carry the columns
-- the list filters on (level, section, state), so skipping to a later page reads only the
-- index. Only indexes: no table changes.
CREATE INDEX web_records_list_id ON records(register, id, level, section, state);
CREATE INDEX web_records_list_changed ON records(register, changed_ms, id, level, section, state);
CREATE INDEX web_records_list_level ON records(register, level, id);
CREATE INDEX web_records_list_section ON records(register, section, id);
CREATE INDEX web_records_list_state ON records(register, state, id);
