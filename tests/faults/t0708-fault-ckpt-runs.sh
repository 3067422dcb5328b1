#!/bin/sh
# t0708-fault-ckpt-runs: the ledger writer's checkpointer writes the database file's pages in
# runs (STORE_GATHER_CKPT, store/sqlite-batch.c). A run that cannot be written fails the
# checkpoint (the first run, one in the middle: SQLite takes the error from the write that
# follows the run); the last run is written at SQLITE_FCNTL_CKPT_DONE, whose result SQLite
# ignores, so it is written again page by page, and if that fails too the process stops
# (abort, with a message) before SQLite could record the frames as copied. In every case every
# acknowledged entry is there afterwards, read while the WAL index is kept as the checkpoint
# left it (fault-writer's ckpt) and after a restart, and the ledger verifies.
# The checkpoint also writes its runs back as it goes, a window of up to 1 MiB at a time
# (sync_file_range, on a descriptor of its own); a writeback that fails fails the checkpoint as
# a failed write does. Here windows of a page (FAULT_WB_WINDOW): this WAL's copy is smaller
# than one of 1 MiB, and the short runs of pages the file had are left to the sync (up to a
# window of them), so with the default it would start none.
# The same WAL each time: appended once by the group-commit writer and left uncopied
# (FAULT_WRITER_KEEP_WAL), then copied into a fresh copy of the directory per case; the
# database file's writes are counted on one copy, so the cases fail its first, middle and
# last write.
. "${MAMORI_SRCDIR:?}/tests/faults/lib.sh"
: "${FAULT_WRITER:?}"
D0="$TMP/d0" D="$TMP/d"
"$MAMORI" --dir "$D0" init --profile minato >/dev/null 2>&1
N=800
FAULT_WRITER_KEEP_WAL=1 "$FAULT_WRITER" "$D0" write "$N" >"$TMP/acks" 2>"$TMP/err"
check "$N appends acknowledged and left in the WAL" \
	'[ "$(wc -l <"$TMP/acks")" -eq "$N" ] && [ -s "$D0/mamori.db-wal" ]'
fresh() { rm -rf "$D" && cp -a "$D0" "$D"; }
FAULT_WB_WINDOW=4096
export FAULT_WB_WINDOW
FRAMES=$(($(wc -c <"$D0/mamori.db-wal") / 4120))
fresh
K=$(count_calls "of=write path=*/d/mamori.db" "$FAULT_WRITER" "$D" ckpt "$TMP/acks")
check "the checkpoint writes the database file in runs ($K writes, $FRAMES frames in the WAL)" \
	'[ "$K" -ge 3 ] && [ $((K * 4)) -le "$FRAMES" ]'
fresh
R=$(count_calls "of=range path=*/d/mamori.db" "$FAULT_WRITER" "$D" ckpt "$TMP/acks")
check "and writes them back as it goes ($R writebacks)" '[ "$R" -ge 1 ]'
# at the real window (1 MiB) this copy, smaller than one, leaves its short runs of rewritten
# pages to the sync: no writeback at all (each would start one if it were not left)
fresh
unset FAULT_WB_WINDOW
R0=$(count_calls "of=range path=*/d/mamori.db" "$FAULT_WRITER" "$D" ckpt "$TMP/acks")
FAULT_WB_WINDOW=4096
export FAULT_WB_WINDOW
check "at the real window its short runs of rewritten pages are left to the sync ($R0 writebacks)" '[ "$R0" -eq 0 ]'
runs=0 bad=0 lostn=0
# case SPEC WANT: a checkpoint of a fresh copy under SPEC prints "ckpt WANT", the process lives,
# and every acknowledged entry is read back, then and after a restart; the ledger verifies
case_() {
	runs=$((runs + 1))
	fresh
	faulty "$1" "$FAULT_WRITER" "$D" ckpt "$TMP/acks" >"$TMP/out" 2>"$TMP/err"
	rc=$?
	grep -qx "acknowledged $N lost 0" "$TMP/out" || lostn=$((lostn + 1))
	if [ "$rc" -ne 0 ] || ! grep -qx "ckpt $2" "$TMP/out" || ! grep -qx "acknowledged $N lost 0" "$TMP/out"; then
		bad=$((bad + 1))
		diag "'$1': exit $rc, $(head -c 300 "$TMP/out" | tr '\n' ' ') $(head -c 300 "$TMP/err")"
	fi
	run "$FAULT_WRITER" "$D" check "$TMP/acks"
	grep -qx "acknowledged $N lost 0" "$TMP/out" || {
		bad=$((bad + 1)) lostn=$((lostn + 1))
		diag "'$1' then restarted: $(head -3 "$TMP/out")"
	}
	consistent "$D" quick >"$TMP/why" 2>&1 || { bad=$((bad + 1)); diag "'$1': $(head -3 "$TMP/why")"; }
}
MID=$((K / 2 + 1))
case_ "op=write path=*/d/mamori.db at=1 errno=EIO" failed
case_ "op=write path=*/d/mamori.db at=$MID errno=ENOSPC" failed
# a short write is completed by SQLite's own loop (os_unix.c unixWrite), a whole run too
case_ "op=write path=*/d/mamori.db at=$MID errno=short" ok
case_ "op=write path=*/d/mamori.db at=1 count=0 errno=ENOSPC" failed
# the last run fails once: written again page by page, the checkpoint succeeds
case_ "op=write path=*/d/mamori.db at=$K errno=EIO" ok
# a writeback fails: the first, the last
case_ "op=range path=*/d/mamori.db at=1 errno=EIO" failed
case_ "op=range path=*/d/mamori.db at=$R errno=EIO" failed
# at the real window (1 MiB): the copy leaves its short runs of rewritten pages to the sync that
# ends it (it copies the whole WAL); that sync fails, so does the checkpoint, and nothing is lost
unset FAULT_WB_WINDOW
case_ "op=fsync path=*/d/mamori.db at=1 errno=EIO" failed
FAULT_WB_WINDOW=4096
export FAULT_WB_WINDOW
check "a failed run failed the checkpoint, a failed last run was written again, every entry was there ($bad wrong of $runs)" '[ "$bad" -eq 0 ]'

