# lib.sh: fault-injection tests (tests/faults/, docs/testing.md), on top of tests/cli/lib.sh.
#
# $FAULT_SHIM is the LD_PRELOAD library (fault-shim.c). `faulty SPEC CMD...` runs CMD with the
# schedule SPEC ("op=write path=*/mamori.db* at=3 errno=EIO"); injected faults are logged to
# $FLOG. A test tallies what it injected and what acknowledged writes it lost with
# `tally_faults`; make check sums every tally into "faults injected: N, acknowledged writes
# lost: M" ($MAMORI_TALLY_DIR, set by meson).
# (tests/http/lib.sh sources it too: once, or the first $TMP would outlive the test)
command -v done_testing >/dev/null 2>&1 || . "${MAMORI_SRCDIR:?}/tests/cli/lib.sh"
: "${FAULT_SHIM:?FAULT_SHIM must point at the fault shim}"
FLOG="$TMP/faults.log"
: >"$FLOG"
# A preloaded library comes before the ASan runtime: let ASan accept that; leaks are the
# other suites' business (a process failing on purpose may exit with allocations held).
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0:detect_leaks=0"
# The shim is preloaded into what $MAMORI starts: the binary itself, not tests/cli/lib.sh's
# leak-check wrapper (mamori-leaks.sh), whose shell and grep must not take the faults.
MAMORI=${MAMORI_LEAK_REAL:-$MAMORI}
export MAMORI

faulty() {
	_spec=$1
	shift
	LD_PRELOAD="$FAULT_SHIM" MAMORI_FAULT="$_spec" MAMORI_FAULT_LOG="$FLOG" "$@"
}

# count_calls SPEC CMD...: how many calls SPEC's op and path match while CMD runs (nothing fails).
count_calls() {
	_spec=$1
	shift
	: >"$TMP/count.log"
	LD_PRELOAD="$FAULT_SHIM" MAMORI_FAULT="op=count $_spec" MAMORI_FAULT_LOG="$TMP/count.log" "$@" \
		>/dev/null 2>&1
	wc -l <"$TMP/count.log" | tr -d ' '
}

injected() { wc -l <"$FLOG" | tr -d ' '; }

# Sampling (the time budget of make check): a test that tries a fault at every point of an
# operation (every write, fsync, open) tries, in make check, the first two points, the last and
# every FAULT_STRIDE-th (4) from a random offset, so successive runs cover different points;
# FAULT_SWEEP=1 (make check-long) tries every point. FAULT_OFFSET repeats a sample.
if [ "${FAULT_SWEEP:-0}" = 1 ]; then
	FAULT_STRIDE=1
else
	FAULT_STRIDE=${FAULT_STRIDE:-4}
fi
FAULT_OFFSET=${FAULT_OFFSET:-$(($(od -An -N2 -tu2 /dev/urandom | tr -d ' ') % FAULT_STRIDE))}
if [ "$FAULT_STRIDE" -gt 1 ]; then
	diag "sample: points 1, 2, the last and every ${FAULT_STRIDE}th from offset $FAULT_OFFSET (FAULT_OFFSET=$FAULT_OFFSET repeats it; FAULT_SWEEP=1 tries every point)"
else
	diag "sweep: every point"
fi
# sampled I LAST: whether point I (of 1..LAST) is tried.
sampled() {
	[ "$FAULT_STRIDE" -le 1 ] || [ "$1" -le 2 ] || [ "$1" -eq "$2" ] ||
		[ $(($1 % FAULT_STRIDE)) -eq "$FAULT_OFFSET" ]
}

# tally_faults INJECTED LOST
tally_faults() {
	[ -n "${MAMORI_TALLY_DIR:-}" ] || return 0
	mkdir -p "$MAMORI_TALLY_DIR"
	echo "$1 $2" >>"$MAMORI_TALLY_DIR/faults"
}

# tally_kills ROUNDS LOST
tally_kills() {
	[ -n "${MAMORI_TALLY_DIR:-}" ] || return 0
	mkdir -p "$MAMORI_TALLY_DIR"
	echo "$1 $2" >>"$MAMORI_TALLY_DIR/kills"
}

# consistent DIR [quick]: nothing half-written is visible: the ledger verifies, doctor passes
# (not when quick), every record was created by a done act, and no two acts share a ledger
# entry. Prints why not.
consistent() {
	"$MAMORI" --dir "$1" ledger verify >"$TMP/verify.out" 2>&1 || { cat "$TMP/verify.out"; return 1; }
	if [ "${2:-}" != quick ]; then
		"$MAMORI" --dir "$1" doctor >"$TMP/doctor.out" 2>&1 || { cat "$TMP/doctor.out"; return 1; }
	fi
	python3 - "$1/mamori.db" <<'PY'
import sqlite3, sys
db = sqlite3.connect(f'file:{sys.argv[1]}?mode=ro', uri=True)
orphans = db.execute("SELECT count(*) FROM records r WHERE NOT EXISTS (SELECT 1 FROM acts a"
                     " WHERE a.record_id = r.id AND a.outcome = 'done')").fetchone()[0]
dup = db.execute("SELECT count(*) FROM (SELECT ledger_index FROM acts GROUP BY ledger_index"
                 " HAVING count(*) > 1)").fetchone()[0]
if orphans or dup:
    sys.exit(f'{orphans} records without their act, {dup} ledger entries shared by acts')
PY
}

