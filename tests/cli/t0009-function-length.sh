#!/bin/sh
# t0009: functions of src/ over 80 lines (STYLE: a function past ~80 lines gets split). Those
# not split yet are listed in t0009-function-length.list with their length (FILE FUNCTION
# LENGTH, as scripts/function-length prints them; it says how functions are found and counted).
# The list only shrinks: a function over 80 lines that is not listed, or longer than listed,
# fails the test (split it); one listed that got shorter or is gone fails it too, until its
# line is brought down to its new length or removed (so the list stays tight).
. "$(dirname "$0")/lib.sh"
SRC=${MAMORI_SRCDIR:-$(dirname "$0")/../..}
LIST="$SRC/tests/cli/t0009-function-length.list"
"$SRC/scripts/function-length" >"$TMP/now"
"$SRC/scripts/function-length" 0 >"$TMP/all"
check "the scan finds the functions of src/ ($(wc -l <"$TMP/all" | tr -d ' '), main among them)" \
	"grep -q '^src/main.c main [0-9]*\$' '$TMP/all'"
sed '/^#/d; /^$/d' "$LIST" | LC_ALL=C sort -k1,1 -k2,2 >"$TMP/listed"
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
done_testing
