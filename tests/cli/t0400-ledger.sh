#!/bin/sh
# t0400: the ledger's command-line contract: key, checkpoint, entry, proof, consistency, verify,
# export, show, tail, and log import, with exact output shapes checked by an independent
# Python verifier (hashlib) where they carry hashes.
. "$(dirname "$0")/lib.sh"

D="$TMP/d"
expect "init" 0 "$MAMORI" --dir "$D" init
check "signer key is 0600" "[ \"\$(stat -c %a '$D/ledger.key')\" = 600 ]"
check "the database never holds the private key" "! grep -q 'PRIVATE+KEY' '$D/mamori.db'"

# key: name+hex id+base64(0x01 || key), the id computed by the spec
expect "ledger key" 0 "$MAMORI" --dir "$D" ledger key
check "key has the contract's shape" \
	"grep -Eq '^ward/mamori/[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}\+[0-9a-f]{8}\+[A-Za-z0-9+/]{44}\$' '$TMP/out'"
check "key never prints the private key" "! grep -q PRIVATE '$TMP/out'"
cp "$TMP/out" "$TMP/vkey"
check "key id = SHA-256(name || LF || 0x01 || key)[0:4]" "python3 - '$TMP/vkey' <<'EOF'
import base64, hashlib, sys
name, kid, b64 = open(sys.argv[1]).read().strip().split('+', 2)
key = base64.b64decode(b64)
assert key[0] == 1 and len(key) == 33
assert hashlib.sha256(name.encode() + b'\n' + key).digest()[:4].hex() == kid
EOF"

# checkpoint of the empty log
expect "checkpoint of the empty log" 0 "$MAMORI" --dir "$D" ledger checkpoint
check "checkpoint body: origin, 0, empty root" \
	"[ \"\$(sed -n 1p '$TMP/out')\" = \"\$(cut -d+ -f1 '$TMP/vkey')\" ] && [ \"\$(sed -n 2p '$TMP/out')\" = 0 ] && [ \"\$(sed -n 3p '$TMP/out')\" = 47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU= ]"
check "blank line then one em-dash signature line" \
	"[ -z \"\$(sed -n 4p '$TMP/out')\" ] && sed -n 5p '$TMP/out' | grep -q '^— ward/mamori/' && [ \$(wc -l <'$TMP/out') = 5 ]"

# log import: a file, then stdin
i=1
while [ $i -le 300 ]; do
	echo "192.0.2.$((i % 250)) - user$i [22/Nov/2026:02:46:44 +0900] \"GET /records/$i HTTP/1.1\" 200 $i"
	i=$((i + 1))
done >"$TMP/access.log"
printf '\n' >>"$TMP/access.log"
expect "log import a file" 0 "$MAMORI" --dir "$D" log import --source proxy "$TMP/access.log"
out_has "import says what it appended" "imported 300 lines from '$TMP/access.log' as entries 0..299"
printf 'one\ntwo\n' >"$TMP/stdin.log"
expect "log import stdin" 0 "$MAMORI" --dir "$D" log import --source fw-1 <"$TMP/stdin.log"
out_has "stdin lines appended after the file" "as entries 300..301"
expect "log import needs --source" 2 "$MAMORI" --dir "$D" log import "$TMP/access.log"
expect "log import refuses a bad source name" 2 "$MAMORI" --dir "$D" log import --source 'a b' "$TMP/access.log"
expect "log import of a missing file" 1 "$MAMORI" --dir "$D" log import --source x "$TMP/nope"
err_one_line "missing file is one mamori: line"

