#!/bin/sh
# t0402: kill -9 `mamori log import` in the middle of a large import, many times: every time the
# ledger verifies, keeps what it had, and the next import carries on. (Acknowledged entries
# surviving a kill is checked entry by entry in tests/unit/ledger/test-crash.c.)
. "$(dirname "$0")/lib.sh"

D="$TMP/d"
expect "init" 0 "$MAMORI" --dir "$D" init
python3 -c "
import sys
with open(sys.argv[1], 'w') as f:
    for i in range(1, 200001):
        f.write('192.0.2.%d - user%d [22/Nov/2026:02:46:44 +0900] \"GET /r/%d HTTP/1.1\" 200 %d\n' % (i % 250, i, i, i))
" "$TMP/big.log"

count() { # the entry count verify reports
	sed -n 's/^ok: \([0-9]*\) entries.*/\1/p' "$TMP/out"
}

prev=0
for round in 1 2 3 4 5 6 7 8; do
	"$MAMORI" --dir "$D" log import --source big "$TMP/big.log" >/dev/null 2>"$TMP/import.err" &
	pid=$!
	# Somewhere from start-up to the middle of the import.
	sleep "0.$(( (round * 37) % 9 + 1 ))"
	kill -9 "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	expect "round $round: verify after kill -9" 0 "$MAMORI" --dir "$D" ledger verify
	now=$(count)
	check "round $round: nothing that was there is lost ($prev -> $now)" "[ '${now:-0}' -ge '$prev' ]"
	prev=${now:-0}
done
check "some rounds got entries in before the kill" "[ '$prev' -gt 0 ]"
expect "an import after all that completes" 0 "$MAMORI" --dir "$D" log import --source tail "$TMP/big.log"
expect "and verifies" 0 "$MAMORI" --dir "$D" ledger verify
check "it added every line" "[ '$(count)' -eq $((prev + 200000)) ]"
expect "a checkpoint covers everything" 0 "$MAMORI" --dir "$D" ledger checkpoint
check "checkpoint size is the log size" "[ \"\$(sed -n 2p '$TMP/out')\" -eq $((prev + 200000)) ]"
done_testing
