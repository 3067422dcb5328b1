#!/bin/sh
# t0621-http-export: the ledger export download is streamed from a file under $TMPDIR (never
# built in memory), leaves nothing there, equals `mamori ledger export` and verifies offline;
# an unusable TMPDIR is a clear 503.
. "${MAMORI_SRCDIR:?}/tests/http/lib.sh"
ward_make
# More than one full tile of entries (256), so the archive holds tiles and partial tiles.
python3 - "$TMP/rows.csv" <<'PY'
import csv, sys
with open(sys.argv[1], 'w', newline='', encoding='utf-8') as f:
    w = csv.writer(f)
    w.writerow(['title', 'level', 'section', 'access_controlled'])
    for i in range(300):
        w.writerow([f'文書 {i:04d}', '1', 'zeimu', 'true'])
PY
expect "300 records imported" 0 m record import asset "$TMP/rows.csv" --as sato

mkdir -p "$TMP/tmpdir"
TMPDIR="$TMP/tmpdir"
export TMPDIR
server_start
unset TMPDIR
is "admin logs in" 303 "$(login admin "$ADMIN_PW" "$TMP/jar")"
curl -s -b "$TMP/jar" -D "$TMP/headers" -o "$TMP/export.tar" "${URL}ledger/export"
check "the download is a tar" 'grep -qi "^content-type: application/x-tar" "$TMP/headers"'
check "with its length known in advance" 'grep -qi "^content-length: $(stat -c %s "$TMP/export.tar")" "$TMP/headers"'
check "nothing stays in TMPDIR" '[ -z "$(ls -A "$TMP/tmpdir")" ]'
mkdir -p "$TMP/x"
expect "the archive unpacks" 0 tar -xf "$TMP/export.tar" -C "$TMP/x"
expect "the CLI exports the same ledger" 0 m ledger export "$TMP/cli-export"
# The server's own log entries (the login, the export) came after: the first full tiles and
# the files that do not grow must be byte for byte the CLI's.
for f in README.md verify.py key.pub tile/0/000 tile/entries/000; do
	expect "the download's $f equals the CLI's" 0 cmp "$TMP/x/mamori-ledger/$f" "$TMP/cli-export/$f"
done
expect "the download verifies offline" 0 m ledger verify --offline "$TMP/x/mamori-ledger"
out_has "every entry verified" "ok: "
server_stop

# A TMPDIR that cannot be used: a clear error, and the server goes on.
TMPDIR="$TMP/no-such-dir"
export TMPDIR
server_start
unset TMPDIR
is "admin logs in again" 303 "$(login admin "$ADMIN_PW" "$TMP/jar")"
is "export without a usable TMPDIR is 503" 503 "$(status -b "$TMP/jar" "${URL}ledger/export")"
check "the server log names TMPDIR" 'grep -q "TMPDIR" "$TMP/serve.err" "$TMP/serve.out"'
is "the ledger page still works" 200 "$(status -b "$TMP/jar" "${URL}ledger")"
done_testing
