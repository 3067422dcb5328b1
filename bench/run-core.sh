#!/bin/sh
# Acts/s through the door on a mixed load (record add, action needing approval, approval),
# durable commits (WAL, synchronous=FULL), group-committed across concurrent clients (threads
# of one process, as the web server's), beside the same load from one client (a commit and
# fsync per act); latency p50/p99 of one act. Targets (issue 5): >= 5000 acts/s, p99 <= 20 ms.
set -eu
B=$1
ITER=${BENCH_CORE_ACTS:-4800}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

run() { # run THREADS -> "acts/s p50 p99 n"
	rm -rf "$tmp/w"
	"$B/bench/bench-core" "$tmp/w" "$1" $((ITER / 3 / $1))
}
set -- $(run 1)
r1=$1 p50_1=$2 p99_1=$3
set -- $(run 8)
r8=$1 p50_8=$2 p99_8=$3
set -- $(run 32)
r32=$1 p50_32=$2 p99_32=$3
ratio() { python3 -c "import sys; a, b = float(sys.argv[1]), float(sys.argv[2]); print('%.2fx' % (a / b) if b else '-')" "$1" "$2"; }
printf 'door acts/s, mixed load, 32 clients, durable\t%s\tacts/s\ttarget (issue 5)\t5000\t\n' "$r32"
printf 'door acts/s, mixed load, 8 clients, durable\t%s\tacts/s\ttarget (issue 5)\t5000\t\n' "$r8"
printf 'door acts/s, 32 clients (group commit)\t%s\tacts/s\tone client, a commit per act\t%s\t\n' \
	"$r32" "$r1"
printf 'door act latency p99, 32 clients\t%s\tms\ttarget (issue 5)\t20\t%s\n' "$p99_32" \
	"$(ratio 20 "$p99_32")"
printf 'door act latency p99, 8 clients\t%s\tms\ttarget (issue 5)\t20\t%s\n' "$p99_8" \
	"$(ratio 20 "$p99_8")"
printf 'door act latency p50, 8 clients\t%s\tms\tone client p50\t%s\t\n' "$p50_8" "$p50_1"
printf 'door act latency p99, one client\t%s\tms\ttarget (issue 5)\t20\t%s\n' "$p99_1" \
	"$(ratio 20 "$p99_1")"
