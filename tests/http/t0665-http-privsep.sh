#!/bin/sh
# t0665-http-privsep: issue 11, "the ledger signing key lives in its own process": `mamori
# serve` forks the signer (mamori-signer) at start and seals ledger.key off from itself with
# Landlock (the unit test web-sandbox shows a worker's open() of the key failing); checkpoints
# are still signed, by the signer, and verify; the server's own temporary files (the PDF report)
# and attachments still work under the seal.
. "${MAMORI_SRCDIR:?}/tests/http/lib.sh"
ward_make
n_cp() { sqlite3 "$D/mamori.db" 'SELECT count(*) FROM ledger_checkpoint'; }
before=$(n_cp)
server_start
check "the server says the key is held by the signer process" \
	"grep -q 'ledger key held by the signer process' '$TMP/serve.out'"
check "a child process mamori-signer runs" \
	"[ \"\$(ps -o comm= --ppid $SERVER_PID | grep -c mamori-signer)\" -eq 1 ]"
SIGNER=$(sed -n 's/.*signer process (pid \([0-9]*\)).*/\1/p' "$TMP/serve.out")
is "tanaka logs in (ledger entries the server appends)" 303 "$(login tanaka "$PW" "$TMP/jar-t")"
is "the administrator logs in" 303 "$(login admin "$ADMIN_PW" "$TMP/jar-a")"
is "and gets the PDF report (made in the server's own TMPDIR)" 200 \
	"$(status -b "$TMP/jar-a" "${URL}report/compliance?format=pdf")"
check "it is a PDF" "head -c 5 '$TMP/body' | grep -q '%PDF-'"
server_stop
check "the signer ended with the server" "! kill -0 '$SIGNER' 2>/dev/null"
after=$(n_cp)
check "the server signed a checkpoint for its entries at stop ($before → $after)" '[ "$after" -gt "$before" ]'
expect "and the ledger verifies with the ward's key" 0 "$MAMORI" --dir "$D" ledger verify
done_testing
