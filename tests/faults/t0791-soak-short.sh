#!/bin/sh
# t0791-soak-short: make soak's script (scripts/soak.py) end to end, short: two 8-second
# "minutes" (SOAK_MINUTE) on a ward of 200 records, acts paced at 20 a second. Each minute's
# acts/s keeps to the rate (the schedule is the same on any machine), errors are 0 and the ledger
# verifies. The RSS verdict is not this test's (a sanitizer build's memory is not the server's;
# make soak measures it on the release build). Then a server SIGKILLed in minute 1: the soak ends
# at once with exit 1 and says the server stopped.
set -u
: "${MAMORI:?}" "${MAMORI_SRCDIR:?}"
TMP=$(mktemp -d "${TMPDIR:-/tmp}/mamori-soak-t.XXXXXX")
trap 'rm -rf "$TMP"' EXIT
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0"
echo 1..7
if ! command -v wrk >/dev/null; then
	for i in 1 2 3 4 5 6 7; do echo "ok $i # SKIP wrk is missing (scripts/bootstrap)"; done
	exit 0
fi
SOAK_MINUTE=8 SOAK_RECORDS=200 SOAK_ACT_RATE=20 \
	python3 "$MAMORI_SRCDIR/scripts/soak.py" "$MAMORI" 16 >"$TMP/out" 2>&1
sed 's/^/# /' "$TMP/out"
n=1
t() { # t WHAT CONDITION...
	what=$1
	shift
	if "$@"; then echo "ok $n - $what"; else echo "not ok $n - $what"; fi
	n=$((n + 1))
}
t 'the soak says the acts are paced at 20 acts/s' grep -q 'acts paced at 20 acts/s' "$TMP/out"
# the table's rows: min reads/s acts/s logins errors RSS WAL records
awk '$1 ~ /^[0-9]+$/ && NF == 8 { print $3 }' "$TMP/out" >"$TMP/rates"
t 'two minutes reported' test "$(wc -l <"$TMP/rates")" -eq 2
t 'each minute 14-21 acts/s at a rate of 20' \
	awk '{ if ($1 < 14 || $1 > 21) bad = 1 } END { exit bad + (NR == 0) }' "$TMP/rates"
t 'errors 0' grep -q 'errors 0 ok' "$TMP/out"
t 'the ledger verifies' grep -q '^soak: ledger verify ok' "$TMP/out"
# a server that dies half-way: the soak says so and ends (it hung on its client threads)
SOAK_MINUTE=8 SOAK_RECORDS=100 SOAK_ACT_RATE=20 \
	python3 "$MAMORI_SRCDIR/scripts/soak.py" "$MAMORI" 16 >"$TMP/die" 2>&1 &
py=$!
for i in $(seq 1 600); do
	grep -q 'minutes of load' "$TMP/die" && break
	sleep 0.2
done
kill -9 $(pgrep -P "$py" -f serve) 2>/dev/null
for i in $(seq 1 300); do
	kill -0 "$py" 2>/dev/null || break
	sleep 0.2
done
if kill -0 "$py" 2>/dev/null; then
	kill "$py"
	rc=hung
else
	wait "$py"
	rc=$?
fi
sed 's/^/# /' "$TMP/die"
t 'a server killed half-way: the soak ends, exit 1' test "$rc" = 1
t '... saying the server stopped' grep -q 'FAILED in minute 1: the server stopped' "$TMP/die"
