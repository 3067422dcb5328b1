#!/bin/sh
# t0680: 監査 in the browser (docs/audits.md): the system chief plans an audit of 税務課; a team
# member from 税務課 is refused citing MIN-9-1-3; the audits page shows the plan and its
# findings with an overdue improvement marked; the compliance report per clause as a page (with
# links to the ledger entries), CSV and PDF, for ward-wide roles only.
. "${MAMORI_SRCDIR:?}/tests/http/lib.sh"

ward_make
m section add kaikei --name 会計室 >/dev/null
for u in "chief 統括管理 kumin" "kansa 監査一 kaikei" "ciso 統括責任 kumin"; do
	set -- $u
	printf '%s\n' "$PW" | m user add "$1" --name "$2" --section "$3" --password-stdin >/dev/null
done
m role grant chief system_chief@org >/dev/null
m role grant kansa auditor@org >/dev/null
m role grant ciso ciso@org >/dev/null
server_start

is "the chief logs in" 303 "$(login chief "$PW" "$TMP/jar-chief")"
is "the audits page" 200 "$(status -b "$TMP/jar-chief" "${URL}audits")"
check "offers to plan an audit" "grep -q 'name=\"team\"' '$TMP/body'"
check "says the team must be 監査実施者" "grep -q 'class=\"cite team-role\"' '$TMP/body' && grep -q '<strong>監査実施者</strong>' '$TMP/body'"
C=$(csrf_of "$TMP/jar-chief" /audits)
is "a 税務課 member on the team is refused" 403 "$(status -b "$TMP/jar-chief" \
	--data-urlencode "csrf=$C" --data-urlencode "title=税務課監査" --data-urlencode section=zeimu \
	--data-urlencode "team=kansa,sato" "${URL}audits")"
check "citing MIN-9-1-3" "grep -q 'MIN-9-1-3' '$TMP/body'"
check "saying why in Japanese" "grep -q '監査チームは監査を受ける側から独立していなければなりません' '$TMP/body'"
is "a period that ends before it begins is refused" 400 "$(status -b "$TMP/jar-chief" \
	--data-urlencode "csrf=$C" --data-urlencode "title=税務課監査" --data-urlencode section=zeimu \
	--data-urlencode "team=kansa" --data-urlencode "from=$(day 10)" --data-urlencode "until=$(day 1)" \
	"${URL}audits")"
check "naming the two fields by their labels, in Japanese" \
	"grep -q '項目「監査の期間（終了日）」の $(day 1) が項目「監査の期間（開始日）」の $(day 10) より前です' '$TMP/body'"
check "with no field id on the page" "! grep -q 'period_until\|period_from' '$TMP/body'"
printf '%s\n' "$PW" | m user add kaikei-2 --name 会計二 --section kaikei --password-stdin >/dev/null
is "a team member who is no 監査実施者 is refused" 403 "$(status -b "$TMP/jar-chief" \
	--data-urlencode "csrf=$C" --data-urlencode "title=税務課監査" --data-urlencode section=zeimu \
	--data-urlencode "team=kansa,kaikei-2" "${URL}audits")"
check "citing MIN-9-1-2" "grep -q 'MIN-9-1-2' '$TMP/body'"
check "saying why in Japanese" "grep -q '監査チームの者は監査実施者（専門知識を有する者）でなければなりません' '$TMP/body'"
is "an independent team is planned" 303 "$(status -b "$TMP/jar-chief" \
	--data-urlencode "csrf=$C" --data-urlencode "title=税務課の情報セキュリティ監査" \
	--data-urlencode section=zeimu --data-urlencode "team=kansa" "${URL}audits")"
AU=$(m audit list --json | python3 -c "import json,sys; print(json.load(sys.stdin)[0]['id'])")
F=$(m audit finding add "$AU" --clause MIN-3-4-1 --severity major --text 複製の記録がない \
	--entry 1 --as kansa)
m audit plan-improvement "$F" --text 記録簿を備える --due "$(day -2)" --as suzuki >/dev/null
is "the audits page" 200 "$(status -b "$TMP/jar-chief" "${URL}audits")"
check "shows the audit" "grep -q '税務課の情報セキュリティ監査' '$TMP/body'"
check "its finding, linked" "grep -q \"href=\\\"/records/$F\\\"\" '$TMP/body'"
check "overdue marked" "grep -q 'class=\"overdue\"' '$TMP/body'"
check "the audits' and the findings' downloads, the Shift_JIS note said once" \
	"grep -q 'href=\"/registers/finding/csv?encoding=cp932\"' '$TMP/body' && [ \$(grep -o 'class=\"csv-note\"' '$TMP/body' | wc -l) -eq 1 ]"
is "the finding's page" 200 "$(status -b "$TMP/jar-chief" "${URL}records/$F")"
check "links the ledger entry it rests on (its evidence)" \
	"grep -q 'href=\"/ledger/entry?index=1\" class=\"entry\"' '$TMP/body'"

