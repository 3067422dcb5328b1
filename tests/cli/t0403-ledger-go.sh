#!/bin/sh
# t0403: Go's golang.org/x/mod/sumdb/note and tlog (Debian golang-golang-x-mod-dev, no network)
# accept Mamori's checkpoints, inclusion and consistency proofs and exported tiles, and reject
# a tampered checkpoint. Skips only when go or the Debian package is absent.
. "$(dirname "$0")/lib.sh"

GOSRC=/usr/share/gocode
if ! command -v go >/dev/null 2>&1; then
	echo "1..0 # SKIP go is not installed (scripts/bootstrap installs golang-go)"
	exit 0
fi
if [ ! -d "$GOSRC/src/golang.org/x/mod/sumdb/tlog" ]; then
	echo "1..0 # SKIP golang-golang-x-mod-dev is not installed (scripts/bootstrap installs it)"
	exit 0
fi
SRC=${MAMORI_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}
export GO111MODULE=off GOPATH="$GOSRC" GOPROXY=off GOFLAGS= GOCACHE="$TMP/gocache" GOTOOLCHAIN=local
expect "build the Go checker from Debian's x/mod" 0 go build -o "$TMP/ledgercheck" "$SRC/tests/go/ledgercheck/main.go"
G="$TMP/ledgercheck"

D="$TMP/d"
expect "init" 0 "$MAMORI" --dir "$D" init
"$MAMORI" --dir "$D" ledger key >"$TMP/vkey"
seq 1 777 | sed 's/^/line /' >"$TMP/a.log"
expect "import" 0 "$MAMORI" --dir "$D" log import --source s "$TMP/a.log"
expect "checkpoint 777" 0 "$MAMORI" --dir "$D" ledger checkpoint
cp "$TMP/out" "$TMP/cp777"
expect "note.Open accepts the checkpoint" 0 "$G" checkpoint "$TMP/vkey" "$TMP/cp777"
out_has "Go reads size 777" "ok checkpoint 777 "

for i in 0 1 255 256 500 776; do
	"$MAMORI" --dir "$D" ledger proof "$i" >"$TMP/proof"
	"$MAMORI" --dir "$D" ledger entry "$i" >"$TMP/entry"
	expect "tlog.CheckRecord accepts the proof of entry $i" 0 "$G" inclusion "$TMP/vkey" "$TMP/cp777" "$TMP/proof" "$TMP/entry"
done
"$MAMORI" --dir "$D" ledger entry 3 >"$TMP/entry"
"$MAMORI" --dir "$D" ledger proof 4 | python3 -c "
import hashlib, json, sys, base64
p = json.load(sys.stdin)
p['leaf_hash'] = base64.b64encode(hashlib.sha256(b'\\0' + open(sys.argv[1], 'rb').read()).digest()).decode()
print(json.dumps(p))" "$TMP/entry" >"$TMP/proof"
expect "tlog.CheckRecord rejects entry 3 with the proof of entry 4" 1 "$G" inclusion "$TMP/vkey" "$TMP/cp777" "$TMP/proof" "$TMP/entry"

seq 1 1000 | sed 's/^/more /' >"$TMP/b.log"
expect "import more" 0 "$MAMORI" --dir "$D" log import --source s "$TMP/b.log"
expect "checkpoint 1777" 0 "$MAMORI" --dir "$D" ledger checkpoint
cp "$TMP/out" "$TMP/cp1777"
"$MAMORI" --dir "$D" ledger consistency 777 1777 >"$TMP/cons"
expect "tlog.CheckTree accepts consistency 777 -> 1777" 0 "$G" consistency "$TMP/vkey" "$TMP/cp777" "$TMP/cp1777" "$TMP/cons"
"$MAMORI" --dir "$D" ledger consistency 776 1777 | sed 's/"old_size":776/"old_size":777/' >"$TMP/cons"
expect "tlog.CheckTree rejects the proof from 776 passed off as from 777" 1 "$G" consistency "$TMP/vkey" "$TMP/cp777" "$TMP/cp1777" "$TMP/cons"

# (the root's first character changed: to X, or to Y when it already is X, 1 in 64)
sed '3s/^X/Y/;t;3s/^./X/' "$TMP/cp777" >"$TMP/bad"
cmp -s "$TMP/cp777" "$TMP/bad" && not_ok "the tampered checkpoint differs"
expect "note.Open rejects a tampered checkpoint" 1 "$G" checkpoint "$TMP/vkey" "$TMP/bad"

expect "export" 0 "$MAMORI" --dir "$D" ledger export "$TMP/x"
expect "tlog.TileHashReader accepts the exported tiles, proofs and checkpoints" 0 "$G" export "$TMP/x"
out_has "Go checked the whole export" "ok export: 1777 entries"
done_testing