# entry: raw bytes and --json
expect "entry raw" 0 "$MAMORI" --dir "$D" ledger entry 299
cp "$TMP/out" "$TMP/entry299"
check "raw entry is version 1, kind ingest (4)" "[ \"\$(head -c 2 '$TMP/entry299' | od -An -tx1 | tr -d ' ')\" = 0104 ]"
check "the raw access line is sealed, not in the entry" "! grep -q 'user300' '$TMP/entry299'"
expect "entry --json" 0 "$MAMORI" --dir "$D" ledger entry 299 --json
out_has "json names kind" '"kind":"ingest"'
out_has "json names source" '"source":"proxy"'
out_has "json names the line number" '"line":300'
out_has "json says the payload is kept" '"payload":"present"'
expect "entry beyond the log" 1 "$MAMORI" --dir "$D" ledger entry 302
err_one_line "missing entry is one mamori: line"
expect "entry index not a number" 2 "$MAMORI" --dir "$D" ledger entry x1

# show and tail for people
expect "show" 0 "$MAMORI" --dir "$D" ledger show 299
out_has "show names the source" "proxy"
out_has "show hides the payload by default" "--payload shows them"
expect "show --payload" 0 "$MAMORI" --dir "$D" ledger show 299 --payload
out_has "show --payload prints the raw line (entry 299 is line 300)" "GET /records/300 "
# a sealed payload that cannot be read (its full bundle's records cut short) is an error, never
# "missing" (before, show printed "missing" and exited 0)
cp -r "$D" "$TMP/cut"
sqlite3 "$TMP/cut/mamori.db" "UPDATE ledger_sealed SET data = substr(data, 1, 40) WHERE n = 0;"
expect "show of a payload that cannot be read" 1 "$MAMORI" --dir "$TMP/cut" ledger show 200 --payload
err_one_line "unreadable payload is one mamori: line"
err_has "unreadable payload says what to run" "ledger verify"
check "unreadable payload is not called missing" "! grep -q missing '$TMP/out'"
rm -rf "$TMP/cut"
expect "tail -n 2" 0 "$MAMORI" --dir "$D" ledger tail -n 2
check "tail prints two lines" "[ \$(wc -l <'$TMP/out') = 2 ]"
out_has "tail ends with the last entry" "fw-1:2"

# checkpoint, proof, consistency: shapes and validity (Python as the independent checker)
expect "checkpoint after imports" 0 "$MAMORI" --dir "$D" ledger checkpoint
cp "$TMP/out" "$TMP/cp302"
check "checkpoint covers 302 entries" "[ \"\$(sed -n 2p '$TMP/cp302')\" = 302 ]"
expect "checkpoint --size 0 is the stored one" 0 "$MAMORI" --dir "$D" ledger checkpoint --size 0
check "stored checkpoint 0" "[ \"\$(sed -n 2p '$TMP/out')\" = 0 ]"
expect "checkpoint --size of a size never signed" 1 "$MAMORI" --dir "$D" ledger checkpoint --size 5
expect "proof 299" 0 "$MAMORI" --dir "$D" ledger proof 299
cp "$TMP/out" "$TMP/proof"
check "proof has exactly the contract's keys in order" \
	"grep -Eq '^\{\"index\":299,\"tree_size\":302,\"leaf_hash\":\"[A-Za-z0-9+/]{43}=\",\"proof\":\[(\"[A-Za-z0-9+/]{43}=\",?)+\]\}\$' '$TMP/proof'"
check "proof verifies against the checkpoint root (RFC 9162 in Python)" "python3 - '$TMP/proof' '$TMP/entry299' '$TMP/cp302' <<'EOF'
import base64, hashlib, json, sys
p = json.load(open(sys.argv[1]))
entry = open(sys.argv[2], 'rb').read()
root = base64.b64decode(open(sys.argv[3]).read().split('\n')[2])
H = lambda b: hashlib.sha256(b).digest()
r = H(b'\x00' + entry)
assert base64.b64encode(r).decode() == p['leaf_hash']
fn, sn = p['index'], p['tree_size'] - 1
for c in map(base64.b64decode, p['proof']):
    assert sn != 0
    if fn & 1 or fn == sn:
        r = H(b'\x01' + c + r)
        while not fn & 1 and fn:
            fn, sn = fn >> 1, sn >> 1
    else:
        r = H(b'\x01' + r + c)
    fn, sn = fn >> 1, sn >> 1
