#!/bin/sh
# t0611-http-context: a decision never depends on what the request did not say (issue 10 §2).
# In Shinjuku a Class I transmission must say its recipient (SHJ-5-2-2-a-(イ)): the web form
# asks it with the profile's own words, the door refuses without it (missing_context), and
# AuthZEN answers decision:false naming the missing keys. A read never asks.
. "${MAMORI_SRCDIR:?}/tests/http/lib.sh"
m init --profile shinjuku --ward-name 新宿区 >"$TMP/init.out" 2>&1 || { cat "$TMP/init.out"; exit 1; }
printf '%s\n' "$ADMIN_PW" | m user passwd admin --password-stdin >/dev/null
m section add zeimu --name 税務課 >/dev/null
for u in zeimu-kacho zeimu-1; do
	printf '%s\n' "$PW" | m user add "$u" --name "$u" --section zeimu --employment 職員 \
		--password-stdin >/dev/null
done
m role grant zeimu-kacho security_officer@section:zeimu >/dev/null
A=$(m record add asset --field title=課税台帳 --field cia=機密性高 --field label_displayed=true \
	--level I --section zeimu --as zeimu-kacho --json | sed 's/.*"record":\([0-9]*\).*/\1/')
check "a Class I asset of 税務課" '[ -n "$A" ]'
server_start
is "zeimu-1 logs in" 303 "$(login zeimu-1 "$PW" "$TMP/jar")"

is "the transmission form" 200 "$(status -b "$TMP/jar" "${URL}records/$A/act?action=asset.transmit")"
cp "$TMP/body" "$TMP/form"
check "it asks the recipient, in the profile's words" \
	'grep -q "<select name=\"c.recipient\" id=\"c-recipient\" required" "$TMP/form" && grep -q "実施機関等以外" "$TMP/form"'
check "and the channel and the device" \
	'grep -q "name=\"c.channel\"" "$TMP/form" && grep -q "name=\"c.device\"" "$TMP/form"'
check "the preview says the decision waits for the answers" 'grep -q "送信先" "$TMP/form" && grep -q "フォームで答えてください" "$TMP/form"'
check "and no plain refusal" '! grep -q "ポリシーで禁止" "$TMP/form"'

post() { # post JAR [EXTRA --data-urlencode ARGS...]
	_j=$1
	shift
	_c=$(csrf_of "$_j" "/records/$A/act?action=asset.transmit")
	curl -s -b "$_j" -o "$TMP/body" -w '%{http_code} %{redirect_url}' --data-urlencode "csrf=$_c" \
		--data-urlencode action=asset.transmit --data-urlencode version=1 \
		--data-urlencode "f.content=課税資料" --data-urlencode "f.purpose=照会への回答" \
		--data-urlencode "f.method=暗号化メール" --data-urlencode "f.management=受信後に削除" \
		"$@" "${URL}records/$A/act"
}
r=$(post "$TMP/jar" --data-urlencode c.channel=internet --data-urlencode c.device=issued)
is "without the recipient the door refuses" 403 "${r%% *}"
check "and says why in Japanese" 'grep -q "判断に必要な事項が申請に書かれていません" "$TMP/body"'
check "naming the recipient" 'grep -q "recipient" "$TMP/body"'
r=$(post "$TMP/jar" --data-urlencode c.channel=internet --data-urlencode c.recipient=external \
	--data-urlencode c.device=issued)
is "with every answer but no measures ticked (SHJ-5-2-2-イ) the door refuses" 403 "${r%% *}"
check "the form offers the measures as boxes to tick" \
	'grep -q "name=\"f.measures.0\"" "$TMP/form" && grep -q "通信経路の暗号化" "$TMP/form"'
r=$(post "$TMP/jar" --data-urlencode c.channel=internet --data-urlencode c.recipient=external \
	--data-urlencode c.device=issued --data-urlencode f.measures.0=1 --data-urlencode f.measures.1=1)
is "with every answer it becomes a request" 303 "${r%% *}"
REQ=$(echo "$r" | sed -n 's|.*/requests/\([0-9]*\).*|\1|p')
is "the request" 200 "$(status -b "$TMP/jar" "${URL}requests/$REQ")"
check "waits for the CIO too (SHJ-5-2-2-a-(イ))" 'grep -q "情報化統括管理者" "$TMP/body"'
r=$(post "$TMP/jar" --data-urlencode c.channel=internet --data-urlencode c.recipient=moon \
	--data-urlencode c.device=issued)
is "a value the profile does not know is a bad request" 400 "${r%% *}"

# A read never asks: the record page opens without any question.
is "reading the record asks nothing" 200 "$(status -b "$TMP/jar" "${URL}records/$A")"

# AuthZEN: decision false, the missing keys in its context.
T=$(token zeimu-1)
ev() {
	curl -s -H "Authorization: Bearer $T" -H 'Content-Type: application/json' -d "$1" \
		"${URL}access/v1/evaluation"
}
ev "{\"subject\":{\"type\":\"user\",\"id\":\"zeimu-1\"},\"action\":{\"name\":\"asset.transmit\"},\"resource\":{\"type\":\"asset\",\"id\":\"$A\"},\"context\":{\"channel\":\"internet\",\"device\":\"issued\"}}" >"$TMP/ev"
check "AuthZEN: decision false" 'grep -q "\"decision\":false" "$TMP/ev"'
check "AuthZEN: the missing key in its context" 'grep -q "\"missing\":\[\"recipient\"\]" "$TMP/ev"'
ev "{\"subject\":{\"type\":\"user\",\"id\":\"zeimu-1\"},\"action\":{\"name\":\"asset.read\"},\"resource\":{\"type\":\"asset\",\"id\":\"$A\"}}" >"$TMP/ev"
check "AuthZEN: a read is decided on the session's context" 'grep -q "\"decision\":true" "$TMP/ev" && grep -q "\"assumed\":{\"device\":\"issued\"}" "$TMP/ev"'
done_testing
