#!/bin/sh
# t0401: tampering with the ledger is caught by `ledger verify`, which names the place: changed
# entries, deleted entries, swapped rows, replaced checkpoints, a rolled-back copy checked
# against a later checkpoint, a forked history, a changed export.
. "$(dirname "$0")/lib.sh"

D="$TMP/d"
lines() { # lines FROM TO PREFIX
	i=$1
	while [ "$i" -le "$2" ]; do
		echo "$3 192.0.2.$((i % 250)) user$i GET /records/$i"
		i=$((i + 1))
	done
}
# sql DIR PYTHON: runs Python with `db` open on DIR/mamori.db (stdlib sqlite3: no Mamori code).
sql() {
	python3 -c "import sqlite3, sys
db = sqlite3.connect(sys.argv[1] + '/mamori.db')
$2
db.commit()" "$1"
}
# fresh NAME: a copy of the pristine data directory to tamper with
fresh() {
	rm -rf "$TMP/$1"
	cp -a "$D" "$TMP/$1"
}

expect "init" 0 "$MAMORI" --dir "$D" init
lines 1 300 a >"$TMP/a.log"
lines 301 600 b >"$TMP/b.log"
expect "import 300" 0 "$MAMORI" --dir "$D" log import --source proxy "$TMP/a.log"
expect "checkpoint at 300" 0 "$MAMORI" --dir "$D" ledger checkpoint
cp "$TMP/out" "$TMP/cp300"
cp -a "$D" "$TMP/copy300" # an auditor's earlier copy, or a backup an attacker restores
expect "import 300 more" 0 "$MAMORI" --dir "$D" log import --source proxy "$TMP/b.log"
expect "checkpoint at 600" 0 "$MAMORI" --dir "$D" ledger checkpoint
cp "$TMP/out" "$TMP/cp600"
expect "the pristine log verifies" 0 "$MAMORI" --dir "$D" ledger verify --checkpoint "$TMP/cp300" --checkpoint "$TMP/cp600"

# 1. an entry's bytes edited in the database
fresh t1
sql "$TMP/t1" "
data = bytearray(db.execute('SELECT data FROM ledger_bundle WHERE n = 0').fetchone()[0])
pos = 0
for i in range(5):
    pos += 2 + int.from_bytes(data[pos:pos + 2], 'big')
ln = int.from_bytes(data[pos:pos + 2], 'big')
data[pos + 2 + ln - 1] ^= 1
db.execute('UPDATE ledger_bundle SET data = ? WHERE n = 0', (bytes(data),))"
expect "edited entry: verify fails" 1 "$MAMORI" --dir "$TMP/t1" ledger verify
err_has "edited entry: names entry 5" "entry 5 does not match"
err_one_line "edited entry: one mamori: line"

# 1b. the entry edited and its leaf hash in the tile rewritten to match
fresh t1b
sql "$TMP/t1b" "
import hashlib
data = bytearray(db.execute('SELECT data FROM ledger_bundle WHERE n = 0').fetchone()[0])
pos = 0
for i in range(5):
    pos += 2 + int.from_bytes(data[pos:pos + 2], 'big')
ln = int.from_bytes(data[pos:pos + 2], 'big')
data[pos + 2 + ln - 1] ^= 1
db.execute('UPDATE ledger_bundle SET data = ? WHERE n = 0', (bytes(data),))
tile = bytearray(db.execute('SELECT hashes FROM ledger_tile WHERE id = 0').fetchone()[0])
tile[5 * 32:6 * 32] = hashlib.sha256(b'\x00' + bytes(data[pos + 2:pos + 2 + ln])).digest()
db.execute('UPDATE ledger_tile SET hashes = ? WHERE id = 0', (bytes(tile),))"
expect "entry and leaf hash edited: verify fails" 1 "$MAMORI" --dir "$TMP/t1b" ledger verify
err_has "entry and leaf hash edited: names the tile and entries" "tile 0/0: the stored hash over entries 4..5"