# the team records a finding on the audits page (POST /audits/N/findings: finding.add)
is "the auditor logs in" 303 "$(login kansa "$PW" "$TMP/jar-kansa")"
is "the audits page, for the team" 200 "$(status -b "$TMP/jar-kansa" "${URL}audits")"
check "offers the finding form" "grep -q 'action=\"/audits/$AU/findings\"' '$TMP/body'"
K=$(csrf_of "$TMP/jar-kansa" /audits)
is "a finding with its evidence entry" 303 "$(status -b "$TMP/jar-kansa" --data-urlencode "csrf=$K" \
	--data-urlencode clause=MIN-3-3-1 --data-urlencode severity=minor \
	--data-urlencode "text=権限の見直しの記録がない" --data-urlencode evidence=1,2 \
	"${URL}audits/$AU/findings")"
check "kept with its evidence" "m audit show $AU --json | grep -q '\"evidence\": *\"1,2\"'"
is "an entry the ledger does not hold" 400 "$(status -b "$TMP/jar-kansa" --data-urlencode "csrf=$K" \
	--data-urlencode clause=MIN-3-3-1 --data-urlencode severity=minor --data-urlencode text=x \
	--data-urlencode evidence=999999 "${URL}audits/$AU/findings")"
check "says why in Japanese, and the way back to the audits" \
	"grep -q '999999' '$TMP/body' && grep -q 'href=\"/audits\"' '$TMP/body' && ! grep -q 'リクエストが正しくありません' '$TMP/body'"
is "a finding with nothing filled in" 400 "$(status -b "$TMP/jar-kansa" --data-urlencode "csrf=$K" \
	"${URL}audits/$AU/findings")"
check "says what it lacks, and the way back" \
	"grep -q '項目「[^」]*」.*必須です' '$TMP/body' && grep -q 'href=\"/audits\"' '$TMP/body' && ! grep -q 'リクエストが正しくありません' '$TMP/body'"
check "naming the field by the profile's label, not its id" \
	"grep -q '台帳「監査の指摘事項」では項目「条項」が必須です' '$TMP/body' && ! grep -q '「clause」' '$TMP/body'"
expect "the CLI, the same finding with nothing filled in" 1 env MAMORI_LANG=ja "$MAMORI" --dir "$D" \
	record add finding --as kansa --field "audit=$AU"
err_has "says the label and the id its --field takes, in Japanese" "項目「条項 (clause)」が必須です"
is "an audit planned with nothing filled in" 400 "$(status -b "$TMP/jar-kansa" --data-urlencode "csrf=$K" "${URL}audits")"
check "says what it needs, and the way back" \
	"grep -q '監査には件名、対象の課等、監査チームが必要です' '$TMP/body' && grep -q 'href=\"/audits\"' '$TMP/body'"
C2=$(csrf_of "$TMP/jar-chief" /audits)
is "the chief, not on the team, is refused" 403 "$(status -b "$TMP/jar-chief" --data-urlencode "csrf=$C2" \
	--data-urlencode clause=MIN-3-3-1 --data-urlencode severity=minor --data-urlencode text=x \
	"${URL}audits/$AU/findings")"
check "citing the clause" "grep -q 'MIN-9-1-5-b2' '$TMP/body'"

# an audit of the clauses of chapter 3 (its scope): findings keep to them
check "the plan form asks for the clauses audited" "curl -s -b '$TMP/jar-chief' '${URL}audits' | grep -q 'name=\"clauses\"'"
C3=$(csrf_of "$TMP/jar-chief" /audits)
is "a clause that is none" 400 "$(status -b "$TMP/jar-chief" --data-urlencode "csrf=$C3" \
	--data-urlencode "title=第3章の監査" --data-urlencode section=zeimu --data-urlencode team=kansa \
	--data-urlencode clauses=MIN-3-99 "${URL}audits")"
is "an audit of chapter 3" 303 "$(status -b "$TMP/jar-chief" --data-urlencode "csrf=$C3" \
	--data-urlencode "title=第3章の監査" --data-urlencode section=zeimu --data-urlencode team=kansa \
	--data-urlencode clauses=MIN-3 "${URL}audits")"
A3=$(m audit list --json | python3 -c "import json,sys; print([a['id'] for a in json.load(sys.stdin) if a['fields']['title'] == '第3章の監査'][0])")
is "the audits page" 200 "$(status -b "$TMP/jar-kansa" "${URL}audits")"
check "shows its scope, linked to the policy" "grep -q 'href=\"/policy#clause-MIN-3\"' '$TMP/body'"
K3=$(csrf_of "$TMP/jar-kansa" /audits)
is "a finding outside the scope" 403 "$(status -b "$TMP/jar-kansa" --data-urlencode "csrf=$K3" \
	--data-urlencode clause=MIN-5-1-1-1 --data-urlencode severity=minor --data-urlencode text=範囲外 \
	"${URL}audits/$A3/findings")"
