#!/bin/sh
# Log collection rows for `make bench`, each beside rsyslog receiving the same loggen stream in
# the same run (../shared/peers/syslog: imptcp/imudp writing a file, not durable) or beside the
# issue's target: TCP with 1 and 2 connections, UDP at 100k msg/s offered (rate and loss), TLS,
# loggen's own ceiling into a null sink (bench/null-sink.c; 1 and 2 connections), search by
# host and hour over many stored messages, an 8-failure sshd burst's alert latency under
# background load, and the server's memory.
# Mamori's figures count a message only once it is durable in the ledger (Merkle-logged).
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
# wait_for TARGET: until the ledger holds TARGET entries (or 10 s without growth); prints the
# time of the last growth.
wait_for() {
	_last=$(head_size) _t=$(now) _still=0
	while [ "$_last" -lt "$1" ] && [ "$_still" -lt 200 ]; do
		sleep 0.05
		_s=$(head_size)
		if [ "$_s" -gt "$_last" ]; then _last=$_s _t=$(now) _still=0; else _still=$((_still + 1)); fi
	done
	echo "$_t $_last"
}
# mamori_stream PORT CONNS COUNT [LOGGEN ARGS]: msg/s until every message is durable.
mamori_stream() {
	_port=$1 _conns=$2 _n=$3
	shift 3
	_base=$(head_size)
	_t0=$(now)
	"$LOGGEN" "$@" -P -s 256 -r 100000000 -I 600 -n "$((_n / _conns))" \
		--active-connections="$_conns" 127.0.0.1 "$_port" >/dev/null 2>&1 || true
	set -- $(wait_for "$((_base + _n / _conns * _conns))")
	echo "$_n $_t0 $1 $(($2 - _base))" | awk '{printf "%.0f", $4 / ($3 - $2)}'
}

m_tcp1=$(mamori_stream "$TCP" 1 "$N" -S)
m_tcp2=$(mamori_stream "$TCP" 2 "$N" -S)
m_tls=$(mamori_stream "$TLS" 1 "$((N / 4))" -U)
rss_peak=$(awk '/^VmHWM/ {printf "%.0f", $2 / 1024}' "/proc/$SERVER/status")

# UDP at 100k msg/s offered: the rate that arrived and what was lost.
base=$(head_size)
t0=$(now)
"$LOGGEN" -D -P -s 256 -r 100000 -I 600 -n "$NU" 127.0.0.1 "$UDP" >/dev/null 2>&1 || true
set -- $(wait_for "$((base + NU))")
got=$(($2 - base))
m_udp=$(echo "$t0 $1 $got" | awk '{printf "%.0f", $3 / ($2 - $1)}')
m_udp_loss=$(echo "$got $NU" | awk '{printf "%.2f", 100 * (1 - $1 / $2)}')

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
"$B/bench/null-sink" 0 >"$tmp/sink.port" 2>"$tmp/sink.err" &
NS_PID=$!
for _i in $(seq 1 100); do # until it listens (it prints its port then)
	[ -s "$tmp/sink.port" ] && break
	sleep 0.1
done
np=$(cat "$tmp/sink.port")
ceil=$("$LOGGEN" -S -P -s 256 -r 100000000 -I 600 -n "$N" 127.0.0.1 "$np" 2>&1 |
	sed -n 's/.*rate = \([0-9.]*\) msg\/sec.*/\1/p' | tail -1)
# and with 2 connections, as the 2-connection rows send: the 2-connection target (300k) is a
# fixed figure, so this says what the sender could do on the same machine in the same run.
# (-n counts per connection; the last line, "average rate", is both together.)
ceil2=$("$LOGGEN" -S -P -s 256 -r 100000000 -I 600 -n "$((N / 2))" --active-connections=2 \
	127.0.0.1 "$np" 2>&1 | sed -n 's/.*rate = \([0-9.]*\) msg\/sec.*/\1/p' | tail -1)
kill "$NS_PID" 2>/dev/null && wait "$NS_PID" 2>/dev/null || true
NS_PID=

