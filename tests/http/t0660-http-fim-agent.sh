#!/bin/sh
# t0660: two `mamori agent`s against a real `mamori serve` over HTTPS with the certificate
# pinned: baselines and checks arrive, the server stops, files change, the server comes back on
# the same port, and every change arrives in order, once; acceptance goes back to the agent;
# a full spool drops new batches and the gap is reported; a silent agent raises an alert; an
# accepted generation whose baseline batch was lost is taken from the check that names it.
. "${MAMORI_SRCDIR:?}/tests/http/lib.sh"

ward_make
m system add websv --name 公開Webサーバ --section zeimu >/dev/null
m role grant suzuki system_manager@system:websv >/dev/null
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$TMP/key.pem" \
	-out "$TMP/cert.pem" -days 2 -subj /CN=localhost >/dev/null 2>&1
PIN=$(openssl x509 -in "$TMP/cert.pem" -noout -fingerprint -sha256 | cut -d= -f2)
# the tokens are made in the browser form over plain http first (lib.sh's helpers)
server_start
token suzuki agent エージェント >"$TMP/token"
token tanaka agent エージェント >"$TMP/token-staff"
token suzuki logs エージェント >"$TMP/token-logs"
chmod 600 "$TMP/token" "$TMP/token-staff" "$TMP/token-logs"
server_stop
check "two tokens" "[ -s '$TMP/token' ] && [ -s '$TMP/token-staff' ]"
# The server comes back on this port below: one below the ephemeral range (lib.sh free_port),
# which no other process's client end or port-0 server can take while it is down.
# Another test can choose the same port before this server binds it: then it takes another.
for _try in 1 2 3 4 5; do
	PORT=$(free_port) || { echo "Bail out! no free port"; exit 1; }
	server_try_start --listen "127.0.0.1:$PORT" --tls-cert "$TMP/cert.pem" --tls-key "$TMP/key.pem" &&
		break
	diag "the server did not listen on port $PORT:" "$(cat "$TMP/serve.err")"
	[ "$_try" -lt 5 ] || { echo "Bail out! server did not start"; exit 1; }
done
SERVER="https://127.0.0.1:$PORT"

for n in 1 2; do
	mkdir -p "$TMP/tree$n/etc" "$TMP/tree$n/www"
	echo "conf $n" >"$TMP/tree$n/etc/app.conf"
	echo "<p>$n</p>" >"$TMP/tree$n/www/index.html"
	printf 'Conf = p+u+g+s+m+c+i+n+sha256+ftype\n%s Conf\n' "$TMP/tree$n" >"$TMP/agent$n.conf"
done
agent() { # agent N [options]: runs agent N in the background, pid in $APID
	_an=$1
	shift
	"$MAMORI" agent --server "$SERVER" --pin "$PIN" --token-file "$TMP/token" \
		--fim-config "$TMP/agent$_an.conf" --spool "$TMP/state$_an" --host "websv-$_an" \
		--interval 1s "$@" 2>>"$TMP/agent$_an.log" &
	APID=$!
}
sql() { sqlite3 "$D/mamori.db" "$1"; }
# wait_for NAME SQL WANT: polls the server's database (up to 60 s).
wait_for() {
	for _i in $(seq 1 300); do
		[ "$(sql "$2")" = "$3" ] && { ok "$1"; return; }
		sleep 0.2
	done
	not_ok "$1 (got '$(sql "$2")', want '$3')"
	diag "$(tail -5 "$TMP/agent1.log")" "$(tail -5 "$TMP/agent2.log")" "$(tail -5 "$TMP/serve.err")"
}

# refusals before anything runs
expect "agent: usage" 2 "$MAMORI" agent --server "$SERVER"
expect "agent: https needs --pin" 1 "$MAMORI" agent --server "$SERVER" --token-file "$TMP/token" \
	--spool "$TMP/s0" --once
err_has "says so" "--pin"
chmod 644 "$TMP/token"
expect "agent: a token file others can read" 1 "$MAMORI" agent --server "$SERVER" --pin "$PIN" \
	--token-file "$TMP/token" --spool "$TMP/s0" --once
chmod 600 "$TMP/token"
expect "agent: plain http only to this machine" 1 "$MAMORI" agent --server http://192.0.2.1:80 \
	--token-file "$TMP/token" --spool "$TMP/s0" --once