# 2. the last entries deleted (the partial bundle 2: its rows in ledger_tail)
fresh t2
sql "$TMP/t2" "db.execute('DELETE FROM ledger_tail WHERE idx >= 512')"
expect "deleted entries: verify fails" 1 "$MAMORI" --dir "$TMP/t2" ledger verify
err_has "deleted entries: names them" "entries 512..599 are missing"

# 2b. a careful attacker: entries deleted, and the head, tiles and checkpoints made to match
# the shorter log. Only a checkpoint kept elsewhere can tell.
fresh t2b
sql "$TMP/t2b" "
import hashlib
db.execute('DELETE FROM ledger_tail WHERE idx >= 512')
t1 = db.execute('SELECT hashes FROM ledger_tile WHERE id = ?', (1 << 56,)).fetchone()[0]
root = hashlib.sha256(b'\\x01' + t1[0:64]).digest()
db.execute('UPDATE ledger_head SET size = 512, root = ?, range = ?', (root, root))
db.execute('DELETE FROM ledger_checkpoint WHERE size > 512')"
expect "truncated with care: the log alone looks whole" 0 "$MAMORI" --dir "$TMP/t2b" ledger verify
expect "truncated with care: the auditor's checkpoint catches it" 1 "$MAMORI" --dir "$TMP/t2b" ledger verify --checkpoint "$TMP/cp600"
err_has "truncated with care: the given checkpoint is beyond the end" "the given checkpoint (size 600) is beyond the end of the log, which has 512 entries: entries 512..599 are missing"

# 3. two rows swapped
fresh t3
sql "$TMP/t3" "
a = db.execute('SELECT data FROM ledger_bundle WHERE n = 0').fetchone()[0]
b = db.execute('SELECT data FROM ledger_bundle WHERE n = 1').fetchone()[0]
db.execute('UPDATE ledger_bundle SET data = ? WHERE n = 0', (b,))
db.execute('UPDATE ledger_bundle SET data = ? WHERE n = 1', (a,))"
expect "swapped rows: verify fails" 1 "$MAMORI" --dir "$TMP/t3" ledger verify
err_has "swapped rows: names the first moved entry" "entry 0 does not match"

# 4. a stored checkpoint replaced: a broken signature, another size's note, another key
fresh t4
sql "$TMP/t4" "
n = db.execute('SELECT note FROM ledger_checkpoint WHERE size = 300').fetchone()[0]
i = n.rindex(' ') + 5
n = n[:i] + ('A' if n[i] != 'A' else 'B') + n[i + 1:]
db.execute('UPDATE ledger_checkpoint SET note = ? WHERE size = 300', (n,))"
expect "checkpoint with a broken signature: verify fails" 1 "$MAMORI" --dir "$TMP/t4" ledger verify
err_has "broken signature: names the checkpoint" "stored checkpoint 300"
fresh t4b
sql "$TMP/t4b" "
n = db.execute('SELECT note FROM ledger_checkpoint WHERE size = 600').fetchone()[0]
db.execute('UPDATE ledger_checkpoint SET note = ? WHERE size = 300', (n,))"
expect "checkpoint replaced by another size's: verify fails" 1 "$MAMORI" --dir "$TMP/t4b" ledger verify
err_has "replaced checkpoint: named" "stored checkpoint 300 is filed under size 300 but is for size 600"
expect "another Mamori" 0 "$MAMORI" --dir "$TMP/other" init
expect "another Mamori's log" 0 "$MAMORI" --dir "$TMP/other" log import --source proxy "$TMP/a.log"
expect "another Mamori's checkpoint" 0 "$MAMORI" --dir "$TMP/other" ledger checkpoint
cp "$TMP/out" "$TMP/other-cp300"
fresh t4c
python3 -c "import sqlite3, sys
db = sqlite3.connect(sys.argv[1] + '/mamori.db')
db.execute('UPDATE ledger_checkpoint SET note = ? WHERE size = 300', (open(sys.argv[2]).read(),))
db.commit()" "$TMP/t4c" "$TMP/other-cp300"
expect "checkpoint signed by another key: verify fails" 1 "$MAMORI" --dir "$TMP/t4c" ledger verify
err_has "foreign checkpoint: not trusted" "stored checkpoint 300: note is not signed by a trusted key"
expect "an auditor's checkpoint from another key is refused" 1 "$MAMORI" --dir "$D" ledger verify --checkpoint "$TMP/other-cp300"

