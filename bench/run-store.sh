#!/bin/sh
# Store insert rate vs a plain sqlite3 run of the same SQL (both WAL, synchronous=FULL, 256-byte rows).
set -eu
B=$1
ROWS=${BENCH_STORE_ROWS:-200000}
PER=1000
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

mkdir "$tmp/m"
ours=$("$B/bench/bench-store" "$tmp/m" "$ROWS" "$PER")

hex=$(python3 -c "print(bytes((i*7)&255 for i in range(256)).hex())")
python3 - "$ROWS" "$PER" "$hex" >"$tmp/peer.sql" <<'PY'
import sys
rows, per, hexs = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
print("PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;")
print("CREATE TABLE bench(id INTEGER PRIMARY KEY, payload BLOB NOT NULL);")
for start in range(0, rows, per):
    print("BEGIN IMMEDIATE;")
    for i in range(start, min(rows, start + per)):
        print(f"INSERT INTO bench(id, payload) VALUES ({i + 1}, X'{hexs}');")
    print("COMMIT;")
PY
t0=$(date +%s%N)
sqlite3 "$tmp/peer.db" <"$tmp/peer.sql" >/dev/null
t1=$(date +%s%N)
peer=$(python3 -c "print(round($ROWS / (($t1 - $t0) / 1e9)))")
printf 'store insert, 256 B rows, 1000/txn\t%s\trows/s\tsqlite3 CLI, same SQL\t%s\t\n' "$ours" "$peer"
