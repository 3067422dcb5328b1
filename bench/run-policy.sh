#!/bin/sh
# Policy decisions beside Casbin and Cedar-wasm on the same 100,000 requests
# (../shared/peers/policy), plus the shipped profiles' load + validate time. Without the peers
# (a user's clone), Mamori's figures on its own request set, "peer not available here" beside.
# The peers run in a copy under the build directory (npm ci there; nothing is written to the
# tree). Rows: benchmark, figure, unit, peer, peer figure, ratio (tab separated).
set -eu
B=$1
top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/bench/lib.sh"
PEERS_SRC=${MAMORI_PEERS:-$(peers_dir policy)}
work="$B/policy-peers"
bench="$B/bench/bench-policy"

[ -x "$bench" ] || { echo "run-policy: $bench not built" >&2; exit 1; }
if [ -z "$PEERS_SRC" ] || [ ! -d "$PEERS_SRC" ] || ! command -v node >/dev/null; then
	# No peers here: Mamori alone, on its own request set (no expected outcomes: unchecked).
	echo "run-policy: no peers (../shared/peers/policy or MAMORI_PEERS); Mamori alone" >&2
	mkdir -p "$work"
	python3 "$top/bench/policy/gen-requests.py" 100000 "$work/own-requests.jsonl"
	"$bench" "$top/bench/policy/scenario.yaml" "$work/own-requests.jsonl" - >"$work/mamori.txt"
	python3 - "$work/mamori.txt" "$PEER_NA" <<'PY'
import sys
m = dict(l.split() for l in open(sys.argv[1]) if l.strip())
na = sys.argv[2]
def row(bench, fig, unit, peer=na, peer_fig='', ratio=''):
    print('\t'.join([bench, fig, unit, peer, peer_fig, ratio]))
row('policy decide, 100k requests (own set, unchecked)', m['throughput_per_s'], 'decisions/s')
row('policy decide p50 latency', f"{float(m['p50_us']):.3f}", 'µs')
row('policy decide p99 latency', f"{float(m['p99_us']):.3f}", 'µs')
row('policy decide incl. AuthZEN JSON in and out', m['e2e_per_s'], 'decisions/s')
for p in ('minato', 'shinjuku'):
    ms = float(m[f'load_{p}_ms'])
    row(f'profile {p}: load + validate', f'{ms:.2f}', 'ms', 'target', '50', f'{50 / ms:.0f}x under')
PY
	exit 0
fi

# A fresh copy of the peers' sources; node_modules is kept between runs.
mkdir -p "$work"
for f in "$PEERS_SRC"/*; do
	cp -r "$f" "$work/"
done
if [ ! -d "$work/node_modules" ]; then
	(cd "$work" && npm ci --no-audit --no-fund >"$work/npm.log" 2>&1) || {
		echo "run-policy: npm ci failed (see $work/npm.log)" >&2
		exit 1
	}
fi
(cd "$work" && node export.mjs "$work/export" >/dev/null)

# Mamori first: its figures count only with 0 mismatches (bench-policy exits 1 otherwise).
"$bench" "$top/bench/policy/scenario.yaml" "$work/export/requests.jsonl" \
	"$work/export/expected.txt" >"$work/mamori.txt"

# The peers, one fresh node process each (as their README runs them).
(cd "$work" && rm -f results/raw.jsonl &&
	node bench.mjs casbin-sync >"$work/casbin.json" &&
	node bench.mjs cedar-deref-preparsed >"$work/cedar.json")

python3 - "$work/mamori.txt" "$work/casbin.json" "$work/cedar.json" <<'PY'
import json, sys
m = dict(l.split() for l in open(sys.argv[1]) if l.strip())
casbin = json.loads(open(sys.argv[2]).read().strip().splitlines()[-1])
cedar = json.loads(open(sys.argv[3]).read().strip().splitlines()[-1])
for name, peer in (('casbin', casbin), ('cedar', cedar)):
    if peer.get('mismatches'):
        sys.exit(f'run-policy: {name} had {peer["mismatches"]} mismatches')
if int(m['mismatches']):
    sys.exit(f'run-policy: mamori had {m["mismatches"]} mismatches')
tput = float(m['throughput_per_s'])
p50, p99 = float(m['p50_us']), float(m['p99_us'])
rows = []
def row(bench, fig, unit, peer, peer_fig, ratio):
    rows.append('\t'.join([bench, fig, unit, peer, peer_fig, ratio]))
for name, peer, label in (('casbin', casbin, 'casbin 5 enforceExSync'),
                          ('cedar', cedar, 'cedar-wasm 4, deref, pre-parsed')):
    row('policy decide, 100k requests (0 mismatches)', f'{tput:.0f}', 'decisions/s', label,
        f'{peer["throughput"]:.0f}', f'{tput / peer["throughput"]:.0f}x')
    row('policy decide p50 latency', f'{p50:.3f}', 'µs', label, f'{peer["p50_us"]:.1f}',
        f'{peer["p50_us"] / p50:.0f}x faster')
    row('policy decide p99 latency', f'{p99:.3f}', 'µs', label, f'{peer["p99_us"]:.1f}',
        f'{peer["p99_us"] / p99:.0f}x faster')
row('policy decide incl. AuthZEN JSON in and out', m['e2e_per_s'], 'decisions/s',
    'casbin 5 enforceExSync (no JSON)', f'{casbin["throughput"]:.0f}',
    f'{float(m["e2e_per_s"]) / casbin["throughput"]:.1f}x')
for p in ('minato', 'shinjuku'):
    ms = float(m[f'load_{p}_ms'])
    row(f'profile {p}: load + validate', f'{ms:.2f}', 'ms', 'target', '50',
        f'{50 / ms:.0f}x under')
print('\n'.join(rows))
print(f'# mamori: p50 includes the clock_gettime pair ({m["timer_ns"]} ns per call)', file=sys.stderr)
PY
