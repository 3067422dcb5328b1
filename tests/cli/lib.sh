# lib.sh: TAP helpers for CLI tests. Source it, call the checks, end with `done_testing`.
# $MAMORI is the binary under test; every test gets a fresh $TMP that is removed at exit.
set -u
: "${MAMORI:?MAMORI must point at the mamori binary}"
TMP=$(mktemp -d "${TMPDIR:-/tmp}/mamori-cli.XXXXXX")
trap 'rm -rf "$TMP"' EXIT
unset MAMORI_DIR
# $MAMORI_BIN is the binary itself (readelf); $MAMORI may become a wrapper below.
if [ -z "${MAMORI_LEAK_REAL:-}" ]; then
	MAMORI_BIN=$MAMORI
	export MAMORI_BIN
fi
# Under run-pg.sh every ward lives in PostgreSQL: init gets --store (mamori-pg.sh).
if [ -n "${MAMORI_TEST_PG_HOST:-}" ] && [ -z "${MAMORI_PG_REAL:-}" ]; then
	MAMORI_PG_REAL=$MAMORI
	MAMORI="$MAMORI_SRCDIR/tests/cli/mamori-pg.sh"
	export MAMORI_PG_REAL MAMORI
fi
# LeakSanitizer checks the first call of each kind of command in a test, not its repeats
# (mamori-leaks.sh; docs/testing.md, "Time"). MAMORI_TEST_LEAKS=all checks every call.
if [ -z "${MAMORI_LEAK_REAL:-}" ]; then
	MAMORI_LEAK_REAL=$MAMORI
	MAMORI="$MAMORI_SRCDIR/tests/cli/mamori-leaks.sh"
	MAMORI_LEAK_SEEN="$TMP/.leak-checked"
	export MAMORI_LEAK_REAL MAMORI MAMORI_LEAK_SEEN
fi
# python3 is Debian's (scripts/bootstrap installs the modules the tests use). A version manager's
# shim found first in PATH is bypassed: pyenv's runs a dozen bash scripts before Python, ~0.5 s of
# CPU a call against ~0.03 s, and the tests call python3 hundreds of times (docs/testing.md, "Time").
case $(command -v python3) in
/usr/bin/python3 | /bin/python3) ;;
*)
	if [ -x /usr/bin/python3 ] && mkdir "$TMP/.bin" && ln -s /usr/bin/python3 "$TMP/.bin/python3"; then
		PATH="$TMP/.bin:$PATH"
		export PATH
	fi
	;;
esac
# The Tokyo date changes at 15:00 UTC. A test that works out "today" or "tomorrow" in Tokyo once
# (day(), TZ=Asia/Tokyo date) and compares it with what mamori works out later fails when the
# date changes in between (t0521 and t0523 did, started a few seconds before 15:00 under
# faketime): a test that would start in the five minutes before it waits until it has changed
# (the longest such test takes ~70 s on a quiet machine; the wait and the test stay well inside
# meson's timeout). At most once per make check, and only for runs near that moment.
_utc_s=$(($(date +%s) % 86400))
if [ "$_utc_s" -ge $((15 * 3600 - 300)) ] && [ "$_utc_s" -lt $((15 * 3600)) ]; then
	sleep $((15 * 3600 + 2 - _utc_s))
fi
# The CLI's messages in English whatever the tester's locale (t0524 tests the Japanese).
export MAMORI_LANG=en
_n=0
_failed=0

# day N: the date in Tokyo N days from today (YYYY-MM-DD; N may be negative).
day() { python3 -c "import datetime,sys; print((datetime.datetime.utcnow() + datetime.timedelta(hours=9) + datetime.timedelta(days=int(sys.argv[1]))).strftime('%Y-%m-%d'))" "$1"; }

ok() { _n=$((_n + 1)); echo "ok $_n - $1"; }
not_ok() { _n=$((_n + 1)); _failed=$((_failed + 1)); echo "not ok $_n - $1"; }
diag() { printf '%s\n' "$@" | sed 's/^/# /'; }

# run CMD...: runs it, keeping stdout in $TMP/out, stderr in $TMP/err, exit code in $rc.
run() {
	"$@" >"$TMP/out" 2>"$TMP/err"
	rc=$?
}

