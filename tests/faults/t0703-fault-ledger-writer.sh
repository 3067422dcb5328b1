#!/bin/sh
# t0703-fault-ledger-writer: the ledger's group commit (ledger_writer, four threads appending
# and waiting) while writes and fsyncs fail at points spread over a run. Every append that was
# acknowledged is in the ledger afterwards, byte for byte; the ledger verifies; a failure is an
# error for the waiting callers, never a silent loss. And power losses (the shim's op=crash): at
# a write, every write no fsync made durable is undone and the process ends; every acknowledged
# append is still there and the ledger verifies (the writer's WAL goes through the batching VFS,
# store/sqlite-batch.c, which holds frames back to write them in runs).
. "${MAMORI_SRCDIR:?}/tests/faults/lib.sh"
: "${FAULT_WRITER:?}"
D="$TMP/d"
"$MAMORI" --dir "$D" init --profile minato >/dev/null 2>&1
N=400
W=$(count_calls "of=write path=*/d/mamori.db*" "$FAULT_WRITER" "$D" write "$N")
F=$(count_calls "of=fsync path=*/d/*" "$FAULT_WRITER" "$D" write "$N")
check "$N group-committed appends write the database ($W writes, $F fsyncs)" '[ "$W" -gt 10 ] && [ "$F" -gt 1 ]'
: >"$TMP/acks"
runs=0 crashed=0 bad_state=0
one() { # one SPEC
	runs=$((runs + 1))
	faulty "$1" "$FAULT_WRITER" "$D" write "$N" >>"$TMP/acks" 2>"$TMP/err"
	rc=$?
	if [ "$rc" -gt 1 ]; then
		crashed=$((crashed + 1))
		diag "'$1': exit $rc: $(head -3 "$TMP/err")"
	fi
	if ! consistent "$D" quick >"$TMP/why" 2>&1; then
		bad_state=$((bad_state + 1))
		diag "inconsistent after '$1': $(head -3 "$TMP/why")"
	fi
}
for k in 1 2 3 5 8 13 21 34; do
	[ "$k" -le "$W" ] || continue
	one "op=write path=*/d/mamori.db* at=$k errno=EIO"
	one "op=write path=*/d/mamori.db* at=$((W * k / 40 + 1)) errno=ENOSPC"
	one "op=write path=*/d/mamori.db* at=$((W * k / 40 + 2)) errno=short"
done
for k in 1 2 3 $((F / 2)) "$F"; do
	one "op=fsync path=*/d/* at=$k errno=EIO"
done
one "op=write path=*/d/mamori.db* at=$((W / 2)) count=0 errno=ENOSPC"
# A failed sync of the database file (the checkpointer's copy or sync, or the WAL's restart,
# with a restart size of 64 pages so that they come within the run) stops the writer: Linux
# reports a failed writeback once per descriptor, so the next sync would succeed with pages
# lost. The WAL that recovery needs is left in place, and acknowledged appends stay.
FAULT_WRITER_RESTART_PAGES=64
export FAULT_WRITER_RESTART_PAGES
kept=0
for k in 1 2; do
	runs=$((runs + 1))
	faulty "op=fsync path=*/d/mamori.db at=$k errno=EIO" "$FAULT_WRITER" "$D" write "$N" \
		>>"$TMP/acks" 2>"$TMP/err.db"
	rc=$?
	if [ "$rc" -gt 1 ]; then
		crashed=$((crashed + 1))
		diag "db sync $k: exit $rc: $(head -3 "$TMP/err.db")"
	fi
	if [ -s "$D/mamori.db-wal" ]; then kept=$((kept + 1)); else diag "db sync $k: no WAL left"; fi
	if ! consistent "$D" quick >"$TMP/why" 2>&1; then
		bad_state=$((bad_state + 1))
		diag "inconsistent after a failed db sync $k: $(head -3 "$TMP/why")"
	fi
done
unset FAULT_WRITER_RESTART_PAGES
check "after a failed sync of the database file the WAL was kept ($kept of 2)" '[ "$kept" -eq 2 ]'
# power_losses LABEL K...: a power loss at write W*K/16+1 of a run, for each K; counts in
# crashes (the runs the loss ended) and crash_bad (the ledgers that did not verify after it).
power_losses() {
	_label=$1
	shift
	crashes=0 crash_bad=0
	for k in "$@"; do
		faulty "op=crash path=*/d/mamori.db* at=$((W * k / 16 + 1))" "$FAULT_WRITER" "$D" write "$N" \
			>>"$TMP/acks" 2>"$TMP/err.crash"
		rc=$?
		[ "$rc" -eq 86 ] && crashes=$((crashes + 1))
		if ! consistent "$D" quick >"$TMP/why" 2>&1; then
			crash_bad=$((crash_bad + 1))
			diag "inconsistent after a power loss at write $((W * k / 16 + 1))$_label: $(head -3 "$TMP/why")"
		fi
	done
}
# Power losses at writes spread over the first half of a run.
power_losses "" 1 2 3 4 5 6 7 8
check "8 power losses in 8 runs ($crashes)" '[ "$crashes" -eq 8 ]'
check "after every power loss the ledger verified ($crash_bad not)" '[ "$crash_bad" -eq 0 ]'
# And across WAL restarts and the checkpointer's copies and syncs beside them (a restart size of
# 64 pages, so that the run holds several): every write no fsync made durable is undone.
FAULT_WRITER_RESTART_PAGES=64
export FAULT_WRITER_RESTART_PAGES
power_losses " (restarts)" 3 5 7
unset FAULT_WRITER_RESTART_PAGES
check "3 power losses across WAL restarts in 3 runs ($crashes)" '[ "$crashes" -eq 3 ]'
check "after every such power loss the ledger verified ($crash_bad not)" '[ "$crash_bad" -eq 0 ]'
check "failures reached the callers (some appends were refused)" 'grep -q "fault-writer: note" "$TMP/err" || [ "$(injected)" -gt 0 ]'
N_INJ=$(injected)
check "faults were injected ($N_INJ in $runs runs)" '[ "$N_INJ" -ge "$runs" ]'
check "no run crashed ($crashed)" '[ "$crashed" -eq 0 ]'
check "after every fault the ledger verified ($bad_state not)" '[ "$bad_state" -eq 0 ]'
run "$FAULT_WRITER" "$D" check "$TMP/acks"
lost=$(sed -n 's/^acknowledged [0-9]* lost \([0-9]*\)$/\1/p' "$TMP/out")
check "acknowledged appends lost: ${lost:-?} ($(sed -n 's/^acknowledged \([0-9]*\).*/\1/p' "$TMP/out") acknowledged)" '[ "$rc" -eq 0 ] && [ "$lost" = 0 ]'
[ "$rc" -eq 0 ] || diag "$(head -5 "$TMP/out")"
check "at the end the data directory is consistent" 'consistent "$D"'
tally_faults "$N_INJ" "${lost:-1}"
done_testing