# a wrong pin: nothing is sent, the batch waits in the spool
BAD=$(echo "$PIN" | sed 's/^../00/')
[ "$BAD" = "$PIN" ] && BAD=$(echo "$PIN" | sed 's/^../11/') # (1 in 256 fingerprints begins 00)
expect "agent: another certificate than the pinned one" 0 "$MAMORI" agent --server "$SERVER" \
	--pin "$BAD" --token-file "$TMP/token" --spool "$TMP/s0" --host pinned --once
err_has "the pin is checked" "not the pinned one"
is "nothing reached the server" 0 "$(sql "SELECT count(*) FROM fim_agents")"
# a staff member's token may not send results
"$MAMORI" agent --server "$SERVER" --pin "$PIN" --token-file "$TMP/token-staff" \
	--fim-config "$TMP/agent1.conf" --spool "$TMP/s-staff" --host staff --once 2>"$TMP/staff.log"
check "a staff token is refused (403)" "grep -q 'HTTP 403' '$TMP/staff.log'"
is "and nothing was stored" 0 "$(sql "SELECT count(*) FROM fim_batches")"

# two agents: baselines, then clean checks
LOG="$TMP/app.log"
echo "line-before-start" >"$LOG"
agent 1 --follow "$LOG"
A1=$APID
agent 2
A2=$APID
wait_for "both baselines are ledgered" \
	"SELECT count(*) FROM fim_configs WHERE host IN ('websv-1','websv-2') AND baseline_sha256 != ''" 2
wait_for "both agents report clean checks" \
	"SELECT count(DISTINCT config_id) FROM fim_reports WHERE outcome = 'clean'" 2
is "the agents are registered" "websv-1 websv-2" "$(sql "SELECT group_concat(host, ' ') FROM (SELECT host FROM fim_agents WHERE host LIKE 'websv-%' ORDER BY host)")"

echo "line-while-up" >>"$LOG"
# the server stops; files change in order; the server comes back on the same port
server_stop
echo "line-while-down" >>"$LOG"
echo "new 1" >"$TMP/tree1/www/a.html"
echo "new 2" >"$TMP/tree2/www/a.html"
sleep 2.5
echo "conf 1 changed" >"$TMP/tree1/etc/app.conf"
echo "conf 2 changed" >"$TMP/tree2/etc/app.conf"
printf 'line-before-rotation\nline-cut-by-rotation' >>"$LOG"
sleep 1.5
mv "$LOG" "$LOG.1"
echo "line-after-rotation" >"$LOG"
sleep 1.5
: >"$LOG"
sleep 1.5
echo "line-after-truncation" >>"$LOG"
sleep 1.5
check "agent 1 spooled while the server was away" "[ \$(ls '$TMP/state1/spool' | grep -c json) -ge 2 ]"
server_start --listen "127.0.0.1:$PORT" --tls-cert "$TMP/cert.pem" --tls-key "$TMP/key.pem"
for n in 1 2; do
	wait_for "agent $n's changes arrive" \
		"SELECT count(*) > 0 FROM fim_reports r JOIN fim_configs c ON c.id = r.config_id WHERE c.host = 'websv-$n' AND r.report LIKE '%etc/app.conf%'" 1
	# every check in batch order: clean ones, then a.html added, then app.conf changed too
	seq=$(sql "SELECT group_concat(o, ' ') FROM (SELECT CASE WHEN r.report LIKE '%etc/app.conf%' THEN 'B' WHEN r.report LIKE '%www/a.html%' THEN 'A' ELSE 'C' END AS o FROM fim_reports r JOIN fim_batches b ON b.report_id = r.id WHERE b.agent = (SELECT id FROM fim_agents WHERE host = 'websv-$n') ORDER BY b.seq)")
	check "agent $n: every change in order ($seq)" \
		"echo '$seq' | grep -Eq '^(C )+(A )+B( B)*$'"
	is "agent $n: reports in batch order" "$(sql "SELECT count(*) FROM fim_batches b1 JOIN fim_batches b2 ON b1.agent = b2.agent AND b1.seq < b2.seq AND b1.report_id > b2.report_id")" 0
	is "agent $n: no batch taken twice" "$(sql "SELECT count(*) - count(DISTINCT batch) FROM fim_batches")" 0
	is "agent $n: nothing lost (the batch numbers have no hole)" \
		"$(sql "SELECT max(seq) - count(*) FROM fim_batches b JOIN fim_agents a ON a.id = b.agent WHERE a.host = 'websv-$n'")" 0
