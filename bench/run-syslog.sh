#!/bin/sh
# Log collection rows for `make bench`, each beside rsyslog receiving the same loggen stream in
# the same run (../shared/peers/syslog: imptcp/imudp writing a file, not durable) or beside the
# issue's target: TCP with 1 and 2 connections, UDP at 100k msg/s offered (rate and loss), TLS,
# loggen's own ceiling into a null sink (bench/null-sink.c; 1 and 2 connections), search by
# host and hour over many stored messages, an 8-failure sshd burst's alert latency under
# background load, and the server's memory.
# Mamori's figures count a message only once it is durable in the ledger (Merkle-logged).
# Each stream row is timed from just before loggen starts until the receiver has taken the
# whole stream, seen by bench/arrival-probe watching during the run (every 5 ms, the same for
# Mamori's ledger head and rsyslog's file), not from loggen's exit: loggen returns only at a
# 0.5-s tick of its main thread, which rounded a receiver that had finished before it up to
# that tick (docs/logs.md, "Benchmarks").
# Sizes: BENCH_SYSLOG_N (messages per TCP/TLS run, default 2000000), BENCH_SYSLOG_UDP_N
# (default 1000000), BENCH_LOGS_N (stored messages for search, default 10000000).
set -eu
B=$1
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
M="$B/mamori"
N=${BENCH_SYSLOG_N:-2000000}
NU=${BENCH_SYSLOG_UDP_N:-1000000}
NS=${BENCH_LOGS_N:-10000000}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/mamori-bench-syslog.XXXXXX")
SERVER= RS= NS_PID=
cleanup() {
	[ -n "$NS_PID" ] && kill "$NS_PID" 2>/dev/null && wait "$NS_PID" 2>/dev/null
	[ -n "$SERVER" ] && kill "$SERVER" 2>/dev/null && wait "$SERVER" 2>/dev/null
	[ -n "$RS" ] && kill "$RS" 2>/dev/null && wait "$RS" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT

LOGGEN=${MAMORI_LOGGEN:-$HOME/.cache/mamori/loggen/run-loggen}
[ -x "$LOGGEN" ] || "$here/../scripts/get-loggen" >/dev/null 2>&1 || true
if [ ! -x "$LOGGEN" ]; then
	echo "bench: run-syslog: loggen cannot be unpacked (scripts/get-loggen)" >&2
	exit 1
fi
now() { date +%s.%N; }
free_port() { # free_port tcp|udp
	python3 -c 'import socket,sys; t=socket.SOCK_STREAM if sys.argv[1]=="tcp" else socket.SOCK_DGRAM; s=socket.socket(socket.AF_INET,t); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])' "$1"
}
# Each row goes into the table and, as it finishes, to stderr for whoever watches.
row() {
	printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$@"
	printf 'bench: %s: %s %s (%s %s)\n' "$1" "$2" "$3" "$4" "$5" >&2
}

# Certificates for the TLS runs (server authentication only: loggen has no client certificate).
(cd "$tmp" && openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
	-subj "/CN=localhost" -addext "subjectAltName=IP:127.0.0.1" \
	-keyout key.pem -out cert.pem) >/dev/null 2>&1

# ---- Mamori --------------------------------------------------------------------------
D="$tmp/ward"
"$M" --dir "$D" init --profile minato >/dev/null
"$M" --dir "$D" serve --listen 127.0.0.1:0 --syslog-tcp 127.0.0.1:0 --syslog-udp 127.0.0.1:0 \
	--syslog-tls 127.0.0.1:0 --tls-cert "$tmp/cert.pem" --tls-key "$tmp/key.pem" \
	>"$tmp/serve.out" 2>"$tmp/serve.err" &
SERVER=$!
for _i in $(seq 1 100); do grep -q "listening on" "$tmp/serve.out" && break; sleep 0.1; done
TCP=$(sed -n 's/^mamori: syslog tcp on 127.0.0.1:\([0-9]*\)$/\1/p' "$tmp/serve.out")
UDP=$(sed -n 's/^mamori: syslog udp on 127.0.0.1:\([0-9]*\)$/\1/p' "$tmp/serve.out")
TLS=$(sed -n 's/^mamori: syslog tls on 127.0.0.1:\([0-9]*\)$/\1/p' "$tmp/serve.out")
sleep 1
rss_idle=$(awk '/^VmRSS/ {printf "%.0f", $2 / 1024}' "/proc/$SERVER/status")

head_size() { sqlite3 -readonly "$D/mamori.db" "select size from ledger_head" 2>/dev/null || echo 0; }

# settle PID: before every timed stream, untimed: the disk is synced (rsyslog never syncs its
# file: the ~0.5 GB a TCP 1 round leaves dirty would be flushed by the kernel some 30 s later,
# inside a later run's time, where Mamori's own flushes wait behind it) and the server about to
# be timed has stopped working (its CPU time still for 0.5 s, at most 10 s: the run before's
# tail, Mamori's checkpointer and index, is not in its time).
settle() {
	sync
	_last='' _k=0
	while [ "$_k" -lt 20 ]; do
		_cpu=$(awk '{ print $14 + $15 }' "/proc/$1/stat" 2>/dev/null || echo gone)
		[ "$_cpu" = "$_last" ] && break
		_last=$_cpu
		sleep 0.5
		_k=$((_k + 1))
	done
}

# stream LABEL WATCH COUNT PORT CONNS [LOGGEN ARGS]: COUNT messages sent by loggen over CONNS
# connections (COUNT / CONNS each) while bench/arrival-probe watches WATCH ("ledger DB" or
# "lines FILE", with its options before them); prints "msg/s arrived": the messages the probe
# saw arrive, divided by the time from just before loggen started to the moment it saw them
# all (or the last of them, if some never came: 10 s without growth, -s). On stderr, for whoever
# compares: that time, loggen's exit (which timed the rows before the probe) and the probe's CPU.
stream() {
	_label=$1 _watch=$2 _n=$3 _port=$4 _conns=$5
	shift 5
	case $_watch in *ledger*) settle "$SERVER" ;; *) settle "$RS" ;; esac
	_per=$((_n / _conns))
	# shellcheck disable=SC2086 # _watch is the probe's words
	"$B/bench/arrival-probe" $_watch "$((_per * _conns))" >"$tmp/probe.out" 2>"$tmp/probe.err" &
	_probe=$!
	for _i in $(seq 1 1000); do grep -q '^ready$' "$tmp/probe.out" && break; sleep 0.01; done
	_t0=$(now)
	"$LOGGEN" "$@" -P -s 256 -I 600 -n "$_per" --active-connections="$_conns" 127.0.0.1 \
		"$_port" >/dev/null 2>&1 || true
	_tx=$(now)
	wait "$_probe" || true
	# (looks that failed, a stall a fresh connection does not see: the probe's, not the server's)
	[ -s "$tmp/probe.err" ] && sed "s/^/bench: run-syslog: $_label: /" "$tmp/probe.err" >&2
	set -- $(tail -1 "$tmp/probe.out")
	[ $# -eq 3 ] || set -- "$_tx" 0 0
	echo "$_t0 $1 $_tx $2 $3" | awk -v label="$_label" '{
		printf "bench: run-syslog: %s: %d arrived in %.3f s (loggen exited at %.3f s); probe CPU %.3f s\n",
			label, $4, $2 - $1, $3 - $1, $5 > "/dev/stderr"
		printf "%.0f %d", $4 / ($2 - $1), $4 }'
}

