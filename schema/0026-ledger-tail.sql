-- 0026-ledger-tail: the last, partial bundle of entries is kept as one row per append, so that a
-- commit writes only its own entries. Before, every commit rewrote the whole partial bundle and
-- its sealed payloads (up to 255 entries each, one blob of ~15 and ~24 overflow pages), so each
-- door commit wrote 60-80 pages of log whatever its size (issue 17). A bundle that fills is
-- written to ledger_bundle / ledger_sealed as before and its rows here are deleted in the same
-- transaction, so the full bundles' format is unchanged. Only src/ledger writes this table.
CREATE TABLE ledger_tail (
	idx INTEGER PRIMARY KEY,        -- index of the row's first entry
	data BLOB NOT NULL,             -- its entries, in the bundle format (u16 length + bytes)
	sealed BLOB                     -- their sealed records (slots within the bundle), or NULL
) STRICT;

-- A ward's partial bundle moves here.
INSERT INTO ledger_tail(idx, data, sealed)
	SELECT b.n * 256, b.data, s.data FROM ledger_bundle b
	LEFT JOIN ledger_sealed s ON s.n = b.n
	WHERE b.n = (SELECT size / 256 FROM ledger_head WHERE id = 1)
	AND (SELECT size % 256 FROM ledger_head WHERE id = 1) > 0;
DELETE FROM ledger_sealed WHERE n IN (SELECT idx / 256 FROM ledger_tail);
DELETE FROM ledger_bundle WHERE n IN (SELECT idx / 256 FROM ledger_tail);

-- The partial tile of level 0 is no longer stored either: it is made from those entries when
-- read (its hashes, up to 16 KiB, were rewritten by every commit too).
DELETE FROM ledger_tile WHERE id IN (SELECT idx / 256 FROM ledger_tail);
