#!/bin/sh
# t0710-crash-load: `mamori serve` killed with SIGKILL at random moments while 32 clients act
# through the API, $CRASH_ROUNDS rounds (10 in make check; make check-long runs 1,000). After
# every kill: each acknowledged act is there, the ledger verifies, no request is half-approved.
set -u
: "${MAMORI:?}" "${MAMORI_SRCDIR:?}"
ROUNDS=${CRASH_ROUNDS:-10}
TMP=$(mktemp -d "${TMPDIR:-/tmp}/mamori-crash.XXXXXX")
trap 'rm -rf "$TMP"' EXIT
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" # a killed server leaks by design
python3 "$MAMORI_SRCDIR/tests/faults/crash-load.py" "$MAMORI" "$TMP/d" "$ROUNDS" ${CRASH_SEED:-} | tee "$TMP/out" |
	grep -v '^rounds '
rc=$(grep -c '^not ok' "$TMP/out")
line=$(grep '^rounds ' "$TMP/out")
if [ -n "${MAMORI_TALLY_DIR:-}" ] && [ -n "$line" ]; then
	mkdir -p "$MAMORI_TALLY_DIR"
	set -- $line
	echo "$2 $4" >>"$MAMORI_TALLY_DIR/kills"
fi
[ -n "$line" ] && [ "$rc" -eq 0 ]
