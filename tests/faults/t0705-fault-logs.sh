#!/bin/sh
# t0705-fault-logs: log batches (POST /api/v1/logs, answered once every line is durable) while
# the server's writes and fsyncs fail on a schedule armed at run time. A batch is acknowledged
# (200) or refused with a 5xx JSON error; the server keeps receiving; with the fault gone the
# ledger verifies and every line of every acknowledged batch is found by `mamori log search`.
. "${MAMORI_SRCDIR:?}/tests/http/lib.sh"
. "${MAMORI_SRCDIR:?}/tests/faults/lib.sh"
logs_server_start
bad=0 bad_state=0
batch() { # batch SPEC: a batch of 20 lines (post_logs) under SPEC
	[ -n "$1" ] && arm "$1"
	post_logs t0705
	disarm
	case $code in
	200) ;;
	5??) grep -q '"error"' "$TMP/body" || { bad=$((bad + 1)); diag "$1: $code without a JSON error"; } ;;
	*) bad=$((bad + 1)); diag "$1: unexpected $code: $(head -c 200 "$TMP/body")" ;;
	esac
	consistent "$D" quick >"$TMP/why" 2>&1 || { bad_state=$((bad_state + 1)); diag "$(head -3 "$TMP/why")"; }
}
arm "op=count of=write path=*/data/mamori.db*"
batch ""
W=$(grep -c '^count write' "$FLOG")
sed -i '/^count /d' "$FLOG"
check "a batch of 20 lines writes the database ($W writes)" '[ "$W" -gt 2 ]'
for i in 1 2 3 4 6 8 12 16 24 32; do
	[ "$i" -le "$W" ] || continue
	batch "op=write path=*/data/mamori.db* at=$i errno=EIO"
	batch "op=write path=*/data/mamori.db* at=$i errno=ENOSPC"
done
batch "op=write path=*/data/mamori.db* at=1 errno=short"
batch "op=fsync path=*/data/* at=1 errno=EIO"
batch "op=write path=*/data/mamori.db* at=1 count=0 errno=ENOSPC"
check "a batch on a full disk is refused with a 5xx" 'case $code in 5??) true ;; *) false ;; esac'
batch ""
check "with the disk back, the next batch is acknowledged" 'grep -qx "lb$n-20" "$TMP/acked"'
check "the server still serves" 'kill -0 "$SERVER_PID"'
server_stop
N=$(grep -vc '^count ' "$FLOG")
check "faults were injected ($N in $n batches)" '[ "$N" -ge $((n / 2)) ]'
check "every failure was a 5xx JSON error ($bad not)" '[ "$bad" -eq 0 ]'
check "after every fault nothing half-written was visible ($bad_state)" '[ "$bad_state" -eq 0 ]'
lines_missing "$D" "$TMP/acked" >"$TMP/lost"
lost=$(wc -l <"$TMP/lost" | tr -d ' ')
[ "$lost" -eq 0 ] || diag "lost: $(head -20 "$TMP/lost" | tr '\n' ' ')"
check "acknowledged log lines lost: $lost of $(wc -l <"$TMP/acked" | tr -d ' ')" '[ "$lost" -eq 0 ]'
check "at the end the data directory is consistent" 'consistent "$D"'
tally_faults "$N" "$lost"
done_testing