done
# followed_lines PATTERN: the messages the server stored that match, in ledger order, one a line
followed_lines() {
	m log search --host websv-1 --grep "$1" --limit 1000 --json |
		python3 -c 'import json,sys; d=json.load(sys.stdin); d=d.get("messages",d) if isinstance(d,dict) else d; print("\n".join(m["message"] for m in sorted(d, key=lambda m: m["index"])))'
}
# wait_lines NAME PATTERN WANT: until the followed lines matching PATTERN are WANT (60 s)
wait_lines() {
	for _i in $(seq 1 300); do
		[ "$(followed_lines "$2")" = "$3" ] && { ok "$1"; return; }
		sleep 0.2
	done
	not_ok "$1"
	diag "got: $(followed_lines "$2" | tr '\n' ' ')" "$(tail -5 "$TMP/agent1.log")"
}
wait_lines "followed log: every line arrived once, in order, across rotation and truncation" \
	'line-' "$(printf '%s\n' line-before-start line-while-up line-while-down \
	line-before-rotation line-cut-by-rotation line-after-rotation line-after-truncation)"
# the agent stops, lines are written, it starts again; then it is killed (-9) while lines are
# written: each line arrives once and in order
kill -TERM "$A1"
wait "$A1" 2>/dev/null
echo "burst-000" >>"$LOG"
agent 1 --follow "$LOG"
A1=$APID
i=1
while [ $i -le 60 ]; do
	printf 'burst-%03d\n' $i >>"$LOG"
	if [ $i -eq 30 ]; then
		kill -KILL "$A1"
		wait "$A1" 2>/dev/null
		agent 1 --follow "$LOG"
		A1=$APID
	fi
	sleep 0.05
	i=$((i + 1))
done
wait_lines "followed log: across an agent restart and a kill, each line once, in order" \
	'burst-' "$(i=0; while [ $i -le 60 ]; do printf 'burst-%03d\n' $i; i=$((i + 1)); done)"
wait_for "changes raise alerts" "SELECT count(*) > 0 FROM records WHERE register = 'alert' AND json_extract(fields, '\$.rule') = 'fim-changed' AND json_extract(fields, '\$.host') = 'websv-1'" 1

# acceptance goes back to the agent, which makes the generation and reports it
last=$(sql "SELECT max(r.id) FROM fim_reports r JOIN fim_configs c ON c.id = r.config_id WHERE c.host = 'websv-1'")
expect "accept agent 1's report" 0 "$MAMORI" --dir "$D" fim accept "$last" --as suzuki --comment 更新
out_has "made by the agent" "made by its agent"
wait_for "agent 1 made generation 2 and the server ledgered it" \
	"SELECT generation, baseline_sha256 != '' FROM fim_configs WHERE host = 'websv-1'" "2|1"
wait_for "agent 1 is clean against generation 2" \
	"SELECT count(*) > 0 FROM fim_reports r JOIN fim_configs c ON c.id = r.config_id WHERE c.host = 'websv-1' AND r.generation = 2 AND r.outcome = 'clean'" 1

# a silent agent raises an alert
kill -TERM "$A2"
wait "$A2" 2>/dev/null
wait_for "agent 2's silence raises an alert" \
	"SELECT count(*) FROM records WHERE register = 'alert' AND json_extract(fields, '\$.rule') = 'agent-silent' AND json_extract(fields, '\$.host') = 'websv-2'" 1
kill -TERM "$A1"
wait "$A1" 2>/dev/null

# a full spool keeps the oldest batches and drops new ones; the gap is reported
server_stop
before=$(ls "$TMP/state2/spool" | grep -c json)
for i in 1 2 3 4 5; do
	"$MAMORI" agent --server "$SERVER" --pin "$PIN" --token-file "$TMP/token" \
		--fim-config "$TMP/agent2.conf" --spool "$TMP/state2" --host websv-2 --once \
		--spool-max-files 2 2>>"$TMP/agent2.log"
done
check "the spool kept two batches" "[ \$(ls '$TMP/state2/spool' | grep -c json) -eq 2 ]"
drops=$((5 - (2 - before)))
is "the drops are counted" "$drops" "$(cat "$TMP/state2/spool/dropped")"
server_start --listen "127.0.0.1:$PORT" --tls-cert "$TMP/cert.pem" --tls-key "$TMP/key.pem"
"$MAMORI" agent --server "$SERVER" --pin "$PIN" --token-file "$TMP/token" \
	--fim-config "$TMP/agent2.conf" --spool "$TMP/state2" --host websv-2 --once 2>>"$TMP/agent2.log"
