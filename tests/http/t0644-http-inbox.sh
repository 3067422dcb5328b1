#!/bin/sh
# t0644: 受信箱 (/inbox) shows each person what waits for them, only what they may read, in
# Japanese; `serve` with [smtp] in mamori.conf sends the digests itself every [notify]
# interval to a real SMTP server (aiosmtpd, started here on a free port).
. "${MAMORI_SRCDIR:?}/tests/http/lib.sh"
PY=/usr/bin/python3
MAIL="$TMP/mail"

ward_make
m user set suzuki --title 税務課長 --email suzuki@city.example.lg.jp >/dev/null
m user set sato --email sato@city.example.lg.jp >/dev/null
m act "$Z3" asset.take_out --as sato --field destination=区民センター --field purpose=出張窓口 \
	--field return_due="$(day -1)" --field carrier=sato >"$TMP/act.out" 2>&1
R=$(sed -n 's/^pending: request \([0-9]*\).*/\1/p' "$TMP/act.out" | head -1)
is "the take-out waits for approval" 1 "$([ -n "$R" ] && echo 1 || echo 0)"

SINK=""
if $PY -c 'import aiosmtpd' 2>/dev/null; then
	$PY "$MAMORI_SRCDIR/tests/lib/smtp-sink.py" "$MAIL" >"$TMP/sink.out" 2>&1 &
	SINK=$!
	trap 'kill $SINK 2>/dev/null; server_stop; rm -rf "$TMP"' EXIT
	for _ in $(seq 50); do grep -q listening "$TMP/sink.out" && break; sleep 0.1; done
	PORT=$(sed -n 's/.*127.0.0.1:\([0-9]*\).*/\1/p' "$TMP/sink.out")
	printf '[smtp]\nhost = 127.0.0.1\nport = %s\nstarttls = no\nfrom = isms@city.example.lg.jp\n[notify]\ninterval = 10\n' \
		"$PORT" >>"$D/mamori.conf"
fi
server_start

is "suzuki logs in" 303 "$(login suzuki "$PW" "$TMP/jar-suzuki")"
is "the inbox" 200 "$(status -b "$TMP/jar-suzuki" "${URL}inbox")"
check "is 受信箱 in the navigation" "grep -q 'href=\"/inbox\"[^>]*>受信箱' '$TMP/body'"
check "lists the request to decide" "grep -q '申請第${R}号：住民税課税台帳の庁舎外への持出し（申請者：佐藤花子）' '$TMP/body'"
check "linking to it" "grep -q 'href=\"/requests/$R\"' '$TMP/body'"
check "under its heading" "grep -q '決裁を待っている申請（1件）' '$TMP/body'"

is "sato logs in" 303 "$(login sato "$PW" "$TMP/jar-sato")"
is "sato's inbox" 200 "$(status -b "$TMP/jar-sato" "${URL}inbox")"
check "has nothing waiting yet" "grep -q '待っている事項はありません' '$TMP/body'"
check "and does not offer sato the request" "! grep -q 'href=\"/requests/$R\"' '$TMP/body'"

C=$(csrf_of "$TMP/jar-suzuki" "/requests/$R")
is "suzuki approves" 303 "$(status -b "$TMP/jar-suzuki" --data-urlencode "csrf=$C" \
	--data-urlencode "comment=気をつけて" "${URL}requests/$R/approve")"
is "sato's inbox again" 200 "$(status -b "$TMP/jar-sato" "${URL}inbox")"
check "tells the decision, by the decider's name" "grep -q '決裁者：鈴木一郎（税務課長）' '$TMP/body'"
check "and the overdue take-out" "grep -q '返却予定日.*を過ぎています' '$TMP/body'"
check "marked overdue" "grep -q 'class=\"overdue\" data-kind=\"takeout\"' '$TMP/body'"
is "the take-out request" 200 "$(status -b "$TMP/jar-sato" "${URL}requests/$R")"
check "names the carrier, not the login" "grep -q '<dd>佐藤花子</dd>' '$TMP/body' && ! grep -q '<dd>sato</dd>' '$TMP/body'"
is "tanaka (区民課) logs in" 303 "$(login tanaka "$PW" "$TMP/jar-tanaka")"
is "tanaka's inbox" 200 "$(status -b "$TMP/jar-tanaka" "${URL}inbox")"
check "shows nothing of 税務課" "! grep -q '住民税課税台帳' '$TMP/body'"
is "the inbox needs a login" 303 "$(status "${URL}inbox")"

if [ -n "$SINK" ]; then
	check "serve says it sends notifications" "grep -q 'notifications every 10s through 127.0.0.1:$PORT' '$TMP/serve.out'"
	# The first round runs at start (suzuki: the request), the next within 10 s (sato).
	for _ in $(seq 300); do
		[ "$(cat "$MAIL"/*.rcpt 2>/dev/null | grep -c sato)" -ge 1 ] && break
		sleep 0.1
	done
	cat "$MAIL"/*.rcpt >"$TMP/rcpts" 2>/dev/null
	check "suzuki got a digest" "grep -q suzuki@ '$TMP/rcpts'"
	check "sato got one after the decision" "grep -q sato@ '$TMP/rcpts'"
	check "nobody got the same thing twice" "[ \$(grep -c suzuki@ '$TMP/rcpts') -le 2 ] && [ \$(grep -c sato@ '$TMP/rcpts') = 1 ]"
else
	ok "# SKIP python3-aiosmtpd is not installed"
fi
server_stop
check "the server stopped cleanly" "! grep -qi 'sanitizer\\|leak' '$TMP/serve.err'"
done_testing
