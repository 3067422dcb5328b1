#!/bin/sh
# t0405: libpq is loaded only by a process whose store is PostgreSQL (store/pg-lib.h, issue 18).
# The binary does not link it, a command on a SQLite ward never maps it, a data directory whose
# mamori.conf names postgresql:// loads it at its first use, and when the library is missing
# the command stops with one line naming the Debian package (libpq5), nothing else broken.
# Needs no PostgreSQL server: the store named below does not answer.
. "$(dirname "$0")/lib.sh"

run readelf -d "$MAMORI_BIN"
check "readelf reads the binary" "[ $rc -eq 0 ] && grep -q NEEDED '$TMP/out'"
check "mamori does not link libpq" "! grep -q 'libpq' '$TMP/out'"

S="$TMP/sqlite"
expect "a SQLite ward" 0 "$MAMORI" --dir "$S" init
LD_DEBUG=libs "$MAMORI" --dir "$S" ledger verify >"$TMP/out" 2>"$TMP/err"
check "its ledger verifies" "[ $? -eq 0 ]"
check "and libpq is never loaded (LD_DEBUG=libs)" "! grep -q 'libpq' '$TMP/err'"
LD_DEBUG=libs "$MAMORI" --version >"$TMP/out" 2>"$TMP/err"
check "mamori --version does not load libpq" "! grep -q 'libpq' '$TMP/err'"

# A data directory whose store is a PostgreSQL that does not run (a socket directory without
# a server): libpq is loaded, the connection refused, and the command says so.
P="$TMP/pg"
mkdir -p "$P" "$TMP/nosocket"
printf '[store]\nurl = "postgresql://mamori@/mamori?host=%s"\n' "$TMP/nosocket" >"$P/mamori.conf"
chmod 600 "$P/mamori.conf"
LD_DEBUG=libs "$MAMORI" --dir "$P" ledger verify >"$TMP/out" 2>"$TMP/err"
rc=$?
check "on a PostgreSQL data directory the command loads libpq" "grep -q 'calling init: .*libpq' '$TMP/err'"
check "and fails for want of the server (exit 1)" "[ $rc -eq 1 ]"
run "$MAMORI" --dir "$P" ledger verify
err_has "saying it cannot connect" "cannot connect to PostgreSQL"
err_one_line "in one line"

# A server that takes the connection and never answers (a host behind a firewall that drops
# the packets, a hung server): serve's first connect gives up after the default
# connect_timeout (10 s) with an error saying so, in Japanese for a Japanese reader, instead of
# waiting for ever (before: no timeout; timeout(1) below would have ended it with 124).
python3 -c '
import socket, sys, time
s = socket.socket()
s.bind(("127.0.0.1", 0))
s.listen(64)
open(sys.argv[1], "w").write(str(s.getsockname()[1]))
time.sleep(300)' "$TMP/port" &
LPID=$!
trap 'kill $LPID 2>/dev/null; rm -rf "$TMP"' EXIT
i=0
while [ ! -s "$TMP/port" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
Q="$TMP/silent"
mkdir -p "$Q"
printf '[store]\nurl = "postgresql://mamori@127.0.0.1:%s/mamori"\n' "$(cat "$TMP/port")" >"$Q/mamori.conf"
chmod 600 "$Q/mamori.conf"
t0=$(date +%s)
run timeout 60 "$MAMORI" --dir "$Q" serve --listen 127.0.0.1:0
t1=$(date +%s)
check "serve on a server that never answers stops (exit 1, not killed by timeout)" "[ $rc -eq 1 ]"
check "after the default 10 s connect timeout, not for ever" "[ $((t1 - t0)) -ge 9 ] && [ $((t1 - t0)) -lt 50 ]"
err_has "saying the server did not answer in time" "did not answer within 10 seconds"
err_has "and what to do" "connect_timeout=SECONDS"
err_one_line "in one line"
printf '[store]\nurl = "postgresql://mamori@127.0.0.1:%s/mamori?connect_timeout=2"\n' "$(cat "$TMP/port")" >"$Q/mamori.conf"
t0=$(date +%s)
run env MAMORI_LANG=ja timeout 60 "$MAMORI" --dir "$Q" ledger verify
t1=$(date +%s)
check "the URL's own connect_timeout wins" "[ $rc -eq 1 ] && [ $((t1 - t0)) -lt 9 ]"
err_has "said in Japanese" "2 秒以内に応答しませんでした"
kill $LPID 2>/dev/null
wait $LPID 2>/dev/null

# libpq missing: in a private mount namespace the library file is hidden (/dev/null over it).
LDC=$(command -v ldconfig || echo /sbin/ldconfig)
lib=$("$LDC" -p 2>/dev/null | awk '$1 == "libpq.so.5" { print $NF; exit }')
lib=$(readlink -f "$lib" 2>/dev/null)
if [ -n "$lib" ] && unshare -rm sh -c "mount --bind /dev/null '$lib'" 2>/dev/null; then
	run unshare -rm sh -c "mount --bind /dev/null '$lib' && exec \"\$0\" --dir \"\$1\" ledger verify" \
		"$MAMORI" "$P"
	check "without libpq the command fails (exit 1)" "[ $rc -eq 1 ]"
	err_has "saying the client library is missing" "the PostgreSQL client library is missing"
	err_has "naming the Debian package" "install the Debian package libpq5"
	err_one_line "in one line"
	run unshare -rm sh -c "mount --bind /dev/null '$lib' && exec \"\$0\" --dir \"\$1\" ledger verify" \
		"$MAMORI" "$S"
	check "a SQLite ward works without libpq" "[ $rc -eq 0 ]"
	run unshare -rm sh -c "mount --bind /dev/null '$lib' && exec \"\$0\" --dir \"\$1\" init --store 'postgresql://mamori@/x?host=$TMP/nosocket'" \
		"$MAMORI" "$TMP/new"
	check "init --store without libpq fails (exit 1 or 2)" "[ $rc -eq 1 ] || [ $rc -eq 2 ]"
	err_has "saying why" "the PostgreSQL client library is missing"
	check "and leaves no data directory behind" "[ ! -e '$TMP/new/mamori.conf' ]"
else
	_n=$((_n + 1))
	echo "ok $_n # SKIP libpq hidden: no private mount namespace here (unshare -rm) or libpq.so.5 not found"
fi

done_testing
