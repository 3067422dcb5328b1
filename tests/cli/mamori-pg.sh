#!/bin/sh
# mamori-pg.sh: $MAMORI for a CLI test run by run-pg.sh. `mamori [--dir DIR] init ...` without
# --store gets --store URL of a new database on the test's PostgreSQL cluster (one ward, one
# database); every other command runs as it is. MAMORI_PG_REAL is the binary under test.
set -u
cmd=
prev=
store=false
for a in "$@"; do
	case $a in
	--store | --store=*) store=true ;;
	esac
	if [ -z "$cmd" ]; then
		case $prev in
		--dir) prev=$a; continue ;;
		esac
		case $a in
		-*) ;;
		*) cmd=$a ;;
		esac
	fi
	prev=$a
done
if [ "$cmd" = init ] && ! $store; then
	n=$(mktemp -u XXXXXXXX | tr 'A-Z' 'a-z')
	"$MAMORI_TEST_PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 -h "$MAMORI_TEST_PG_HOST" -p 5432 \
		-U postgres -d postgres -c "CREATE DATABASE w_$n OWNER mamori" >/dev/null || exit 1
	exec "$MAMORI_PG_REAL" "$@" --store "postgresql://mamori@/w_$n?host=$MAMORI_TEST_PG_HOST&port=5432"
fi
exec "$MAMORI_PG_REAL" "$@"