check "is refused, saying why in Japanese" "grep -q '監査の対象とする条項の範囲外です' '$TMP/body'"
is "a finding within it" 303 "$(status -b "$TMP/jar-kansa" --data-urlencode "csrf=$K3" \
	--data-urlencode clause=MIN-3-4-1 --data-urlencode severity=minor --data-urlencode text=範囲内 \
	"${URL}audits/$A3/findings")"

is "suzuki logs in" 303 "$(login suzuki "$PW" "$TMP/jar-suzuki")"
is "the 税務課 officer's dashboard" 200 "$(status -b "$TMP/jar-suzuki" "${URL}")"
check "shows the overdue finding" "grep -q 'findings-h' '$TMP/body' && grep -q '複製の記録がない' '$TMP/body'"
is "tanaka logs in" 303 "$(login tanaka "$PW" "$TMP/jar-tanaka")"
is "a 区民課 dashboard" 200 "$(status -b "$TMP/jar-tanaka" "${URL}")"
check "has no such card" "! grep -q 'findings-h' '$TMP/body'"

# the audit's own steps on its page (MIN-9-1-4, MIN-9-1-5): the chief conducts and reports it;
# the CISO's dashboard asks for the evaluation, which the CISO records
act_post() { # JAR RECORD ACTION [FIELD=VALUE]...
	_j=$1 _r=$2 _a=$3
	shift 3
	_c=$(csrf_of "$_j" "/records/$_r/act?action=$_a")
	set -- --data-urlencode "csrf=$_c" --data-urlencode "action=$_a" \
		$(for kv in "$@"; do printf ' --data-urlencode f.%s' "$kv"; done)
	status -b "$_j" "$@" "${URL}records/$_r/act"
}
is "the audits page links the audit's steps" 200 "$(status -b "$TMP/jar-chief" "${URL}audits")"
check "to its page's acts" "grep -q \"href=\\\"/records/$AU#actions\\\"\" '$TMP/body'"
is "the audit's page" 200 "$(status -b "$TMP/jar-chief" "${URL}records/$AU")"
check "offers 監査の実施" "grep -q 'action=audit.conduct' '$TMP/body'"
is "the chief conducts the audit" 303 "$(act_post "$TMP/jar-chief" "$AU" audit.conduct)"
is "and reports it" 303 "$(act_post "$TMP/jar-chief" "$AU" audit.report report=監査報告書：複製の記録に不備)"
is "the ciso logs in" 303 "$(login ciso "$PW" "$TMP/jar-ciso")"
is "the CISO's dashboard" 200 "$(status -b "$TMP/jar-ciso" "${URL}")"
check "asks for the report's evaluation" "grep -q 'audit-reports-h' '$TMP/body' && grep -q \"/records/$AU/act?action=audit.evaluate\" '$TMP/body'"
check "in Japanese" "grep -q '評価を待つ監査報告書' '$TMP/body'"
is "the chief's dashboard" 200 "$(status -b "$TMP/jar-chief" "${URL}")"
check "does not (the CISO evaluates)" "! grep -q 'audit-reports-h' '$TMP/body'"
is "the chief may not evaluate" 403 "$(act_post "$TMP/jar-chief" "$AU" audit.evaluate evaluation=x)"
check "citing MIN-9-1-4" "grep -q 'MIN-9-1-4' '$TMP/body'"
is "the evaluation needs its text" 400 "$(act_post "$TMP/jar-ciso" "$AU" audit.evaluate)"
is "the CISO evaluates" 303 "$(act_post "$TMP/jar-ciso" "$AU" audit.evaluate evaluation=周知が不十分。改善を指示する)"
is "the CISO's dashboard" 200 "$(status -b "$TMP/jar-ciso" "${URL}")"
check "no longer asks" "! grep -q 'audit-reports-h' '$TMP/body'"
is "the audits page" 200 "$(status -b "$TMP/jar-ciso" "${URL}audits")"
check "shows the report under its name" "grep -q '監査報告書：複製の記録に不備' '$TMP/body'"
check "and the evaluation" "grep -q '<dd class=\"evaluation\">周知が不十分。改善を指示する</dd>' '$TMP/body'"
check "in state 評価済" "grep -q '（評価済）' '$TMP/body'"
is "the chief's improvement plan answers it" 303 \
	"$(act_post "$TMP/jar-chief" "$AU" audit.plan_improvement improvement_plan=手続を周知する)"
check "the audit is being improved" "m audit show $AU --json | grep -q '\"state\": *\"improving\"'"

# an approved request, whose approval the report counts (and links)
TR=$(m act "$Z3" asset.take_out --as sato --field destination=区民センター --field purpose=出張窓口 |
	sed -n 's/.*request \([0-9]*\).*/\1/p')
m request approve "$TR" --as suzuki >/dev/null
TC=$(m request show "$TR" --json | python3 -c "import json,sys; print(json.load(sys.stdin)['clauses'][0])")