# ---- rsyslog, the same streams -------------------------------------------------------------
peer=$(peers_dir syslog)
r_tcp1= r_tcp2= r_udp= r_udp_loss= r_tls=
if [ -n "$peer" ] && command -v rsyslogd >/dev/null 2>&1; then
	pt=$(free_port tcp) pu=$(free_port udp) pl=$(free_port tcp)
	mkdir -p "$tmp/rs"
	sed -e "s|WORKDIR|$tmp/rs|" -e "s|OUTFILE|$tmp/rs/out.log|" -e "s|10514|$pt|" \
		-e "s|10515|$pu|" -e "s|10516|$pl|" \
		-e "s|^module(load=\"imtcp\")|module(load=\"imtcp\" StreamDriver.Name=\"gtls\" StreamDriver.Mode=\"1\" StreamDriver.AuthMode=\"anon\")|" \
		-e "s|^global(\(.*\))|global(\1 DefaultNetstreamDriverCertFile=\"$tmp/cert.pem\" DefaultNetstreamDriverKeyFile=\"$tmp/key.pem\" DefaultNetstreamDriverCAFile=\"$tmp/cert.pem\")|" \
		"$peer/rsyslog-bench.conf" >"$tmp/rs.conf"
	rsyslogd -n -f "$tmp/rs.conf" -i "$tmp/rs/pid" >"$tmp/rs.err" 2>&1 &
	RS=$!
	for _i in $(seq 1 50); do [ -s "$tmp/rs/pid" ] && break; sleep 0.1; done
	sleep 0.5
	lines() { cat "$tmp/rs/out.log" 2>/dev/null | wc -l; }
	# rs_stream PORT CONNS COUNT [LOGGEN ARGS]: msg/s until every line is written.
	rs_stream() {
		_port=$1 _conns=$2 _n=$3
		shift 3
		_base=$(lines) _t0=$(now)
		"$LOGGEN" "$@" -P -s 256 -r 100000000 -I 600 -n "$((_n / _conns))" \
			--active-connections="$_conns" 127.0.0.1 "$_port" >/dev/null 2>&1 || true
		_last=$(lines) _t=$(now) _still=0
		while [ "$_last" -lt "$((_base + _n / _conns * _conns))" ] && [ "$_still" -lt 200 ]; do
			sleep 0.05
			_c=$(lines)
			if [ "$_c" -gt "$_last" ]; then _last=$_c _t=$(now) _still=0; else _still=$((_still + 1)); fi
		done
		echo "$_t0 $_t $((_last - _base))" | awk '{printf "%.0f", $3 / ($2 - $1)}'
	}
	r_tcp1=$(rs_stream "$pt" 1 "$N" -S)
	r_tcp2=$(rs_stream "$pt" 2 "$N" -S)
	r_tls=$(rs_stream "$pl" 1 "$((N / 4))" -U)
	base=$(lines) t0=$(now)
	"$LOGGEN" -D -P -s 256 -r 100000 -I 600 -n "$NU" 127.0.0.1 "$pu" >/dev/null 2>&1 || true
	sleep 2
	got=$(($(lines) - base))
	r_udp=$(echo "$t0 $(now) $got" | awk '{printf "%.0f", $3 / ($2 - $1 - 2)}')
	r_udp_loss=$(echo "$got $NU" | awk '{printf "%.2f", 100 * (1 - $1 / $2)}')
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
cache_root=${BENCH_LOGS_CACHE:-$HOME/.cache/mamori}
if [ "$cache_root" = none ]; then
	S="$tmp/search"
else
	S="$cache_root/bench-logs-$NS-s$(ls "$here/../schema"/*.sql | wc -l)"
fi
if [ -f "$S/bench-filled" ]; then
	fill_rate=cached index_rate=cached
else
	rm -rf "$S"
	mkdir -p "$(dirname "$S")"
	"$M" --dir "$S" init >/dev/null
	set -- $("$B/bench/bench-logs" fill "$S" "$NS" 100 30)
	fill_rate=$1 index_rate=$2
	[ "$cache_root" = none ] || : >"$S/bench-filled"
fi
set -- $("$B/bench/bench-logs" search "$S" 200 100 30)
row "search host + 1 h over $NS messages, p50" "$1" "ms" "target" "50" ""
row "search host + 1 h over $NS messages, p99" "$2" "ms" "" "" "-"
row "fill: $NS messages into the ledger (in-process)" "$fill_rate" "msg/s" "" "" "-"
row "index: the follower over them" "$index_rate" "msg/s" "" "" "-"