is "the spool is empty again" 0 "$(ls "$TMP/state2/spool" | grep -c json)"
is "the server counts the gap" "$drops" "$(sql "SELECT gaps FROM fim_agents WHERE host = 'websv-2'")"
is "and raises an alert" 1 "$(sql "SELECT count(*) FROM records WHERE register = 'alert' AND json_extract(fields, '\$.rule') = 'agent-gap'")"
# (which ones, when that fails: an agent stopped between numbering a batch and spooling it
# used to leave a gap where nothing was lost)
diag "$(sql "SELECT group_concat(json_extract(fields, '\$.summary'), ' | ') FROM records WHERE register = 'alert' AND json_extract(fields, '\$.rule') = 'agent-gap'")"

# a batch sent again is answered as a duplicate and changes nothing
b=$(sql "SELECT batch FROM fim_batches WHERE kind = 'check' LIMIT 1")
n=$(sql "SELECT count(*) FROM fim_reports")
body=$(cat "$TMP/state1/rejected"/*.json 2>/dev/null | head -1)
agent_id=${b%-*}
seqno=${b##*-}
status -H "Authorization: Bearer $(cat "$TMP/token")" -H 'Content-Type: application/json' -k \
	--data "{\"batch\":\"$b\",\"seq\":$seqno,\"kind\":\"heartbeat\",\"at\":\"2026-01-01T00:00:00Z\",\"agent\":{\"id\":\"$agent_id\",\"host\":\"websv-1\",\"version\":\"x\",\"interval\":1}}" \
	"${SERVER}/api/v1/fim/results" >"$TMP/st"
is "a duplicate is 200" 200 "$(cat "$TMP/st")"
check "and says duplicate" "grep -q '\"status\":\"duplicate\"' '$TMP/body'"
is "no report was added" "$n" "$(sql "SELECT count(*) FROM fim_reports")"
# a log batch sent again with its Idempotency-Key is taken once
printf '{"host":"websv-1","message":"line-resent"}\n' >"$TMP/resend.ndjson"
for i in 1 2; do
	status -k -H "Authorization: Bearer $(cat "$TMP/token")" -H 'Content-Type: application/x-ndjson' \
		-H 'Idempotency-Key: test-resend-1' --data-binary @"$TMP/resend.ndjson" \
		"${SERVER}/api/v1/logs" >"$TMP/st"
	is "log batch sent ($i)" 200 "$(cat "$TMP/st")"
done
check "the second time is a duplicate" "grep -q '\"duplicate\":true' '$TMP/body'"
is "stored once" 1 "$(m log search --grep line-resent --count --json | sed 's/[^0-9]//g')"
# a batch the server stopped storing half-way (its line durable, its note not: what a crash
# between the two leaves) is completed when sent again, the stored line not stored twice
sql "UPDATE agent_log_batches SET done = 0, boot = '', received = 0 WHERE batch = 'test-resend-1'"
printf '{"host":"websv-1","message":"line-resent"}\n{"host":"websv-1","message":"line-resumed"}\n' >"$TMP/resend2.ndjson"
status -k -H "Authorization: Bearer $(cat "$TMP/token")" -H 'Content-Type: application/x-ndjson' \
	-H 'Idempotency-Key: test-resend-1' --data-binary @"$TMP/resend2.ndjson" \
	"${SERVER}/api/v1/logs" >"$TMP/st"
is "a half-stored batch sent again" 200 "$(cat "$TMP/st")"
check "2 lines received, 1 stored, resumed" "grep -q '\"received\":2,\"stored\":1,.*\"resumed\":true' '$TMP/body'"
is "the stored line is still there once" 1 "$(m log search --grep line-resent --count --json | sed 's/[^0-9]//g')"
is "the missing line is stored" 1 "$(m log search --grep line-resumed --count --json | sed 's/[^0-9]//g')"
is "the batch is done" "1|2" "$(sql "SELECT done, received FROM agent_log_batches WHERE batch = 'test-resend-1'")"
# scopes: an agent token sends results and logs only; a logs token not results
status -k -H "Authorization: Bearer $(cat "$TMP/token")" "${SERVER}/api/v1/me" >"$TMP/st"
is "an agent token may not read the API" 403 "$(cat "$TMP/st")"
status -k -H "Authorization: Bearer $(cat "$TMP/token-logs")" -H 'Content-Type: application/json' \
	--data '{}' "${SERVER}/api/v1/fim/results" >"$TMP/st"
is "a logs token may not send results" 403 "$(cat "$TMP/st")"
# bad input gets a clear 400
status -H "Authorization: Bearer $(cat "$TMP/token")" -H 'Content-Type: application/json' -k \
	--data '{"batch":"x","seq":1}' "${SERVER}/api/v1/fim/results" >"$TMP/st"
is "a malformed batch is 400" 400 "$(cat "$TMP/st")"
check "saying what to give" "grep -q 'agent' '$TMP/body'"

# 改ざん検知 (/fim) in the browser: a system manager sees the agents and the checks, a report
# lists its paths with what changed; a staff member is refused the page and every report
klogin() { # klogin LOGIN PASSWORD JAR (the server is HTTPS with a self-signed certificate)
	rm -f "$3"
	_c=$(curl -sk -c "$3" -b "$3" "${URL}login" | sed -n 's/.*name="csrf" value="\([^"]*\)".*/\1/p' | head -1)
	curl -sk -c "$3" -b "$3" -o /dev/null --data-urlencode "csrf=$_c" --data-urlencode "login=$1" \
		--data-urlencode "password=$2" "${URL}login"
}
klogin suzuki "$PW" "$TMP/jar-sm"
curl -sk -b "$TMP/jar-sm" "${URL}fim" >"$TMP/fim.html"
check "the system manager's menu has 改ざん検知" "grep -q 'href=\"/fim\"' '$TMP/fim.html'"
check "the page lists both agents" "grep -q '>websv-1<' '$TMP/fim.html' && grep -q '>websv-2<' '$TMP/fim.html'"
check "and a changed check" "grep -q '変更あり' '$TMP/fim.html'"
check "and no English sentence" "! grep -q 'No check yet\|What is watched\|Latest checks' '$TMP/fim.html'"
rid=$(sql "SELECT max(r.id) FROM fim_reports r JOIN fim_configs c ON c.id = r.config_id WHERE c.host = 'websv-2' AND r.report LIKE '%etc/app.conf%'")
curl -sk -b "$TMP/jar-sm" "${URL}fim/reports/$rid" >"$TMP/report.html"
check "report $rid names the changed file" "grep -q 'tree2/etc/app.conf' '$TMP/report.html'"
check "and what changed in it" "grep -q '内容（SHA-256）' '$TMP/report.html'"
check "and the added one" "grep -q 'tree2/www/a.html' '$TMP/report.html'"
klogin tanaka "$PW" "$TMP/jar-staff"
is "a staff member may not see 改ざん検知" 403 "$(curl -sk -o /dev/null -w '%{http_code}' -b "$TMP/jar-staff" "${URL}fim")"
is "nor a report" 403 "$(curl -sk -o /dev/null -w '%{http_code}' -b "$TMP/jar-staff" "${URL}fim/reports/$rid")"
check "whose menu has no 改ざん検知" "! curl -sk -b '$TMP/jar-staff' '${URL}' | grep -q 'href=\"/fim\"'"
is "an unknown report is 404" 404 "$(curl -sk -o /dev/null -w '%{http_code}' -b "$TMP/jar-sm" "${URL}fim/reports/999999")"
# the duty page shows the tamper-check duty's last check and its result, linked
mkdir -p "$TMP/local"
echo "conf" >"$TMP/local/app.conf"
printf 'Conf = p+u+g+s+m+sha256\n%s Conf\n' "$TMP/local" >"$TMP/local.conf"
m fim init --config "$TMP/local.conf" --system websv --as suzuki >/dev/null
echo "changed" >"$TMP/local/app.conf"
m fim check --config "$TMP/local.conf" --as suzuki --scope system:websv >/dev/null
lid=$(sql "SELECT max(id) FROM fim_reports")
curl -sk -b "$TMP/jar-sm" "${URL}duties" >"$TMP/duties.html"
check "the duty page shows the last check's result" "grep -q '最新の検査' '$TMP/duties.html' && grep -q '変更あり' '$TMP/duties.html'"
check "linked to its report" "grep -q 'href=\"/fim/reports/$lid\"' '$TMP/duties.html'"