is "the compliance report" 200 "$(status -b "$TMP/jar-chief" "${URL}report/compliance")"
check "titled" "grep -q '情報セキュリティ対策基準 遵守状況報告書' '$TMP/body'"
check "a table whose first column is 条項" "grep -q '<th scope=\"col\">条項</th>' '$TMP/body'"
check "with the 決裁欄" "grep -q '決裁欄' '$TMP/body'"
check "the refusal's ledger entry linked" "grep -q 'href=\"/ledger/entry?index=' '$TMP/body'"
check "the open findings counted link to theirs" \
	"grep -q 'href=\"/report/compliance/clause?id=MIN-3-4-1&amp;to=[0-9-]*#found\" class=\"figure\"' '$TMP/body'"
check "the acts and refusals counted link to their entries" \
	"grep -q 'href=\"/report/compliance/clause?id=MIN-9-1-3&amp;to=[0-9-]*#refused\" class=\"figure\"' '$TMP/body'"
is "MIN-9-1-3's entries" 200 "$(status -b "$TMP/jar-chief" "${URL}report/compliance/clause?id=MIN-9-1-3")"
check "lists every act that cited it, each linked" "grep -q 'id=\"acts\"' '$TMP/body' && grep -q 'class=\"entry\"' '$TMP/body'"
check "and the refusals among them, in Japanese" "grep -q 'うち拒否（[1-9]' '$TMP/body'"
python3 - "$TMP/body" >"$TMP/ids" <<'PY'
import re, sys
t = open(sys.argv[1]).read()
def ids(anchor):
    m = re.search(r'id="%s"[^>]*>.*?<p class="entries">(.*?)</p>' % anchor, t, re.S)
    return re.findall(r'index=(\d+)', m.group(1)) if m else []
acts, refused = ids('acts'), ids('refused')
print(len(acts), len(refused), all(x in acts for x in refused), refused[0] if refused else '')
PY
check "the refusals are among the acts" "[ \"\$(cut -d' ' -f3 '$TMP/ids')\" = True ]"
REF=$(cut -d' ' -f4 "$TMP/ids")
check "a refused entry is the refused audit.plan" "m ledger entry '$REF' | grep -q 'audit.plan'"
is "MIN-3-4-1's entries" 200 "$(status -b "$TMP/jar-chief" "${URL}report/compliance/clause?id=MIN-3-4-1")"
check "the open findings on it, each by the act that recorded it" "grep -q 'この条項の未完了の指摘（記録した行為）（[2-9]' '$TMP/body'"
FE=$(python3 -c "import re; t=open('$TMP/body').read(); print(re.search(r'id=.found.*?index=(\d+)', t, re.S).group(1))")
check "a finding's entry is its finding.add" "m ledger entry '$FE' | grep -q 'finding.add'"
is "the approved request's clause ($TC)" 200 "$(status -b "$TMP/jar-chief" "${URL}report/compliance/clause?id=$TC")"
check "lists the approval" "grep -q 'この条項を引く申請の承認（[1-9]' '$TMP/body'"
AE=$(python3 -c "import re; t=open('$TMP/body').read(); print(re.search(r'id=.approved.*?index=(\d+)', t, re.S).group(1))")
check "whose entry is the approval" "m ledger entry '$AE' | grep -q 'request.approve'"
# the other figures link to their entries too: a duty done, a risk, a self-inspection item
m duty done section-inspection --evidence 点検済み --as suzuki >/dev/null
m risk assess "$Z3" --threat intentional --likelihood 4 --impact 5 --measure MIN-9-2-1 \
	--treatment reduce --as suzuki >/dev/null
# the web's round opens all its inspections or none: a section that does not exist after two
# that do keeps neither of theirs, so posting the form again once fixed opens none twice
C=$(csrf_of "$TMP/jar-chief" /inspections)
is "a round naming a section that does not exist, after two that do" 400 "$(status -b "$TMP/jar-chief" \
	--data-urlencode "csrf=$C" --data-urlencode "round=令和8年度" --data-urlencode "due=$(day 30)" \
	--data-urlencode items=MIN-9-1-2 --data-urlencode section=zeimu --data-urlencode section=kumin \
	--data-urlencode section=nosuch "${URL}inspections")"
check "opens none of its inspections" "m inspection rollup --json | python3 -c \"import json, sys; assert json.load(sys.stdin)['sections'] == []\""
check "says which section is wrong, in Japanese" "grep -q '所属「nosuch」はありません' '$TMP/body'"
check "and that none was opened and what to do" \
	"grep -q 'この回の点検は一つも開いていません。上に書かれたことを直してから' '$TMP/body'"
check "as an error notice, with the way back to the form" \
	"grep -q '<p class=\"notice error\" role=\"alert\">項目「点検する課等」' '$TMP/body' && grep -q '<a href=\"/inspections\">戻る</a>' '$TMP/body'"
