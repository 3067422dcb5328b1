#!/bin/sh
# t0408: mamori backup of a PostgreSQL ward (issue 18): a logical export through the store into
# the same checked backup file a SQLite ward gets (one REPEATABLE READ snapshot of every table
# written into a SQLite file with Mamori's schema, the attachments' bytes carried, the manifest,
# the integrity check and the ledger verified against the checkpoint signed just before; the
# backup is an act in the ledger). mamori restore verifies it first and makes a SQLite ward,
# with the web's key as DIR/web.secret; mamori migrate takes that back to PostgreSQL with the
# same ledger root. A damaged backup is refused.
. "$(dirname "$0")/lib.sh"
. "$MAMORI_SRCDIR/tests/lib/pg.sh"
. "$MAMORI_SRCDIR/tests/http/lib-nodes.sh"
pg_test_start nodes_cleanup
W="$TMP/ward"
m() { "$MAMORI" --dir "$W" "$@"; }
same() { if [ "$2" = "$3" ]; then ok "$1"; else not_ok "$1 (got '$3', want '$2')"; fi; }
m init --store "$PG_URL" --profile minato >/dev/null 2>&1
m section add zeimu --name 税務課 >/dev/null
m user add sato --name 佐藤花子 --section zeimu >/dev/null
printf '点検表 %s\n' "$(date +%s)" >"$TMP/点検表.txt"
m record add asset --as sato --field title=固定資産税台帳 --field level=2 --field section=zeimu \
	--field access_controlled=true --attach "$TMP/点検表.txt" >/dev/null
# a server's first start makes the web's key in the database
node A "$W"
kill -TERM "$A_PID"
wait "$A_PID"
A_PID=
key=$(pg_psql -d mamori -Atc "SELECT encode(value, 'hex') FROM secrets WHERE name = 'web'")
check "the ward has its web key in the database" "[ \${#key} -eq 64 ]"

expect "backup of a PostgreSQL ward" 0 "$MAMORI" --dir "$W" backup "$TMP/b.db"
out_has "checked like a SQLite ward's" "integrity ok, ledger of"
out_has "against the checkpoint signed just before" "verifies against the live checkpoint"
out_has "carrying the attachment" "1 attachment files carried"
check "the backup file is private" "[ \"\$(stat -c %a '$TMP/b.db')\" = 600 ]"
expect "a backup never overwrites" 1 "$MAMORI" --dir "$W" backup "$TMP/b.db"
same "the backup is an act in the ledger" 1 \
	"$(pg_psql -d mamori -Atc "SELECT count(*) FROM acts WHERE action = 'backup.create' AND outcome = 'done' AND ledger_index IS NOT NULL")"
expect "the ward's ledger verifies after it" 0 "$MAMORI" --dir "$W" ledger verify

R="$TMP/restored"
expect "restore verifies it and makes a SQLite ward" 0 "$MAMORI" restore "$TMP/b.db" --dir "$R"
out_has "the ledger verifies" "verifies"
check "a SQLite database" "[ -s '$R/mamori.db' ] && ! grep -q '\[store\]' '$R/mamori.conf' 2>/dev/null"
same "with the web key as web.secret (sealed TOTP secrets still open)" "$key" \
	"$(od -An -tx1 "$R/web.secret" | tr -d ' \n')"
check "web.secret is private" "[ \"\$(stat -c %a '$R/web.secret')\" = 600 ]"
cp "$W/ledger.pub" "$R/"
expect "the restored ward's ledger verifies" 0 "$MAMORI" --dir "$R" ledger verify
out_has "with the attachment" "1 attachments (1 files) match"
expect "its records" 0 "$MAMORI" --dir "$R" record list asset --json
out_has "by title" "固定資産税台帳"
expect "the attachment's bytes" 0 "$MAMORI" --dir "$R" attach get 1 -o "$TMP/got.txt"
check "the same bytes" "cmp -s '$TMP/got.txt' '$TMP/点検表.txt'"

# back to PostgreSQL: the same ledger, the same key
U=$(pg_createdb again)
expect "migrate the restored ward back to PostgreSQL" 0 "$MAMORI" --dir "$TMP/again" migrate --from "$R" --to "$U"
out_has "the same root" "the same root"
same "the web key went back into the database" "$key" \
	"$(pg_psql -d again -Atc "SELECT encode(value, 'hex') FROM secrets WHERE name = 'web'")"

# a damaged backup is refused, and nothing is left behind
cp "$TMP/b.db" "$TMP/bad.db"
page=$(sqlite3 "$TMP/bad.db" "SELECT pageno FROM dbstat WHERE name = 'records' AND pagetype = 'leaf' ORDER BY payload DESC LIMIT 1")
psize=$(sqlite3 "$TMP/bad.db" "PRAGMA page_size")
printf 'XXXXXXXX' | dd of="$TMP/bad.db" bs=1 seek=$((page * psize - 100)) conv=notrunc 2>/dev/null
expect "a damaged backup is refused" 1 "$MAMORI" restore "$TMP/bad.db" --dir "$TMP/r2"
check "and nothing is left behind" "[ ! -e '$TMP/r2' ]"
done_testing
