#!/bin/sh
# run-pg.sh TEST.sh: runs a CLI test with its wards on PostgreSQL (issue 18 §3). A throwaway
# PostgreSQL 15 cluster (tests/lib/pg.sh) is started for the test and stopped at its end; lib.sh
# then points $MAMORI at a wrapper that gives every `init` a fresh database of that cluster
# (--store URL), so the test's own steps run unchanged against PostgreSQL. Without Debian's
# postgresql-15 the test is skipped as a whole, saying why.
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
MAMORI_TEST_PG_HOST=$PG_HOST MAMORI_TEST_PG_BIN=$PG_BIN sh "$1"
