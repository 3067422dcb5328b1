#!/bin/sh
# t0702-fault-web: acts through the JSON API while the server's writes, fsyncs and opens fail on
# a schedule armed at run time (MAMORI_FAULT_CTL). Each act is acknowledged (2xx with its
# ledger index) or refused with a 5xx JSON error; the server keeps serving; with the fault gone
# the ledger verifies and nothing half-written is visible; every acknowledged act is there.
. "${MAMORI_SRCDIR:?}/tests/http/lib.sh"
. "${MAMORI_SRCDIR:?}/tests/faults/lib.sh"
ward_make
faulty_server_start
T=$(token sato)
check "sato has an API token" '[ -n "$T" ]'
: >"$TMP/acked"
n=0 bad=0 bad_state=0
post() { # post SPEC: one record created through the API under SPEC
	n=$((n + 1))
	[ -n "$1" ] && arm "$1"
	code=$(curl -s -o "$TMP/body" -w '%{http_code}' -H "Authorization: Bearer $T" \
		-H 'Content-Type: application/json' \
		-d "{\"register\":\"asset\",\"fields\":{\"title\":\"w$n\",\"level\":\"1\",\"section\":\"zeimu\",\"access_controlled\":\"true\"}}" \
		"${URL}api/v1/records")
	disarm
	case $code in
	2??) grep -q '"ledger_index"' "$TMP/body" && echo "w$n" >>"$TMP/acked" ;;
	5??) grep -q '"error"' "$TMP/body" || { bad=$((bad + 1)); diag "$1: $code without a JSON error"; } ;;
	*) bad=$((bad + 1)); diag "$1: unexpected $code: $(head -c 200 "$TMP/body")" ;;
	esac
	if ! consistent "$D" quick >"$TMP/why" 2>&1; then
		bad_state=$((bad_state + 1))
		diag "inconsistent after '$1': $(head -3 "$TMP/why")"
	fi
}

# How many writes one act through the server makes (nothing fails while counting).
arm "op=count of=write path=*/data/mamori.db*"
post ""
W=$(grep -c '^count write' "$FLOG")
sed -i '/^count /d' "$FLOG"
check "an act through the server writes the database ($W writes)" '[ "$W" -gt 3 ]'

i=1
while [ "$i" -le "$W" ]; do
	post "op=write path=*/data/mamori.db* at=$i errno=EIO"
	[ $((i % 3)) -eq 1 ] && post "op=write path=*/data/mamori.db* at=$i errno=ENOSPC"
	[ $((i % 3)) -eq 2 ] && post "op=write path=*/data/mamori.db* at=$i errno=short"
	i=$((i + 1))
done
post "op=fsync path=*/data/* at=1 errno=EIO"
post "op=fsync path=*/data/* at=2 errno=EIO"
post "op=write path=*/data/mamori.db* at=1 count=0 errno=ENOSPC"
check "a full disk is refused with 503" '[ "$code" = 503 ]'
post ""
check "with the disk back, the next act is acknowledged" 'grep -qx "w$n" "$TMP/acked"'
check "the server still serves" 'kill -0 "$SERVER_PID" && [ "$(status -H "Authorization: Bearer $T" "${URL}api/v1/me")" = 200 ]'
server_stop
N=$(grep -vc '^count ' "$FLOG")
# (a write scheduled past the last one an act happens to make injects nothing)
check "faults were injected ($N in $n acts)" '[ "$N" -ge $((n * 3 / 4)) ]'
check "every failure was a 5xx JSON error ($bad not)" '[ "$bad" -eq 0 ]'
check "after every fault nothing half-written was visible ($bad_state)" '[ "$bad_state" -eq 0 ]'
check "at the end the data directory is consistent" 'consistent "$D"'
titles_missing "$D" "$TMP/acked" >"$TMP/lost"
lost=$(wc -l <"$TMP/lost" | tr -d ' ')
check "acknowledged writes lost: $lost of $(wc -l <"$TMP/acked" | tr -d ' ')" '[ "$lost" -eq 0 ]'
tally_faults "$N" "$lost"
done_testing