# A server whose faults are armed at run time (t0702, t0705, t0707, t0709; tests/http/lib.sh
# first). faulty_server_start [OPTIONS]: server_start with the shim preloaded into the server
# only, reading its schedule from the file $CTL and logging to $FLOG. $CTL's directory is made
# before the server seals its key: a file created later directly in a directory on the way to
# ledger.key is not readable to the server (web/sandbox.c). arm SPEC: the server reads it within
# a few ms; disarm: no fault from now on.
CTL="$TMP/ctl/fault.ctl"
faulty_server_start() {
	mkdir -p "${CTL%/*}"
	LD_PRELOAD="$FAULT_SHIM" MAMORI_FAULT_CTL="$CTL" MAMORI_FAULT_LOG="$FLOG"
	export LD_PRELOAD MAMORI_FAULT_CTL MAMORI_FAULT_LOG
	server_start "$@"
	unset LD_PRELOAD MAMORI_FAULT_CTL MAMORI_FAULT_LOG
}
arm() {
	printf '%s\n' "$1" >"$CTL.new" && mv "$CTL.new" "$CTL"
	sleep 0.02
}
disarm() {
	rm -f "$CTL"
	sleep 0.02
}

# server_wait_stop: waits (30 s at most) for the server to stop by itself, stops it if it did
# not, and reaps it: $stopped_itself is yes or no, $server_status its exit status.
server_wait_stop() {
	_i=0
	while kill -0 "$SERVER_PID" 2>/dev/null && [ "$_i" -lt 300 ]; do
		sleep 0.1
		_i=$((_i + 1))
	done
	stopped_itself=yes
	if kill -0 "$SERVER_PID" 2>/dev/null; then
		stopped_itself=no
		kill -TERM "$SERVER_PID"
	fi
	wait "$SERVER_PID"
	server_status=$?
}

# post_logs APP: a batch of 20 log lines tagged lbN-K (N counts the batches in $n) sent with the
# logs token $LT; $code is the HTTP status (000: the server is gone), $TMP/body the answer, and
# an acknowledged batch's tags go to $TMP/acked.
n=0
post_logs() {
	n=$((n + 1))
	: >"$TMP/batch"
	for _k in $(seq 1 20); do
		printf '{"host":"fault","app":"%s","message":"batch lb%s-%s"}\n' "$1" "$n" "$_k" >>"$TMP/batch"
	done
	code=$(curl -s -o "$TMP/body" -w '%{http_code}' -H "Authorization: Bearer $LT" \
		-H 'Content-Type: application/x-ndjson' --data-binary "@$TMP/batch" "${URL}api/v1/logs")
	if [ "$code" = 200 ]; then
		for _k in $(seq 1 20); do echo "lb$n-$_k" >>"$TMP/acked"; done
	fi
}

# logs_server_start: the ward (ward_make), its server started with faults armed at run time
# (faulty_server_start) and suzuki's token of the logs scope in $LT (checked); $TMP/acked empty.
logs_server_start() {
	ward_make
	faulty_server_start
	LT=$(token suzuki logs logs)
	check "a token of the logs scope" '[ -n "$LT" ]'
	: >"$TMP/acked"
}

# lines_missing DIR FILE: prints the tags listed in FILE (post_logs's $TMP/acked) that no log
# line of DIR found by `log search` ends with.
lines_missing() {
	"$MAMORI" --dir "$1" log search --grep "batch lb" --limit 100000 --json >"$TMP/found.json"
	python3 - "$TMP/found.json" "$2" <<'PY'
import json, sys
found = {h.get('message', '').rsplit(' ', 1)[-1] for h in json.load(open(sys.argv[1]))}
for t in open(sys.argv[2]).read().split():
    if t not in found:
        print(t)
PY
}

# titles_missing DIR FILE: prints the titles listed in FILE (one a line) that no asset record
# of DIR carries.
titles_missing() {
	python3 - "$1/mamori.db" "$2" <<'PY'
import json, sqlite3, sys
db = sqlite3.connect(f'file:{sys.argv[1]}?mode=ro', uri=True)
have = {json.loads(f).get('title') for (f,) in db.execute("SELECT fields FROM records")}
for t in open(sys.argv[2], encoding='utf-8').read().split():
    if t not in have:
        print(t)
PY
}
