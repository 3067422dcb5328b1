#!/bin/sh
# t0691: two `mamori serve` nodes on one PostgreSQL database (issue 18 §2): one signs the
# ledger's checkpoints (the leader, by a session advisory lock), the other does not; when the
# leader is killed (SIGKILL) its lock goes with its connection and another node takes over and
# signs. Both nodes serve the same ward, and share what lives in the database with nothing
# copied by hand but mamori.conf and the ledger keys: a session and a CSRF token made on one
# node work on the other (the web's key is the database's secret 'web'), and a file attached
# on one node is served by the other (its bytes in the database, SHA-256 checked on read). A
# leader that stops signs its last checkpoint after its log collection has committed every
# message it received. Proofs and verify from any node (an entry written through one node's
# directory, proved by the other's API and command line against a checkpoint); a profile
# applied through one node is the one the other's next act is decided with; each node's
# file-integrity baseline of the same path is its own, and /fim names each node's server.
. "${MAMORI_SRCDIR:?}/tests/http/lib.sh"
. "$MAMORI_SRCDIR/tests/lib/pg.sh"
. "$MAMORI_SRCDIR/tests/http/lib-nodes.sh"
pg_test_start nodes_cleanup
"$MAMORI" --dir "$D" init --store "$PG_URL" --profile minato >/dev/null 2>&1
printf '%s\n' "$ADMIN_PW" | m user passwd admin --password-stdin >/dev/null
printf '[node]\nname = web1\n' >>"$D/mamori.conf"
# the second node: its own directory with the same configuration and ledger keys, and a name
# of its own (another machine)
N2="$TMP/node2"
node_dir "$D" "$N2"
sed -i 's/^name = web1$/name = web2/' "$N2/mamori.conf"

node A "$D"
check "node A started" "[ -n '$A_URL' ]"
check "node A signs the checkpoints (it came first)" "grep -q 'this server signs' '$TMP/A.out'"
node B "$N2"
check "node B started on the same database" "[ -n '$B_URL' ]"
check "node B says another server signs" "grep -q 'another server signs' '$TMP/B.out'"
URL=$A_URL
is "admin logs in on node A" 303 "$(login admin "$ADMIN_PW" "$TMP/jar-a")"
URL=$B_URL
is "and on node B (one ward)" 303 "$(login admin "$ADMIN_PW" "$TMP/jar-b")"
check "neither node made a web.secret file (the key is in the database)" \
	"[ ! -e '$D/web.secret' ] && [ ! -e '$N2/web.secret' ]"
is "one web key, made by the first node" 1 \
	"$(pg_psql -d mamori -Atc "SELECT count(*) FROM secrets WHERE name = 'web' AND length(value) = 32")"

# A session made on node A, used on node B; a form of node B posted to node A.
m section add zeimu --name 税務課 >/dev/null
printf '%s\n' "$PW" | m user add sato --name 佐藤花子 --section zeimu --password-stdin >/dev/null
Z3=$(rec sato title=住民税課税台帳 level=3 section=zeimu access_controlled=true)
URL=$A_URL
is "sato logs in on node A" 303 "$(login sato "$PW" "$TMP/jar-sato")"
URL=$B_URL
is "node B knows sato's session from node A" 200 "$(status -b "$TMP/jar-sato" "${URL}records/$Z3")"
check "and shows sato's record to sato" "grep -q '住民税課税台帳' '$TMP/body' && grep -q '佐藤花子' '$TMP/body'"
C=$(csrf_of "$TMP/jar-sato" "/records/$Z3")
check "node B issued a CSRF token for it" "[ -n '$C' ]"
printf '%%PDF-1.4\n%% 持出し許可書 node A\n' >"$TMP/許可書.pdf"
URL=$A_URL
is "node A takes a file with node B's CSRF token" 303 "$(status -b "$TMP/jar-sato" -F "csrf=$C" \
	-F "owner=record:$Z3" -F "file=@$TMP/許可書.pdf;type=application/pdf" "${URL}attachments")"
