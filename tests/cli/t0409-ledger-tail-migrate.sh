#!/bin/sh
# t0409: a ward whose ledger an older Mamori left with its last, partial bundle whole in
# ledger_bundle / ledger_sealed (and that bundle's partial level-0 tile stored) is moved to one
# row per append (migration ledger-tail, schema/0026) when this version opens it: the entries,
# their sealed payloads and the tree are unchanged, the stale tile is gone, and the ledger grows
# on across the next full bundle. Under run-pg.sh (pg-t0409) the same on PostgreSQL.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/core-lib.sh"
D="$TMP/minato"
is() { if [ "$2" = "$3" ]; then ok "$1"; else not_ok "$1"; diag "got '$2', want '$3'"; fi; }
# sql STATEMENT: runs it on the ward's database (SQLite, or the test's PostgreSQL database)
sql() {
	if [ -n "${MAMORI_TEST_PG_HOST:-}" ]; then
		db=$("$MAMORI_TEST_PG_BIN/psql" -X -At -h "$MAMORI_TEST_PG_HOST" -p 5432 -U postgres -d postgres \
			-c "SELECT datname FROM pg_database WHERE datname LIKE 'w\\_%'")
		"$MAMORI_TEST_PG_BIN/psql" -X -At -F '|' -v ON_ERROR_STOP=1 -h "$MAMORI_TEST_PG_HOST" \
			-p 5432 -U postgres -d "$db" -c "$1"
	else
		sqlite3 "$D/mamori.db" "$1"
	fi
}
# older: the ledger as a version before ledger-tail left it: the partial bundle's rows joined
# into one bundle and one sealed row, its level-0 tile stored (here: not even the right hashes),
# no ledger_tail table, and the migrations from ledger-tail on not yet run
older() {
	if [ -n "${MAMORI_TEST_PG_HOST:-}" ]; then
		sql "SELECT set_config('mamori.door', 'open', true);
		INSERT INTO ledger_bundle(n, data)
			SELECT min(idx) / 256, string_agg(data, ''::bytea ORDER BY idx) FROM ledger_tail;
		INSERT INTO ledger_sealed(n, data)
			SELECT min(idx) / 256, string_agg(sealed, ''::bytea ORDER BY idx) FROM ledger_tail
			HAVING count(sealed) > 0;
		INSERT INTO ledger_tile(id, width, hashes)
			SELECT size / 256, size % 256, decode(repeat('ab', 32), 'hex') FROM ledger_head;
		DROP TABLE ledger_tail;
		DELETE FROM schema_version
			WHERE version >= (SELECT version FROM schema_version WHERE name = 'ledger-tail');" \
			>/dev/null
	else
		python3 - "$D/mamori.db" <<'PY'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
rows = db.execute("SELECT idx, data, sealed FROM ledger_tail ORDER BY idx").fetchall()
n = rows[0][0] // 256
db.execute("INSERT INTO ledger_bundle(n, data) VALUES (?, ?)", (n, b"".join(r[1] for r in rows)))
sealed = b"".join(r[2] or b"" for r in rows)
if sealed:
    db.execute("INSERT INTO ledger_sealed(n, data) VALUES (?, ?)", (n, sealed))
db.execute("INSERT INTO ledger_tile(id, width, hashes) SELECT size / 256, size % 256, "
           "randomblob(32) FROM ledger_head")
db.execute("DROP TABLE ledger_tail")
db.execute("DELETE FROM schema_version WHERE version >= "
           "(SELECT version FROM schema_version WHERE name = 'ledger-tail')")
db.commit()
PY
	fi
}
# import FILE N FROM: N assets of 税務課, one import (one append of N entries)
import() {
	python3 - "$TMP/$1.csv" "$2" "$3" <<'PY'
import csv, sys
with open(sys.argv[1], "w", newline="", encoding="utf-8") as f:
    w = csv.writer(f)
    w.writerow(["title", "level", "section", "access_controlled"])
    for i in range(int(sys.argv[2])):
        w.writerow([f"文書 {int(sys.argv[3]) + i:04d}", "321"[i % 3], "zeimu", "true"])
PY
	expect "$2 assets imported" 0 "$MAMORI" --dir "$D" record import asset "$TMP/$1.csv" --as sato
}

