#!/bin/sh
# t0006: only src/store/ speaks SQLite (issue 18 §1). Code above store/ uses the typed query API
# (src/store/query.h) and never names the database library: no sqlite3_* call, sqlite3 type,
# SQLITE_* code or <sqlite3.h> outside src/store/, and never in a header above it (so a second
# backend, PostgreSQL, can sit behind store/ unseen). web/ and cli/ write no SQL at all.
#
# ALLOWED lists the files not yet converted (one a line). It only shrinks: a listed file that no
# longer names SQLite fails the test until its line is removed, and a file not listed fails it at
# once. Today it is empty: the ledger's storage (ledger.c, writer*.c) is on the query API too
# (writer.c, writer-restart.c run the SQLite write-ahead log through store_wal_watch/
# store_checkpoint/store_wal_path/store_wal_sync_deferred, which do nothing on PostgreSQL).
. "$(dirname "$0")/lib.sh"
SRC=${MAMORI_SRCDIR:-$(dirname "$0")/../..}
ALLOWED=''
# sqlite3 in any spelling a program uses (and store/sqlite.h, the way under the store);
# SQLITE_TMPDIR is an environment variable, not the API.
(cd "$SRC" && grep -rlE 'sqlite3|SQLITE_[A-Z]|store/sqlite\.h' src | grep -v '^src/store/' |
	while read -r f; do
		grep -E 'sqlite3|SQLITE_[A-Z]|store/sqlite\.h' "$f" | grep -qvE '^[^"]*"SQLITE_TMPDIR"[^"]*$' && echo "$f"
	done | sort) >"$TMP/naming"
n_store=$(cd "$SRC" && grep -rlE 'sqlite3|SQLITE_[A-Z]' src/store | wc -l | tr -d ' ')
check "the scan finds SQLite where it belongs ($n_store files of src/store/)" "[ '$n_store' -gt 0 ]"
printf '%s\n' $ALLOWED | sed '/^$/d' | sort >"$TMP/allowed"
comm -23 "$TMP/naming" "$TMP/allowed" >"$TMP/new"
if [ -s "$TMP/new" ]; then
	not_ok "no file outside src/store/ names SQLite but the $(wc -l <"$TMP/allowed" | tr -d ' ') not yet converted"
	diag "use src/store/query.h (query_prepare, query_bind_*, query_step, query_int/text) in:" \
		"$(cat "$TMP/new")"
else
	ok "no file outside src/store/ names SQLite but the $(wc -l <"$TMP/allowed" | tr -d ' ') not yet converted"
fi
comm -13 "$TMP/naming" "$TMP/allowed" >"$TMP/done"
if [ -s "$TMP/done" ]; then
	not_ok "the list of files not yet converted is up to date"
	diag "these no longer name SQLite: remove them from ALLOWED in tests/cli/t0006-store-only.sh:" \
		"$(cat "$TMP/done")"
else
	ok "the list of files not yet converted is up to date"
fi
# Headers above store/: none names SQLite, listed or not.
grep -E '\.h$' "$TMP/naming" >"$TMP/headers" || true
check "no header above src/store/ names SQLite" "[ ! -s '$TMP/headers' ]"
[ -s "$TMP/headers" ] && diag "$(cat "$TMP/headers")"
# web/ and cli/ ask core/ (issue 18 §1): no SQL of theirs, so no query API and no store_exec.
(cd "$SRC" && grep -rlE 'store/query\.h|query_prepare|store_exec\(' src/web src/cli | sort) >"$TMP/sql"
check "no file of src/web/ or src/cli/ writes SQL (store/query.h, store_exec)" "[ ! -s '$TMP/sql' ]"
[ -s "$TMP/sql" ] && diag "ask core/ for it instead:" "$(cat "$TMP/sql")"
done_testing
