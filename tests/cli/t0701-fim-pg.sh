#!/bin/sh
# t0701: file integrity on a PostgreSQL ward with several nodes (issue 18): every baseline is
# kept in the database as well (the blobs, by its SHA-256) and FIM's signing key is the ward's
# (secrets 'fim'), so a node that has no copy fetches them, checked, and checks, accepts and
# makes generations like the node that made the first; a baseline changed in the database is
# found out on fetch (tampered); a node holding another key is refused, saying why. Nodes on
# other machines (mamori.conf [node] name, else the host name) keep their own configurations
# apart: the same configuration path on two of them is two baselines (schema 0028), and a
# configuration made before that (node '') is still every node's.
. "$(dirname "$0")/lib.sh"
. "$MAMORI_SRCDIR/tests/lib/pg.sh"
. "$MAMORI_SRCDIR/tests/http/lib-nodes.sh"
pg_test_start nodes_cleanup
W="$TMP/ward"
T="$TMP/tree"
C="$TMP/aide.conf"
json() { python3 -c "import json,sys; d=json.load(open('$TMP/out')); print($1)"; }
same() { if [ "$2" = "$3" ]; then ok "$1"; else not_ok "$1 (got '$3', want '$2')"; fi; }
hex() { od -An -tx1 "$1" | tr -d ' \n'; }
mkdir -p "$T/etc"
echo "PermitRootLogin no" >"$T/etc/sshd_config"
echo "<h1>区役所</h1>" >"$T/index.html"
printf 'Conf = p+u+g+s+m+c+i+n+sha256+ftype+l\n%s Conf\n' "$T" >"$C"
"$MAMORI" --dir "$W" init --store "$PG_URL" --profile minato --demo >/dev/null 2>&1

expect "fim init on PostgreSQL" 0 "$MAMORI" --dir "$W" fim init --config "$C" --json
sha1=$(json 'd["sha256"]')
same "the baseline is in the database, by its SHA-256" 1 \
	"$(pg_psql -d mamori -Atc "SELECT count(*) FROM blobs WHERE sha256 = '$sha1'")"
same "the ward's FIM key is in the database, the same as the node's file" "$(hex "$W/fim/fim.key")" \
	"$(pg_psql -d mamori -Atc "SELECT encode(value, 'hex') FROM secrets WHERE name = 'fim'")"
expect "check on the first node" 0 "$MAMORI" --dir "$W" fim check

N2="$TMP/node2"
node_dir "$W" "$N2"
expect "a second node with no copy checks" 0 "$MAMORI" --dir "$N2" fim check
out_has "clean" "clean"
check "it fetched the baseline, the same bytes" "cmp -s '$W/fim/1/1.base' '$N2/fim/1/1.base'"
check "and holds the ward's key (0600)" "cmp -s '$W/fim/fim.key' '$N2/fim/fim.key' && [ \"\$(stat -c %a '$N2/fim/fim.key')\" = 600 ]"

echo "PermitRootLogin yes" >"$T/etc/sshd_config"
expect "the second node finds a change" 1 "$MAMORI" --dir "$N2" fim check --json
report=$(json 'd["id"]')
expect "and its system manager accepts it there" 0 "$MAMORI" --dir "$N2" fim accept "$report" \
	--as joho-kacho --comment "sshd の設定変更" --json
sha2=$(pg_psql -d mamori -Atc "SELECT baseline_sha256 FROM fim_configs")
same "generation 2's baseline is in the database" 1 \
	"$(pg_psql -d mamori -Atc "SELECT count(*) FROM blobs WHERE sha256 = '$sha2'")"
expect "the first node checks against generation 2, fetched" 0 "$MAMORI" --dir "$W" fim check
check "which it did not have before" "cmp -s '$W/fim/1/2.base' '$N2/fim/1/2.base'"

# a baseline changed in the database: a node that fetches it finds it out
N3="$TMP/node3"
node_dir "$W" "$N3"
pg_psql -d mamori -c "UPDATE blob_parts SET data = overlay(data placing 'X'::bytea from 300) WHERE sha256 = '$sha2'" >/dev/null
expect "a baseline changed in the database" 1 "$MAMORI" --dir "$N3" fim check --json
same "is tampered" tampered "$(json 'd["outcome"]')"
check "and is not written to the node" "[ ! -e '$N3/fim/1/2.base' ]"

# a node with a key of its own is refused
N4="$TMP/node4"
node_dir "$W" "$N4"
mkdir -m 700 "$N4/fim"
printf 'mamori-fim-key 1\n%064d\n' 7 >"$N4/fim/fim.key"
chmod 600 "$N4/fim/fim.key"
expect "a node holding another FIM key" 1 "$MAMORI" --dir "$N4" fim check
err_has "is told its key differs from the ward's" "differs from the ward's"

# another machine (its own [node] name): the same configuration path is a configuration of
# its own, with its own baseline of its own files; the first node's is not touched
N5="$TMP/node5"
node_dir "$W" "$N5"
printf '[node]\nname = web2\n' >>"$N5/mamori.conf"
expect "a node of another name has no baseline for the same path" 1 "$MAMORI" --dir "$N5" fim check --config "$C"
err_has "and says to make one" "has no baseline"
expect "fim init there makes its own configuration" 0 "$MAMORI" --dir "$N5" fim init --config "$C" --json
same "with an id of its own" 2 "$(json 'd["config_id"]')"
same "keyed by each node's name" "local|$(hostname | cut -d. -f1)|local|web2" \
	"$(pg_psql -d mamori -Atc "SELECT string_agg(host || '|' || node, '|' ORDER BY id) FROM fim_configs")"
expect "fim list shows both" 0 "$MAMORI" --dir "$N5" fim list --json
same "each with its node" "1:local:$(hostname | cut -d. -f1) 2:local:web2" \
	"$(json '" ".join("%d:%s:%s" % (c["id"], c["host"], c["node"]) for c in d)')"
expect "fim check without --config takes the node's own" 0 "$MAMORI" --dir "$N5" fim check --json
same "configuration 2" "web2" "$(json 'd["node"]')"
echo "PermitRootLogin prohibit-password" >"$T/etc/sshd_config"
expect "a change found by the second machine" 1 "$MAMORI" --dir "$N5" fim check --json
same "in its own configuration" 2 \
	"$(pg_psql -d mamori -Atc "SELECT config_id FROM fim_reports ORDER BY id DESC LIMIT 1")"
same "the first node's generation is untouched" 2 \
	"$(pg_psql -d mamori -Atc "SELECT generation FROM fim_configs WHERE id = 1")"
printf '[node]\nname = web/2\n' >>"$N4/mamori.conf"
expect "a [node] name that is not a name is refused" 1 "$MAMORI" --dir "$N4" fim check
err_has "saying what a name may hold" "may only have letters, digits"

# a configuration made before schema 0028 (node '') is every node's, as it was
pg_psql -d mamori -c "BEGIN; SELECT set_config('mamori.door', 'open', true); UPDATE fim_configs SET node = '' WHERE id = 1; COMMIT" >/dev/null
N6="$TMP/node6"
node_dir "$W" "$N6"
printf '[node]\nname = web3\n' >>"$N6/mamori.conf"
expect "a third machine checks the shared configuration" 1 "$MAMORI" --dir "$N6" fim check --config "$C" --json
same "configuration 1's report" 1 \
	"$(pg_psql -d mamori -Atc "SELECT config_id FROM fim_reports ORDER BY id DESC LIMIT 1")"
expect "the ledger verifies" 0 "$MAMORI" --dir "$W" ledger verify
done_testing
