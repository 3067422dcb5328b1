#!/bin/sh
# t0404: a data directory whose store is PostgreSQL (issue 18): mamori init --store records the
# store in mamori.conf and makes the schema on a real PostgreSQL 15 (tests/lib/pg.sh), doctor
# reports it, every ledger command works there (note, checkpoint, entry, proof, verify, export,
# show, tail), a ward's acts run through the door there with the guard's triggers refusing any
# other writer, backup (t0408 in depth), log search, a command that does not work on PostgreSQL
# yet (migrate from it) refuses saying so, and bad URLs,
# passwords and a second ward in one database are refused.
. "$(dirname "$0")/lib.sh"
. "$MAMORI_SRCDIR/tests/lib/pg.sh"
pg_test_start 'pg_stop; rm -rf "$TMP"'
W="$TMP/ward"

expect "init --store makes the schema on PostgreSQL" 0 "$MAMORI" --dir "$W" init --store "$PG_URL"
out_has "init says where the data lives" "on PostgreSQL postgresql://mamori@/mamori"
check "mamori.conf names the store" "grep -qF '[store]' '$W/mamori.conf' && grep -qF 'url = \"$PG_URL\"' '$W/mamori.conf'"
check "mamori.conf is 0600" "[ \"\$(stat -c %a '$W/mamori.conf')\" = 600 ]"
check "no SQLite file is made" "[ ! -e '$W/mamori.db' ]"
check "the ledger keys are made" "[ -s '$W/ledger.key' ] && [ -s '$W/ledger.pub' ]"
run pg_psql -d mamori -Atc "SELECT max(version) FROM schema_version"
NMIG=$(ls "$MAMORI_SRCDIR"/schema/[0-9][0-9][0-9][0-9]-*.sql | wc -l)
check "the database holds every migration" "[ \"\$(cat '$TMP/out')\" = $NMIG ]"
run pg_psql -d mamori -Atc "SELECT value <> '' FROM meta WHERE key = 'created_at'"
check "init's meta row is in PostgreSQL" "[ \"\$(cat '$TMP/out')\" = t ]"

expect "doctor passes" 0 "$MAMORI" --dir "$W" doctor
out_has "doctor names the store" "PostgreSQL 15."
out_has "doctor checks the schema there" "schema version $NMIG is current"
expect "doctor --json" 0 "$MAMORI" --dir "$W" doctor --json
check "doctor --json has a store check" "python3 -c 'import json,sys; d=json.load(open(\"$TMP/out\")); c=[c for c in d[\"checks\"] if c[\"name\"]==\"store\"]; assert c and c[0][\"status\"]==\"ok\" and \"postgresql://\" in c[0][\"detail\"]'"

expect "log search works on PostgreSQL (pg-t0711 in depth)" 0 "$MAMORI" --dir "$W" log search --count
check "nothing collected yet" "[ \"\$(cat '$TMP/out')\" = 0 ]"
expect "a command that does not work on PostgreSQL yet (migrate from it) refuses" 1 "$MAMORI" --dir "$TMP/new" migrate --from "$W" --to "$PG_URL"
err_has "and says so" "does not work on PostgreSQL yet"
err_one_line "in one line"