# an accepted generation whose baseline batch never reached the server (here a full spool
# dropped it; a failed put, a stop or a refusal lose it the same way): the next check names
# that generation, and the server takes its head as the baseline (it would otherwise call every
# later check tampered, for good: the agent announces a generation once)
mkdir -p "$TMP/tree3"
echo "conf 3" >"$TMP/tree3/app.conf"
printf 'Conf = p+u+g+s+m+c+i+n+sha256+ftype\n%s Conf\n' "$TMP/tree3" >"$TMP/agent3.conf"
ag3() {
	"$MAMORI" agent --server "$SERVER" --pin "$PIN" --token-file "$TMP/token" \
		--fim-config "$TMP/agent3.conf" --spool "$TMP/state3" --host drop-3 --once "$@" \
		2>>"$TMP/agent3.log"
}
ag3
echo "conf 3 changed" >"$TMP/tree3/app.conf"
ag3
last=$(sql "SELECT max(r.id) FROM fim_reports r JOIN fim_configs c ON c.id = r.config_id WHERE c.host = 'drop-3'")
expect "accept drop-3's change" 0 "$MAMORI" --dir "$D" fim accept "$last" --as suzuki --comment 更新
ag3 --spool-max-files 1
check "the new generation's baseline batch was dropped" "grep -q 'dropped' '$TMP/agent3.log'"
is "the server got one baseline from drop-3 (the first)" 1 \
	"$(sql "SELECT count(*) FROM fim_batches b JOIN fim_agents a ON b.agent = a.id WHERE a.host = 'drop-3' AND b.kind = 'baseline'")"