# The last run cannot be written at all: the process stops with the message, before SQLite
# goes on; after the restart every acknowledged entry is there and the ledger verifies.
fresh
# (no core file; dash has ulimit -c)
# shellcheck disable=SC3045
(ulimit -c 0; faulty "op=write path=*/d/mamori.db at=$K count=0 errno=EIO" "$FAULT_WRITER" "$D" ckpt "$TMP/acks" >"$TMP/out" 2>"$TMP/err")
rc=$?
check "a lost last run stops the process (exit $rc, $(head -c 100 "$TMP/out" | tr '\n' ' '))" \
	'[ "$rc" -eq 134 ] && ! grep -q "^ckpt" "$TMP/out"'
check "with the message" 'grep -q "mamori: stopping: a checkpoint could not write the database file" "$TMP/err"'
run "$FAULT_WRITER" "$D" check "$TMP/acks"
grep -qx "acknowledged $N lost 0" "$TMP/out" || lostn=$((lostn + 1))
check "after the restart every acknowledged entry is there ($(cat "$TMP/out"))" 'grep -qx "acknowledged $N lost 0" "$TMP/out"'
check "and the ledger verifies" 'consistent "$D"'
run "$FAULT_WRITER" "$D" ckpt "$TMP/acks"
check "the next checkpoint copies it all" 'grep -qx "ckpt ok" "$TMP/out" && grep -qx "acknowledged $N lost 0" "$TMP/out"'

# The writer's own connection does not gather (only its checkpointer's does): a full disk as
# its close-time checkpoint grows the database file is that checkpoint's error, the WAL kept,
# not a stop of the process (review-wal3 L2: it aborted while that connection gathered).
# (the fault must have been injected: the case proves nothing if that checkpoint wrote less;
# no core file should it abort again)
rm -rf "$D" && "$MAMORI" --dir "$D" init --profile minato >/dev/null 2>&1
inj0=$(injected)
# shellcheck disable=SC3045
(ulimit -c 0; faulty "op=write path=*/d/mamori.db at=2 count=0 errno=ENOSPC" "$FAULT_WRITER" "$D" \
	write 10 >"$TMP/acks10" 2>"$TMP/err")
rc=$?
inj1=$(injected)
check "a full disk at the writer's close-time checkpoint is no stop (exit $rc, $((inj1 - inj0)) faults)" \
	'[ "$rc" -eq 0 ] && [ "$(wc -l <"$TMP/acks10")" -eq 10 ] && [ "$inj1" -gt "$inj0" ]'
run "$FAULT_WRITER" "$D" check "$TMP/acks10"
check "and every acknowledged entry is there ($(cat "$TMP/out"))" \
	'grep -qx "acknowledged 10 lost 0" "$TMP/out"'
N_INJ=$(injected)
check "faults were injected ($N_INJ)" '[ "$N_INJ" -ge "$runs" ]'
tally_faults "$N_INJ" "$lostn"
done_testing
