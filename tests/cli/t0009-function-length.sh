#!/bin/sh
# t0009: functions of src/ over 80 lines (a function past ~80 lines gets split; docs/testing.md,
# "Function length"). Those not split yet are listed in t0009-function-length.list with their
# length (FILE FUNCTION LENGTH, as scripts/function-length prints them; it says how functions
# are found and counted). A function over 80 lines that is not listed, or longer than listed,
# fails the test (split it); one listed that got shorter or is gone fails it too, until its
# line is brought down to its new length or removed, so the list stays tight.
# Plain sh and awk, no mamori binary: it reads the sources only.
set -u
SRC=${MAMORI_SRCDIR:-$(dirname "$0")/../..}
TMP=$(mktemp -d "${TMPDIR:-/tmp}/mamori-t0009.XXXXXX") || exit 1
trap 'rm -rf "$TMP"' EXIT
n=0 failed=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
not_ok() { n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n - $1"; }
diag() { printf '%s\n' "$@" | sed 's/^/# /'; }

sh "$SRC/scripts/function-length" 0 >"$TMP/all" 2>"$TMP/all.err"
rc=$?
if [ "$rc" -eq 0 ] && [ ! -s "$TMP/all.err" ] && grep -q '^src/main.c main [0-9]*$' "$TMP/all"; then
	ok "the scan reads every function of src/ ($(wc -l <"$TMP/all" | tr -d ' '), main among them)"
else
	not_ok "the scan reads every function of src/ (exit $rc)"
	diag "$(head -20 "$TMP/all.err")"
fi
awk '$3 > 80' "$TMP/all" >"$TMP/now"
sed '/^#/d; /^$/d' "$SRC/tests/cli/t0009-function-length.list" | LC_ALL=C sort -k1,1 -k2,2 >"$TMP/listed"
# over: not listed, or longer than listed; under: listed, and shorter now or gone.
awk 'NR == FNR { was[$1 " " $2] = $3; next }
     !(($1 " " $2) in was) { print $0 " (not listed)"; next }
     $3 > was[$1 " " $2] { print $0 " (listed at " was[$1 " " $2] ")" }' \
	"$TMP/listed" "$TMP/now" >"$TMP/over"
awk 'NR == FNR { now[$1 " " $2] = $3; next }
     !(($1 " " $2) in now) { print $1 " " $2 " (listed at " $3 "): now 80 lines or fewer, or gone"; next }
     now[$1 " " $2] < $3 { print $1 " " $2 " " now[$1 " " $2] " (listed at " $3 ")" }' \
	"$TMP/now" "$TMP/listed" >"$TMP/under"
if [ -s "$TMP/over" ]; then
	not_ok "no function of src/ is over 80 lines but those listed, and none grew"
	diag "split these into helpers that do one thing each (FILE FUNCTION LINES):" \
		"$(cat "$TMP/over")"
else
	ok "no function of src/ is over 80 lines but those listed, and none grew"
fi
if [ -s "$TMP/under" ]; then
	not_ok "the list of functions over 80 lines is up to date"
	diag "shorter or gone: in tests/cli/t0009-function-length.list, set the new length or drop" \
		"the line (scripts/function-length prints the current list):" "$(cat "$TMP/under")"
else
	ok "the list of functions over 80 lines is up to date"
fi
echo "1..$n"
[ "$failed" -eq 0 ]
