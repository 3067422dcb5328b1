#!/bin/sh
# t0690-http-risks: the risk pages over HTTP: the register and its heat maps in Japanese with no
# script, visibility decided like any record (another section's officer gets 404 and an empty
# register), the assessment and acceptance forms behind CSRF, bad input answered in Japanese
# without storing anything, a refusal with its clause, and the CSIRT's inbox naming an
# incident's overdue legal deadline; the register as CSV (UTF-8 and Shift_JIS) and on paper,
# read like the page; the compliance report's CSV, HTML and PDF name the risks per clause.
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
check "each with its incidents and audit findings" \
	'[ "$(grep -o "インシデント 0 件、監査の指摘 0 件（未完了 0 件）" "$TMP/body" | wc -l)" = 2 ]'
check "and what the assessor did with the computed residual" \
	'grep -q "<dd class=\"computed\">[0-9]*（評価者が確認した）</dd>" "$TMP/body"'
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

# the register as CSV for Excel and on paper, through the same read decision as the page
is "the register as CSV" 200 "$(status -b "$TMP/jar-suzuki" "${URL}risks.csv?section=zeimu")"
check "for Excel: UTF-8 with a BOM" 'head -c3 "$TMP/body" | od -An -tx1 | grep -q "ef bb bf"'
check "the risk, its section and state by name" \
	'grep -q "^$R,.*,税務課,4,5,20,10,.*,受容済," "$TMP/body"'
check "each measure with what it is worth" 'grep -q "MIN-3-3-3（起こりやすさ−2）" "$TMP/body"'
is "in Shift_JIS" 200 "$(status -b "$TMP/jar-suzuki" "${URL}risks.csv?encoding=cp932")"
check "decodes as CP932" 'iconv -f CP932 -t UTF-8 "$TMP/body" | grep -q "^$R,.*税務課"'
is "区民課's officer downloads the CSV" 200 "$(status -b "$TMP/jar-yamada" "${URL}risks.csv")"
check "with the header only" '[ "$(wc -l <"$TMP/body")" = 1 ] && grep -q "番号" "$TMP/body"'
is "the register page links both downloads and the print view" 200 \
	"$(status -b "$TMP/jar-suzuki" "${URL}risks?section=zeimu")"
check "CSV, Shift_JIS, print" 'grep -q "href=\"/risks.csv?section=zeimu&amp;encoding=cp932\"" "$TMP/body" &&
	grep -q "href=\"/risks/print?section=zeimu\"" "$TMP/body"'
is "the print view" 200 "$(status -b "$TMP/jar-suzuki" "${URL}risks/print?section=zeimu")"
check "the register with its heat maps, no form" \
	'grep -q "data-risk=\"$R\"" "$TMP/body" && [ "$(grep -o "role=\"img\"" "$TMP/body" | wc -l)" = 2 ] &&
	! grep -q "action=\"/risks\"" "$TMP/body"'
check "in Japanese: its date and the acceptance" 'grep -q "作成日時：" "$TMP/body" && grep -q "受容済" "$TMP/body"'
is "区民課's officer prints" 200 "$(status -b "$TMP/jar-yamada" "${URL}risks/print")"
check "no 税務課 risk" '! grep -q "data-risk=\"$R\"" "$TMP/body"'
is "the clause filter on paper" 200 "$(status -b "$TMP/jar-suzuki" "${URL}risks/print?clause=MIN-9-2-1")"
check "keeps the risk that names it" 'grep -q "data-risk=\"$R\"" "$TMP/body"'
is "the administrator logs in" 303 "$(login admin "$ADMIN_PW" "$TMP/jar-a")"
is "the compliance report as CSV" 200 "$(status -b "$TMP/jar-a" "${URL}report/compliance?format=csv")"
check "names the risks per clause (column リスク)" 'python3 - "$TMP/body" <<PY
import csv, sys
rows = {r["条項"]: r for r in csv.DictReader(open(sys.argv[1], encoding="utf-8-sig", newline=""))}
sys.exit(not (rows["MIN-3-3-3"]["リスク"].startswith("1（効いている") and rows["MIN-BP-4-2"]["リスク"] == "—"))
PY'
is "and as HTML, ending with the clauses that treat risks" 200 \
	"$(status -b "$TMP/jar-a" "${URL}report/compliance")"
check "linking the risks of MIN-3-3-3" 'grep -q "href=\"/risks?clause=MIN-3-3-3\"" "$TMP/body"'
is "and as PDF" 200 "$(status -b "$TMP/jar-a" "${URL}report/compliance?format=pdf")"
if command -v pdftotext >/dev/null 2>&1; then
	check "whose clause table has the column リスク" "pdftotext '$TMP/body' - | grep -q 'リスク'"
fi

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