# the ledger on PostgreSQL: notes appended, a checkpoint signed, entries and proofs read back
expect "ledger note appends on PostgreSQL" 0 "$MAMORI" --dir "$W" ledger note "最初のメモ"
check "as entry 0" "[ \"\$(cat '$TMP/out')\" = 0 ]"
expect "a second note" 0 "$MAMORI" --dir "$W" ledger note "second"
check "as entry 1" "[ \"\$(cat '$TMP/out')\" = 1 ]"
"$MAMORI" --dir "$W" ledger entry 0 >"$TMP/e0"
"$MAMORI" --dir "$W" ledger entry 1 >"$TMP/e1"
expect "ledger checkpoint signs the tree on PostgreSQL" 0 "$MAMORI" --dir "$W" ledger checkpoint
cp "$TMP/out" "$TMP/cp"
check "the checkpoint's root is RFC 6962's root of the two entries read back" "python3 -c '
import base64, hashlib, sys
e = [open(\"$TMP/e0\", \"rb\").read(), open(\"$TMP/e1\", \"rb\").read()]
leaf = [hashlib.sha256(b\"\\0\" + x).digest() for x in e]
root = hashlib.sha256(b\"\\1\" + leaf[0] + leaf[1]).digest()
lines = open(\"$TMP/cp\").read().split(chr(10))
sys.exit(not (lines[1] == \"2\" and base64.b64decode(lines[2]) == root))'"
expect "ledger proof reads tiles on PostgreSQL" 0 "$MAMORI" --dir "$W" ledger proof 0
out_has "the proof is entry 1's leaf" "\"tree_size\":2"
expect "ledger entry --json decodes the note" 0 "$MAMORI" --dir "$W" ledger entry 0 --json
out_has "with its Japanese text" "最初のメモ"
run pg_psql -d mamori -Atc "SELECT count(*) FROM ledger_checkpoint"
check "the checkpoint is stored in PostgreSQL" "[ \"\$(cat '$TMP/out')\" = 1 ]"

# verify, export, show and tail on PostgreSQL
expect "ledger verify passes on PostgreSQL" 0 "$MAMORI" --dir "$W" ledger verify
out_has "re-hashing both entries" "ok: 2 entries"
out_has "and the stored checkpoint" "1 checkpoints consistent"
expect "ledger verify --checkpoint with the auditor's copy" 0 "$MAMORI" --dir "$W" ledger verify --checkpoint "$TMP/cp"
expect "ledger export from PostgreSQL" 0 "$MAMORI" --dir "$W" ledger export "$TMP/exp"
check "the export holds the entry tile" "[ -s '$TMP/exp/tile/entries/000.p/2' ]"
expect "the export verifies offline" 0 "$MAMORI" --dir "$W" ledger verify --offline "$TMP/exp"
out_has "with both entries" "ok: 2 entries"
check "and with the export's own verify.py" "python3 '$TMP/exp/verify.py' '$TMP/exp' >/dev/null"
expect "ledger show on PostgreSQL" 0 "$MAMORI" --dir "$W" ledger show 0
out_has "shows the note" "最初のメモ"
expect "ledger tail on PostgreSQL" 0 "$MAMORI" --dir "$W" ledger tail -n 5
out_has "lists the second note" "second"
# log import on PostgreSQL: its writer signs no checkpoint (a server may lead); an import run
# while a server holds the checkpoint leader's lock leaves the signature to it, and one run
# alone signs its head itself
ledger_size() { pg_psql -d mamori -Atc "SELECT size FROM ledger_head"; }
signed() { pg_psql -d mamori -Atc "SELECT coalesce(max(size), 0) FROM ledger_checkpoint"; }
printf '10.0.0.1 GET /a\n10.0.0.2 GET /b\n' >"$TMP/access.log"
pg_psql -d mamori -c "SELECT pg_advisory_lock(5570198787613261827), pg_sleep(60)" >/dev/null 2>&1 &
HOLDER=$!
i=0
until [ "$(pg_psql -d mamori -Atc "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted")" -gt 0 ] || [ $i -ge 100 ]; do sleep 0.1; i=$((i + 1)); done
before=$(signed)
expect "log import while a server leads" 0 "$MAMORI" --dir "$W" log import --source proxy "$TMP/access.log"
check "signs nothing (that server signs at its next round)" "[ \"\$(signed)\" = '$before' ] && [ \"\$(ledger_size)\" -gt '$before' ]"
kill $HOLDER 2>/dev/null
pg_psql -c "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE query LIKE '%pg_sleep(60)%' AND pid <> pg_backend_pid()" >/dev/null
wait $HOLDER 2>/dev/null
expect "log import with no server running" 0 "$MAMORI" --dir "$W" log import --source proxy "$TMP/access.log"
check "signs a checkpoint of its head itself" "[ \"\$(signed)\" = \"\$(ledger_size)\" ] && [ \"\$(ledger_size)\" -gt '$before' ]"
expect "and the ledger verifies with it" 0 "$MAMORI" --dir "$W" ledger verify
# a damaged bundle in PostgreSQL is found (the two entries are the partial bundle 0: its rows
# are in ledger_tail, schema/0026)
pg_psql -d mamori -c "UPDATE ledger_tail SET data = overlay(data placing '\\x58'::bytea from 30) WHERE idx = 0" >/dev/null
expect "ledger verify finds a changed entry in PostgreSQL" 1 "$MAMORI" --dir "$W" ledger verify
err_has "naming the bundle" "verification failed"

expect "a second ward in the same database is refused" 1 "$MAMORI" --dir "$TMP/w2" init --store "$PG_URL"
err_has "one database per ward" "already holds a Mamori ward"
check "and leaves no directory behind" "[ ! -e '$TMP/w2' ]"
expect "a URL with a password is refused" 2 "$MAMORI" --dir "$TMP/w3" init --store "postgresql://mamori:secret@/mamori?host=$PG_HOST"
err_has "pointing at a password file" "PGPASSFILE"
expect "a URL that is not PostgreSQL's is refused" 2 "$MAMORI" --dir "$TMP/w3" init --store "mysql://h/db"
check "nothing made by the refusals" "[ ! -e '$TMP/w3' ]"

# a ward on PostgreSQL: the profile, people and acts through the door
U3=$(pg_createdb ward)
M="$TMP/minato"
expect "init --store --profile minato" 0 "$MAMORI" --dir "$M" init --store "$U3" --profile minato
out_has "the first administrator" "administrator: admin"
expect "section add through the door" 0 "$MAMORI" --dir "$M" section add zeimu --name 税務課
expect "user add" 0 "$MAMORI" --dir "$M" user add zeimu-1 --name "税務 一郎" --section zeimu --employment 職員
expect "user list reads PostgreSQL" 0 "$MAMORI" --dir "$M" user list
out_has "with the new user" "zeimu-1"
run pg_psql -d ward -Atc "SELECT count(*) FROM acts"
check "each act is a row of acts" "[ \"\$(cat '$TMP/out')\" -ge 3 ]"
expect "the ledger verifies with the acts" 0 "$MAMORI" --dir "$M" ledger verify
# the guard: only the door writes the domain tables, also from outside Mamori
run pg_psql -d ward -c "SET ROLE mamori" -c "UPDATE users SET name = 'x' WHERE login = 'zeimu-1'"
check "a direct UPDATE of users is refused by the guard's trigger" "[ \$rc -ne 0 ] && grep -q 'only the door writes users' '$TMP/err'"
run pg_psql -d ward -c "SET ROLE mamori" -c "DELETE FROM acts"
check "so is a DELETE of acts" "[ \$rc -ne 0 ] && grep -q 'only the door writes acts' '$TMP/err'"
run pg_psql -d ward -Atc "SELECT name FROM users WHERE login = 'zeimu-1'"
check "and nothing changed" "[ \"\$(cat '$TMP/out')\" = '税務 一郎' ]"
expect "backup works on PostgreSQL (a logical export: t0408)" 0 "$MAMORI" --dir "$M" backup "$TMP/b"
run pg_psql -d ward -c "SET ROLE mamori" -c "INSERT INTO meta(key, value) VALUES ('t0404', 'x')"
check "tables outside the door's are written as before" "[ \$rc -eq 0 ]"

U2=$(pg_createdb other)
pg_psql -d other -c "CREATE TABLE theirs(x int)" >/dev/null
pg_psql -d other -c "ALTER TABLE theirs OWNER TO mamori" >/dev/null
expect "a database holding someone else's tables is refused" 1 "$MAMORI" --dir "$TMP/w4" init --store "$U2"
err_has "saying so" "holds tables but no Mamori schema"

# the server gone: a clear error, not a crash
pg_stop
expect "doctor with PostgreSQL down reports a problem" 1 "$MAMORI" --dir "$W" doctor
out_has "naming the connection" "cannot connect to PostgreSQL"
done_testing