# no_english: the page's text (tags and a quoted command taken out) has no run of three English
# words, so no English sentence and no raw code reached a Japanese page
no_english() {
	sed -E "s/<[^>]*>/ /g; s/(&#39;|')mamori [^&']*(&#39;|')//g" "$TMP/body" |
		grep -Eo '[A-Za-z]{2,}[ ,.:;!?]+[A-Za-z]{2,}[ ,.:;!?]+[A-Za-z]{2,}' >"$TMP/english"
	[ ! -s "$TMP/english" ] || { diag "English: $(head -3 "$TMP/english")"; false; }
}
# round_refused NAME STATUS JAPANESE [FIELD=VALUE...]: the chief's round with these fields is
# not opened (STATUS) and its page says JAPANESE and that none was opened, with no English
round_refused() {
	_name=$1 _want=$2 _ja=$3
	shift 3
	_args=""
	for _f in "$@"; do _args="$_args --data-urlencode $_f"; done
	# shellcheck disable=SC2086 # a field per word
	is "$_name" "$_want" "$(status -b "$TMP/jar-chief" --data-urlencode "csrf=$C" $_args "${URL}inspections")"
	check "says so in Japanese: $_ja" "grep -qF '$_ja' '$TMP/body' && grep -q 'この回の点検は一つも開いていません' '$TMP/body'"
	check "no English sentence or raw code on the page" no_english
}
round_refused "a round without its due date" 400 "点検の回の名前と回答の期限が必要です" "round=令和8年度" section=zeimu
round_refused "a round without a section" 400 "点検する課等を一つ以上選んでください" "round=令和8年度" "due=$(day 30)"
round_refused "a round asking a clause the checklist lacks" 400 "「NOPE-1」はチェックリストの項目ではありません" \
	"round=令和8年度" "due=$(day 30)" section=zeimu items=NOPE-1
round_refused "a round for a role the profile lacks" 400 "「nosuchrole」はプロファイルの役割ではありません" \
	"round=令和8年度" "due=$(day 30)" section=zeimu role=nosuchrole
round_refused "a round due on a day that is none" 400 "項目「回答の期限」は日付（例: 2026-04-01）で入力してください" \
	"round=令和8年度" due=2027-13-45 section=zeimu section=kumin
check "none of them opened an inspection" "m inspection rollup --json | python3 -c \"import json, sys; assert json.load(sys.stdin)['sections'] == []\""
# staff may not open a round (MIN-9-2-1): the refusal in Japanese, with its clause
login sato "$PW" "$TMP/jar-staff" >/dev/null
S=$(csrf_of "$TMP/jar-staff" /)
is "sato's round is refused" 403 "$(status -b "$TMP/jar-staff" --data-urlencode "csrf=$S" \
	--data-urlencode "round=令和8年度" --data-urlencode "due=$(day 30)" --data-urlencode section=zeimu \
	--data-urlencode section=kumin "${URL}inspections")"
check "citing MIN-9-2-1, in Japanese" "grep -q 'MIN-9-2-1' '$TMP/body' && grep -q '「自己点検の開始」は認められません' '$TMP/body'"
check "none opened, and whom to ask" "grep -q 'この回の点検は一つも開いていません。規定により' '$TMP/body' && grep -q '情報政策課（情報セキュリティの担当）にご相談ください' '$TMP/body'"
check "no English sentence or raw code on the refusal page" no_english
# (a form holds at most 256 fields: 200 sections x 6 roles)
{ seq 200 | sed 's/^/section=s/'; seq 6 | sed 's/^/role=r/'; } | paste -sd'&' >"$TMP/many"
is "a round of more than 1,000 inspections (sections x roles)" 400 "$(status -b "$TMP/jar-chief" \
	--data-urlencode "csrf=$C" --data-urlencode "round=令和8年度" --data-urlencode "due=$(day 30)" \
	--data "@$TMP/many" "${URL}inspections")"
check "says the bound in Japanese" "grep -q '一つの回で開ける点検は 1000 件' '$TMP/body' && grep -q 'この回の点検は一つも開いていません' '$TMP/body'"
m inspection open --round 令和8年度 --section zeimu --due "$(day 30)" --items MIN-9-1-2 --as chief >/dev/null
# the roll-up's Shift_JIS download: the page says beside it, once, that what Shift_JIS lacks
# becomes 〓, and the download counts them in X-Mamori-Substituted (as every list's)
is "the self-inspections page" 200 "$(status -b "$TMP/jar-chief" "${URL}inspections")"
check "offers the roll-up in Shift_JIS, saying once that what it lacks becomes 〓" \
	"grep -q 'href=\"/inspections/rollup.csv?cp932=1\"' '$TMP/body' && [ \$(grep -o 'class=\"csv-note\"' '$TMP/body' | wc -l) -eq 1 ]"
curl -s -b "$TMP/jar-chief" -D "$TMP/h" -o "$TMP/r.csv" "${URL}inspections/rollup.csv?cp932=1"
check "its Shift_JIS download counts the 〓 in X-Mamori-Substituted" \
	"grep -qi '^content-type: text/csv; charset=Shift_JIS' '$TMP/h' && grep -qi '^x-mamori-substituted: 0' '$TMP/h'"
check "and in its access-log entry" \
	"m ledger tail -n 5 | grep inspection.rollup | tail -1 | grep -q 'csv-cp932&substituted=0'"
