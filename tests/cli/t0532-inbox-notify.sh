#!/bin/sh
# t0532: the inbox and e-mail notifications. `mamori inbox --as` lists what waits for a person
# (requests to decide, their decided requests, duties due, overdue take-outs); `mamori notify
# send` delivers one Japanese digest per person to a real SMTP server (aiosmtpd, started here
# on a free port), tells each thing once, keeps a failed digest for the next round, and
# refuses a broken [smtp] section with what to do.
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
# mail_of N: subject, recipients and decoded body of the sink's message N.
mail_of() {
	$PY - "$MAIL/$1.eml" <<'EOF'
import email, email.header, email.policy, sys
m = email.message_from_binary_file(open(sys.argv[1], "rb"), policy=email.policy.default)
print("Subject:", m["subject"])
print("To:", m["to"])
print("From:", m["from"])
print(m.get_body().get_content())
EOF
}

if ! $PY -c 'import aiosmtpd' 2>/dev/null; then
	echo "1..0 # SKIP python3-aiosmtpd is not installed (scripts/bootstrap installs it)"
	exit 0
fi

expect "init --profile minato" 0 "$MAMORI" --dir "$D" init --profile minato
m section add zeimu --name 税務課 >/dev/null
m user add zeimu-1 --name "橋本 聡" --section zeimu --email hashimoto@city.example.lg.jp >/dev/null
m user add zeimu-kacho --name "池田 勝" --section zeimu --title 税務課長 \
	--email ikeda@city.example.lg.jp >/dev/null
m user add zeimu-2 --name "森 花子" --section zeimu >/dev/null
m role grant zeimu-kacho security_officer@section:zeimu >/dev/null
new_record "a level 3 asset" asset --field title=住民税課税台帳 --field access_controlled=true \
	--level 3 --section zeimu --as zeimu-1
A=$rec
expect "taken out two days ago, due back yesterday" 0 \
	"$MAMORI" --dir "$D" act "$A" asset.take_out --as zeimu-1 --field destination=区民センター \
	--field purpose=出張窓口 --field return_due="$(day -1)" --field carrier=zeimu-1
R=$(last_request)
check "it waits for the 課長" "[ -n '$R' ]"

expect "the 課長's inbox" 0 "$MAMORI" --dir "$D" inbox --as zeimu-kacho --json
is "holds the request to decide" "[(x['kind'], x.get('request')) for x in d['items']]" "[('approve', $R)]"
is "named by the record and the applicant" "d['items'][0]['text']" \
	"申請第${R}号：住民税課税台帳の庁舎外への持出し（申請者：橋本 聡）"
expect "the applicant's inbox is empty yet" 0 "$MAMORI" --dir "$D" inbox --as zeimu-1 --json
is "nothing" "d['total']" "0"
expect "an inbox needs --as" 2 "$MAMORI" --dir "$D" inbox
expect "an unknown person has none" 1 "$MAMORI" --dir "$D" inbox --as nobody

expect "without a mail server, notify send says what to add" 1 "$MAMORI" --dir "$D" notify send
err_has "names [smtp]" "[smtp] host"
expect "a dry run composes without a server" 0 "$MAMORI" --dir "$D" notify send --dry-run --json
is "one digest, one item" "(d['digests'], d['items'])" "(1, 1)"

# A real SMTP server on a free port.
$PY "$MAMORI_SRCDIR/tests/lib/smtp-sink.py" "$MAIL" >"$TMP/sink.out" 2>&1 &
SINK=$!
trap 'kill $SINK 2>/dev/null; rm -rf "$TMP"' EXIT
for _ in $(seq 50); do grep -q listening "$TMP/sink.out" && break; sleep 0.1; done
PORT=$(sed -n 's/.*127.0.0.1:\([0-9]*\).*/\1/p' "$TMP/sink.out")
check "the SMTP sink listens" "[ -n '$PORT' ]"