# rsyslog runs from here on beside Mamori (idle but for its own rows), so that the TCP 1 row can
# alternate between the two.
peer=$(peers_dir syslog)
r_tcp1= r_tcp2= r_udp= r_udp_loss= r_tls=
if [ -n "$peer" ] && command -v rsyslogd >/dev/null 2>&1; then
	pt=$(free_port tcp) pu=$(free_port udp) pl=$(free_port tcp)
	mkdir -p "$tmp/rs"
	sed -e "s|WORKDIR|$tmp/rs|" -e "s|OUTFILE|$tmp/rs/out.log|" -e "s|10514|$pt|" \
		-e "s|10515|$pu|" -e "s|10516|$pl|" \
		-e "s|^module(load=\"imtcp\")|module(load=\"imtcp\" StreamDriver.Name=\"gtls\" StreamDriver.Mode=\"1\" StreamDriver.AuthMode=\"anon\")|" \
		-e "s|^global(\(.*\))|global(\1 DefaultNetstreamDriverCertFile=\"$tmp/cert.pem\" DefaultNetstreamDriverKeyFile=\"$tmp/key.pem\" DefaultNetstreamDriverCAFile=\"$tmp/cert.pem\")|" \
		-e 's|flushOnTXEnd="off"|flushOnTXEnd="on"|' \
		"$peer/rsyslog-bench.conf" >"$tmp/rs.conf"
	rsyslogd -n -f "$tmp/rs.conf" -i "$tmp/rs/pid" >"$tmp/rs.err" 2>&1 &
	RS=$!
	for _i in $(seq 1 50); do [ -s "$tmp/rs/pid" ] && break; sleep 0.1; done
	sleep 0.5
	# (one that did not start is no peer, as when rsyslogd is missing: Mamori's rows stay)
	if ! { [ -s "$tmp/rs/pid" ] && kill -0 "$RS" 2>/dev/null; }; then
		echo "bench: run-syslog: rsyslogd did not start: $(head -c 300 "$tmp/rs.err")" >&2
		RS=
	fi