curl -s -b "$TMP/jar-chief" -D "$TMP/h" -o "$TMP/r.csv" "${URL}inspections/rollup.csv"
check "its UTF-8 download has no such header" "! grep -qi '^x-mamori-substituted' '$TMP/h'"
is "the report again" 200 "$(status -b "$TMP/jar-chief" "${URL}report/compliance")"
for a in duties-done risks; do
	check "MIN-9-2-1's $a link to its entries" \
		"grep -q 'href=\"/report/compliance/clause?id=MIN-9-2-1&amp;to=[0-9-]*#$a\" class=\"figure\"' '$TMP/body'"
done
check "MIN-9-1-2's self-inspection item too" \
	"grep -q 'href=\"/report/compliance/clause?id=MIN-9-1-2&amp;to=[0-9-]*#inspection\" class=\"figure\"' '$TMP/body'"
check "no link where nothing is counted (MIN-9-2-1 has nothing overdue)" "! grep -q 'id=MIN-9-2-1&amp;to=[0-9-]*#duties-overdue' '$TMP/body'"
# list ANCHOR: the entries of the clause page's list ANCHOR, one a line
list() {
	python3 - "$TMP/body" "$1" <<'PY'
import re, sys
t = open(sys.argv[1]).read()
m = re.search(r'<h2 id="%s">(.*?)</h2>(.*?)(<h2|$)' % sys.argv[2], t, re.S)
print("\n".join(re.findall(r'index=(\d+)', m.group(2))) if m else "missing")
PY
}
actor_action() { m ledger entry "$1" --json | python3 -c "import json,sys; d=json.load(sys.stdin); print(d['action'], d['actor'])"; }
is "the whole report as CSV" 200 "$(status -b "$TMP/jar-chief" "${URL}report/compliance?format=csv")"
cp "$TMP/body" "$TMP/full.csv"
# csv_entries COLUMN: MIN-9-2-1's entries in the whole report's column, one a line
csv_entries() {
	python3 - "$TMP/full.csv" "$1" <<'PY'
import csv, sys
r = [r for r in csv.DictReader(open(sys.argv[1], encoding="utf-8-sig")) if r["条項"] == "MIN-9-2-1"][0]
print("\n".join(r[sys.argv[2]].split()))
PY
}
is "MIN-9-2-1's entries" 200 "$(status -b "$TMP/jar-chief" "${URL}report/compliance/clause?id=MIN-9-2-1")"
# the page computes only this clause's figures: the same as the whole report's row
for pair in "acts 台帳の記録" "duties-done 台帳の記録（義務の実施）" "risks 台帳の記録（リスク）"; do
	set -- $pair
	is "its $1 are the whole report's ($2)" "$(csv_entries "$2")" "$(list "$1")"
done
check "the duty done, named with its section" "grep -q '課等の遵守状況の点検（税務課）：<a' '$TMP/body'"
is "the duty's entry is suzuki's duty.done" "duty.done suzuki" "$(actor_action "$(list duties-done)")"
is "the risk's entry is its assessment" "risk.assess suzuki" "$(actor_action "$(list risks)")"
is "nothing overdue" "" "$(list duties-overdue)"
is "MIN-9-1-2's entries" 200 "$(status -b "$TMP/jar-chief" "${URL}report/compliance/clause?id=MIN-9-1-2")"
is "the unanswered item's entry is the inspection's opening" "self_inspection.open chief" "$(actor_action "$(list inspection)")"
check "said to be unanswered, in Japanese" "grep -q '税務課 自己点検 [0-9]*：未回答' '$TMP/body'"
is "a clause the profile lacks" 404 "$(status -b "$TMP/jar-chief" "${URL}report/compliance/clause?id=MIN-99")"
# the report by Annex A control: its figures link to the control's entries, the same lists
is "the report by Annex A control" 200 "$(status -b "$TMP/jar-chief" "${URL}report/compliance?by=annex-a")"
check "5.36's acts link to the control's entries" \
	"grep -q 'href=\"/report/compliance/control?id=5.36&amp;to=[0-9-]*#acts\" class=\"figure\"' '$TMP/body'"
check "5.35's refusals (the refused audit plan, MIN-9-1-3) to theirs" \
	"grep -q 'href=\"/report/compliance/control?id=5.35&amp;to=[0-9-]*#refused\" class=\"figure\"' '$TMP/body'"
check "5.35's 不適合 0 (its item asked, not answered) links nowhere" \
	"! grep -q 'control?id=5.35&amp;to=[0-9-]*#inspection' '$TMP/body' && grep -q '、不適合 0' '$TMP/body'"
check "its clauses link to their rows in the clause view of the same period" \
	"grep -q 'href=\"/report/compliance?to=[0-9-]*#MIN-9-1-3\"' '$TMP/body'"
check "a control no act touched links nowhere (7.4 physical monitoring)" \
	"! grep -q 'control?id=7.4&amp;' '$TMP/body'"