is "a wrong token is still refused" 403 "$(status -b "$TMP/jar-sato" -F "csrf=x$C" \
	-F "owner=record:$Z3" -F "file=@$TMP/許可書.pdf" "${URL}attachments")"
URL=$B_URL
curl -s -o "$TMP/got.pdf" -b "$TMP/jar-sato" "${URL}attachments/1"
check "node B serves the file attached on node A, the same bytes" "cmp -s '$TMP/got.pdf' '$TMP/許可書.pdf'"
check "no attachments kept in either data directory" \
	"[ -z \"\$(find '$D' '$N2' -path '*/attachments/*' -type f)\" ]"
is "the bytes are in the database" "$(wc -c <"$TMP/許可書.pdf" | tr -d ' ')" \
	"$(pg_psql -d mamori -Atc "SELECT size FROM blobs")"
# A changed byte in the database is found on read and never served.
pg_psql -d mamori -c "UPDATE blob_parts SET data = overlay(data placing 'X'::bytea from 10)" >/dev/null
is "a file changed in the database is not served" 503 "$(status -b "$TMP/jar-sato" "${URL}attachments/1")"
expect "ledger verify finds it" 1 "$MAMORI" --dir "$N2" ledger verify
err_has "saying the file changed in the database" "changed in the database"
pg_psql -d mamori -c "UPDATE blob_parts SET data = overlay(data placing '%'::bytea from 10)" >/dev/null
is "put back, it is served again" 200 "$(status -b "$TMP/jar-sato" "${URL}attachments/1")"

m ledger note "while two nodes serve" >/dev/null
c0=$(checkpoints)
kill -TERM "$B_PID"
wait "$B_PID"
rc_b=$?
check "node B stopped" "[ $rc_b -eq 0 ]"
B_PID=
check "and did not sign a checkpoint (not the leader)" "[ \"\$(checkpoints)\" = '$c0' ]"

kill -KILL "$A_PID"
wait "$A_PID" 2>/dev/null
A_PID=
node B "$N2" --syslog-tcp 127.0.0.1:0
check "node B restarted, collecting logs" "[ -n '$B_URL' ]"
check "it takes over signing once the leader is gone" "grep -q 'this server signs' '$TMP/B.out'"
m ledger note "after the leader died" >/dev/null

# Proofs from any node: an entry written through node A's directory, a checkpoint signed from
# node B's, and node B's API and command line prove the entry against it (RFC 9162 in Python).
# (Node A's server is gone: what its directory writes goes to the same database.)
m ledger note "written through node A" >/dev/null
n=$(pg_psql -d mamori -Atc "SELECT size FROM ledger_head")
expect "node B's directory signs a checkpoint of the shared ledger" 0 "$MAMORI" --dir "$N2" ledger checkpoint
cp "$TMP/out" "$TMP/cp"
is "covering node A's entry" "$n" "$(sed -n 2p "$TMP/cp")"
"$MAMORI" --dir "$D" ledger entry $((n - 1)) >"$TMP/entry"
URL=$B_URL
TOK=$(token sato)
check "an API token for sato, made on node B" "[ -n '$TOK' ]"
is "node B's API proves node A's entry" 200 \
	"$(status -H "Authorization: Bearer $TOK" "${URL}api/v1/ledger/proof?index=$((n - 1))&size=$n")"
cp "$TMP/body" "$TMP/proof-api"
expect "and node B's command line" 0 "$MAMORI" --dir "$N2" ledger proof $((n - 1)) --size "$n"
cp "$TMP/out" "$TMP/proof-cli"
for p in api cli; do
	check "the $p proof verifies against the checkpoint's root" "python3 - '$TMP/proof-$p' '$TMP/entry' '$TMP/cp' $((n - 1)) $n <<'EOF'
import base64, hashlib, json, sys
p = json.load(open(sys.argv[1]))
entry = open(sys.argv[2], 'rb').read()
root = base64.b64decode(open(sys.argv[3]).read().split('\n')[2])
assert (p['index'], p['tree_size']) == (int(sys.argv[4]), int(sys.argv[5]))
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
done
expect "node B's directory verifies the ledger" 0 "$MAMORI" --dir "$N2" ledger verify