assert sn == 0 and r == root
EOF"
expect "proof --size 100" 0 "$MAMORI" --dir "$D" ledger proof 5 --size 100
out_has "proof for the asked size" '"tree_size":100'
expect "proof of an entry beyond the tree" 1 "$MAMORI" --dir "$D" ledger proof 302
expect "proof for a size beyond the log" 1 "$MAMORI" --dir "$D" ledger proof 1 --size 303
expect "consistency 100 302" 0 "$MAMORI" --dir "$D" ledger consistency 100 302
check "consistency has exactly the contract's keys" \
	"grep -Eq '^\{\"old_size\":100,\"new_size\":302,\"proof\":\[(\"[A-Za-z0-9+/]{43}=\",?)+\]\}\$' '$TMP/out'"
expect "consistency of equal sizes is empty" 0 "$MAMORI" --dir "$D" ledger consistency 302 302
out_has "empty proof" '{"old_size":302,"new_size":302,"proof":[]}'
expect "consistency from 0 is refused" 2 "$MAMORI" --dir "$D" ledger consistency 0 5
expect "consistency backwards is refused" 2 "$MAMORI" --dir "$D" ledger consistency 5 4

# verify, export, verify --offline, and the export's own checker
expect "verify" 0 "$MAMORI" --dir "$D" ledger verify
out_has "verify reports what it checked" "ok: 302 entries"
out_has "verify checked the sealed payloads" "302 sealed payloads match"
expect "verify with the auditor's checkpoint" 0 "$MAMORI" --dir "$D" ledger verify --checkpoint "$TMP/cp302"
expect "export" 0 "$MAMORI" --dir "$D" ledger export "$TMP/x"
check "export has the C2SP layout" "[ -f '$TMP/x/checkpoint' ] && [ -f '$TMP/x/key.pub' ] && [ -f '$TMP/x/tile/entries/000' ] && [ -f '$TMP/x/tile/entries/001.p/46' ] && [ -f '$TMP/x/tile/0/000' ] && [ -f '$TMP/x/tile/1/000.p/1' ] && [ -f '$TMP/x/README.md' ]"
check "export holds no sealed payloads" "! grep -rq 'user300' '$TMP/x'"
expect "export refuses an existing directory" 1 "$MAMORI" --dir "$D" ledger export "$TMP/x"
expect "verify --offline" 0 "$MAMORI" ledger verify --offline "$TMP/x"
out_has "offline verify counts entries" "ok: 302 entries"
expect "verify --offline with the auditor's checkpoint" 0 "$MAMORI" ledger verify --offline "$TMP/x" --checkpoint "$TMP/cp302"
expect "the export's verify.py (python3 + openssl only)" 0 python3 "$TMP/x/verify.py" "$TMP/x" "$TMP/cp302"
out_has "verify.py agrees" "ok: 302 entries"
expect "verify --offline of a non-directory" 1 "$MAMORI" ledger verify --offline "$TMP/nope"

# note, and the help
expect "note" 0 "$MAMORI" --dir "$D" ledger note "audit visit 令和8年11月22日"
out_has "note prints its index" "302"
"$MAMORI" --dir "$D" ledger tail -n 1 -f >"$TMP/follow" 2>&1 &
follower=$!
sleep 1
"$MAMORI" --dir "$D" ledger note "followed note" >/dev/null
i=0
while ! grep -q "followed note" "$TMP/follow" && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
kill "$follower"
wait "$follower" 2>/dev/null
check "tail -f shows an entry appended while it runs" "grep -q 'followed note' '$TMP/follow'"
expect "ledger help lists the contract" 0 "$MAMORI" ledger help
for c in key checkpoint entry proof consistency verify export show tail; do
	out_has "help lists $c" "    $c "
done
expect "unknown subcommand" 2 "$MAMORI" ledger frobnicate
done_testing