expect "init --profile minato" 0 "$MAMORI" --dir "$D" init --profile minato
m section add zeimu --name 税務課 >/dev/null
m user add sato --name "佐藤 一郎" --section zeimu >/dev/null
import first 300 0
# a few appends of their own after the full bundle: the partial bundle is several rows
m section add kumin --name 区民課 >/dev/null
m record add asset --field title=個人情報台帳 --field level=2 --field section=zeimu --field access_controlled=true \
	--comment "個人の氏名を含む" --as sato >/dev/null
m section add kaikei --name 会計室 >/dev/null
SIZE=$(sql "SELECT size FROM ledger_head")
check "past a full bundle, mid-way through the next ($SIZE)" "[ $SIZE -gt 256 ] && [ $((SIZE % 256)) -gt 0 ]"
ROWS=$(sql "SELECT count(*) FROM ledger_tail")
check "the partial bundle is several rows ($ROWS)" "[ $ROWS -gt 1 ]"
SEALED=$(sql "SELECT count(*) FROM ledger_tail WHERE sealed IS NOT NULL")
check "some of them with sealed payloads ($SEALED)" "[ $SEALED -ge 1 ]"
LAST=$((SIZE - 2)) # the record's entry: its comment and fields are sealed
expect "the record's entry with its payload" 0 "$MAMORI" --dir "$D" ledger show "$LAST" --payload
BEFORE=$(cat "$TMP/out")
check "its payload is read ($(printf '%s' "$BEFORE" | grep -c 個人の氏名を含む))" \
	"grep -q 個人の氏名を含む '$TMP/out'"
expect "verify" 0 "$MAMORI" --dir "$D" ledger verify

older
is "as an older version left it: the partial bundle whole" \
	"$(sql "SELECT count(*) FROM ledger_bundle WHERE n = $SIZE / 256")" "1"
# a writing command opens the ward and migrates it
expect "this version opens the ward" 0 "$MAMORI" --dir "$D" section add soumu --name 総務課
is "the partial bundle is a row of the tail again, and the new append one more" \
	"$(sql "SELECT count(*) || ':' || min(idx) FROM ledger_tail")" "2:$((SIZE / 256 * 256))"
is "no bundle row for it" "$(sql "SELECT count(*) FROM ledger_bundle WHERE n = $SIZE / 256")" "0"
is "no sealed row for it" "$(sql "SELECT count(*) FROM ledger_sealed WHERE n = $SIZE / 256")" "0"
is "its stale level-0 tile is gone" "$(sql "SELECT count(*) FROM ledger_tile WHERE id = $SIZE / 256")" "0"
is "the migration is recorded" "$(sql "SELECT count(*) FROM schema_version WHERE name = 'ledger-tail'")" "1"
expect "verify after the migration" 0 "$MAMORI" --dir "$D" ledger verify
expect "the record's entry again" 0 "$MAMORI" --dir "$D" ledger show "$LAST" --payload
is "the same entry and payload" "$(cat "$TMP/out")" "$BEFORE"
# the next bundle fills: its tile is written whole, its rows leave the tail
import second 300 300
is "the tail holds only the new partial bundle" \
	"$(sql "SELECT count(*) FROM ledger_tail WHERE idx < (SELECT size / 256 * 256 FROM ledger_head)")" "0"
expect "verify across the filled bundle" 0 "$MAMORI" --dir "$D" ledger verify
expect "the record's entry, now in a full bundle" 0 "$MAMORI" --dir "$D" ledger show "$LAST" --payload
is "still the same" "$(cat "$TMP/out")" "$BEFORE"
done_testing
