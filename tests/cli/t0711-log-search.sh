#!/bin/sh
# t0711: log search, rules and retention from the command line, on messages brought in with
# `log import` (the receivers are t0710's): filters, --count --json, raw messages found by
# --grep, the rules that fire on a file, and what retention would erase.
. "$(dirname "$0")/lib.sh"

D="$TMP/d"
m() { "$MAMORI" --dir "$D" "$@"; }
expect "init a ward" 0 m init --profile minato

# The messages' day, two weeks ago in Tokyo. A BSD syslog timestamp has no year and gets the
# year it is received in (ingest/rfc3164.c): a fixed "Nov 22" would be read as the 22nd of
# November of whatever year the test runs in, outside a fixed window.
LDAY=$(python3 -c 'import datetime as d; print((d.datetime.utcnow() + d.timedelta(hours=9, days=-14)).strftime("%Y-%m-%d"))')
BSD=$(python3 -c 'import datetime as d; t = d.datetime.utcnow() + d.timedelta(hours=9, days=-14); print("JanFebMarAprMayJunJulAugSepOctNovDec"[3 * t.month - 3:3 * t.month], "%2d" % t.day)')
cat >"$TMP/a.log" <<EOF
<38>$BSD 11:46:00 web01 sshd[123]: Failed password for invalid user bob from 203.0.113.5 port 2222 ssh2
<38>$BSD 11:46:01 web01 sshd[123]: Failed password for invalid user bob from 203.0.113.5 port 2222 ssh2
<38>$BSD 11:46:02 web01 sshd[123]: Failed password for root from 203.0.113.5 port 2222 ssh2
<38>$BSD 11:46:03 web01 sshd[123]: Failed password for root from 203.0.113.5 port 2222 ssh2
<38>$BSD 11:46:04 web01 sshd[123]: Failed password for root from 203.0.113.5 port 2222 ssh2
<38>1 ${LDAY}T02:50:00.000Z DB01 sshd 9 - [origin@1 ip="192.0.2.4"] Accepted password for alice from 192.0.2.4 port 22 ssh2
<86>$BSD 12:00:00 db01 sudo:   carol : TTY=pts/0 ; PWD=/home/carol ; USER=root ; COMMAND=/usr/bin/id
this line is not syslog: it is kept raw, with xyzzy inside
{"EventID":4625,"Computer":"pc12","TargetUserName":"tanaka","IpAddress":"198.51.100.3"}
EOF
expect "log import" 0 m log import --source testfile "$TMP/a.log"
out_has "import says what it did" "imported 9 lines"

expect "search everything" 0 m log search
check "every line is found, newest first" "[ \$(wc -l <'$TMP/out') -eq 9 ]"
expect "--count --json" 0 m log search --count --json
check "{\"count\":9}" "[ \"\$(cat '$TMP/out')\" = '{\"count\":9}' ]"
expect "--host is case-insensitive" 0 m log search --host WEB01 --count
check "five from web01" "[ \"\$(cat '$TMP/out')\" = 5 ]"
expect "--host db01 --json" 0 m log search --host db01 --json
check "db01's two messages, JSON" "python3 -c 'import json,sys; a=json.load(open(sys.argv[1])); assert len(a)==2 and {x[\"app\"] for x in a}=={\"sshd\",\"sudo\"}' '$TMP/out'"
expect "--user (read out of sshd's message)" 0 m log search --user bob --count
check "bob twice" "[ \"\$(cat '$TMP/out')\" = 2 ]"
expect "--app sudo --user carol" 0 m log search --app sudo --user carol --json
out_has "sudo's command line" "COMMAND=/usr/bin/id"
expect "--grep finds a message kept raw" 0 m log search --grep XYZZY --json
out_has "the raw message" "\"format\":\"raw\""
out_has "its text" "with xyzzy inside"
expect "--since/--until in Tokyo time" 0 m log search --since "$LDAY 11:46:01" --until "$LDAY 11:46:03" --count
check "three in that window" "[ \"\$(cat '$TMP/out')\" = 3 ]"
expect "--limit and --offset page" 0 m log search --host web01 --limit 2 --offset 1 --json
check "the 2nd and 3rd newest" "python3 -c 'import json,sys; a=json.load(open(sys.argv[1])); assert [x[\"time\"][-7:] for x in a]==[\"03.000Z\",\"02.000Z\"], a' '$TMP/out'"
expect "Windows JSON is read (user, address)" 0 m log search --user tanaka --json
expect "a bad --since is a usage error" 2 m log search --since "next tuesday"
err_one_line "one line saying what to give"
expect "an empty --grep is a usage error" 2 m log search --grep ""

