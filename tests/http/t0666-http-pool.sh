#!/bin/sh
# t0666-http-pool: the server holds as many store connections as requests ran at once, however
# many of its worker threads have served one (issue 9: a connection per thread grew the soak's
# RSS as clients came and went, about 0.6 MiB each).
. "${MAMORI_SRCDIR:?}/tests/http/lib.sh"
ward_make
server_start
# the store connections the server holds: one descriptor of the database file each
db_fds() { ls -l "/proc/$SERVER_PID/fd" 2>/dev/null | grep -c '/mamori\.db$'; }

login sato "$PW" "$TMP/jar" >/dev/null
is "a list page" 200 "$(status -b "$TMP/jar" "${URL}registers/asset")"
before=$(db_fds)
# 48 requests one after another, each on a new connection: libmicrohttpd spreads new
# connections over its 32 worker threads
bad=0
for i in $(seq 1 24); do
	[ "$(status -b "$TMP/jar" "${URL}registers/asset?page=$i")" = 200 ] || bad=$((bad + 1))
	[ "$(status -b "$TMP/jar" "${URL}records/$Z3")" = 200 ] || bad=$((bad + 1))
done
is "48 pages on 48 connections" 0 "$bad"
after=$(db_fds)
check "no more store connections than requests at once ($before -> $after)" '[ "$after" -le $((before + 1)) ]'
# many at once: as many connections as ran together, given back to be used again
pids=
for i in $(seq 1 8); do
	curl -s -o /dev/null -b "$TMP/jar" "${URL}registers/asset?page=$i" &
	pids="$pids $!"
done
wait $pids
many=$(db_fds)
for i in $(seq 1 24); do curl -s -o /dev/null -b "$TMP/jar" "${URL}records/$Z3"; done
check "after 8 at once, at most 8 more ($before -> $many)" '[ "$many" -le $((before + 8)) ]'
check "and none made after them ($many -> $(db_fds))" '[ "$(db_fds)" -le "$many" ]'
server_stop
done_testing
