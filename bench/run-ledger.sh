#!/bin/sh
# Ledger rows for `make bench`, each beside what bounds it: durable group-committed appends of
# 256-byte entries beside the storage ceiling (the same rows written to SQLite without
# hashing), ack latency at 80% of that rate beside the disk's own fsync latency, proof latency
# at 10^7 entries, and full verify beside the hash ceiling (openssl speed -evp sha256).
# Sizes can be lowered for a quick run:
# BENCH_LEDGER_N (appends, default 1000000), BENCH_LEDGER_TREE (default 10000000);
# BENCH_LEDGER_WINDOW (entries in flight, default 2048: more raise the rate and the latency).
# Durable appends of 4,096-entry batches, one transaction each (ledger_append), on PostgreSQL 15
# (a throwaway cluster, tests/lib/pg.sh, fsync and synchronous_commit on: the ledger's sequence
# under an advisory lock, bundles by COPY) beside the same on SQLite in this run and the issue's
# target (100k entries/s); and the same number through the group-commit writer on PostgreSQL
# (each batch acknowledged by its durable commit) beside the writer on SQLite.
# BENCH_LEDGER_PG_N (default 200000).
# BENCH_LEDGER_DETAIL=1 makes the 80% run also print on stderr what decides it (bench-ledger.c:
# R per 250 ms, each thread's CPU, run-queue wait, switches and faults, the submitter's lag behind
# its due times per 10 ms beside the latency, the acknowledgements' pauses over 5 ms, each thread's
# CPU per 100 ms beside the machine's busy time).
set -eu
B=$1
N=${BENCH_LEDGER_N:-1000000}
TREE=${BENCH_LEDGER_TREE:-10000000}
WINDOW=${BENCH_LEDGER_WINDOW:-2048}
BL="$B/bench/bench-ledger"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/mamori-bench-ledger.XXXXXX")
. "$(dirname "$0")/../tests/lib/pg.sh"
trap 'pg_stop; rm -rf "$tmp"' EXIT

# Hash ceiling: OpenSSL's own SHA-256 speed (same EVP method Mamori uses), bytes/s at 256 B and
# 16 KiB blocks, in MB/s.
speed=$(openssl speed -evp sha256 -seconds 2 2>/dev/null | awk '/^sha256/ {print $4, $7}')
h256=$(echo "$speed" | awk '{sub(/k$/, "", $1); printf "%.0f", $1 / 1000}')
h16k=$(echo "$speed" | awk '{sub(/k$/, "", $2); printf "%.0f", $2 / 1000}')

# Durable appends through the group-commit writer, and the storage ceiling committing the same
# rows durably in batches of what the writer made durable per flush of the disk. Two rounds
# each, alternating, best of each: the machine's load drifts, and both see the same drift.
"$B/mamori" --dir "$tmp/a" init >/dev/null
cp -r "$tmp/a" "$tmp/a0"
best() { awk -v a="$1" -v b="$2" 'BEGIN { print (a > b ? a : b) }'; }
set -- $("$BL" append "$tmp/a" "$N" "$WINDOW")
rate=$1 p50=$2 p99=$3 batch=$5
mkdir "$tmp/c" "$tmp/t"
ceil=$("$BL" ceiling "$tmp/c" "$N" "$batch")
rm -rf "$tmp/c" "$tmp/a2"
cp -r "$tmp/a0" "$tmp/a2"
set -- $("$BL" append "$tmp/a2" "$N" "$WINDOW")
rate=$(best "$rate" "$1")
mkdir "$tmp/c"
ceil=$(best "$ceil" "$("$BL" ceiling "$tmp/c" "$N" "$batch")")
rm -rf "$tmp/c" "$tmp/a2"
printf 'ledger durable appends, 256 B entries, %s in flight (%s a flush)\t%s\tentries/s\tstorage ceiling: same rows into SQLite, no hashing\t%s\t\n' "$WINDOW" "$batch" "$rate" "$ceil"
printf 'ledger ack latency p50 at the maximum rate (%s in flight)\t%s\tms\t-\t-\t-\n' "$WINDOW" "$p50"
printf 'ledger ack latency p99 at the maximum rate (%s in flight)\t%s\tms\t-\t-\t-\n' "$WINDOW" "$p99"

