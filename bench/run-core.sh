#!/bin/sh
# Acts/s through the door on a mixed load (record add, action needing approval, approval),
# durable commits (WAL, synchronous=FULL), group-committed across 8 threads, beside the same
# load from one thread (one commit and fsync per act), and the latency p50/p99 of an act.
# Targets (issue 5): >= 5000 acts/s, p99 <= 20 ms.
set -eu
B=$1
THREADS=${BENCH_CORE_THREADS:-8}
ITER=${BENCH_CORE_ITERATIONS:-2000}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

set -- $("$B/bench/bench-core" "$tmp/many" "$THREADS" "$ITER")
rate=$1 p50=$2 p99=$3
set -- $("$B/bench/bench-core" "$tmp/one" 1 $((ITER / 4)))
rate1=$1 p50_1=$2
printf 'door acts, mixed add/request/approve, %s threads, durable\t%s\tacts/s\tone thread, a commit per act\t%s\t\n' \
	"$THREADS" "$rate" "$rate1"
printf 'door acts vs target\t%s\tacts/s\ttarget (issue 5)\t5000\t\n' "$rate"
printf 'door act latency p99, %s threads\t%s\tms\ttarget (issue 5)\t20\t%s\n' "$THREADS" "$p99" \
	"$(python3 -c "print('%.2fx' % (20 / $p99) if $p99 > 0 else '-')")"
printf 'door act latency p50, %s threads\t%s\tms\tone thread p50\t%s\t\n' "$THREADS" "$p50" "$p50_1"
