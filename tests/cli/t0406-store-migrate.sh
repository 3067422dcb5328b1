#!/bin/sh
# t0406: mamori migrate moves a SQLite ward to PostgreSQL (issue 18 §2): every table copied in
# one transaction, the ledger re-verified on arrival with the same root, the node's files
# (ledger keys, mamori.conf) copied, the attachments' bytes and the web's key (web.secret) moved
# into the database (where every node finds them), the old directory left as it was;
# the new ward then works (acts through the door continue the ids and the ledger). Refusals:
# a database that is not empty, a new directory that exists, missing options, a PostgreSQL
# ward as the source.
. "$(dirname "$0")/lib.sh"
. "$MAMORI_SRCDIR/tests/lib/pg.sh"
pg_test_start 'pg_stop; rm -rf "$TMP"'
O="$TMP/old"
m() { "$MAMORI" --dir "$O" "$@"; }
m init --profile minato >/dev/null 2>&1
m section add zeimu --name 税務課 >/dev/null
m user add zeimu-kacho --name "池田 勝" --section zeimu >/dev/null
m user add zeimu-1 --name "橋本 聡" --section zeimu >/dev/null
m role grant zeimu-kacho security_officer@section:zeimu >/dev/null
m record add asset --as zeimu-1 --field title=固定資産税台帳 --field level=2 --field section=zeimu --field access_controlled=true >/dev/null
printf '点検表\n' >"$TMP/点検表.txt"
m duty done section-inspection --evidence 点検済み --as zeimu-kacho --attach "$TMP/点検表.txt" >/dev/null
m ledger checkpoint >/dev/null
# the key a server made at its first start (web/session.c)
head -c 32 /dev/urandom >"$O/web.secret"
chmod 600 "$O/web.secret"
m ledger verify >"$TMP/old-verify"
old_root=$(sed -n 's/.*root \([^ ]*\)$/\1/p' "$TMP/old-verify")
old_n=$(sed -n 's/^ok: \([0-9]*\) entries.*/\1/p' "$TMP/old-verify")
check "the old ward's ledger verifies" "[ -n '$old_root' ] && [ '$old_n' -gt 5 ]"
cp "$O/mamori.db" "$TMP/old.db.copy"

U=$(pg_createdb ward)
N="$TMP/new"
expect "migrate --from --to" 0 "$MAMORI" --dir "$N" migrate --from "$O" --to "$U"
out_has "says the ledger verifies on arrival" "the ledger verifies there ($old_n entries, the same root)"
out_has "counts the attachment" "1 attachment files"
check "the old directory is left as it was" "cmp -s '$O/mamori.db' '$TMP/old.db.copy'"
check "the new directory names the store (0600)" "grep -qF '[store]' '$N/mamori.conf' && [ \"\$(stat -c %a '$N/mamori.conf')\" = 600 ]"
check "has no SQLite file" "[ ! -e '$N/mamori.db' ]"
check "carries the ledger keys" "cmp -s '$O/ledger.key' '$N/ledger.key' && cmp -s '$O/ledger.pub' '$N/ledger.pub'"
check "but no web.secret and no attachments/ (they are in the database)" \
	"[ ! -e '$N/web.secret' ] && [ ! -e '$N/attachments' ]"
is_same() { if [ "$2" = "$3" ]; then ok "$1"; else not_ok "$1 (got '$3', want '$2')"; fi; }
is_same "the web's key moved into the database unchanged" \
	"$(od -An -tx1 "$O/web.secret" | tr -d ' \n')" \
	"$(pg_psql -d ward -Atc "SELECT encode(value, 'hex') FROM secrets WHERE name = 'web'")"
is_same "the attachment's bytes are in the database" "$(wc -c <"$TMP/点検表.txt" | tr -d ' ')" \
	"$(pg_psql -d ward -Atc "SELECT sum(length(data)) FROM blob_parts")"
expect "ledger verify on PostgreSQL" 0 "$MAMORI" --dir "$N" ledger verify
out_has "the same root" "root $old_root"
expect "doctor passes" 0 "$MAMORI" --dir "$N" doctor
out_has "on PostgreSQL" "PostgreSQL 15."
expect "the records arrived" 0 "$MAMORI" --dir "$N" record list asset --json
out_has "by title" "固定資産税台帳"
expect "the attachment arrived, readable" 0 "$MAMORI" --dir "$N" attach list \
	"duty:section-inspection@section:zeimu" --json
out_has "by name" "点検表.txt"
AID=$(sed -n 's/.*"id":\([0-9]*\).*/\1/p' "$TMP/out" | head -1)
expect "and its bytes are read back from the database" 0 "$MAMORI" --dir "$N" attach get "$AID" -o "$TMP/got.txt"
check "the same bytes" "cmp -s '$TMP/got.txt' '$TMP/点検表.txt'"
expect "an act through the door continues the ward" 0 "$MAMORI" --dir "$N" record add asset \
	--as zeimu-1 --field title=新しい台帳 --field level=1 --field section=zeimu --field access_controlled=true --json
out_has "as record 2 (the ids go on)" '"record":2'
expect "the ledger grows on PostgreSQL and verifies" 0 "$MAMORI" --dir "$N" ledger verify
check "one more entry" "grep -q '^ok: $((old_n + 1)) entries' '$TMP/out'"
run pg_psql -d ward -Atc "SELECT count(*) > 0 FROM records_text"
check "the search text is made again by PostgreSQL" "[ \"\$(cat '$TMP/out')\" = t ]"

expect "a database that holds a ward is refused" 1 "$MAMORI" --dir "$TMP/again" migrate --from "$O" --to "$U"
err_has "saying so" "already holds a Mamori ward"
err_one_line "in one line"
check "and no directory is left behind" "[ ! -e '$TMP/again' ]"
expect "an existing directory is refused" 1 "$MAMORI" --dir "$N" migrate --from "$O" --to "$(pg_createdb w2)"
err_has "saying a new one is needed" "give one that does not exist yet"
expect "a PostgreSQL ward as the source is refused" 1 "$MAMORI" --dir "$TMP/n3" migrate --from "$N" --to "$(pg_createdb w3)"
err_has "saying so" "keeps its data in PostgreSQL"
expect "--to without --from is a usage error" 2 "$MAMORI" --dir "$TMP/n4" migrate --to "$U"
expect "a URL with a password is refused" 2 "$MAMORI" --dir "$TMP/n5" migrate --from "$O" --to "postgresql://mamori:secret@/x"
done_testing