printf '[smtp]\nhost = 127.0.0.1\nport = %s\n' "$PORT" >"$D/mamori.conf"
expect "a host without a sender is refused" 1 "$MAMORI" --dir "$D" notify send
err_has "saying what to write" "[smtp] from"
cat >"$D/mamori.conf" <<EOF
[smtp]
host = 127.0.0.1
port = $PORT
starttls = no
from = isms@city.example.lg.jp
from_name = 守り（情報政策課）
[notify]
base_url = https://isms.city.example.lg.jp
EOF
expect "notify send" 0 "$MAMORI" --dir "$D" notify send --json
is "one digest sent" "(d['digests'], d['items'], d['failed'])" "(1, 1, 0)"
check "the sink received one message" "[ -f '$MAIL/1.eml' ] && [ ! -f '$MAIL/2.eml' ]"
check "to the 課長" "grep -qx ikeda@city.example.lg.jp '$MAIL/1.rcpt'"
mail_of 1 >"$TMP/m1"
check "a Japanese subject" "grep -q '^Subject: 【守り】新しいお知らせが1件あります' '$TMP/m1'"
check "from the ward's sender" "grep -q 'From: 守り（情報政策課） <isms@city.example.lg.jp>' '$TMP/m1'"
check "naming the person" "grep -q '池田 勝' '$TMP/m1'"
check "and the request" "grep -q '住民税課税台帳の庁舎外への持出し' '$TMP/m1'"
check "with a link to it" "grep -q 'https://isms.city.example.lg.jp/requests/$R' '$TMP/m1'"
check "no English sentence" "! grep -v https: '$TMP/m1' | grep -q 'waits\\|request\\|inbox'"
expect "a second round tells nothing again" 0 "$MAMORI" --dir "$D" notify send --json
is "no digest" "d['digests']" "0"

expect "the 課長 approves" 0 "$MAMORI" --dir "$D" request approve "$R" --as zeimu-kacho
expect "the applicant's inbox" 0 "$MAMORI" --dir "$D" inbox --as zeimu-1 --json
is "their decided request and the overdue take-out" "sorted(x['kind'] for x in d['items'])" \
	"['decided', 'takeout']"
is "who decided, by name" "[x['person'] for x in d['items'] if x['kind'] == 'decided']" \
	"['池田 勝（税務課長）']"
is "the take-out is overdue" "[x['overdue'] for x in d['items'] if x['kind'] == 'takeout']" "[True]"
expect "the 課長's inbox: the overdue take-out of the section" 0 \
	"$MAMORI" --dir "$D" inbox --as zeimu-kacho --json
is "and no request to decide" "[x['kind'] for x in d['items']]" "['takeout']"

expect "a duty last done 13 months ago" 0 "$MAMORI" --dir "$D" duty done section-inspection \
	--evidence 点検済み --as zeimu-kacho --done-on "$(day -400)"
expect "is in the 課長's inbox, overdue" 0 "$MAMORI" --dir "$D" inbox --as zeimu-kacho --json
is "the duty" "[(x['duty'], x['overdue']) for x in d['items'] if x['kind'] == 'duty']" \
	"[('section-inspection', True)]"

kill $SINK
wait $SINK 2>/dev/null
expect "a server that is gone: the round fails" 1 "$MAMORI" --dir "$D" notify send --json
is "two digests failed" "d['failed']" "2"
err_has "saying where it could not send" "127.0.0.1:$PORT"

MAIL="$TMP/mail2"
$PY "$MAMORI_SRCDIR/tests/lib/smtp-sink.py" "$MAIL" >"$TMP/sink.out" 2>&1 &
SINK=$!
for _ in $(seq 50); do grep -q listening "$TMP/sink.out" && break; sleep 0.1; done
PORT=$(sed -n 's/.*127.0.0.1:\([0-9]*\).*/\1/p' "$TMP/sink.out")
sed -i "s/^port = .*/port = $PORT/" "$D/mamori.conf"
expect "the next round sends what failed" 0 "$MAMORI" --dir "$D" notify send --json
is "two digests" "(d['digests'], d['failed'])" "(2, 0)"
for f in "$MAIL"/*.rcpt; do cat "$f"; done >"$TMP/rcpts"
check "one to the applicant" "[ \$(grep -c hashimoto '$TMP/rcpts') = 1 ]"
check "one to the 課長" "[ \$(grep -c ikeda '$TMP/rcpts') = 1 ]"
for n in 1 2; do mail_of $n; done >"$TMP/m23"
check "the decision is told" "grep -q '承認' '$TMP/m23'"
check "the overdue take-out is told" "grep -q '返却予定日' '$TMP/m23'"
check "the overdue duty is told" "grep -q '課等の遵守状況の点検' '$TMP/m23'"
expect "and then nothing again" 0 "$MAMORI" --dir "$D" notify send --json
is "no digest" "d['digests']" "0"
expect "the ledger verifies" 0 "$MAMORI" --dir "$D" ledger verify
done_testing
