#!/bin/sh
# run-pg.sh TEST.sh: runs a CLI test with its wards on PostgreSQL (issue 18 §3). A throwaway
# PostgreSQL 15 cluster (tests/lib/pg.sh) is started for the test and stopped at its end; lib.sh
# then points $MAMORI at a wrapper that gives every `init` a fresh database of that cluster
# (--store URL), so the test's own steps run unchanged against PostgreSQL. Without Debian's
# postgresql-15 the test is skipped as a whole, saying why.
set -u
. "$MAMORI_SRCDIR/tests/lib/pg.sh"
pg_setup_or_exit
MAMORI_TEST_PG_HOST=$PG_HOST MAMORI_TEST_PG_BIN=$PG_BIN sh "$1"
