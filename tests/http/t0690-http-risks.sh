#!/bin/sh
# t0690-http-risks: the risk pages over HTTP: the register and its heat maps in Japanese with no
# script, visibility decided like any record (another section's officer gets 404 and an empty
# register), the assessment and acceptance forms behind CSRF, bad input answered in Japanese
# without storing anything, a refusal with its clause, and the CSIRT's inbox naming an
# incident's overdue legal deadline.
. "${MAMORI_SRCDIR:?}/tests/http/lib.sh"
ward_make
m section add joho --name 情報政策課 >/dev/null
printf '%s\n' "$PW" | m user add kato --name 加藤美咲 --section joho --password-stdin >/dev/null
m role grant kato csirt@org >/dev/null
server_start
for u in sato suzuki yamada kato; do
	is "$u logs in" 303 "$(login $u "$PW" "$TMP/jar-$u")"
done

is "the register" 200 "$(status -b "$TMP/jar-suzuki" "${URL}risks")"
check "in Japanese, with both heat maps" \
	'grep -q "<h1[^>]*>リスク</h1>" "$TMP/body" && [ "$(grep -o "role=\"img\"" "$TMP/body" | wc -l)" = 2 ]'
check "no script on the page" '! grep -qi "<script" "$TMP/body"'
check "no English heading" '! grep -q ">Risks<\|>Assess a risk<\|Inherent risk" "$TMP/body"'
C=$(csrf_of "$TMP/jar-suzuki" /risks)
is "an assessment without its CSRF token is refused" 403 "$(status -b "$TMP/jar-suzuki" \
	--data-urlencode "target=$Z3" --data-urlencode "threat=intentional" \
	--data-urlencode "likelihood=4" --data-urlencode "impact=5" "${URL}risks")"
is "a likelihood off the scale is refused" 400 "$(status -b "$TMP/jar-suzuki" \
	--data-urlencode "csrf=$C" --data-urlencode "target=$Z3" --data-urlencode "threat=intentional" \
	--data-urlencode "likelihood=9" --data-urlencode "impact=5" "${URL}risks")"
check "in Japanese" 'grep -q "評価は記録されませんでした" "$TMP/body"'
is "a measure that is not a clause is refused" 400 "$(status -b "$TMP/jar-suzuki" \
	--data-urlencode "csrf=$C" --data-urlencode "target=$Z3" --data-urlencode "threat=intentional" \
	--data-urlencode "likelihood=4" --data-urlencode "impact=5" --data-urlencode "measures=MIN-99" \
	"${URL}risks")"
is "an unknown threat is refused" 400 "$(status -b "$TMP/jar-suzuki" \
	--data-urlencode "csrf=$C" --data-urlencode "target=$Z3" --data-urlencode "threat=kaiju" \
	--data-urlencode "likelihood=4" --data-urlencode "impact=5" "${URL}risks")"
is "more measures than a risk keeps (32) are refused, not cut short" 400 "$(status -b "$TMP/jar-suzuki" \
	--data-urlencode "csrf=$C" --data-urlencode "target=$Z3" --data-urlencode "threat=intentional" \
	--data-urlencode "likelihood=4" --data-urlencode "impact=5" \
	--data-urlencode "measures=$(for i in $(seq 33); do printf 'MIN-3-3-3 '; done)" "${URL}risks")"
check "nothing was stored" '[ "$(m risk list --json)" = "[]" ]'
Cs=$(csrf_of "$TMP/jar-sato" /risks)
is "staff are refused by the door" 403 "$(status -b "$TMP/jar-sato" --data-urlencode "csrf=$Cs" \
	--data-urlencode "target=$Z3" --data-urlencode "threat=intentional" \
	--data-urlencode "likelihood=4" --data-urlencode "impact=5" "${URL}risks")"
check "with the clause" 'grep -q "MIN-BP-4-2" "$TMP/body"'
R=$(curl -s -b "$TMP/jar-suzuki" -o /dev/null -w '%{redirect_url}' --data-urlencode "csrf=$C" \
	--data-urlencode "target=$Z3" --data-urlencode "threat=intentional" \
	--data-urlencode "likelihood=4" --data-urlencode "impact=5" \
	--data-urlencode "measures=MIN-3-3-3, MIN-9-2-1" "${URL}risks" |
	sed -n 's|.*/risks/\([0-9]*\)?.*|\1|p')
check "the officer assesses it (measures separated by a comma)" '[ -n "$R" ]'
is "the risk page" 200 "$(status -b "$TMP/jar-suzuki" "${URL}risks/$R")"
check "inherent 4 × 5 = 20" 'grep -q "4 × 5 = 20" "$TMP/body"'
check "both measures listed" \
	'grep -q "data-clause=\"MIN-3-3-3\"" "$TMP/body" && grep -q "data-clause=\"MIN-9-2-1\"" "$TMP/body"'
check "the acceptance form" 'grep -q "action=\"/risks/$R/accept\"" "$TMP/body"'
is "区民課's officer does not find it" 404 "$(status -b "$TMP/jar-yamada" "${URL}risks/$R")"
is "nor in the register" 200 "$(status -b "$TMP/jar-yamada" "${URL}risks")"
check "which is empty for them" '! grep -q "data-risk=\"$R\"" "$TMP/body"'
is "an unknown risk is 404" 404 "$(status -b "$TMP/jar-suzuki" "${URL}risks/999999")"
is "a record that is not a risk is 404" 404 "$(status -b "$TMP/jar-suzuki" "${URL}risks/$Z3")"
Cy=$(csrf_of "$TMP/jar-yamada" /risks)
is "区民課's officer may not accept it" 403 "$(status -b "$TMP/jar-yamada" \
	--data-urlencode "csrf=$Cy" "${URL}risks/$R/accept")"
is "a task without a due date is refused" 400 "$(status -b "$TMP/jar-suzuki" \
	--data-urlencode "csrf=$C" --data-urlencode "task=改修" --data-urlencode "assignee=sato" \
	"${URL}risks/$R/tasks")"
check "in Japanese" 'grep -q "作業は記録されませんでした" "$TMP/body"'
is "the officer accepts" 303 "$(status -b "$TMP/jar-suzuki" --data-urlencode "csrf=$C" \
	"${URL}risks/$R/accept")"
check "accepted" '[ "$(m risk show "$R" --json | python3 -c "import json,sys; print(json.load(sys.stdin)[\"accepted_by\"])")" = suzuki ]'

# an incident's overdue legal deadline in the CSIRT's inbox
I=$(m incident report --title 課税台帳の誤表示 --found-at 2026-01-10T09:00 --record "$Z3" \
	--personal-data 150 --as sato --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
m incident step "$I" escalated --as suzuki >/dev/null
is "the CSIRT's inbox" 200 "$(status -b "$TMP/jar-kato" "${URL}inbox")"
check "names the overdue 速報" 'grep -q "個人情報保護委員会への速報：期限 令和8年1月13日 09:00（期限切れ）" "$TMP/body"'
check "linking the case's deadlines" 'grep -q "href=\"/incidents/$I#deadlines\"" "$TMP/body"'
is "the risk page after the incident" 200 "$(status -b "$TMP/jar-suzuki" "${URL}risks/$R")"
check "says it is stale" 'grep -q "要再評価" "$TMP/body"'
server_stop
done_testing
