#!/bin/sh
# Several `mamori serve` nodes on one PostgreSQL ward (issue 18 §4): door acts through the JSON
# API (record.create: decided, applied, ledgered, durable) by 32 clients (wrk), first all on one
# node, then 16 on each of two nodes at once; both figures and the ratio. A throwaway cluster
# (tests/lib/pg.sh, fsync and synchronous_commit on). Without postgresql-15 the rows say why
# ("not run"), and make bench goes on. Rows: benchmark, figure, unit, peer, peer figure, ratio.
set -eu
B=$1
M="$B/mamori"
SECS=${BENCH_WEB_SECONDS:-10}
PW='Kawa-Sora-Umi-2026!x'
ADMIN_PW='Kanri-Hoshi-Tsuki-2026!z'
tmp=$(mktemp -d)
P1= P2=
. "$(dirname "$0")/../tests/lib/pg.sh"
# stop_nodes: SIGTERM to each node, then up to 20 s for it to end (the nodes are not this shell's
# children, serve() starts them in a command substitution; a bare wait would wait for the
# cluster, pg_start's child, for ever)
stop_nodes() {
	for p in $P1 $P2; do kill -TERM "$p" 2>/dev/null; done
	for p in $P1 $P2; do
		for _i in $(seq 1 200); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
	done
}
trap 'set +e; stop_nodes; pg_stop; rm -rf "$tmp"' EXIT
ROW2='nodes: door acts through the API on PostgreSQL 15, 32 clients on 2 nodes (16 each)'
ROW1='nodes: door acts through the API on PostgreSQL 15, 32 clients on 1 node'
# not_run WHY: both rows, without figures, saying why
not_run() {
	printf '%s	-	acts/s	not run: %s	-	-
' "$ROW2" "$1"
	printf '%s	-	acts/s	not run: %s	-	-
' "$ROW1" "$1"
}
command -v wrk >/dev/null || { echo "bench/run-nodes.sh: wrk is missing (scripts/bootstrap)" >&2; exit 1; }
if ! pg_available; then
	not_run "$PG_MISSING"
	exit 0
fi
pg_start || { not_run "the throwaway PostgreSQL cluster did not start"; exit 1; }

W="$tmp/a"
"$M" --dir "$W" init --store "$PG_URL" --profile minato >/dev/null
printf '%s\n' "$ADMIN_PW" | "$M" --dir "$W" user passwd admin --password-stdin >/dev/null
"$M" --dir "$W" section add zeimu --name 税務課 >/dev/null
printf '%s\n' "$PW" | "$M" --dir "$W" user add sato --name sato --section zeimu --password-stdin >/dev/null
mkdir -m 700 "$tmp/b"
cp -p "$W/mamori.conf" "$W/ledger.key" "$W/ledger.pub" "$tmp/b/"

# serve DIR OUT: starts a node; prints its URL (the PID in $tmp/OUT.pid).
serve() {
	"$M" --dir "$1" serve --listen 127.0.0.1:0 >"$tmp/$2.out" 2>"$tmp/$2.err" &
	echo $! >"$tmp/$2.pid"
	for _ in $(seq 1 150); do
		u=$(sed -n 's/.*listening on \(.*\)/\1/p' "$tmp/$2.out")
		[ -n "$u" ] && { echo "$u"; return 0; }
		sleep 0.1
	done
	cat "$tmp/$2.err" >&2
	exit 1
}
U1=$(serve "$W" n1)
P1=$(cat "$tmp/n1.pid")
U2=$(serve "$tmp/b" n2)
P2=$(cat "$tmp/n2.pid")

# An API token for sato, issued by the administrator in the browser form on node 1.
rm -f "$tmp/jar"
c=$(curl -s -c "$tmp/jar" -b "$tmp/jar" "${U1}login" | sed -n 's/.*name="csrf" value="\([^"]*\)".*/\1/p' | head -1)
curl -s -c "$tmp/jar" -b "$tmp/jar" -o /dev/null --data-urlencode "csrf=$c" \
	--data-urlencode login=admin --data-urlencode "password=$ADMIN_PW" "${U1}login"
c=$(curl -s -b "$tmp/jar" "${U1}admin/tokens" | sed -n 's/.*name="csrf" value="\([^"]*\)".*/\1/p' | head -1)
T=$(curl -s -b "$tmp/jar" --data-urlencode "csrf=$c" --data-urlencode login=sato \
	--data-urlencode label=bench "${U1}admin/tokens" |
	sed -n 's/.*class="notice ok"[^<]*: \([A-Za-z0-9_-]\{22\}\)<.*/\1/p' | head -1)
[ -n "$T" ] || { echo "bench/run-nodes.sh: no API token" >&2; exit 1; }
cat >"$tmp/act.lua" <<'LUA'
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"register":"asset","fields":{"title":"bench","level":"2","section":"zeimu","access_controlled":"true"}}'
LUA

# rps FILE: a wrk run's requests/s (fails on any non-2xx answer).
rps() {
	python3 - "$1" <<'PY'
import re, sys
t = open(sys.argv[1]).read()
bad = re.search(r"Non-2xx or 3xx responses: (\d+)", t)
if bad:
    sys.exit(f"bench/run-nodes.sh: {bad.group(1)} requests failed:\n{t}")
rps = float(re.search(r"Requests/sec:\s+([\d.]+)", t).group(1))
print(f"{rps:.0f}")
PY
}
act() { wrk -t2 -c"$2" -d"${SECS}s" -s "$tmp/act.lua" -H "Authorization: Bearer $T" "${1}api/v1/records"; }

act "$U1" 32 >"$tmp/one.out" 2>&1
one=$(rps "$tmp/one.out")
act "$U1" 16 >"$tmp/two1.out" 2>&1 &
w1=$!
act "$U2" 16 >"$tmp/two2.out" 2>&1 &
w2=$!
wait "$w1" "$w2"
r1=$(rps "$tmp/two1.out")
r2=$(rps "$tmp/two2.out")
two=$((r1 + r2))
printf '%s\t%s\tacts/s\tthe same 32 clients on 1 node, this run\t%s\t\n' "$ROW2" "$two" "$one"
printf '%s\t%s\tacts/s\tweb target (core)\t5000\t\n' "$ROW1" "$one"
