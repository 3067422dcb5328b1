-- 0017-read-counts: an index for the counts of what a person may read (core/read.h): the
-- registers page, the dashboard's cards and chart count records per register, section and
-- level. With every column in the index, the count never reads the table itself, and the
-- visible-set test (mamori_in_set on the rowid) needs nothing more. Only an index.
CREATE INDEX records_read_counts ON records(register, section, level, state);