# Ack latency below saturation, on one writer in one process: its maximum rate measured first
# (a closed loop, WINDOW in flight: 2 s of warm-up, 4 s measured), then 80% of that rate offered
# (open loop: 1 s of warm-up, 20 s measured: 3 s until 2026-12-07, see below), latency from when
# each entry was due to its acknowledgement; the
# rate achieved says whether the writer kept up (below the offered rate the latency measures a
# backlog). Beside it the disk alone (a flush's bytes written and fdatasync'ed in the same
# directory, like the WAL), and the CPU that other processes took meanwhile (the two cores'
# busy time minus the bench's own: at 80% the bench takes 1.2-1.4 of the two cores, so a
# process on a core slows the row). The warm-up's own p99 is a row too, and so are the writer's
# checkpointer's CPU per measured entry (its copies into page-cache pages the VM's host had taken
# back cost it four times as much: docs/ledger.md) and this machine's speed after the 80% run
# beside before the maximum was measured (the CPU time of a fixed piece of work: above 1, the
# virtual CPU got slower meanwhile, and 80% of the maximum measured before is more than 80%), and
# the WAL's longest flush over the measured part (over the 3 s measured until 2026-12-07, one
# over ~15-20 ms could miss the row by itself: then the tail was the disk's, whatever the writer
# did; "-": none counted). Two more rows say what spent this VM's CPU quota: how often and how
# long its host stopped it in the measured part (bench/heartbeat.c: a 1 ms heartbeat's late
# wake-ups that end at one moment of a 100 ms period; on this VM the host stops both CPUs until
# the next period once the VM has spent its share, and that is where the row's slow
# acknowledgements were: docs/ledger.md, "The host's CPU quota"), and the bench process's CPU and
# context switches per measured entry. The open loop's submitter wakes at most every 0.5 ms
# (bench-ledger.c's PACED_QUANTUM_NS; each entry counts from its own due time).
# The measured part is 20 s (bench-ledger.c's PACED_MEASURE_S, which `bench-ledger paced-seconds`
# prints; 3 s until 2026-12-07), because the virtual disk stalls a flush for 17-70 ms (once 169)
# about once a minute, with or without our load (docs/ledger.md, "How long the 80% run
# measures"). At 80% of the maximum, one stall of S ms makes the entries due over c (S - 10) ms
# from its start wait more than 10 ms (c: how slowly the backlog drains, 1.5-2.8 measured for
# real stalls, 5 at the model's worst), and the p99 passes 10 ms once they are 1% of the measured
# entries, 10 ms of due time a second whatever the rate: over 3 s one stall over 20-35 ms could
# decide the row by itself; over 20 s (200 ms, 180 with a tenth left to the run's other slow
# moments) none up to 10 + 180 / 2.8 = 74 ms can at the c measured (46 ms at c 5; the one of 169
# ms still did: p99 64.9 ms, its longest WAL flush row 169.1). One stall of the syncer's flush
# alone, injected (`bench-ledger paced DIR N WINDOW 70`, never passed here; it drains at c = 1):
# p99 42.6-43.7 ms over 3 s (4 of 4 runs), 5.0-7.9 ms over 20 s (11 of 11).
# Enough entries for 6 s at the maximum rate and 1 s + the measured part (21 s) at 80% of it, from
# the rate just measured, and half as many again, in case the paced run's maximum comes above the
# append rounds' (0.95-0.98 of them in the 2026-12-07 08:15 runs, but 1.19 beside others' work
# with 200,000-entry append rounds, where 15% over ran out at 19.1 s; a fixed 3M ran out on a
# quiet machine at 680k/s: the run never reached its measured part). The margin costs only
# memory (24 bytes an entry: ~0.8 GB at 1M/s); entries past the measured part are never made.
# When the entries ran out before the measured part's end, bench-ledger says so on stderr, and its
# field 14 (the length as run, in the row names below) is shorter.
paced_s=$("$BL" paced-seconds)
paced_n=$(awk -v r="$rate" -v m="$paced_s" 'BEGIN { n = r * (6 + 0.8 * (1 + m)) * 1.5; printf "%.0f", (n < 3000000 ? 3000000 : n) }')
cp -r "$tmp/a0" "$tmp/p"
# Dirty pages left by what ran before (the earlier benchmarks' files, this script's appends) go to
# the disk first, outside the timing: otherwise the kernel's flusher writes them back during the
# measured part and the WAL's fdatasync queues behind it (a traced quiet run: the syncer blocked
# 30 + 26 ms while the flusher wrote, ack p99 39 ms with the submitter on time; docs/ledger.md),
# which the fsync probe beside the row never sees.
sync
set -- $("$BL" paced "$tmp/p" "$paced_n" "$WINDOW")
max80=$1 r80=$2 got80=$3 l50=$4 l99=$5 b80=$6 w99=$8 oth=$9 othmost=${10} ck80=${11:--} slow=${12:--}
wal80=${13:--} meas=${14:-3} stops=${15:--} stopms=${16:--} cpu80=${17:--} csw80=${18:--}
rm -rf "$tmp/p" "$tmp/a0"
set -- $("$BL" fsync "$tmp" $((batch * 256 + 4096)) 300)
f50=$1 f99=$2
printf 'ledger appends at 80%% of the maximum rate (offered %s)\t%s\tentries/s\toffered: 80%% of the maximum measured just before on the same writer\t%s\t\n' "$r80" "$got80" "$r80"
printf 'ledger maximum rate just before the 80%% run (same writer)\t%s\tentries/s\t-\t-\t-\n' "$max80"
printf 'ledger ack latency p50 at 80%% of the maximum rate\t%s\tms\ttarget\t10\t\n' "$l50"
printf 'ledger ack latency p99 at 80%% of the maximum rate\t%s\tms\ttarget\t10\t\n' "$l99"
printf 'ledger ack latency p99 at 80%%, the first second (warm-up, not in the rows above)\t%s\tms\t-\t-\t-\n' "$w99"
printf 'ledger entries per commit at 80%% of the maximum rate\t%s\tentries\t-\t-\t-\n' "$b80"
printf 'disk fsync latency p50 (%s KiB + fdatasync, same directory)\t%s\tms\t-\t-\t-\n' $(((batch * 256 + 4096) / 1024)) "$f50"
printf 'disk fsync latency p99 (%s KiB + fdatasync, same directory)\t%s\tms\t-\t-\t-\n' $(((batch * 256 + 4096) / 1024)) "$f99"
printf 'ledger ack p99 at 80%% beside the disk fsync p99\t%s\tms\tdisk fsync p99\t%s\t\n' "$l99" "$f99"
printf 'ledger 80%% run: CPU of other processes beside its measured %s s (mean)\t%s\tcores\tmost in 250 ms\t%s\t\n' "$meas" "$oth" "$othmost"
printf 'ledger 80%% run: checkpointer CPU per entry in its measured %s s\t%s\tus\t-\t-\t-\n' "$meas" "$ck80"
printf 'ledger 80%% run: CPU time of a fixed piece of work after it, beside before the maximum rate\t%s\tx\t-\t-\t-\n' "$slow"
printf 'ledger 80%% run: the longest WAL flush (fdatasync) in its measured %s s\t%s\tms\tdisk fsync p99\t%s\t\n' "$meas" "$wal80" "$f99"
printf 'ledger 80%% run: the host stopped this VM (its CPU quota, 100 ms periods) in its measured %s s\t%s\tper s\tms stopped per s\t%s\t\n' "$meas" "$stops" "$stopms"
printf 'ledger 80%% run: CPU per entry (every thread of the bench process) in its measured %s s\t%s\tus\tcontext switches per entry\t%s\t\n' "$meas" "$cpu80" "$csw80"

