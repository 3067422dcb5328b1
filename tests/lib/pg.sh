# pg.sh: a throwaway PostgreSQL 15 cluster (Debian's postgresql-15) for a test or a benchmark,
# sourced by the scripts that need one. The cluster lives in a private temporary directory,
# listens on a Unix socket there and on no TCP port (so nothing collides with other runs on the
# machine), and runs as the unprivileged user 'postgres' when we are root (PostgreSQL refuses
# to run as root; CI runs as root).
#   pg_available           0 when the server binaries are installed (else a reason in PG_MISSING)
#   pg_start               initdb (or a copy of its result, pg_initdb) + start; sets PG_DIR,
#                          PG_HOST (the socket directory), PG_PID, PG_URL (postgresql:// URL
#                          of database 'mamori', user 'mamori')
#   pg_createdb NAME       another empty database owned by 'mamori'; prints its URL
#   pg_psql ARGS...        psql as the superuser on the cluster
#   pg_stop                fast shutdown and removal of the directory (the caller's trap)
#   pg_test_start CLEANUP  for a TAP test, after tests/cli/lib.sh or tests/http/lib.sh: skips the
#                          whole test when PostgreSQL is missing (1..0 # SKIP), else sets CLEANUP
#                          (which calls pg_stop) as the EXIT trap and starts the cluster, or
#                          fails the test when it does not start (not ok, then done_testing)
#   pg_setup_or_exit       for a runner that wraps one test (tests/*/run-pg.sh): exits with a TAP
#                          skip when PostgreSQL is missing, or a TAP failure when it does not
#                          start; else the cluster is up and stopped at the shell's exit
# Durability is PostgreSQL's default (fsync on, synchronous_commit on).

PG_BIN=${PG_BIN:-/usr/lib/postgresql/15/bin}
# The test suites (meson sets MAMORI_BUILDDIR) initialise a cluster once (pg_initdb).
PG_TEMPLATE=${PG_TEMPLATE-${MAMORI_BUILDDIR:+$MAMORI_BUILDDIR/pg-template}}

pg_available() {
	if [ ! -x "$PG_BIN/initdb" ] || [ ! -x "$PG_BIN/pg_ctl" ] || [ ! -x "$PG_BIN/postgres" ]; then
		PG_MISSING="PostgreSQL 15 server binaries not found in $PG_BIN (Debian package postgresql-15; scripts/bootstrap installs it)"
		return 1
	fi
	if [ "$(id -u)" = 0 ] && ! id postgres >/dev/null 2>&1; then
		PG_MISSING="running as root and no unprivileged user 'postgres' to run the server (Debian's postgresql-15 package creates it)"
		return 1
	fi
	return 0
}

# Runs a command as the cluster's owner: 'postgres' when we are root, else ourselves.
pg_as_owner() {
	if [ "$(id -u)" = 0 ]; then
		setpriv --reuid=postgres --regid=postgres --init-groups -- "$@"
	else
		"$@"
	fi
}

# pg_initdb DIR: a fresh cluster's data directory in DIR (empty, the owner's, mode 0700). Trust
# on the private socket only: its directory is ours, and there is no TCP listener. With
# PG_TEMPLATE set (the test suites: BUILDDIR/pg-template), initdb runs once: its result is kept
# there, as it was before the cluster's first start, and every later cluster is a copy of it
# (cp -a, ~0.1 s, against ~2-3 s of initdb's CPU and its syncs of every file). The template is
# named after the server's version, and published by an atomic rename, so a copy is always of a
# whole template and a newer PostgreSQL makes a new one.
pg_initdb() {
	_tmpl=
	if [ -n "${PG_TEMPLATE:-}" ]; then
		_ver=$("$PG_BIN/initdb" --version 2>/dev/null | tr -c 'A-Za-z0-9.\n' _)
		_tmpl="$PG_TEMPLATE/${_ver:-unknown}-C.UTF-8"
		if [ -f "$_tmpl/PG_VERSION" ] && cp -a "$_tmpl/." "$1/"; then
			return 0
		fi
		# a copy cut short leaves what initdb must not find: start again empty
		find "$1" -mindepth 1 -delete 2>/dev/null
	fi
	if ! pg_as_owner "$PG_BIN/initdb" -D "$1" -U postgres --auth=trust \
		--encoding=UTF8 --locale=C.UTF-8 >"$1.initdb.log" 2>&1; then
		cat "$1.initdb.log" >&2
		return 1
	fi
	if [ -n "$_tmpl" ] && mkdir -p "$PG_TEMPLATE" 2>/dev/null; then
		_new="$_tmpl.new.$$"
		rm -rf "$_new"
		# another test may have published it first: then this copy goes
		if cp -a "$1" "$_new" 2>/dev/null && mv -T "$_new" "$_tmpl" 2>/dev/null; then
			:
		else
			rm -rf "$_new"
		fi
	fi
	return 0
}

