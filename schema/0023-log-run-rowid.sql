-- log_run as a rowid table. It was WITHOUT ROWID with each run's records (up to 4096 x 24
-- bytes) inline in the key's b-tree: SQLite compares an index b-tree's keys on the whole
-- record, so every insert read the overflow pages of each cell it compared (the follower read
-- ~280 bytes from the database per message it indexed). The key is now an index beside the
-- rows, and the records stay in the rows' overflow pages until a search reads them.
CREATE TABLE log_run_rows (
	id INTEGER PRIMARY KEY,
	host TEXT NOT NULL,             -- lowercased, as in log_block.hosts
	t_max INTEGER NOT NULL,         -- the latest of the messages' own times in the run
	block INTEGER NOT NULL,         -- log_block.id (its programs and users lists)
	t_min INTEGER NOT NULL,
	first_index INTEGER NOT NULL,   -- the block's first_index (records count from it)
	data BLOB NOT NULL              -- the host's records of the block, in ledger order
) STRICT;
INSERT INTO log_run_rows(host, t_max, block, t_min, first_index, data)
	SELECT host, t_max, block, t_min, first_index, data FROM log_run ORDER BY host, t_max, block;
DROP TABLE log_run;
ALTER TABLE log_run_rows RENAME TO log_run;
CREATE UNIQUE INDEX log_run_key ON log_run(host, t_max, block);
CREATE INDEX log_run_block ON log_run(block);
