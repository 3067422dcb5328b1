#!/bin/sh
# t0709-fault-serve-latch: the log collection's writer meets a failed sync of the database's
# files while the door is idle (no act runs, so the door's own fail-stop never sees it): the
# ledger writer's WAL flush fails, its recovery's full checkpoint fails to sync, and that latches
# the database for the whole process (store/wal.c). mamori serve then stops by itself with status
# 1 and says why, the log is kept, and the next start recovers every acknowledged line. With the
# latch removed the server refuses the batches and goes on, and the test fails. The store's
# line of the latch is said in the server's language (store_set_say: Japanese here).
. "${MAMORI_SRCDIR:?}/tests/http/lib.sh"
. "${MAMORI_SRCDIR:?}/tests/faults/lib.sh"
# (logs_server_start, with the server alone in Japanese)
ward_make
export MAMORI_LANG=ja
faulty_server_start
export MAMORI_LANG=en
LT=$(token suzuki logs logs)
check "a token of the logs scope" '[ -n "$LT" ]'
: >"$TMP/acked"
batch() { post_logs t0709; }
batch
check "before the fault a batch is acknowledged ($code)" '[ "$code" = 200 ]'
# every sync of the database's files fails from now on (the WAL's and the database file's)
arm "op=fsync path=*/data/mamori.db* at=1 count=0 errno=EIO"
batch
check "the batch whose flush failed is refused ($code)" 'case $code in 5??) true ;; *) false ;; esac'
batch
check "the next one too: its recovery's checkpoint cannot sync ($code)" \
	'case $code in 5??|000) true ;; *) false ;; esac'
server_wait_stop
check "the server stopped by itself" '[ "$stopped_itself" = yes ]'
rm -f "$CTL"
check "with exit status 1 ($server_status)" '[ "$server_status" -eq 1 ]'
check "saying why" \
	'grep -q "mamori: error: the disk did not confirm a write of the database file.*no connection copies.*stopping" "$TMP/serve.err"'
if grep -q "^mamori: エラー: ディスクがデータベースファイル「$D/mamori.db」への書き込みを確認しませんでした（" "$TMP/serve.err"; then
	ok "the store said the latch in Japanese"
else
	not_ok "the store said the latch in Japanese"
	diag "serve's stderr:" "$(grep '^mamori:' "$TMP/serve.err" | head -20)"
fi
check "the log is kept" '[ "$(wc -c <"$D/mamori.db-wal")" -gt 32 ]'
F=$(grep -c '^fsync EIO' "$FLOG")

server_start
check "the server starts again" 'kill -0 "$SERVER_PID"'
batch
check "and acknowledges a batch ($code)" '[ "$code" = 200 ]'
server_stop
check "the data directory is consistent" 'consistent "$D"'
lines_missing "$D" "$TMP/acked" >"$TMP/lost"
lost=$(wc -l <"$TMP/lost" | tr -d ' ')
check "acknowledged log lines lost: $lost of $(wc -l <"$TMP/acked" | tr -d ' ')" '[ "$lost" -eq 0 ]'
tally_faults "$F" "$lost"
done_testing
