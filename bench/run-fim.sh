#!/bin/sh
# File integrity rows for `make bench`, beside AIDE 0.18 from Debian on the same tree in the same
# run (../shared/peers/fim: mktree.py's tree of 20,000 files, 1.05 GB, and AIDE's configuration
# with 2 workers), and beside the hashing ceiling: the tree's bytes over two cores of
# `openssl speed -evp sha256` at 16 KiB blocks. Warm cache: every timed run follows a warm-up.
# Each figure is the best of BENCH_FIM_RUNS runs (default 3; the machine is shared). Times are
# wall clock and CPU time (user + system); memory is the kernel's high-water mark (VmHWM) of the
# mamori process, measured by bench-fim run.
# Beside them, the least any program must do to hash those files (bench/fim-floor.c: the paths
# given, two threads that open, read 256 KiB at a time, SHA-256 and close; then the same with
# the fstat before and after that issue 14 requires of fim), timed after each init: how near a
# program that reads the files can come to the ceiling, which reads none.
# Without the peers, Mamori alone on a tree of the same shape (bench/fim-tree.py).
# Rows: benchmark, figure, unit, peer, peer figure, ratio (tab separated).
set -eu
B=$1
top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/bench/lib.sh"
RUNS=${BENCH_FIM_RUNS:-3}
M="$B/mamori"
BF="$B/bench/bench-fim"
FF="$B/bench/fim-floor"
peers=$(peers_dir fim)
work=$(mktemp -d "${TMPDIR:-/tmp}/mamori-bench-fim.XXXXXX")
trap 'rm -rf "$work"' EXIT

for p in "$BF" "$FF"; do
	[ -x "$p" ] || { echo "run-fim: $p not built" >&2; exit 1; }
done
tree="$work/tree"
if [ -n "$peers" ]; then
	python3 "$peers/mktree.py" "$tree" >"$work/tree.txt"
else
	python3 "$top/bench/fim-tree.py" "$tree" >"$work/tree.txt"
fi
files=$(awk '{print $2}' "$work/tree.txt")
bytes=$(awk '{print $4}' "$work/tree.txt")
printf 'Bench = sha256+p+u+g+m+s+i+n\n%s Bench\n' "$tree" >"$work/fim.conf"
cat "$tree"/*/*/* >/dev/null # warm the cache
find "$tree" -type f | LC_ALL=C sort >"$work/list.txt" # the minimal reader's files

# timed NAME CMD...: runs CMD through bench-fim run (a small parent, so the max RSS is the
# program's own), appends "NAME seconds cpu_seconds maxrss_kib exit" to $work/times.
timed() {
	_n=$1
	shift
	echo "$_n $("$BF" run "$@")" >>"$work/times"
}
best() { awk -v n="$1" '$1 == n { if (!b || $2 < b) b = $2 } END { print b }' "$work/times"; }
bestcpu() { awk -v n="$1" '$1 == n { if (!b || $3 < b) b = $3 } END { print b }' "$work/times"; }
rss() { awk -v n="$1" '$1 == n { if ($4 > r) r = $4 } END { printf "%.1f", r / 1024 }' "$work/times"; }
# speed_16k [OPTIONS]: openssl's SHA-256 at 16 KiB blocks, in MB/s (CPU time unless -elapsed).
speed_16k() {
	openssl speed "$@" -bytes 16384 -seconds 1 -evp sha256 2>/dev/null |
		awk '/^sha256/ {sub(/k$/, "", $2); printf "%.0f\n", $2 / 1000}'
}
load1() { cut -d' ' -f1 /proc/loadavg; }
load_start=$(load1)

# Mamori: init in a fresh data directory each time (the first is the warm-up), then checks.
# Before each timed init, the two-core hashing rate under the same load (openssl speed
# -elapsed -multi 2): the ceiling in wall time of that moment.
i=0
while [ $i -le "$RUNS" ]; do
	"$M" --dir "$work/d$i" init --profile minato >/dev/null 2>&1
	[ $i -gt 0 ] && speed_16k -elapsed -multi 2 >>"$work/elapsed.txt"
	timed "init$([ $i -eq 0 ] && echo -warm)" "$M" --dir "$work/d$i" fim init --config "$work/fim.conf"
	if [ $i -gt 0 ]; then
		timed floor "$FF" "$work/list.txt" 2 0
		timed floor-stat "$FF" "$work/list.txt" 2 1
	fi
	i=$((i + 1))
done
d="$work/d1"
i=0
while [ $i -lt "$RUNS" ]; do
	timed check "$M" --dir "$d" fim check
	i=$((i + 1))
done
# single-threaded hashing: the walk hashing in its own thread (the library alone)
i=0
while [ $i -lt "$RUNS" ]; do
	"$BF" init "$work/fim.conf" "$work/one.base" 0 >>"$work/one.txt"
	i=$((i + 1))