fi

# The TCP 1 row in rounds (BENCH_SYSLOG_ROUNDS, 6 by default), Mamori and rsyslog in each, the
# odd rounds Mamori first, the even ones rsyslog first, so that neither always follows the
# other; each round prints its own rows (`..., round N`, Mamori's beside rsyslog's of the same
# round), and the row `syslog TCP 1 connection, durable` is the round whose Mamori/rsyslog ratio
# is the median (the lower middle one of an even number), with that round's own two figures, a
# pair measured in the same seconds. One run of each, made at different moments on a shared
# machine, moved the ratio by more than any change measured (0.82-1.18x from round to round for
# one build in a quiet window, 2026-12-07: docs/logs.md, "Benchmarks"). A round in which not every message
# arrived stops the script. Without rsyslog the rounds are Mamori's alone and the row is their
# median. 6 rounds: each order leads as often. Each timed run settles first (stream, above).
ROUNDS=${BENCH_SYSLOG_ROUNDS:-6}
# tcp1_run WHO: round $i's TCP 1 stream into Mamori (m) or rsyslog (r), its rate into $rate;
# stops the script when some of the N messages never arrived.
tcp1_run() {
	if [ "$1" = m ]; then
		set -- m $(stream "Mamori TCP 1" "ledger $D/mamori.db" "$N" "$TCP" 1 -S -r 100000000)
	else
		set -- r $(stream "rsyslog TCP 1" "lines $tmp/rs/out.log" "$N" "$pt" 1 -S -r 100000000)
	fi
	if [ "${3:-0}" -lt "$N" ]; then
		echo "bench: run-syslog: TCP 1, round $i, $([ "$1" = m ] && echo Mamori || echo rsyslog): ${3:-0} of $N messages arrived" >&2
		exit 1
	fi
	rate=$2
}
: >"$tmp/rounds"
i=1
while [ "$i" -le "$ROUNDS" ]; do
	mr='' rr=''
	if [ -z "$RS" ]; then
		tcp1_run m
		mr=$rate
	elif [ $((i % 2)) -eq 1 ]; then
		tcp1_run m
		mr=$rate
		tcp1_run r
		rr=$rate
	else
		tcp1_run r
		rr=$rate
		tcp1_run m
		mr=$rate
	fi
	if [ -n "$rr" ]; then
		row "syslog TCP 1 connection, durable, round $i" "$mr" "msg/s" "rsyslog imptcp, 1 connection, round $i" "$rr" ""
	else
		row "syslog TCP 1 connection, durable, round $i" "$mr" "msg/s" "$PEER_NA" "" ""
	fi
	echo "$mr ${rr:-1}" >>"$tmp/rounds"
	i=$((i + 1))
