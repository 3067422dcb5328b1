#!/bin/sh
# run-pg.sh TEST-BINARY: runs a cmocka test against a throwaway PostgreSQL 15 cluster
# (tests/lib/pg.sh), passing its URL in MAMORI_TEST_PG_URL; the cluster is stopped at exit.
# Without Debian's postgresql-15 the test is skipped as a whole, saying why.
set -u
. "$MAMORI_SRCDIR/tests/lib/pg.sh"
if ! pg_available; then
	echo "1..0 # SKIP $PG_MISSING"
	exit 0
fi
trap pg_stop EXIT
trap 'exit 1' INT TERM
if ! pg_start; then
	echo "1..1"
	echo "not ok 1 - the throwaway PostgreSQL cluster started (tests/lib/pg.sh)"
	exit 1
fi
MAMORI_TEST_PG_URL=$PG_URL "$1"
