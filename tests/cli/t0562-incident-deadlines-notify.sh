#!/bin/sh
# t0562: an incident's legal deadlines (incidents.deadlines: the 速報 and 確報 to the 個人情報保護
# 委員会, the notice to the people, the report to the 区長) reach the CSIRT it was reported to
# through the inbox and one e-mail digest (a real SMTP server on a free port), each deadline once
# (its key says open or overdue, so a deadline that passes is told once more); staff who reported
# it get none; a deadline met leaves the inbox and is not told again.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/core-lib.sh"
D="$TMP/minato"
MAIL="$TMP/mail"
PY=/usr/bin/python3
js() { python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))" "$TMP/out" "$1"; }
is() {
	_got=$(js "$2" 2>&1)
	if [ "$_got" = "$3" ]; then ok "$1"; else not_ok "$1"; diag "$2: got '$_got', want '$3'"; fi
}
ago() { python3 -c "import datetime,sys; print((datetime.datetime.utcnow() + datetime.timedelta(hours=9) - datetime.timedelta(hours=int(sys.argv[1]))).strftime('%Y-%m-%dT%H:%M'))" "$1"; }
mails() {
	for f in "$MAIL"/*.eml; do
		$PY - "$f" <<'EOF'
import email, email.policy, sys
m = email.message_from_binary_file(open(sys.argv[1], "rb"), policy=email.policy.default)
print("To:", m["to"])
print(m.get_body().get_content())
EOF
	done
}

if ! $PY -c 'import aiosmtpd' 2>/dev/null; then
	echo "1..0 # SKIP python3-aiosmtpd is not installed (scripts/bootstrap installs it)"
	exit 0
fi

expect "init --profile minato" 0 "$MAMORI" --dir "$D" init --profile minato --ward-name 港区
m section add zeimu --name 税務課 >/dev/null || not_ok "section zeimu"
m section add jouhou --name 情報政策課 >/dev/null || not_ok "section jouhou"
m user add zeimu-1 --name "橋本 聡" --section zeimu --email hashimoto@city.example.lg.jp >/dev/null
m user add zeimu-kacho --name "池田 勝" --section zeimu --email ikeda@city.example.lg.jp >/dev/null
m user add csirt-1 --name "高木 守" --section jouhou --email takagi@city.example.lg.jp >/dev/null
m user add joho-kacho --name "情報 課長" --section jouhou >/dev/null
m role grant zeimu-kacho security_officer@section:zeimu >/dev/null || not_ok "grant so"
m role grant csirt-1 csirt@org >/dev/null || not_ok "grant csirt"
m role grant joho-kacho system_chief@org >/dev/null || not_ok "grant chief"
new_record "a level-3 asset of 税務課" asset --field title=住民税課税台帳 --level 3 \
	--section zeimu --field access_controlled=true --as zeimu-kacho
A=$rec

# Found 4 days ago, 150 people: reportable; the 速報 and the 区長 (3 days) are overdue, the 確報
# and the notice to the people (30 days) are open.
expect "zeimu-1 reports (150 people, found 4 days ago)" 0 "$MAMORI" --dir "$D" incident report \
	--title "課税情報の誤送付" --found-at "$(ago 96)" --record "$A" --personal-data 150 \
	--as zeimu-1 --json
I=$(js 'd["id"]')
expect "the CSIRT's inbox before the escalation" 0 "$MAMORI" --dir "$D" inbox --as csirt-1 --json
is "holds no deadline yet (not reported to it)" "[x['kind'] for x in d['items'] if x['kind'] == 'deadline']" "[]"
expect "the officer escalates to the CSIRT" 0 "$MAMORI" --dir "$D" incident step "$I" escalated \
	--as zeimu-kacho
expect "the CSIRT's inbox" 0 "$MAMORI" --dir "$D" inbox --as csirt-1 --json
is "the four deadlines, the overdue (3 days) first" \
	"[sorted((x['deadline'], x['overdue']) for x in d['items'] if x['kind'] == 'deadline' and x['overdue']), sorted((x['deadline'], x['overdue']) for x in d['items'] if x['kind'] == 'deadline' and not x['overdue'])]" \
	"[[('mayor', True), ('ppc_preliminary', True)], [('persons', False), ('ppc_final', False)]]"
is "soonest first" "[x['overdue'] for x in d['items'] if x['kind'] == 'deadline']" \
	"[True, True, False, False]"
is "each for the case" "sorted(set(x['record'] for x in d['items'] if x['kind'] == 'deadline'))" "[$I]"
is "the overdue ones are urgent" "d['urgent'] >= 3" "True"
is "keys say open or overdue" \
	"[x['key'] for x in d['items'] if x.get('deadline') in ('ppc_preliminary', 'ppc_final')]" \
	"['deadline:$I:ppc_preliminary:overdue', 'deadline:$I:ppc_final:open']"
is "a Japanese text with the name and the due time" \
	"[x['text'] for x in d['items'] if x.get('deadline') == 'ppc_preliminary'][0].startswith('「課税情報の誤送付」の個人情報保護委員会への速報：期限 令和')" "True"
is "overdue said as such" \
	"[x['text'] for x in d['items'] if x.get('deadline') == 'ppc_preliminary'][0].endswith('（期限切れ）')" "True"
expect "staff have no deadline in their inbox" 0 "$MAMORI" --dir "$D" inbox --as zeimu-1 --json
is "none" "[x for x in d['items'] if x['kind'] == 'deadline']" "[]"

# ---- by e-mail, once -------------------------------------------------------------------------
$PY "$MAMORI_SRCDIR/tests/lib/smtp-sink.py" "$MAIL" >"$TMP/sink.out" 2>&1 &
SINK=$!
trap 'kill $SINK 2>/dev/null; rm -rf "$TMP"' EXIT
for _ in $(seq 50); do grep -q listening "$TMP/sink.out" && break; sleep 0.1; done
PORT=$(sed -n 's/.*127.0.0.1:\([0-9]*\).*/\1/p' "$TMP/sink.out")
check "the SMTP sink listens" "[ -n '$PORT' ]"
cat >"$D/mamori.conf" <<EOF
[smtp]
host = 127.0.0.1
port = $PORT
starttls = no
from = isms@city.example.lg.jp
[notify]
base_url = https://isms.city.example.lg.jp
EOF
expect "notify send" 0 "$MAMORI" --dir "$D" notify send --json
is "nothing failed" "d['failed']" "0"
mails >"$TMP/m1"
check "the CSIRT got a digest" "grep -q 'To: .*takagi@city.example.lg.jp' '$TMP/m1'"
check "naming the 速報's deadline, overdue" "grep -q '個人情報保護委員会への速報：期限 令和.*（期限切れ）' '$TMP/m1'"
check "and the 確報's" "grep -q '個人情報保護委員会への確報：期限 令和' '$TMP/m1'"
check "under its heading" "grep -q '事故等の報告期限' '$TMP/m1'"
check "with a link to the case's deadlines" \
	"grep -q 'https://isms.city.example.lg.jp/incidents/$I#deadlines' '$TMP/m1'"
check "no English sentence" "! grep -v https: '$TMP/m1' | grep -qi 'due by\\|overdue\\|deadline'"
check "once: four deadline lines for four deadlines" \
	"[ \$(grep -c '：期限 令和' '$TMP/m1') = 4 ]"
expect "a second round tells nothing again" 0 "$MAMORI" --dir "$D" notify send --json
is "no digest" "d['digests']" "0"

# ---- a deadline met leaves the inbox ----------------------------------------------------------
expect "the CSIRT receives the case" 0 "$MAMORI" --dir "$D" incident step "$I" received --as csirt-1
expect "the 速報 is made" 0 "$MAMORI" --dir "$D" incident act "$I" report_out \
	--field deadline=個人情報保護委員会への速報 --as joho-kacho
expect "the CSIRT's inbox" 0 "$MAMORI" --dir "$D" inbox --as csirt-1 --json
is "three deadlines left" "sorted(x['deadline'] for x in d['items'] if x['kind'] == 'deadline')" \
	"['mayor', 'persons', 'ppc_final']"
n_before=$(ls "$MAIL"/*.eml | wc -l)
expect "notify send after the 速報" 0 "$MAMORI" --dir "$D" notify send --json
check "no deadline is told twice (only the changed case may be)" \
	"! cat \$(ls '$MAIL'/*.eml | tail -n +$((n_before + 1))) /dev/null | grep -q '：期限 令和'"

# ---- the dashboard card shows the overdue deadline in red ----------------------------------------
# (the web: tests/http/t0670-http-incidents.sh and the browser journey read the card; here the
# list the card is drawn from)
expect "incident list --json" 0 "$MAMORI" --dir "$D" incident list --json
is "the case is overdue" "[x['overdue'] for x in d if x['id'] == $I]" "[True]"
kill $SINK
wait $SINK 2>/dev/null
expect "the ledger verifies" 0 "$MAMORI" --dir "$D" ledger verify
done_testing