N536=$(python3 -c "import re; t=open('$TMP/body').read(); print(re.search(r'control\?id=5.36&amp;to=[0-9-]*#acts\" class=\"figure\">(\d+)<', t).group(1))")
is "5.36's entries" 200 "$(status -b "$TMP/jar-chief" "${URL}report/compliance/control?id=5.36")"
check "named with its JIS name and its clauses, each linked to the clause's entries" \
	"grep -q '5.36 ' '$TMP/body' && grep -q 'href=\"/report/compliance/clause?id=MIN-9-1-4&amp;to=[0-9-]*\" class=\"clause\"' '$TMP/body'"
is "as many acts listed as the report counts, each once" "$N536" "$(list acts | sort -u | wc -l)"
is "and no act twice" "$(list acts | wc -l)" "$(list acts | sort -u | wc -l)"
check "in Japanese" "grep -q 'この管理策の条項のいずれかを根拠とした行為' '$TMP/body'"
is "5.35's entries" 200 "$(status -b "$TMP/jar-chief" "${URL}report/compliance/control?id=5.35")"
check "its 不適合 list holds only nonconforming answers: none (its item is unanswered)" \
	"grep -q 'この管理策の条項の自己点検で不適合の回答（最新の回答の行為）（0）' '$TMP/body' && ! grep -q '自己点検 [0-9]*：未回答' '$TMP/body'"
is "a control no clause maps to (8.28 secure coding)" 200 "$(status -b "$TMP/jar-chief" "${URL}report/compliance/control?id=8.28")"
check "says it does not apply, and lists nothing" "grep -q 'この基準ではこの管理策は適用されません' '$TMP/body' && ! grep -q 'class=\"entry\"' '$TMP/body'"
# the report's summary by chapter: each figure links to the chapter's page, which lists exactly
# the entries counted, each once (the audit plan cites several clauses of MIN-9)
is "the report, for its summary by chapter" 200 "$(status -b "$TMP/jar-chief" "${URL}report/compliance")"
check "MIN-9's acts link to the chapter's entries" \
	"grep -q 'href=\"/report/compliance/chapter?id=MIN-9&amp;to=[0-9-]*#acts\" class=\"figure\"' '$TMP/body'"
check "its name to the chapter's page" \
	"grep -q 'href=\"/report/compliance/chapter?id=MIN-9&amp;to=[0-9-]*\" class=\"chapter\"' '$TMP/body'"
N9=$(python3 -c "import re; t=open('$TMP/body').read(); print(re.search(r'chapter\?id=MIN-9&amp;to=[0-9-]*#acts\" class=\"figure\">(\d+)<', t).group(1))")
R9=$(python3 -c "import re; t=open('$TMP/body').read(); print(re.search(r'chapter\?id=MIN-9&amp;to=[0-9-]*#refused\" class=\"figure\">(\d+)<', t).group(1))")
is "MIN-9's entries" 200 "$(status -b "$TMP/jar-chief" "${URL}report/compliance/chapter?id=MIN-9")"
is "as many acts listed as the summary counts" "$N9" "$(list acts | wc -l)"
is "none twice" "$(list acts | wc -l)" "$(list acts | sort -u | wc -l)"
is "as many refusals" "$R9" "$(list refused | wc -l)"
python3 - "$TMP/full.csv" >"$TMP/joined" <<'PY'
import csv, sys
rows = [r for r in csv.DictReader(open(sys.argv[1], encoding="utf-8-sig")) if r["条項"].startswith("MIN-9-")]
print(" ".join(sorted(set(e for r in rows for e in r["台帳の記録"].split()), key=int)))
print(sum(int(r["行為"]) for r in rows))
PY
is "the acts of its clauses joined (the whole report's CSV)" "$(list acts | tr '\n' ' ' | sed 's/ $//')" "$(head -1 "$TMP/joined")"
check "fewer than its clauses' figures added ($N9 < $(tail -1 "$TMP/joined"))" "[ '$N9' -lt '$(tail -1 "$TMP/joined")' ]"
check "named in Japanese, its clauses linked" \
	"grep -q '章 MIN-9' '$TMP/body' && grep -q 'この章の条項のいずれかを根拠とした行為' '$TMP/body' && grep -q 'href=\"/report/compliance/clause?id=MIN-9-1-3&amp;to=[0-9-]*\" class=\"clause\"' '$TMP/body'"