# After the index catches up the answers are the same (index and tail agree).
expect "reindex" 0 m log reindex
expect "--count again from the index" 0 m log search --count --json
check "still nine" "[ \"\$(cat '$TMP/out')\" = '{\"count\":9}' ]"
expect "--host from the index" 0 m log search --host web01 --count
check "still five" "[ \"\$(cat '$TMP/out')\" = 5 ]"
# A host's search reads its runs (log_run) and, with --app or --user, their blocks' lists.
expect "--host --user from the index" 0 m log search --host WEB01 --user bob --count
check "bob twice on web01" "[ \"\$(cat '$TMP/out')\" = 2 ]"
expect "--host --app from the index" 0 m log search --host db01 --app sudo --json
check "db01's sudo only" "python3 -c 'import json,sys; a=json.load(open(sys.argv[1])); assert [x[\"app\"] for x in a]==[\"sudo\"], a' '$TMP/out'"
expect "--host --app none there" 0 m log search --host web01 --app sudo --count
check "none" "[ \"\$(cat '$TMP/out')\" = 0 ]"
expect "--host with a window from the index" 0 m log search --host web01 --since "$LDAY 11:46:01" --until "$LDAY 11:46:03" --count
check "three of web01 in that window" "[ \"\$(cat '$TMP/out')\" = 3 ]"
expect "--host with a window before its messages" 0 m log search --host web01 --until "$LDAY 11:45:59" --count
check "none before" "[ \"\$(cat '$TMP/out')\" = 0 ]"
expect "--host never seen" 0 m log search --host nowhere --count
check "none from nowhere" "[ \"\$(cat '$TMP/out')\" = 0 ]"
printf '%s\n' '<38>1 2026-01-05T00:00:00Z web01 app - - - a clock ten months behind' \
	"<38>1 ${LDAY}T03:00:00Z web01 app - - - on time" >"$TMP/b.log"
expect "import a far-off time" 0 m log import --source clocks "$TMP/b.log"
expect "reindex them" 0 m log reindex
expect "--host with a window at the far-off time" 0 m log search --host web01 --since 2026-01-04 --until 2026-01-06 --json
check "found though its run reaches two weeks ago" "python3 -c 'import json,sys; a=json.load(open(sys.argv[1])); assert [x[\"message\"] for x in a]==[\"a clock ten months behind\"], a' '$TMP/out'"

# The rules.
expect "rules list" 0 m log rules list --json
check "the shipped rules, with kinds" "python3 -c 'import json,sys; a={r[\"id\"]:r for r in json.load(open(sys.argv[1]))}; assert a[\"auth-failure-burst\"][\"kind\"]==\"correlation\" and a[\"log-gap\"][\"kind\"]==\"log_gap\" and a[\"login-inactive-user\"][\"kind\"]==\"register\", a' '$TMP/out'"
expect "rules test on the file" 0 m log rules test "$TMP/a.log" --json
check "the burst fires with its five lines" "python3 -c 'import json,sys; a=json.load(open(sys.argv[1])); b=[x for x in a if x[\"rule\"]==\"auth-failure-burst\"]; assert len(b)==1 and b[0][\"lines\"]==[1,2,3,4,5], a' '$TMP/out'"
check "carol's sudo has no admin record" "grep -q privileged-without-admin-record '$TMP/out'"
expect "rules test text" 0 m log rules test "$TMP/a.log"
out_has "one line per alert" "auth-failure-burst (high):"
expect "rules test without a ward uses --profile" 0 "$MAMORI" --dir "$TMP/none" log rules test "$TMP/a.log" --profile shinjuku
out_has "and says the registers were not used" "need a data directory"
mkdir -p "$D/rules"
printf 'title: 壊れた規則\nid: broken\ndetection:\n  s: {app: sshd}\n  condition: s and t\n' >"$D/rules/local.yml"
expect "a ward's broken rule is refused" 1 m log rules list
err_has "naming the file and line" "rules/local.yml:"
printf 'title: 自前の規則\nid: local-cron\ndetection:\n  s: {app: cron}\n  condition: s\n' >"$D/rules/local.yml"
expect "a ward's own rule is added" 0 m log rules list --json
out_has "local-cron" "\"id\":\"local-cron\""

# Retention: nothing is five years old; the dry run says so and changes nothing.
expect "retention --dry-run" 0 m log retention --dry-run
out_has "nothing old enough" "nothing to erase"
expect "retention --dry-run --json" 0 m log retention --dry-run --json
out_has "the profile's five years" "\"keep_seconds\":157680000"
expect "alert list --json is a JSON array" 0 m alert list --json
check "empty: nothing raised from the command line" "[ \"\$(cat '$TMP/out')\" = '[]' ]"
expect "the ledger verifies" 0 m ledger verify

done_testing
