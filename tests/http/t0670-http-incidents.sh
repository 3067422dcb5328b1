#!/bin/sh
# t0670-http-incidents: reporting an incident in the browser form and over the API, the case
# page and the dashboard card in Japanese with the deadlines, visibility decided like any record
# (another section's staff get 404, the CSIRT only once the case reaches it), CSRF on the form,
# and bad input answered with a Japanese message.
. "${MAMORI_SRCDIR:?}/tests/http/lib.sh"
ward_make
m section add joho --name 情報政策課 >/dev/null
printf '%s\n' "$PW" | m user add kato --name 加藤美咲 --section joho --password-stdin >/dev/null
m role grant kato csirt@org >/dev/null
server_start
for u in sato suzuki tanaka kato; do
	is "$u logs in" 303 "$(login $u "$PW" "$TMP/jar-$u")"
done

C=$(csrf_of "$TMP/jar-sato" /incidents/new)
check "the report form is Japanese" 'curl -s -b "$TMP/jar-sato" "${URL}incidents/new" | grep -q "インシデントの報告"'
check "it offers the records sato may read" \
	'curl -s -b "$TMP/jar-sato" "${URL}incidents/new" | grep -q "value=\"$Z3\""'
check "and not those of 区民課" \
	'! curl -s -b "$TMP/jar-sato" "${URL}incidents/new" | grep -q "value=\"$K3\""'
is "a form without its CSRF token is refused" 403 "$(status -b "$TMP/jar-sato" \
	--data-urlencode "title=x" --data-urlencode "found_at=2026-01-10T09:00" "${URL}incidents/new")"
is "a found-at in the future is refused" 400 "$(status -b "$TMP/jar-sato" --data-urlencode "csrf=$C" \
	--data-urlencode "title=x" --data-urlencode "found_at=2999-01-01T09:00" "${URL}incidents/new")"
check "in Japanese" 'grep -q "未来" "$TMP/body"'
is "sato reports" 303 "$(status -b "$TMP/jar-sato" --data-urlencode "csrf=$C" \
	--data-urlencode "title=課税台帳の誤表示" --data-urlencode "found_at=2026-01-10T09:00" \
	--data-urlencode "personal_data=150" --data-urlencode "records=$Z3" "${URL}incidents/new")"
I=$(curl -s -b "$TMP/jar-sato" -o /dev/null -w '%{redirect_url}' --data-urlencode "csrf=$C" \
	--data-urlencode "title=二件目" --data-urlencode "found_at=2026-01-11T09:00" "${URL}incidents/new" |
	sed -n 's|.*/incidents/\([0-9]*\)?.*|\1|p')
check "a second report gives its case number" '[ -n "$I" ]'
is "the case page" 200 "$(status -b "$TMP/jar-sato" "${URL}incidents/$I?notice=reported")"
check "says where the report went" 'grep -q "報告先：税務課 セキュリティ責任者" "$TMP/body"'
F=$((I - 1))
is "the first case" 200 "$(status -b "$TMP/jar-sato" "${URL}incidents/$F")"
check "shows the 速報 deadline with the offset" \
	'grep -q "data-kind=\"ppc_preliminary\" data-due=\"2026-01-13T09:00:00+09:00\"" "$TMP/body"'
check "overdue" 'grep -q "deadline overdue" "$TMP/body"'
check "the record involved is linked" 'grep -q "href=\"/records/$Z3\"" "$TMP/body"'
check "no English sentence on the page" '! grep -q ">Deadlines<\|>Timeline<\|>Evidence<" "$TMP/body"'
is "区民課 staff do not find it" 404 "$(status -b "$TMP/jar-tanaka" "${URL}incidents/$F")"
is "nor does the CSIRT before the escalation" 404 "$(status -b "$TMP/jar-kato" "${URL}incidents/$F")"
check "the officer's dashboard lists it" 'curl -s -b "$TMP/jar-suzuki" "$URL" | grep -q "課税台帳の誤表示"'
m incident step "$F" escalated --as suzuki >/dev/null
is "the CSIRT reads it now" 200 "$(status -b "$TMP/jar-kato" "${URL}incidents/$F")"
check "and may receive it" 'grep -q "data-action=\"receive\"" "$TMP/body"'
check "but not escalate it" '! grep -q "data-action=\"escalate\"" "$TMP/body"'
check "the CSIRT's dashboard shows the overdue 速報" \
	'curl -s -b "$TMP/jar-kato" "$URL" | grep -q "deadline overdue\" data-kind=\"ppc_preliminary\""'
check "the list leaves the other section's staff out" \
	'! curl -s -b "$TMP/jar-tanaka" "${URL}incidents" | grep -q "課税台帳の誤表示"'

T=$(token sato)
curl -s -H "Authorization: Bearer $T" -H 'Content-Type: application/json' \
	-d "{\"title\":\"APIからの報告\",\"found_at\":\"2026-01-12T10:00:00+09:00\",\"records\":[$Z3],\"personal_data\":3}" \
	"${URL}api/v1/incidents" >"$TMP/api"
check "API: reported, routed to the section's officer" \
	'grep -q "\"outcome\":\"done\",\"routed_to\":\[{\"role\":\"security_officer\",\"scope\":\"section:zeimu\"" "$TMP/api"'
A=$(sed -n 's/.*"id":\([0-9]*\).*/\1/p' "$TMP/api" | head -1)
is "API: the case" 200 "$(status -H "Authorization: Bearer $T" "${URL}api/v1/incidents/$A")"
check "API: its JSON has the contract's keys" \
	'python3 -c "import json,sys; d=json.load(open(sys.argv[1])); assert all(k in d for k in (\"id\",\"title\",\"status\",\"severity\",\"timeline\",\"deadlines\",\"evidence\"))" "$TMP/body"'
is "API: a body without found_at is a 400" 400 "$(status -H "Authorization: Bearer $T" \
	-H 'Content-Type: application/json' -d '{"title":"x"}' "${URL}api/v1/incidents")"
is "API: a record sato may not read is 404" 404 "$(status -H "Authorization: Bearer $T" \
	-H 'Content-Type: application/json' \
	-d "{\"title\":\"x\",\"found_at\":\"2026-01-12T10:00:00+09:00\",\"records\":[$K3]}" "${URL}api/v1/incidents")"
T2=$(token tanaka)
is "API: another section's staff get 404 for the case" 404 "$(status -H "Authorization: Bearer $T2" "${URL}api/v1/incidents/$A")"
curl -s -H "Authorization: Bearer $T2" "${URL}api/v1/incidents" >"$TMP/list"
is "API: and an empty list" "[]" "$(cat "$TMP/list")"
done_testing
