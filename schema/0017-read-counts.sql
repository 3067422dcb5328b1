-- 0017-read-counts: indexes for the counts and pages of what a person may read (core/read.h).
-- The registers page, the dashboard's cards and chart count records per register, section and
-- level: with every column in records_read_counts, a count never reads the table itself, and
-- the visible-set test (mamori_in_set on the rowid) needs nothing more. The level, section and
-- state orders of the lists (0005) now carry the other filtered columns too, as the id and
-- changed orders already do, so skipping to a later page of a filtered list reads only the
-- index and the table only for the rows shown. Only indexes.
CREATE INDEX records_read_counts ON records(register, section, level, state);
DROP INDEX web_records_list_level;
CREATE INDEX web_records_list_level ON records(register, level, id, section, state);
DROP INDEX web_records_list_section;
CREATE INDEX web_records_list_section ON records(register, section, id, level, state);
DROP INDEX web_records_list_state;
CREATE INDEX web_records_list_state ON records(register, state, id, level, section);
-- The dashboard's duties card looks for each duty's last evidence among the acts of its
-- action (core/duties.c): without an index on the action that reads every act ever made.
CREATE INDEX acts_action ON acts(action);
