#!/bin/sh
# t0407: the DROP/ALTER guard on PostgreSQL (issue 18 §2): `init --store` as a superuser makes
# the event triggers that refuse dropping or altering the door's tables (and dropping or
# disabling their door trigger) to anyone, the table owner and superusers included, outside
# Mamori's migrations; doctor says the guard is there. Without a superuser the triggers cannot
# be made: init still works, and doctor warns that the guard is absent and how to add it.
. "$(dirname "$0")/lib.sh"
. "$MAMORI_SRCDIR/tests/lib/pg.sh"
pg_test_start 'pg_stop; rm -rf "$TMP"'

# Mamori's own role (not a superuser): no guard, and doctor says so.
W="$TMP/ward"
expect "init --store as a role that is not a superuser" 0 "$MAMORI" --dir "$W" init --store "$PG_URL" --profile minato
run "$MAMORI" --dir "$W" doctor
out_has "doctor warns the DROP/ALTER guard is absent" "DROP and ALTER of the door's tables are not refused"
out_has "saying it needs a superuser" "need a superuser"
out_has "and how to add it" "naming a superuser"
is_n() { if [ "$2" = "$3" ]; then ok "$1"; else not_ok "$1 (got '$3', want '$2')"; fi; }
is_n "no event trigger was made" 0 "$(pg_psql -d mamori -Atc "SELECT count(*) FROM pg_event_trigger")"

# A superuser's init: the guard is made.
pg_psql -c "CREATE DATABASE guarded" >/dev/null
G="$TMP/guarded"
SU_URL="postgresql://postgres@/guarded?host=$PG_HOST&port=5432"
expect "init --store as a superuser" 0 "$MAMORI" --dir "$G" init --store "$SU_URL" --profile minato
expect "doctor" 0 "$MAMORI" --dir "$G" doctor
out_has "says DROP and ALTER are refused" "DROP and ALTER of the door's tables are refused"
is_n "two event triggers" 2 "$(pg_psql -d guarded -Atc "SELECT count(*) FROM pg_event_trigger WHERE evtname LIKE 'mamori_ddl_%'")"

sql() { run pg_psql -d guarded -c "$1"; }
sql "DROP TABLE acts CASCADE"
check "a superuser's DROP TABLE of a door table is refused" "[ $rc -ne 0 ]"
err_has "saying only the migrations drop it" "only Mamori's migrations drop public.acts"
sql "ALTER TABLE users ADD COLUMN shadow text"
check "ALTER TABLE is refused" "[ $rc -ne 0 ]"
err_has "saying only the migrations alter it" "only Mamori's migrations alter public.users"
sql "ALTER TABLE users DISABLE TRIGGER mamori_door_guard"
check "disabling the door's trigger is refused" "[ $rc -ne 0 ]"
sql "DROP TRIGGER mamori_door_guard ON users"
check "dropping the door's trigger is refused" "[ $rc -ne 0 ]"
err_has "saying so" "only Mamori's migrations drop mamori_door_guard on public.users"
sql "DROP SCHEMA public CASCADE"
check "dropping the whole schema is refused" "[ $rc -ne 0 ]"
is_n "the tables are all still there" "$(pg_psql -d mamori -Atc "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'")" \
	"$(pg_psql -d guarded -Atc "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'")"
sql "BEGIN; SELECT set_config('mamori.ddl', 'on', true); ALTER TABLE users ADD COLUMN shadow text; ROLLBACK"
check "a migration's transaction (mamori.ddl on) may alter" "[ $rc -eq 0 ]"
sql "CREATE TABLE notes_of_the_dba (x int); DROP TABLE notes_of_the_dba"
check "other tables are the DBA's as before" "[ $rc -eq 0 ]"

# The ward works under the guard: acts through the door, the ledger.
expect "an act through the door" 0 "$MAMORI" --dir "$G" section add zeimu --name 税務課
expect "the ledger verifies" 0 "$MAMORI" --dir "$G" ledger verify
done_testing