# a check that names another generation than the accepted one is not taken as its baseline
H0=0123456789abcdef0123456789abcdef
Z64=$(printf '%064d' 0)
printf '{"batch":"%s-1","seq":1,"kind":"check","at":"2026-01-01T00:00:00Z","agent":{"id":"%s","host":"drop-3","version":"x","interval":3600},"config":"%s","baseline":{"generation":3,"sha256":"%s","entries":1,"config_sha256":"%s"},"report":{"added":[],"removed":[],"changed":[],"problems":[],"summary":{"added":0,"removed":0,"changed":0,"entries":1},"problem_count":0}}' \
	"$H0" "$H0" "$TMP/agent3.conf" "$Z64" "$Z64" >"$TMP/forged.json"
status -k -H "Authorization: Bearer $(cat "$TMP/token")" -H 'Content-Type: application/json' \
	--data-binary @"$TMP/forged.json" "${SERVER}/api/v1/fim/results" >"$TMP/st"
is "a check naming generation 3 while 2 is awaited is taken" 200 "$(cat "$TMP/st")"
is "as tampered" tampered \
	"$(sql "SELECT r.outcome FROM fim_reports r JOIN fim_configs c ON c.id = r.config_id WHERE c.host = 'drop-3' ORDER BY r.id DESC LIMIT 1")"
is "and installs nothing" "2|0" "$(sql "SELECT generation, baseline_sha256 != '' FROM fim_configs WHERE host = 'drop-3'")"
ag3
ag3
is "the server took generation 2 from the check that named it" "2|1" \
	"$(sql "SELECT generation, baseline_sha256 != '' FROM fim_configs WHERE host = 'drop-3'")"
is "and its checks are clean" "clean clean" \
	"$(sql "SELECT group_concat(r.outcome, ' ') FROM fim_reports r JOIN fim_configs c ON c.id = r.config_id WHERE c.host = 'drop-3' AND r.generation = 2")"
diag "$(tail -3 "$TMP/agent3.log")"
expect "fim agents" 0 "$MAMORI" --dir "$D" fim agents --json
is "lists both agents with their last contact" "websv-1 True websv-2 True" \
	"$(python3 -c "import json; print(' '.join(f'{a[\"host\"]} {bool(a[\"last_contact\"])}' for a in json.load(open('$TMP/out')) if a['host'].startswith('websv')))")"
version=$("$MAMORI" --version | awk '{print $2}')
is "and the version each runs (mamori --version's)" "websv-1 $version websv-2 $version" \
	"$(python3 -c "import json; print(' '.join(f'{a[\"host\"]} {a[\"version\"]}' for a in json.load(open('$TMP/out')) if a['host'].startswith('websv')))")"
expect "the ledger verifies" 0 "$MAMORI" --dir "$D" ledger verify
done_testing