done
# "MAMORI RSYSLOG": the round whose ratio is the median, its own two figures
# shellcheck disable=SC2046 # two words, split on purpose
set -- $(python3 -c '
import sys
r = [[float(f) for f in l.split()] for l in open(sys.argv[1]) if l.strip()]
m = sorted(r, key=lambda x: x[0] / x[1])[(len(r) - 1) // 2]
print("%.0f %.0f" % (m[0], m[1]))' "$tmp/rounds")
m_tcp1=$1
[ -n "$RS" ] && r_tcp1=$2
set -- $(stream "Mamori TCP 2" "ledger $D/mamori.db" "$N" "$TCP" 2 -S -r 100000000)
m_tcp2=$1
set -- $(stream "Mamori TLS" "ledger $D/mamori.db" "$((N / 4))" "$TLS" 1 -U -r 100000000)
m_tls=$1
rss_peak=$(awk '/^VmHWM/ {printf "%.0f", $2 / 1024}' "/proc/$SERVER/status")

# UDP at 100k msg/s offered: the rate that arrived and what was lost (what never arrived: the
# probe stops 3 s after the last growth).
set -- $(stream "Mamori UDP" "-s 3 ledger $D/mamori.db" "$NU" "$UDP" 1 -D -r 100000)
m_udp=$1
m_udp_loss=$(echo "$2 $NU" | awk '{printf "%.2f", 100 * (1 - $1 / $2)}')

# An 8-failure sshd burst while ~200k msg/s of background flows: time from its last message
# sent until its alert is a record (through the door). Sent, timed and polled in one Python
# process: starting a process (the sender, or sqlite3 for each poll) takes up to seconds on a
# loaded machine, which is no part of the server's latency.
bg_base=$(head_size)
bg_t0=$(now)
"$LOGGEN" -S -P -s 256 -r 200000 -I 600 -n 2400000 127.0.0.1 "$TCP" >/dev/null 2>&1 &
LG=$!
sleep 3
lat=$(python3 - "$TCP" "$D/mamori.db" <<'EOF'
import socket, sqlite3, sys, time
db = sqlite3.connect("file:%s?mode=ro" % sys.argv[2], uri=True, timeout=30)
def alerts():
    return db.execute("select count(*) from records where register='alert'").fetchone()[0]
a0 = alerts()
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
for i in range(8):
    s.sendall(b"<38>1 - bench sshd 1 - - Failed password for root from 203.0.113.77 port %d ssh2\n" % (4000 + i))
t0 = time.monotonic()
s.close()
while time.monotonic() - t0 < 30:
    if alerts() > a0:
        print("%.0f" % ((time.monotonic() - t0) * 1000))
        break
    time.sleep(0.005)
else:
    print("none")
EOF
)
bg_rate=$(echo "$bg_t0 $(now) $(head_size) $bg_base" | awk '{printf "%.0f", ($3 - $4) / ($2 - $1)}')
wait "$LG" 2>/dev/null || true
kill "$SERVER" 2>/dev/null && wait "$SERVER" 2>/dev/null
SERVER=

# ---- loggen's own ceiling: the same stream into a null sink ------------------------------
# The sink is bench/null-sink.c (a thread per connection, reading 1 MiB at a time). On these
# 2 cores the sink shares the CPU with loggen, so a costly sink lowers the ceiling: the Python
# sink used before took 1.09-1.40 us of CPU per message against 0.96-1.20, and in 9 alternating
# runs of 2,000,000 messages over 2 connections (load 8-12) loggen was faster into this one
# in 7.
# The rate is timed as the receivers' rows are: from just before loggen starts to the last byte
# the sink received (it prints that time and the bytes each time its last connection closes);
# loggen's own "average rate" is timed to its 0.5-s tick (it is on stderr, for comparison).
"$B/bench/null-sink" 0 >"$tmp/sink.out" 2>"$tmp/sink.err" &
NS_PID=$!
for _i in $(seq 1 100); do # until it listens (it prints its port then)
	[ -s "$tmp/sink.out" ] && break
	sleep 0.1
done
np=$(head -1 "$tmp/sink.out")
# sink_rate CONNS: msg/s of N messages over CONNS connections into the sink ("?" if not all
# of their bytes arrived: each message is at least 256).
sink_rate() {
	_n=$((N / $1 * $1))
	_k=$(wc -l <"$tmp/sink.out")
	_t0=$(now)
	_lg=$("$LOGGEN" -S -P -s 256 -r 100000000 -I 600 -n "$((N / $1))" --active-connections="$1" \
		127.0.0.1 "$np" 2>&1 | sed -n 's/.*average rate = \([0-9.]*\) msg\/sec.*/\1/p')
	# (until every connection has closed and been reported)
	for _i in $(seq 1 100); do
		tail -n +"$((_k + 1))" "$tmp/sink.out" |
			awk -v b="$((_n * 256))" '{ s += $2 } END { exit s < b }' && break
		sleep 0.1
	done
	tail -n +"$((_k + 1))" "$tmp/sink.out" | awk -v t0="$_t0" -v n="$_n" -v lg="$_lg" -v c="$1" '
		{ if ($1 > t) t = $1; s += $2 }
		END {
			printf "bench: run-syslog: null sink, %d connection(s): %d bytes in %.3f s; loggen says %s msg/s\n",
				c, s, t - t0, lg > "/dev/stderr"
			if (s >= n * 256 && t > t0) printf "%.0f", n / (t - t0); else printf "?"
		}'
}
ceil=$(sink_rate 1)
# and with 2 connections, as the 2-connection rows send: the 2-connection target (300k) is a
# fixed figure, so this says what the sender could do on the same machine in the same run.
ceil2=$(sink_rate 2)
kill "$NS_PID" 2>/dev/null && wait "$NS_PID" 2>/dev/null || true
NS_PID=

# ---- rsyslog, the same streams -------------------------------------------------------------
if [ -n "$RS" ]; then
	set -- $(stream "rsyslog TCP 2" "lines $tmp/rs/out.log" "$N" "$pt" 2 -S -r 100000000)
	r_tcp2=$1
	set -- $(stream "rsyslog TLS" "lines $tmp/rs/out.log" "$((N / 4))" "$pl" 1 -U -r 100000000)
	r_tls=$1
	set -- $(stream "rsyslog UDP" "-s 3 lines $tmp/rs/out.log" "$NU" "$pu" 1 -D -r 100000)
	r_udp=$1
	r_udp_loss=$(echo "$2 $NU" | awk '{printf "%.2f", 100 * (1 - $1 / $2)}')
	kill "$RS" 2>/dev/null && wait "$RS" 2>/dev/null
	RS=
fi

pr() { # pr NAME MAMORI UNIT PEERNAME PEERFIGURE
	if [ -n "$5" ]; then row "$1" "$2" "$3" "$4" "$5" ""; else row "$1" "$2" "$3" "$PEER_NA" "" ""; fi
}
pr "syslog TCP 1 connection, durable" "$m_tcp1" "msg/s" "rsyslog imptcp, 1 connection" "$r_tcp1"
pr "syslog TCP 2 connections, durable" "$m_tcp2" "msg/s" "rsyslog imptcp, 2 connections" "$r_tcp2"
pr "syslog UDP at 100k msg/s offered" "$m_udp" "msg/s" "rsyslog imudp" "$r_udp"
pr "syslog UDP loss at 100k msg/s" "$m_udp_loss" "%" "rsyslog imudp loss" "$r_udp_loss"
pr "syslog TLS 1 connection, durable" "$m_tls" "msg/s" "rsyslog imtcp gtls" "$r_tls"
row "loggen into a null sink, 1 connection" "${ceil:-?}" "msg/s" "(the sender's ceiling)" "" "-"
row "loggen into a null sink, 2 connections" "${ceil2:-?}" "msg/s" "(the sender's ceiling)" "" "-"
row "alert after an 8-failure sshd burst (background ${bg_rate} msg/s)" "$lat" "ms" "target" "1000" ""
row "server RSS while ingesting at full rate" "$rss_peak" "MB" "target" "128" ""
row "server RSS idle" "$rss_idle" "MB" "target" "64" ""

# ---- search over many stored messages -------------------------------------------------------
# Filling 10 million messages takes minutes: the ward is made once and kept in the cache
# (BENCH_LOGS_CACHE, default ~/.cache/mamori; keyed by size and schema count), and the fill
# rows then say "cached". BENCH_LOGS_CACHE=none fills a fresh ward every run.
# Two wards: the messages' own times at random over 30 days (each block of the index then spans
# all 30 days, the worst case for a search by time: the target row's), and in the order they
# arrive, each up to a minute before its place, as a ward's senders send them ("ordered").
cache_root=${BENCH_LOGS_CACHE:-$HOME/.cache/mamori}
# search_ward NAME [ordered]: the ward's directory into $S, filled when not cached; the fill's
# rates into $fill_rate and $index_rate ("cached" when it was).
search_ward() {
	_name=$1
	shift
	if [ "$cache_root" = none ]; then
		S="$tmp/$_name"
	else
		S="$cache_root/$_name-s$(ls "$here/../schema"/*.sql | wc -l)"
	fi
	if [ -f "$S/bench-filled" ]; then
		fill_rate=cached index_rate=cached
		return
	fi
	rm -rf "$S"
	mkdir -p "$(dirname "$S")"
	"$M" --dir "$S" init >/dev/null
	# shellcheck disable=SC2046 # two words, split on purpose
	set -- $("$B/bench/bench-logs" fill "$S" "$NS" 100 30 "$@")
	fill_rate=$1 index_rate=$2
	[ "$cache_root" = none ] || : >"$S/bench-filled"
}
search_ward "bench-logs-$NS"
# The searches read what the page cache holds of the ward, so their times depend on what ran
# before (18.5 ms p50 right after a fill, 57.4 ms after the TCP rounds had pushed ~12 GB through
# the cache, 2026-12-07): each row says what the cache held. The target row is measured cold:
# the ward's database evicted from the page cache (bench-logs: posix_fadvise, its files only),
# then 200 searches one after another, each host's and hour's own hits read from the disk and
# the runs of the index warming as the searches go; the warm rows run the same 200 searches
# again once they have all run; the last row opens the store again and evicts the database
# before each of 20 searches (each reads all it needs from the disk: the worst case)
# (docs/logs.md, "Benchmarks"). bench-logs fails when it cannot evict. The sync is the whole
# machine's, not only the ward's: what the rows before left dirty would otherwise be written
# back during the cold searches, on the same disk.
sync
set -- $("$B/bench/bench-logs" search "$S" 200 100 30 cold)
row "search host + 1 h over $NS messages, p50" "$1" "ms" "target" "50" ""
row "search host + 1 h over $NS messages, p99" "$2" "ms" "" "" "-"
set -- $("$B/bench/bench-logs" search "$S" 200 100 30 warm)
row "search host + 1 h over $NS messages, p50, warm" "$1" "ms" "" "" "-"
row "search host + 1 h over $NS messages, p99, warm" "$2" "ms" "" "" "-"
set -- $("$B/bench/bench-logs" search "$S" 20 100 30 each)
row "search host + 1 h over $NS messages, p50, each of 20 cold" "$1" "ms" "" "" "-"
row "fill: $NS messages into the ledger (in-process)" "$fill_rate" "msg/s" "" "" "-"
row "index: the follower over them" "$index_rate" "msg/s" "" "" "-"
# The same searches over the ordered ward: a block spans minutes, a search reads the runs of its
# hour and a page's hits share bundles.
search_ward "bench-logs-$NS-ordered" ordered
sync
set -- $("$B/bench/bench-logs" search "$S" 200 100 30 cold)
row "search host + 1 h over $NS messages in time order, p50" "$1" "ms" "" "" "-"
row "search host + 1 h over $NS messages in time order, p99" "$2" "ms" "" "" "-"
set -- $("$B/bench/bench-logs" search "$S" 20 100 30 each)
row "search host + 1 h over $NS messages in time order, p50, each of 20 cold" "$1" "ms" "" "" "-"