check "back to its row in the report" "grep -q 'href=\"/report/compliance?to=[0-9-]*#chapter-MIN-9\"' '$TMP/body'"
is "a chapter the profile lacks" 404 "$(status -b "$TMP/jar-chief" "${URL}report/compliance/chapter?id=MIN-99")"
is "a chapter with no id" 404 "$(status -b "$TMP/jar-chief" "${URL}report/compliance/chapter")"
is "the summary by chapter as CSV" 200 "$(status -b "$TMP/jar-chief" "${URL}report/compliance?format=csv&by=chapter")"
check "MIN-9's row with its entries" "grep -q \"^MIN-9,.*,$(head -1 "$TMP/joined"),\" '$TMP/body'"
is "and as PDF" 200 "$(status -b "$TMP/jar-chief" "${URL}report/compliance?format=pdf&by=chapter")"
check "a PDF" "head -c 5 '$TMP/body' | grep -q '%PDF-'"
is "a control Annex A lacks" 404 "$(status -b "$TMP/jar-chief" "${URL}report/compliance/control?id=9.99")"
is "a control with no id" 404 "$(status -b "$TMP/jar-chief" "${URL}report/compliance/control")"
is "as CSV" 200 "$(status -b "$TMP/jar-chief" "${URL}report/compliance?format=csv")"
check "one row per clause, MIN-9-1-3 among them" "grep -q '^MIN-9-1-3,' '$TMP/body'"
# the report's Shift_JIS CSVs (per clause, by chapter, per control) count the 〓 as every list's
for by in "" "&by=chapter" "&by=annex-a"; do
	curl -s -b "$TMP/jar-chief" -D "$TMP/h" -o "$TMP/r.csv" "${URL}report/compliance?format=csv&cp932=1$by"
	check "the report's Shift_JIS CSV ($by) counts the 〓 in X-Mamori-Substituted" \
		"grep -qi '^content-type: text/csv; charset=Shift_JIS' '$TMP/h' && grep -qi '^x-mamori-substituted: [0-9]' '$TMP/h'"
	check "and in its access-log entry ($by)" \
		"m ledger tail -n 5 | grep report.compliance | tail -1 | grep -q 'csv&cp932&substituted=[0-9]'"
done
is "as PDF" 200 "$(status -b "$TMP/jar-chief" "${URL}report/compliance?format=pdf&from=2026-01-01")"
check "a PDF" "head -c 5 '$TMP/body' | grep -q '%PDF-'"
if command -v pdftotext >/dev/null 2>&1; then
	check "whose text holds the title and the clauses" \
		"pdftotext '$TMP/body' - | grep -q '遵守状況報告書' && pdftotext '$TMP/body' - | grep -q 'MIN-9-1-3'"
fi
is "a bad date" 400 "$(status -b "$TMP/jar-chief" "${URL}report/compliance?from=yesterday")"

is "sato logs in" 303 "$(login sato "$PW" "$TMP/jar-sato")"
is "staff may not read the report" 403 "$(status -b "$TMP/jar-sato" "${URL}report/compliance")"
is "nor its CSV" 403 "$(status -b "$TMP/jar-sato" "${URL}report/compliance?format=csv")"
is "nor a clause's entries" 403 "$(status -b "$TMP/jar-sato" "${URL}report/compliance/clause?id=MIN-9-1-3")"
is "nor a control's" 403 "$(status -b "$TMP/jar-sato" "${URL}report/compliance/control?id=5.36")"
is "nor a chapter's" 403 "$(status -b "$TMP/jar-sato" "${URL}report/compliance/chapter?id=MIN-9")"
is "the audits page" 200 "$(status -b "$TMP/jar-sato" "${URL}audits")"
check "shows no audit sato may not read" "! grep -q '税務課の情報セキュリティ監査' '$TMP/body'"

# a profile that makes opening an inspection wait for approval: the web's round cannot wait, so
# it opens none (409) and says so in Japanese
python3 - "$MAMORI_SRCDIR/policies/minato.yaml" >"$TMP/approval.yaml" <<'PY'
import sys
t = open(sys.argv[1], encoding='utf-8').read()
old = "    on: self_inspection.open\n    when: {actor: {role: [ciso, deputy_ciso, system_chief]}}\n    effect: allow\n"
assert t.count(old) == 1
print(t.replace(old, old.replace("effect: allow\n", "effect: approval\n    approver: ciso\n")), end='')
PY
expect "a profile where opening an inspection waits for approval" 0 \
	m policy apply "$TMP/approval.yaml" --emergency 試験 --as admin
C=$(csrf_of "$TMP/jar-chief" /inspections)
is "the chief's round cannot wait for approval" 409 "$(status -b "$TMP/jar-chief" \
	--data-urlencode "csrf=$C" --data-urlencode "round=令和9年度" --data-urlencode "due=$(day 30)" \
	--data-urlencode section=zeimu "${URL}inspections")"
check "says so in Japanese, naming the section, and the way that can wait (the command)" \
	"grep -q 'この区のプロファイルでは、税務課の点検を開くには承認が必要ですが、ここで開く回は承認を待てません。コマンド' '$TMP/body'"
check "that none was opened, once, and no 'correct and open it again'" \
	"[ \$(grep -o 'この回の点検は一つも開いていません' '$TMP/body' | wc -l) -eq 1 ] && ! grep -q 'もう一度「回を開く」' '$TMP/body'"
check "no English sentence or raw code on the 409 page" no_english
check "and opened none" "m inspection rollup --round 令和9年度 --json | python3 -c \"import json, sys; assert json.load(sys.stdin)['sections'] == []\""
done_testing