# expect NAME CODE CMD...: runs CMD and checks its exit code.
expect() {
	_name=$1
	_want=$2
	shift 2
	MAMORI_LEAK_WANT=$_want # an error path is a kind of call of its own (mamori-leaks.sh)
	export MAMORI_LEAK_WANT
	run "$@"
	unset MAMORI_LEAK_WANT
	if [ "$rc" -eq "$_want" ]; then
		ok "$_name"
	else
		not_ok "$_name (exit $rc, want $_want)"
		diag "command: $*" "stdout:" "$(head -20 "$TMP/out")" "stderr:" "$(head -20 "$TMP/err")"
	fi
}

# out_has NAME TEXT / err_has NAME TEXT: fixed-string checks on the last run's output.
out_has() {
	if grep -qF -- "$2" "$TMP/out"; then ok "$1"; else
		not_ok "$1"
		diag "stdout lacks: $2" "$(head -20 "$TMP/out")"
	fi
}
err_has() {
	if grep -qF -- "$2" "$TMP/err"; then ok "$1"; else
		not_ok "$1"
		diag "stderr lacks: $2" "$(head -20 "$TMP/err")"
	fi
}
# err_one_line NAME: stderr is exactly one line starting "mamori: ".
err_one_line() {
	if [ "$(wc -l <"$TMP/err")" -eq 1 ] && head -1 "$TMP/err" | grep -q '^mamori: '; then
		ok "$1"
	else
		not_ok "$1"
		diag "stderr:" "$(cat "$TMP/err")"
	fi
}
check() { # check NAME SHELL-CONDITION
	if eval "$2"; then ok "$1"; else not_ok "$1"; diag "failed: $2"; fi
}

done_testing() {
	echo "1..$_n"
	[ "$_failed" -eq 0 ]
	exit $?
}

# free_port [tcp|udp]: a loopback port free now and below the kernel's ephemeral range, for a
# server started on a port the test chose (t0710's rsyslog) or restarted on the same port
# (t0660). A port from the ephemeral range (what port 0 gives) can be taken between the test's
# check and the bind, or while the server is down, by any process on the machine that binds
# port 0 or connects out (its own end gets an ephemeral port); one below it only by another
# explicit choice. Port 0 (the kernel's choice) if the range starts too low to choose below.
# Another test can choose the same port before this one's server binds it: a caller starts its
# server in a loop that takes a new port when the bind fails (t0660, t0710, slapd.sh). When no
# port is free after 100 tries it says so on stderr and fails (the caller stops, not a server
# started on port "").
free_port() {
	python3 - "${1:-tcp}" <<'EOF_PY'
import random, socket, sys
try:
    lo = int(open("/proc/sys/net/ipv4/ip_local_port_range").read().split()[0])
except (OSError, ValueError):
    lo = 0
kind = socket.SOCK_DGRAM if sys.argv[1] == "udp" else socket.SOCK_STREAM
for _ in range(100):
    s = socket.socket(socket.AF_INET, kind)
    try:
        s.bind(("127.0.0.1", random.randrange(10000, lo) if lo > 11000 else 0))
    except OSError:
        s.close()
        continue
    print(s.getsockname()[1])
    sys.exit(0)
sys.exit("free_port: no free %s port on 127.0.0.1 below %d after 100 tries" % (sys.argv[1], lo))
EOF_PY
}

# apply_reviewed FILE CHIEF COUNCIL: a new version of a Minato ward's profile ($D) put in force
# the reviewed way (MIN-10, docs/audits.md): CHIEF (a system_chief) proposes the policy review of
# FILE's version and decides it in force from today, COUNCIL approves the decision, and the
# administrator applies FILE under that review.
apply_reviewed() {
	_ar_sha=$(sha256sum "$1" | cut -d' ' -f1)
	_ar_day=$(TZ=JST-9 date +%Y-%m-%d)
	_ar_rec=$("$MAMORI" --dir "$D" record add policy_review --field title=プロファイルの改定 \
		--field inputs=試験 --field draft="$_ar_sha" --as "$2") || return 1
	"$MAMORI" --dir "$D" act "$_ar_rec" policy_review.decide --field effective_from="$_ar_day" \
		--as "$2" >"$TMP/apply-reviewed.out" || return 1
	_ar_req=$(sed -n 's/^pending: request \([0-9]*\).*/\1/p' "$TMP/apply-reviewed.out" | head -1)
	"$MAMORI" --dir "$D" request approve "$_ar_req" --as "$3" >/dev/null || return 1
	"$MAMORI" --dir "$D" policy apply "$1" --review "$_ar_rec" --as admin
}