# 5. a copy taken earlier (a restored backup) checked against a later checkpoint
expect "the earlier copy verifies on its own" 0 "$MAMORI" --dir "$TMP/copy300" ledger verify
expect "the earlier copy against the later checkpoint: fails" 1 "$MAMORI" --dir "$TMP/copy300" ledger verify --checkpoint "$TMP/cp600"
err_has "rolled back: names the checkpoint and the missing entries" "the given checkpoint (size 600) is beyond the end of the log, which has 300 entries: entries 300..599 are missing"
expect "the later log against the earlier checkpoint: consistent" 0 "$MAMORI" --dir "$D" ledger verify --checkpoint "$TMP/cp300"

# 6. a forked history: the copy grows differently and signs with the same key
lines 301 600 forged >"$TMP/forged.log"
expect "the copy grows a different history" 0 "$MAMORI" --dir "$TMP/copy300" log import --source proxy "$TMP/forged.log"
expect "the fork signs" 0 "$MAMORI" --dir "$TMP/copy300" ledger checkpoint
cp "$TMP/out" "$TMP/fork600"
expect "the real log against the fork's checkpoint: fails" 1 "$MAMORI" --dir "$D" ledger verify --checkpoint "$TMP/fork600"
err_has "fork: names the checkpoint and the entries" "the given checkpoint (size 600) does not match the entries: one of entries 300..599"

# 7. tiles and sealed payloads
fresh t7
sql "$TMP/t7" "db.execute('DELETE FROM ledger_tile WHERE id = 1')"
expect "a deleted tile: verify fails" 1 "$MAMORI" --dir "$TMP/t7" ledger verify
err_has "deleted tile: named" "tile 0/1 is missing"
fresh t7b
sql "$TMP/t7b" "
d = bytearray(db.execute('SELECT data FROM ledger_sealed WHERE n = 1').fetchone()[0])
d[-1] ^= 1
db.execute('UPDATE ledger_sealed SET data = ? WHERE n = 1', (bytes(d),))"
expect "a changed sealed payload: verify fails" 1 "$MAMORI" --dir "$TMP/t7b" ledger verify
err_has "changed payload: names the entry" "entry 511: its sealed payload does not match the seal"

# 8. a changed export
expect "export" 0 "$MAMORI" --dir "$D" ledger export "$TMP/x"
cp -a "$TMP/x" "$TMP/x1"
python3 -c "import sys
p = sys.argv[1] + '/tile/entries/001'
d = bytearray(open(p, 'rb').read())
d[40] ^= 1
open(p, 'wb').write(bytes(d))" "$TMP/x1"
expect "changed export: verify --offline fails" 1 "$MAMORI" ledger verify --offline "$TMP/x1"
err_has "changed export: names the entry" "entry 256 does not match"
expect "changed export: verify.py fails" 1 python3 "$TMP/x1/verify.py" "$TMP/x1"
cp -a "$TMP/x" "$TMP/x2"
rm "$TMP/x2/tile/entries/002.p/88"
expect "truncated export: verify --offline fails" 1 "$MAMORI" ledger verify --offline "$TMP/x2"
err_has "truncated export: names the entries" "entries 512..599 are missing"
cp -a "$TMP/x" "$TMP/x3"
cp "$TMP/cp300" "$TMP/x3/checkpoint"
expect "an export cut back to an older checkpoint: fails against the auditor's" 1 "$MAMORI" ledger verify --offline "$TMP/x3" --checkpoint "$TMP/cp600"
err_has "cut-back export: named" "is beyond the export's checkpoint"
done_testing
