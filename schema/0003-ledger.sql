-- 0003-ledger: the Merkle ledger (src/ledger, docs/ledger.md). Entries are grouped 256 to a
-- row and hashes 256 base nodes to a tile, so that a million appends are a few thousand rows
-- and a proof is a handful of reads. Only src/ledger writes these tables.

-- Entries [256 n, 256 n + 256): the C2SP tlog-tiles entry bundle format, each entry as a
-- big-endian 16-bit length and its bytes. The last bundle grows until it holds 256.
CREATE TABLE ledger_bundle (
	n INTEGER PRIMARY KEY,          -- bundle number
	data BLOB NOT NULL              -- concatenated entries
) STRICT;

-- Hash tiles of height 8. Tile (level L, number t) holds the perfect subtrees of heights
-- 8L .. 8L+7 over base nodes [256 t, 256 t + width) of height 8L, layer by layer: layer j
-- has width >> j hashes of height 8L + j (so a full tile is 256+128+...+2 = 510 hashes).
CREATE TABLE ledger_tile (
	id INTEGER PRIMARY KEY,         -- level << 56 | tile number
	width INTEGER NOT NULL CHECK (width BETWEEN 1 AND 256),
	hashes BLOB NOT NULL            -- 32-byte SHA-256 hashes, layer 0 first
) STRICT;

-- Sealed payloads: personal data kept beside the tree, not in it. An entry carries only
-- SHA-256("mamori-seal-v1" || 0x00 || salt || payload); erasing deletes salt and payload
-- here and leaves the entry, and so the tree, untouched.
CREATE TABLE ledger_sealed (
	n INTEGER PRIMARY KEY,          -- bundle number, as ledger_bundle
	data BLOB NOT NULL              -- records: u8 slot, u8 state, then salt, u32 length, payload
) STRICT;

-- The tree head after the last append: what the next append builds on.
CREATE TABLE ledger_head (
	id INTEGER PRIMARY KEY CHECK (id = 1),
	size INTEGER NOT NULL,          -- entries
	root BLOB NOT NULL,             -- RFC 6962 root of those entries
	range BLOB NOT NULL             -- right-edge perfect subtree hashes, largest first
) STRICT;

-- Signed checkpoints (C2SP signed-note + tlog-checkpoint), each signed only for a durably
-- committed tree consistent with the one before.
CREATE TABLE ledger_checkpoint (
	size INTEGER PRIMARY KEY,       -- tree size it commits to
	note TEXT NOT NULL,             -- the signed note, exactly as printed
	signed_ms INTEGER NOT NULL
) STRICT;

-- Verifier keys that have signed checkpoints here, oldest first (key rotation keeps them).
CREATE TABLE ledger_key (
	seq INTEGER PRIMARY KEY,
	vkey TEXT NOT NULL UNIQUE,      -- '<name>+<id>+<base64 key>'
	added_ms INTEGER NOT NULL
) STRICT;