# The same appends on PostgreSQL, when Debian's postgresql-15 is installed.
PGN=${BENCH_LEDGER_PG_N:-200000}
pgrate=
"$B/mamori" --dir "$tmp/s" init >/dev/null
sqrate=$("$BL" batches "$tmp/s" "$PGN" 4096)
rm -rf "$tmp/s"
if pg_available && pg_start; then
	"$B/mamori" --dir "$tmp/p" init --store "$PG_URL" >/dev/null
	pgrate=$("$BL" batches "$tmp/p" "$PGN" 4096)
	rm -rf "$tmp/p"
	pg_psql -c "CREATE DATABASE w2 OWNER mamori" >/dev/null
	"$B/mamori" --dir "$tmp/p" init --store "postgresql://mamori@/w2?host=$PG_HOST&port=5432" >/dev/null
	set -- $("$BL" append "$tmp/p" "$PGN" "$WINDOW")
	pgwrate=$1 pgw50=$2 pgw99=$3 pgwbatch=$5
	pg_stop
	rm -rf "$tmp/p"
fi

# Full verify of the appended log (256-byte entries), MB/s of entry bytes.
set -- $("$BL" verify "$tmp/a")
vmb=$1
rm -rf "$tmp/a"

# Proofs at 10^7 entries, read from the real storage; the tree is built through the real
# append code in large unsynced transactions (a bench-only shortcut for the set-up).
"$BL" build "$tmp/t" "$TREE"
set -- $("$BL" proof "$tmp/t" 20000)
size=$1 pr50=$2 pr99=$3

if [ -n "$pgrate" ]; then
	printf 'ledger durable appends on PostgreSQL 15, 256 B entries, 4096 a transaction\t%s\tentries/s\tthe same on SQLite, this run\t%s\t\n' "$pgrate" "$sqrate"
	printf 'ledger durable appends on PostgreSQL 15 beside the target\t%s\tentries/s\ttarget (issue 18)\t100000\t\n' "$pgrate"
	printf 'ledger durable appends on PostgreSQL 15 through the group-commit writer, %s in flight (%s a commit)\t%s\tentries/s\tthe writer on SQLite, this run\t%s\t\n' "$WINDOW" "$pgwbatch" "$pgwrate" "$rate"
	printf 'ledger ack latency p99 on PostgreSQL 15 through the writer (%s in flight)\t%s\tms\ton SQLite, this run\t%s\t\n' "$WINDOW" "$pgw99" "$p99"
else
	printf 'ledger durable appends on PostgreSQL 15\t-\tentries/s\tnot run: %s\t-\t-\n' "${PG_MISSING:-the cluster did not start}"
fi
printf 'ledger proof latency p50, %s entries\t%s\tus\ttarget\t100\t\n' "$size" "$pr50"
printf 'ledger proof latency p99, %s entries\t%s\tus\ttarget\t100\t\n' "$size" "$pr99"
printf 'ledger full verify (re-hash, rebuild, compare)\t%s\tMB/s\thash ceiling: openssl speed -evp sha256, 256 B blocks\t%s\t\n' "$vmb" "$h256"
printf 'SHA-256 (openssl speed -evp sha256, 16 KiB blocks)\t%s\tMB/s\t-\t-\t-\n' "$h16k"