pg_start() {
	PG_DIR=$(mktemp -d "${TMPDIR:-/tmp}/mamori-pg.XXXXXX") || return 1
	chmod 0755 "$PG_DIR"
	mkdir "$PG_DIR/data" "$PG_DIR/run"
	if [ "$(id -u)" = 0 ]; then
		chown postgres:postgres "$PG_DIR/data" "$PG_DIR/run"
	fi
	chmod 0700 "$PG_DIR/data"
	chmod 0755 "$PG_DIR/run"
	PG_HOST="$PG_DIR/run"
	pg_initdb "$PG_DIR/data" || return 1
	cat >>"$PG_DIR/data/postgresql.conf" <<EOF
listen_addresses = ''
unix_socket_directories = '$PG_HOST'
port = 5432
max_connections = 60
shared_buffers = 128MB
fsync = on
synchronous_commit = on
logging_collector = off
EOF
	# Started directly (not through a shell function) so that $! is the postmaster itself.
	if [ "$(id -u)" = 0 ]; then
		setpriv --reuid=postgres --regid=postgres --init-groups -- \
			"$PG_BIN/postgres" -D "$PG_DIR/data" >"$PG_DIR/server.log" 2>&1 &
	else
		"$PG_BIN/postgres" -D "$PG_DIR/data" >"$PG_DIR/server.log" 2>&1 &
	fi
	PG_PID=$!
	for _i in $(seq 1 300); do
		if "$PG_BIN/pg_isready" -q -h "$PG_HOST" -p 5432 2>/dev/null; then
			break
		fi
		if ! kill -0 "$PG_PID" 2>/dev/null; then
			cat "$PG_DIR/server.log" >&2
			PG_PID=
			return 1
		fi
		sleep 0.1
	done
	"$PG_BIN/pg_isready" -q -h "$PG_HOST" -p 5432 || {
		pg_stop
		return 1
	}
	pg_psql -c "CREATE ROLE mamori LOGIN" -c "CREATE DATABASE mamori OWNER mamori" >/dev/null || {
		pg_stop
		return 1
	}
	PG_URL="postgresql://mamori@/mamori?host=$PG_HOST&port=5432"
	return 0
}

pg_psql() {
	"$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 -h "$PG_HOST" -p 5432 -U postgres -d postgres "$@"
}

pg_createdb() {
	pg_psql -c "CREATE DATABASE \"$1\" OWNER mamori" >/dev/null || return 1
	printf 'postgresql://mamori@/%s?host=%s&port=5432\n' "$1" "$PG_HOST"
}

pg_stop() {
	if [ -n "${PG_PID:-}" ]; then
		# SIGINT: PostgreSQL's fast shutdown (sessions ended, a checkpoint written).
		kill -INT "$PG_PID" 2>/dev/null
		wait "$PG_PID" 2>/dev/null
		PG_PID=
	fi
	if [ -n "${PG_DIR:-}" ] && [ -d "$PG_DIR" ]; then
		rm -rf "$PG_DIR"
	fi
	PG_DIR=
}

pg_setup_or_exit() {
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
}

pg_test_start() {
	if ! pg_available; then
		echo "1..0 # SKIP $PG_MISSING"
		exit 0
	fi
	# shellcheck disable=SC2064 # CLEANUP is the caller's text, expanded at exit
	trap "$1" EXIT
	if ! pg_start; then
		not_ok "the throwaway PostgreSQL cluster started (tests/lib/pg.sh)"
		done_testing
	fi
}