done
one_s=$(sort -n "$work/one.txt" | head -1 | awk '{print $1}')
one_cpu=$(sort -n -k6 "$work/one.txt" | head -1 | awk '{print $6}')
walk_rss=$(sort -n -k5 "$work/one.txt" | tail -1 | awk '{printf "%.1f", $5 / 1024}')

# 100 files changed: exactly those are reported
python3 - "$tree" "$work/changed.txt" <<'PY'
import os, sys
root = sys.argv[1]
paths = sorted(os.path.join(d, f) for d, _, fs in os.walk(root) for f in fs)
with open(sys.argv[2], 'w') as out:
    for p in paths[::len(paths) // 100][:100]:
        with open(p, 'r+b') as f:
            b = f.read(1)
            f.seek(0)
            f.write(bytes([b[0] ^ 0xff]))
        out.write(p + '\n')
PY
"$M" --dir "$d" fim check --json >"$work/changed.json" 2>/dev/null || true
reported=$(python3 - "$work/changed.json" "$work/changed.txt" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
want = set(open(sys.argv[2]).read().split('\n')) - {''}
got = [x['path'] for x in d['changed'] + d['added'] + d['removed']]
print(f"{len(got)} ({'exactly the changed files' if set(got) == want and len(got) == len(want) else 'NOT the changed files'})")
PY
)

# The hashing ceiling of this run: one core's rate in CPU time (openssl speed's default), and
# two cores' rate in wall time under this run's load (the best of those measured above).
mbs=$(speed_16k)
ceil=$(python3 -c "print(f'{$bytes / ($mbs * 1e6 * 2):.3f}')")
mbs_load=$(sort -n "$work/elapsed.txt" | tail -1)
ceil_load=$(python3 -c "print(f'{$bytes / ($mbs_load * 1e6):.3f}')")
ceil_cpu=$(python3 -c "print(f'{$bytes / ($mbs * 1e6):.3f}')")
load_end=$(load1)

init_s=$(best init)
init_cpu=$(bestcpu init)
check_s=$(best check)
one_mbs=$(python3 -c "print(f'{$bytes / $one_s / 1e6:.0f}')")
one_cpu_mbs=$(python3 -c "print(f'{$bytes / $one_cpu / 1e6:.0f}')")
label="$files files, $(python3 -c "print(f'{$bytes / 1e9:.2f}')") GB"

# AIDE on the same tree, same run: best of RUNS runs of the peer's script (warm-up inside).
aide_init="" aide_check=""
if [ -n "$peers" ] && command -v aide >/dev/null 2>&1 && command -v bc >/dev/null 2>&1; then
	i=0
	while [ $i -lt "$RUNS" ]; do
		sh "$peers/run-aide.sh" "$tree" 2 >>"$work/aide.txt" 2>/dev/null || true
		i=$((i + 1))
	done
	aide_init=$(awk '/aide --init/ {print $(NF-1)}' "$work/aide.txt" | sort -n | head -1)
	aide_check=$(awk '/aide --check/ {print $(NF-1)}' "$work/aide.txt" | sort -n | head -1)
	# AIDE's CPU time (user + system, its workers too) on the same tree, configured as the
	# peer's script configures it: a comparison the machine's load does not move.
	mkdir -p "$work/aide"
	sed -e "s|TREE|$tree|" -e "s|DBDIR|$work/aide|" "$peers/aide.conf" >"$work/aide/aide.conf"
	timed aide-init /usr/bin/env aide --init -c "$work/aide/aide.conf"
	mv "$work/aide/aide.db.new" "$work/aide/aide.db" 2>/dev/null || true
	timed aide-check /usr/bin/env aide --check -c "$work/aide/aide.conf"
	aide_init_cpu=$(bestcpu aide-init)
	aide_check_cpu=$(bestcpu aide-check)
	check_cpu=$(bestcpu check)
fi
ratio() { python3 -c "print(f'{$1 / $2:.2f}x')"; }
if [ -n "$aide_init" ]; then
	printf 'fim init, %s, 2 threads (best of %s)\t%s\ts\taide --init, 2 workers, same tree and run\t%s\t%s\n' \
		"$label" "$RUNS" "$init_s" "$aide_init" "$(ratio "$init_s" "$aide_init")"
	printf 'fim check, nothing changed (best of %s)\t%s\ts\taide --check, 2 workers, same run\t%s\t%s\n' \
		"$RUNS" "$check_s" "$aide_check" "$(ratio "$check_s" "$aide_check")"
	printf 'fim init CPU time (user + system)\t%s\tCPU s\taide --init CPU time, same tree and run\t%s\t%s\n' \
		"$init_cpu" "$aide_init_cpu" "$(ratio "$init_cpu" "$aide_init_cpu")"
	printf 'fim check CPU time (user + system), nothing changed\t%s\tCPU s\taide --check CPU time, nothing changed, same run\t%s\t%s\n' \
		"$check_cpu" "$aide_check_cpu" "$(ratio "$check_cpu" "$aide_check_cpu")"
else
	na_row "fim init, $label, 2 threads (best of $RUNS)" "$init_s" s
	na_row "fim check, nothing changed (best of $RUNS)" "$check_s" s
fi
printf 'fim init beside the hashing ceiling (target <= 1.5x)\t%s\ts\tceiling: bytes / (2 cores x openssl speed -evp sha256 16 KiB, %s MB/s per CPU second)\t%s\t%s\n' \
	"$init_s" "$mbs" "$ceil" "$(ratio "$init_s" "$ceil")"
printf 'fim init beside the ceiling under the same load (wall)\t%s\ts\tceiling: bytes / openssl speed -elapsed -multi 2 just before (best %s MB/s)\t%s\t%s\n' \
	"$init_s" "$mbs_load" "$ceil_load" "$(ratio "$init_s" "$ceil_load")"
printf 'fim init CPU time (user + system, best of %s)\t%s\tCPU s\tCPU time hashing alone needs: bytes / openssl speed (%s MB/s)\t%s\t%s\n' \
	"$RUNS" "$init_cpu" "$mbs" "$ceil_cpu" "$(ratio "$init_cpu" "$ceil_cpu")"
floor_s=$(best floor) floor_cpu=$(bestcpu floor)
floors_s=$(best floor-stat) floors_cpu=$(bestcpu floor-stat)
if awk '$1 ~ /^floor/ && $5 != 0 { bad = 1 } END { exit !bad }' "$work/times"; then
	echo "run-fim: the minimal reader could not read the tree" >&2
	exit 1
fi
printf 'minimal reader (paths given; open, read 256 KiB, SHA-256, close; 2 threads) beside the ceiling\t%s\ts\tthe hashing ceiling above (reads no file)\t%s\t%s\n' \
	"$floor_s" "$ceil" "$(ratio "$floor_s" "$ceil")"
printf 'minimal reader + fstat before and after (as fim must) beside the ceiling\t%s\ts\tthe hashing ceiling above (reads no file)\t%s\t%s\n' \
	"$floors_s" "$ceil" "$(ratio "$floors_s" "$ceil")"
printf 'fim init beside the minimal reader + fstats, same run (wall)\t%s\ts\tminimal reader + fstat before and after, 2 threads\t%s\t%s\n' \
	"$init_s" "$floors_s" "$(ratio "$init_s" "$floors_s")"
printf 'minimal reader CPU time (user + system)\t%s\tCPU s\tCPU time hashing alone needs (above)\t%s\t%s\n' \
	"$floor_cpu" "$ceil_cpu" "$(ratio "$floor_cpu" "$ceil_cpu")"
printf 'minimal reader + fstats CPU time (user + system)\t%s\tCPU s\tCPU time hashing alone needs (above)\t%s\t%s\n' \
	"$floors_cpu" "$ceil_cpu" "$(ratio "$floors_cpu" "$ceil_cpu")"
printf 'fim init CPU time beside the minimal reader + fstats, same run\t%s\tCPU s\tminimal reader + fstat before and after, CPU time\t%s\t%s\n' \
	"$init_cpu" "$floors_cpu" "$(ratio "$init_cpu" "$floors_cpu")"
# verdict FIGURE OP LIMIT: the ratio figure / limit, and whether the target is met (le: at most).
verdict() {
	python3 -c "f, l = $1, $3; ok = f <= l if '$2' == 'le' else f >= l; print(f'{f / l:.2f}x ({\"met\" if ok else \"NOT met\"})')"
}
printf 'fim hashing, 1 thread (walk + SHA-256), wall\t%s\tMB/s\ttarget (issue 14: >= 650 MB/s)\t650\t%s\n' \
	"$one_mbs" "$(verdict "$one_mbs" ge 650)"
printf 'fim hashing, 1 thread, per CPU second (user + system)\t%s\tMB/s\ttarget (issue 14: >= 650 MB/s)\t650\t%s\n' \
	"$one_cpu_mbs" "$(verdict "$one_cpu_mbs" ge 650)"
printf 'fim hashing, 1 thread, per CPU second, beside openssl\t%s\tMB/s\topenssl speed -evp sha256 16 KiB, per CPU second\t%s\t%s\n' \
	"$one_cpu_mbs" "$mbs" "$(ratio "$one_cpu_mbs" "$mbs")"
printf 'fim check, 100 files changed: entries reported\t%s\tentries\texpected\t100\t-\n' "$reported"
for row in "init:fim init max RSS (mamori process, VmHWM)" "check:fim check max RSS (mamori process, VmHWM)"; do
	r=$(rss "${row%%:*}")
	printf '%s\t%s\tMB\tceiling (issue 14: RSS <= 16 MB)\t16\t%s\n' "${row#*:}" "$r" "$(verdict "$r" le 16)"
done
printf 'fim walk max RSS (the library alone, 1 thread)\t%s\tMB\tceiling (issue 14: RSS <= 16 MB)\t16\t%s\n' \
	"$walk_rss" "$(verdict "$walk_rss" le 16)"
printf 'fim rows: machine load (1-minute average) at start and end\t%s\tload\tat the end\t%s\t-\n' \
	"$load_start" "$load_end"