# A profile applied through one node is the one every node decides with at its next batch.
act_b() {
	curl -s -o "$TMP/act.json" -w '%{http_code}' -H "Authorization: Bearer $TOK" \
		-H 'Content-Type: application/json' \
		-d "{\"register\":\"asset\",\"fields\":{\"title\":\"$1\",\"level\":\"1\",\"section\":\"zeimu\",\"access_controlled\":\"true\"}}" \
		"${B_URL}api/v1/records"
}
profile_of() { python3 -c "import json; print(json.load(open('$TMP/act.json'))['profile'])"; }
old=$(pg_psql -d mamori -Atc "SELECT encode(sha256(content), 'hex') FROM profiles ORDER BY seq DESC LIMIT 1")
is "node B acts" 200 "$(act_b 台帳A)"
is "deciding with the profile in force" "$old" "$(profile_of)"
{ cat "$MAMORI_SRCDIR/policies/minato.yaml"; echo "# 改定版（試験）"; } >"$TMP/minato2.yaml"
new=$(sha256sum "$TMP/minato2.yaml" | cut -d' ' -f1)
expect "a new version applied through node A's directory" 0 \
	"$MAMORI" --dir "$D" policy apply "$TMP/minato2.yaml" --emergency 試験 --as admin
is "node B's next act" 200 "$(act_b 台帳B)"
is "is decided with the new version" "$new" "$(profile_of)"
is "and its ledger entry names it" "$new" \
	"$(pg_psql -d mamori -Atc "SELECT profile_sha256 FROM acts ORDER BY id DESC LIMIT 1")"

# File integrity on two machines: each node's baseline of the same configuration path is its
# own, and the overview of either node names the server each one watches.
mkdir -p "$TMP/tree/etc"
echo "PermitRootLogin no" >"$TMP/tree/etc/sshd_config"
printf 'Conf = p+u+g+s+m+c+i+n+sha256+ftype+l\n%s Conf\n' "$TMP/tree" >"$TMP/aide.conf"
expect "fim init on node A" 0 "$MAMORI" --dir "$D" fim init --config "$TMP/aide.conf"
expect "fim init on node B, the same path" 0 "$MAMORI" --dir "$N2" fim init --config "$TMP/aide.conf"
URL=$B_URL
is "node B's 改ざん検知 page" 200 "$(status -b "$TMP/jar-admin" "${URL}fim")"
check "names node A's server" "grep -q '<td>守りサーバー web1</td>' '$TMP/body'"
check "and node B's own" "grep -q '<td>守りサーバー web2</td>' '$TMP/body'"
check "each beside the same configuration path, twice" \
	"[ \"\$(grep -o '>$TMP/aide.conf<' '$TMP/body' | wc -l)\" -eq 2 ]"
check "and no English" "! grep -q 'Mamori server\|this server' '$TMP/body'"

# Messages still arriving when the leader stops: its last checkpoint comes after its log
# collection has committed them all (before, it came first and left them to the next leader)
s0=$(pg_psql -d mamori -Atc "SELECT size FROM ledger_head")
port=$(sed -n 's/.*syslog tcp on .*:\([0-9]*\)$/\1/p' "$TMP/B.out")
python3 -c '
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
s.sendall(b"".join(b"<13>Dec  5 10:00:00 websv app[1]: message %d\n" % i for i in range(20000)))
s.close()' "$port"
kill -TERM "$B_PID"
wait "$B_PID"
B_PID=
check "node B signed a checkpoint at its stop" "[ \"\$(checkpoints)\" -gt '$c0' ]"
size=$(pg_psql -d mamori -Atc "SELECT size FROM ledger_head")
check "messages were collected up to the stop" "[ '$size' -gt '$s0' ]"
is "its last checkpoint covers every entry, the messages collected to the stop included" "$size" \
	"$(pg_psql -d mamori -Atc "SELECT max(size) FROM ledger_checkpoint")"
expect "the ledger verifies with every checkpoint" 0 "$MAMORI" --dir "$D" ledger verify
done_testing
