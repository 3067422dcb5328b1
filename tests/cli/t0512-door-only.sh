#!/bin/sh
# t0512: nothing but the door writes the domain tables. Statically: no SQL that inserts,
# updates or deletes a domain table appears outside src/core/act*.c. At run time the SQLite
# guard of every door (src/core/guard.c; tests/unit/core/test-guard.c) refuses any other
# writer, and every act has exactly one ledger entry.
. "$(dirname "$0")/lib.sh"
SRC=${MAMORI_SRCDIR:-$(dirname "$0")/../..}

tables=$(sed -n 's/^CREATE TABLE \([a-z_]*\).*/\1/p' "$SRC/schema/0002-core.sql" | tr '\n' '|' | sed 's/|$//')
check "the domain tables are read from schema/0002-core.sql" "[ -n '$tables' ]"
grep -rnE "(INSERT( OR [A-Z]+)? INTO|UPDATE|DELETE FROM|REPLACE INTO)[[:space:]]+\"?($tables)([^a-z_]|\$)" \
	"$SRC/src" >"$TMP/writes" || true
grep -v "^$SRC/src/core/act[a-z-]*\.c:" "$TMP/writes" >"$TMP/outside" || true
if [ -s "$TMP/outside" ]; then
	not_ok "no domain write outside src/core/act*.c"
	diag "$(cat "$TMP/outside")"
else
	ok "no domain write outside src/core/act*.c"
fi
check "the door's files do write them" "[ -s '$TMP/writes' ]"

# The guard at run time: a data directory whose every change came through the door.
expect "init" 0 "$MAMORI" --dir "$TMP/d" init --profile minato
expect "an act through the door" 0 "$MAMORI" --dir "$TMP/d" section add zeimu --name 税務課
n=$(sqlite3 "$TMP/d/mamori.db" "SELECT count(*) FROM acts" 2>/dev/null || echo 0)
m=$(sqlite3 "$TMP/d/mamori.db" "SELECT size FROM ledger_head" 2>/dev/null || echo -1)
check "every act has its ledger entry ($n acts, $m entries)" "[ '$n' = '$m' ]"
done_testing
