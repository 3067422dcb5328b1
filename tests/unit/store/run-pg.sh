#!/bin/sh
# run-pg.sh TEST-BINARY: runs a cmocka test against a throwaway PostgreSQL 15 cluster
# (tests/lib/pg.sh), passing its URL in MAMORI_TEST_PG_URL; the cluster is stopped at exit.
# Without Debian's postgresql-15 the test is skipped as a whole, saying why.
set -u
. "$MAMORI_SRCDIR/tests/lib/pg.sh"
pg_setup_or_exit
MAMORI_TEST_PG_URL=$PG_URL "$1"
