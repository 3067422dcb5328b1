#!/bin/sh
# t0570: audits (docs/audits.md) in both wards. `audit plan` names an independent team: a
# member who belongs to an audited section, or holds a role over it or over one of its systems,
# is refused by the door citing MIN-9-1-3 (Shinjuku: SHJ-7-1-1, the ward's choice); ward-wide
# roles (監査実施者) are not over a section. Findings per clause are recorded by the team only;
# the audited section responds, plans its improvement with a due date; overdue ones are shown;
# the follow-up closes them. The team reads the audited section's records during the audit.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/core-lib.sh"

# ---- Minato ------------------------------------------------------------------------------
D="$TMP/minato"
expect "init --profile minato" 0 "$MAMORI" --dir "$D" init --profile minato
m section add zeimu --name 税務課 >/dev/null
m section add kaikei --name 会計室 >/dev/null
m section add joho --name 情報政策課 >/dev/null
m system add zeisys --name 税務システム --section zeimu >/dev/null
m user add zeimu-1 --name "橋本 聡" --section zeimu >/dev/null
m user add zeimu-kacho --name "池田 勝" --section zeimu >/dev/null
m user add kansa-1 --name "会計 一" --section kaikei >/dev/null
m user add kansa-2 --name "会計 二" --section kaikei >/dev/null
m user add kansa-3 --name "会計 三" --section kaikei >/dev/null
m user add kennin --name "兼任 課長" --section joho >/dev/null
m user add sysman --name "情報 管理" --section joho >/dev/null
m user add chief --name "統括 管理" --section joho >/dev/null
m role grant zeimu-kacho security_officer@section:zeimu >/dev/null
m role grant kennin security_officer@section:zeimu >/dev/null
m role grant sysman system_manager@system:zeisys >/dev/null
m role grant chief system_chief@org >/dev/null
for a in kansa-1 kansa-2 kansa-3 zeimu-1 kennin sysman; do m role grant $a auditor@org >/dev/null; done
new_record "a 税務課 asset" asset --field title=住民税課税台帳 --field access_controlled=true \
	--level 3 --section zeimu --as zeimu-1
A=$rec

refused "a 税務課 member on the team is refused" MIN-9-1-3 \
	"$MAMORI" --dir "$D" audit plan --title 税務課監査 --section zeimu --team kansa-1,zeimu-1 --as chief
out_has "it names the person and the section" "zeimu-1 belongs to 税務課"
refused "its security officer is refused" MIN-9-1-3 \
	"$MAMORI" --dir "$D" audit plan --title 税務課監査 --section zeimu --team kansa-1 --team zeimu-kacho --as chief
refused "an officer of 税務課 from another section is refused (a role over it)" MIN-9-1-3 \
	"$MAMORI" --dir "$D" audit plan --title 税務課監査 --section zeimu --team kennin,kansa-1 --as chief
out_has "it names the role and the section" "kennin holds security_officer over 税務課"
refused "the manager of a 税務課 system is refused" MIN-9-1-3 \
	"$MAMORI" --dir "$D" audit plan --title 税務課監査 --section zeimu --team sysman --as chief
refused "and when the system itself is audited" MIN-9-1-3 \
	"$MAMORI" --dir "$D" audit plan --title システム監査 --section kaikei --system zeisys --team sysman --as chief
refused "--json: refused, exit 3" MIN-9-1-3 \
	"$MAMORI" --dir "$D" audit plan --title 税務課監査 --section zeimu --team zeimu-1 --as chief --json
json_is "the outcome says refused" "d['outcome'], d['id']" "('refused', None)"
expect "the refusal is in the ledger" 0 "$MAMORI" --dir "$D" ledger verify
# the team are 監査実施者, the people with the expertise (MIN-9-1-2): the field's `holds: auditor`
m user add kansa-4 --name "会計 四" --section kaikei >/dev/null
refused "a team member who is no 監査実施者 is refused" MIN-9-1-2 \
	"$MAMORI" --dir "$D" audit plan --title 税務課監査 --section zeimu --team kansa-1,kansa-4 --as chief
out_has "it names the person and the role" "kansa-4 does not hold 監査実施者 (auditor)"
expect "--json: the reason" 3 "$MAMORI" --dir "$D" audit plan --title 税務課監査 --section zeimu \
	--team kansa-4 --as chief --json
json_is "lacks_role" "d['outcome'], d.get('reason')" "('refused', 'lacks_role')"
expect "an unknown team member" 1 \
	"$MAMORI" --dir "$D" audit plan --title x --section zeimu --team nobody --as chief
expect "an unknown section" 1 \
	"$MAMORI" --dir "$D" audit plan --title x --section nowhere --team kansa-1 --as chief
expect "no team" 2 "$MAMORI" --dir "$D" audit plan --title x --section zeimu --as chief
expect "no title" 2 "$MAMORI" --dir "$D" audit plan --section zeimu --team kansa-1 --as chief
expect "a section's officer may not plan audits" 3 \
	"$MAMORI" --dir "$D" audit plan --title x --section zeimu --team kansa-1 --as zeimu-kacho
# the period is the plan's choice (9(1)⑤ asks for a plan, not a period; the contract's command
# has none), but a period given ends on or after its first day
expect "a period that ends before it begins" 1 "$MAMORI" --dir "$D" audit plan --title x \
	--section zeimu --team kansa-1 --from "$(day 10)" --until "$(day 1)" --as chief
err_has "says which day is before which, each field by its label and id" \
	"field '監査の期間（終了日） (period_until)' $(day 1) is before field '監査の期間（開始日） (period_from)' $(day 10)"
expect "an independent team plans at once (ward-wide auditor roles are not over a section)" 0 \
	"$MAMORI" --dir "$D" audit plan --title 税務課の情報セキュリティ監査 --section zeimu \
	--team kansa-1,kansa-2 --from "$(day -1)" --until "$(day 30)" --as chief --json
json_is "{id, outcome: done}" "d['outcome'], d['id'] > 0" "('done', True)"
AU=$(json_field id)
PL=$(json_field ledger_index) # the plan's act, which a finding may rest on
expect "the team reads the audited section's records during the audit" 0 \
	"$MAMORI" --dir "$D" record list asset --as kansa-1 --json
json_is "the 税務課 asset" "[x['id'] for x in d]" "[$A]"
expect "an auditor not on the team does not" 0 "$MAMORI" --dir "$D" record list asset --as kansa-3 --json
json_is "nothing" "len(d)" "0"

# an audit of a system (--system): its team reads the system's records, whatever their section
new_record "a 情報政策課 record of the 税務システム" asset --field title=税務サーバー設定 \
	--field access_controlled=true --level 2 --section joho --system zeisys --as sysman
SA=$rec
expect "before the system audit kansa-3 does not read it" 0 "$MAMORI" --dir "$D" record list asset --as kansa-3 --json
json_is "nothing" "len(d)" "0"
expect "a system audit with kansa-3" 0 "$MAMORI" --dir "$D" audit plan --title 税務システムの監査 \
	--system zeisys --team kansa-3 --from "$(day -1)" --until "$(day 30)" --as chief
expect "its team reads the system's records" 0 "$MAMORI" --dir "$D" record list asset --as kansa-3 --json
json_is "the system's record only" "[x['id'] for x in d]" "[$SA]"
expect "a direct read" 0 "$MAMORI" --dir "$D" record show "$SA" --as kansa-3

# the clauses an audit covers (its scope): clause ids of the profile, or a chapter (MIN-3 covers
# MIN-3-4-1); its findings keep to them
expect "an audit of clauses: chapter 3 and MIN-9-1-3" 0 "$MAMORI" --dir "$D" audit plan --title 管理の監査 \
	--section zeimu --team kansa-2 --clause MIN-3 --clause MIN-9-1-3 --as chief --json
AS=$(json_field id)
expect "audit show" 0 "$MAMORI" --dir "$D" audit show "$AS" --json
json_is "its scope" "d['fields']['clauses']" "MIN-3,MIN-9-1-3"
expect "audit show as text" 0 "$MAMORI" --dir "$D" audit show "$AS"
out_has "names the clauses" "対象の条項：MIN-3,MIN-9-1-3"
expect "a clause that is none" 1 "$MAMORI" --dir "$D" audit plan --title x --section zeimu \
	--team kansa-2 --clause MIN-3-99 --as chief
err_has "it says so" "'MIN-3-99' is not a clause of this profile"
expect "a chapter no clause lies under" 1 "$MAMORI" --dir "$D" audit plan --title x --section zeimu \
	--team kansa-2 --clause MIN-77 --as chief
expect "a clause named twice" 1 "$MAMORI" --dir "$D" audit plan --title x --section zeimu \
	--team kansa-2 --clause MIN-3,MIN-3 --as chief
err_has "it says which" "'MIN-3' is given twice"
expect "a finding under the chapter audited" 0 "$MAMORI" --dir "$D" audit finding add "$AS" \
	--clause MIN-3-4-1 --severity minor --text 複製の記録が遅れる --as kansa-2
expect "a finding on a clause named" 0 "$MAMORI" --dir "$D" audit finding add "$AS" \
	--clause MIN-9-1-3 --severity minor --text 兼務の記録がない --as kansa-2
refused "a finding outside the scope is refused" MIN-9-1-5-b1 "$MAMORI" --dir "$D" audit finding add "$AS" \
	--clause MIN-5-1-1-1 --severity minor --text 範囲外 --as kansa-2
out_has "saying why" "MIN-5-1-1-1 is outside the scope of record $AS, whose 監査の対象とする条項 names only MIN-3,MIN-9-1-3"
refused "nor a clause beside a named one (MIN-9-1-4 is beside MIN-9-1-3, not under it)" MIN-9-1-5-b1 \
	"$MAMORI" --dir "$D" audit finding add "$AS" --clause MIN-9-1-4 --severity minor --text x --as kansa-2
expect "--json: the reason" 3 "$MAMORI" --dir "$D" audit finding add "$AS" --clause MIN-5-1-1-1 \
	--severity minor --text x --as kansa-2 --json
json_is "out_of_scope" "d['reason']" "out_of_scope"

expect "a finding by a team member, with the ledger entries it rests on as evidence" 0 \
	"$MAMORI" --dir "$D" audit finding add "$AU" --clause MIN-3-4-1 --severity major \
	--text "複製の記録がない" --entry "$PL" --entry 0 --as kansa-2 --json
json_is "done" "d['outcome']" "done"
F=$(json_field id)
expect "an entry the ledger does not hold is refused" 1 \
	"$MAMORI" --dir "$D" audit finding add "$AU" --clause MIN-3-4-1 --severity minor --text x \
	--entry 999999 --as kansa-1
err_has "it says so" "the ledger has no entry 999999"
expect "an entry that is no number is refused" 1 \
	"$MAMORI" --dir "$D" audit finding add "$AU" --clause MIN-3-4-1 --severity minor --text x \
	--entry 直近 --as kansa-1
err_has "it says why" "is not a ledger entry's number"
expect "an entry given twice is refused" 1 \
	"$MAMORI" --dir "$D" audit finding add "$AU" --clause MIN-3-4-1 --severity minor --text x \
	--entry "$PL" --entry "$PL" --as kansa-1
err_has "it says which" "entry $PL is given twice"
refused "an auditor off the team may not record findings" MIN-9-1-5-b2 \
	"$MAMORI" --dir "$D" audit finding add "$AU" --clause MIN-3-4-1 --severity minor --text x --as kansa-3
refused "nor may the audited" MIN-9-1-5-b2 \
	"$MAMORI" --dir "$D" audit finding add "$AU" --clause MIN-3-4-1 --severity minor --text x --as zeimu-1
expect "an unknown clause is refused" 1 \
	"$MAMORI" --dir "$D" audit finding add "$AU" --clause MIN-99 --severity minor --text x --as kansa-1
err_has "it says why" "not a clause of this profile"
expect "an unknown severity is refused" 1 \
	"$MAMORI" --dir "$D" audit finding add "$AU" --clause MIN-3-4-1 --severity huge --text x --as kansa-1
expect "a section the audit does not cover" 1 \
	"$MAMORI" --dir "$D" audit finding add "$AU" --clause MIN-3-4-1 --severity minor --text x \
	--section kaikei --as kansa-1
expect "a finding on a record that is no audit" 1 \
	"$MAMORI" --dir "$D" audit finding add "$A" --clause MIN-3-4-1 --severity minor --text x --as kansa-1

expect "the audited section responds" 0 \
	"$MAMORI" --dir "$D" audit respond "$F" --text "複製時に記録します" --as zeimu-kacho
out_has "done" "done"
refused "another section's officer may not plan its improvement" MIN-9-1-6 \
	"$MAMORI" --dir "$D" audit plan-improvement "$F" --text x --due "$(day 10)" --as kansa-1
expect "the plan needs a due date" 2 \
	"$MAMORI" --dir "$D" audit plan-improvement "$F" --text x --as zeimu-kacho
expect "the security officer plans the improvement with a due date" 0 \
	"$MAMORI" --dir "$D" audit plan-improvement "$F" --text "複製記録簿を備える" --due "$(day -1)" \
	--as zeimu-kacho
expect "audit list" 0 "$MAMORI" --dir "$D" audit list --json
json_is "the audit with one open finding, overdue (the system audit has none)" \
	"[(x['id'], x['open'], x['overdue']) for x in d if x['id'] == $AU]" "[($AU, 1, 1)]"
expect "audit show" 0 "$MAMORI" --dir "$D" audit show "$AU" --json
json_is "the finding, improving and overdue" "[(x['id'], x['state'], x['overdue'], x['fields']['clause']) for x in d['findings']]" \
	"[($F, 'improving', True, 'MIN-3-4-1')]"
json_is "the team" "d['fields']['auditor']" "kansa-1,kansa-2"
json_is "the finding's evidence: the ledger entries" "[x['fields'].get('evidence') for x in d['findings']]" "['$PL,0']"
expect "audit show as text" 0 "$MAMORI" --dir "$D" audit show "$AU"
out_has "the overdue finding" "期限超過"
out_has "its evidence" "$PL,0"
expect "follow-up by the system chief" 0 \
	"$MAMORI" --dir "$D" audit follow-up "$F" --text "記録簿を確認した" --as chief
expect "closed" 0 "$MAMORI" --dir "$D" audit close "$F" --as chief
expect "audit show" 0 "$MAMORI" --dir "$D" audit show "$AU" --json
json_is "closed, no longer overdue" "[(x['state'], x['overdue']) for x in d['findings']]" "[('closed', False)]"
expect "the team reads its audit and findings" 0 "$MAMORI" --dir "$D" audit show "$AU" --as kansa-1 --json
json_is "one finding" "len(d['findings'])" "1"
expect "an auditor off the team does not read the audit" 1 \
	"$MAMORI" --dir "$D" audit show "$AU" --as kansa-3 --json
expect "nor does the audited staff member" 1 "$MAMORI" --dir "$D" audit show "$AU" --as zeimu-1
expect "closing twice is refused" 3 "$MAMORI" --dir "$D" audit close "$F" --as chief

# the audit's own steps (MIN-9-1-4, MIN-9-1-5): the system chief conducts it and reports to the
# CISO, who evaluates the report; the chief's improvement plan answers the evaluation and its
# carrying out closes the audit. Findings are recorded from the plan until the audit is closed.
m user add ciso --name "統括 責任" --section joho >/dev/null
m role grant ciso ciso@org >/dev/null
expect "an audit carried through to its close" 0 "$MAMORI" --dir "$D" audit plan --title 税務課の再監査 \
	--section zeimu --team kansa-1 --as chief --json
AC=$(json_field id)
refused "no report before the audit is carried out" MIN-9-1-5-b3 \
	"$MAMORI" --dir "$D" audit report "$AC" --text 監査報告書 --as chief
expect "a finding is no audit" 1 "$MAMORI" --dir "$D" audit conduct "$F" --as chief
err_has "it says so" "is a 'finding', not a 'audit'"
expect "conduct records no text" 2 "$MAMORI" --dir "$D" audit conduct "$AC" --text x --as chief
refused "a section's officer does not conduct audits" MIN-9-1-5 \
	"$MAMORI" --dir "$D" audit conduct "$AC" --as zeimu-kacho
expect "audit conduct" 0 "$MAMORI" --dir "$D" audit conduct "$AC" --as chief --json
json_is "done" "d['outcome']" "done"
expect "the report needs its text" 2 "$MAMORI" --dir "$D" audit report "$AC" --as chief
expect "audit report: the system chief reports to the CISO" 0 "$MAMORI" --dir "$D" audit report "$AC" \
	--text "監査報告書：複製の記録に不備" --as chief
refused "no improvement plan before the CISO evaluates the report" MIN-9-1-5-b4 \
	"$MAMORI" --dir "$D" audit plan-improvement "$AC" --text x --as chief
expect "the CISO's duty to evaluate is not yet done" 0 "$MAMORI" --dir "$D" duty list --json
json_is "no evaluation yet" "[x['last_done_by'] for x in d if x['duty']=='audit']" "[None]"
refused "the system chief does not evaluate (the CISO does)" MIN-9-1-4 \
	"$MAMORI" --dir "$D" audit evaluate "$AC" --text 評価 --as chief
expect "the evaluation needs its text" 2 "$MAMORI" --dir "$D" audit evaluate "$AC" --as ciso
expect "audit evaluate: the CISO evaluates the report" 0 "$MAMORI" --dir "$D" audit evaluate "$AC" \
	--text "評価：複製の手続の周知が不十分。改善を指示する" --as ciso --json
json_is "done" "d['outcome']" "done"
expect "audit show" 0 "$MAMORI" --dir "$D" audit show "$AC" --json
json_is "evaluated, with the report and the evaluation" \
	"(d['state'], d['fields']['report'], d['fields']['evaluation'][:3])" \
	"('evaluated', '監査報告書：複製の記録に不備', '評価：')"
expect "the duty list" 0 "$MAMORI" --dir "$D" duty list --json
json_is "the CISO's yearly duty (セキュリティ監査の評価・指摘) is fulfilled by the evaluation" \
	"[x['last_done_by'] for x in d if x['duty']=='audit']" "['ciso']"
expect "an audit's improvement plan has no due date (a finding's has)" 2 \
	"$MAMORI" --dir "$D" audit plan-improvement "$AC" --text x --due "$(day 3)" --as chief
expect "audit plan-improvement: the chief's 改善計画書" 0 "$MAMORI" --dir "$D" audit plan-improvement "$AC" \
	--text 目録を更新する --as chief
expect "a finding while the improvement runs" 0 "$MAMORI" --dir "$D" audit finding add "$AC" \
	--clause MIN-3-2-1 --severity minor --text 目録が古い --as kansa-1
expect "audit improve: carried out, the audit is closed" 0 "$MAMORI" --dir "$D" audit improve "$AC" \
	--text 目録を更新した --as chief
expect "audit show" 0 "$MAMORI" --dir "$D" audit show "$AC" --json
json_is "closed" "(d['state'], d['fields']['done'])" "('closed', '目録を更新した')"
expect "audit list" 0 "$MAMORI" --dir "$D" audit list
out_has "the list names its state" "完了"
refused "no finding once it is closed" MIN-9-1-5-b2 "$MAMORI" --dir "$D" audit finding add "$AC" \
	--clause MIN-3-2-1 --severity minor --text 遅れた指摘 --as kansa-1
out_has "it says why" "is 完了; this can be done only while it is 計画、実施済、報告済、評価済、改善中"
expect "the generic act still works" 0 "$MAMORI" --dir "$D" act "$AC" audit.read --as ciso

# the contract's repeated --section: every section named is audited, and a team member from any
# of them is refused; --severity takes minor, major or critical only
m user add kansa-5 --name "会計 五" --section kaikei >/dev/null
m role grant kansa-5 auditor@org >/dev/null
refused "a team member from the second section named is refused" MIN-9-1-3 \
	"$MAMORI" --dir "$D" audit plan --title 二課の監査 --section zeimu --section kaikei --team kansa-5 --as chief
out_has "naming the section" "kansa-5 belongs to 会計室"
expect "two sections audited by an independent team" 0 "$MAMORI" --dir "$D" audit plan --title 二課の監査 \
	--section zeimu --section joho --team kansa-5 --as chief --json
json_is "{id, outcome: done}" "d['outcome'], d['id'] > 0" "('done', True)"
A2=$(json_field id)
expect "audit show" 0 "$MAMORI" --dir "$D" audit show "$A2" --json
json_is "both sections audited" "d['fields']['auditee_section']" "zeimu,joho"
expect "a severity that is none of minor, major, critical" 1 "$MAMORI" --dir "$D" audit finding add "$A2" \
	--clause MIN-3-4-1 --severity fatal --text x --as kansa-5
err_has "says which it may be" "must be one of 'minor', 'major', 'critical', not 'fatal'"
for sev in minor major critical; do
	expect "a $sev finding" 0 "$MAMORI" --dir "$D" audit finding add "$A2" --clause MIN-3-4-1 \
		--severity $sev --text "$sev の指摘" --as kansa-5
done
expect "audit show" 0 "$MAMORI" --dir "$D" audit show "$A2" --json
json_is "three findings, one per severity" "sorted(f['fields']['severity'] for f in d['findings'])" "['critical', 'major', 'minor']"

# ---- Shinjuku ----------------------------------------------------------------------------
D="$TMP/shinjuku"
expect "init --profile shinjuku" 0 "$MAMORI" --dir "$D" init --profile shinjuku
m section add zeimu --name 税務課 >/dev/null
m section add kaikei --name 会計管理室 >/dev/null
m user add zeimu-1 --name "税務 一" --section zeimu >/dev/null
m user add zeimu-kacho --name "税務 課長" --section zeimu >/dev/null
m user add kansa-1 --name "監査 一" --section kaikei >/dev/null
m user add cio --name "情報 統括" --section kaikei >/dev/null
m role grant zeimu-kacho security_officer@section:zeimu >/dev/null
m role grant cio cio@org >/dev/null
m role grant kansa-1 auditor@org >/dev/null
m role grant zeimu-1 auditor@org >/dev/null
m user add honbu --name "本部 委員" --section kaikei >/dev/null
m role grant honbu strategy_hq@org >/dev/null
refused "Shinjuku: a 税務課 member is refused, citing the ward's clause" SHJ-7-1-1 \
	"$MAMORI" --dir "$D" audit plan --title 税務課監査 --section zeimu --team kansa-1,zeimu-1 --as cio
m user add kaikei-2 --name "会計 二" --section kaikei >/dev/null
refused "Shinjuku: a team member who is no 監査人 is refused" SHJ-7-1-1 \
	"$MAMORI" --dir "$D" audit plan --title 税務課監査 --section zeimu --team kansa-1,kaikei-2 --as cio
out_has "naming the role" "kaikei-2 does not hold 監査人 (auditor)"
refused "Shinjuku: its officer too" SHJ-7-1-1 \
	"$MAMORI" --dir "$D" audit plan --title 税務課監査 --section zeimu --team zeimu-kacho --as cio
expect "Shinjuku: an independent team" 0 \
	"$MAMORI" --dir "$D" audit plan --title 税務課監査 --section zeimu --team kansa-1 --as cio --json
json_is "done" "d['outcome']" "done"
AU=$(json_field id)
expect "Shinjuku: an audit of 第5" 0 "$MAMORI" --dir "$D" audit plan --title 技術的対策の監査 --section zeimu \
	--team kansa-1 --clause SHJ-5 --as cio --json
AS=$(json_field id)
expect "Shinjuku: a finding under 第5" 0 "$MAMORI" --dir "$D" audit finding add "$AS" --clause SHJ-5-7-3 \
	--severity minor --text 点検の記録が遅れる --as kansa-1
expect "Shinjuku: outside it" 3 "$MAMORI" --dir "$D" audit finding add "$AS" --clause SHJ-7-1-1 \
	--severity minor --text x --as kansa-1
out_has "refused, saying why" "SHJ-7-1-1 is outside the scope of record $AS"
expect "Shinjuku: a finding" 0 "$MAMORI" --dir "$D" audit finding add "$AU" --clause SHJ-7-1-1 \
	--severity critical --text 点検記録がない --as kansa-1 --json
F=$(json_field id)
refused "Shinjuku: the CIO is not on the team" SHJ-7-1-1 \
	"$MAMORI" --dir "$D" audit finding add "$AU" --clause SHJ-7-1-1 --severity minor --text x --as cio
expect "Shinjuku: the officer plans the improvement" 0 \
	"$MAMORI" --dir "$D" audit plan-improvement "$F" --text 点検を毎月行う --due "$(day 20)" --as zeimu-kacho
expect "Shinjuku: audit list" 0 "$MAMORI" --dir "$D" audit list --json
json_is "open, not overdue" "[(x['open'], x['overdue']) for x in d if x['id'] == $AU]" "[(1, 0)]"
expect "Shinjuku: closed by the CIO" 0 "$MAMORI" --dir "$D" audit close "$F" --as cio
# 第7 1(1): the CIO reports the audit's result to 情報化戦略本部 (Shinjuku has no evaluate step:
# its evaluation, 第7 3, is the CIO's periodic one)
refused "Shinjuku: the auditor does not report to 情報化戦略本部" SHJ-7-1-1 \
	"$MAMORI" --dir "$D" audit report "$AU" --text x --as kansa-1
expect "Shinjuku: audit conduct" 0 "$MAMORI" --dir "$D" audit conduct "$AU" --as cio
refused "Shinjuku: the auditor does not report the result" SHJ-7-1-2 \
	"$MAMORI" --dir "$D" audit report "$AU" --text x --as kansa-1
expect "Shinjuku: audit report (the field is the ward's: result)" 0 "$MAMORI" --dir "$D" audit report "$AU" \
	--text "監査の結果：点検記録の不備1件" --as cio --json
json_is "done, citing 第7 1(1)(2)" "(d['outcome'], sorted(d['clauses']))" "('done', ['SHJ-7-1-1', 'SHJ-7-1-2'])"
expect "Shinjuku: audit show" 0 "$MAMORI" --dir "$D" audit show "$AU" --json
json_is "reported, with the result" "(d['state'], d['fields']['result'])" "('reported', '監査の結果：点検記録の不備1件')"
expect "Shinjuku: no evaluate step in this ward" 1 "$MAMORI" --dir "$D" audit evaluate "$AU" --text x --as cio
# 第7 1(2): 情報化戦略本部 uses the report when it deliberates the review: it receives the result
# and records how it uses it
refused "Shinjuku: the CIO does not receive it for 情報化戦略本部" SHJ-7-1-2 \
	"$MAMORI" --dir "$D" audit receive "$AU" --text x --as cio
expect "the receipt needs its text" 2 "$MAMORI" --dir "$D" audit receive "$AU" --as honbu
expect "--review belongs to the receipt" 2 "$MAMORI" --dir "$D" audit conduct "$AU" --review 1 --as cio
# the review case 情報化戦略本部 deliberates the result in (第7 3, 4): the CIO proposes it
new_record "the CIO proposes a policy review" policy_review --field title=点検手順の見直し \
	--field inputs=監査の結果 --field draft=0000000000000000000000000000000000000000000000000000000000000000 --as cio
RV=$rec
expect "a receipt naming a record that is no policy review is refused" 1 "$MAMORI" --dir "$D" audit receive \
	"$AU" --text x --review "$AU" --as honbu
err_has "saying what it is" "is a 'audit', not a 'policy_review'"
expect "Shinjuku: audit receive: 情報化戦略本部 receives the result, naming the review it deliberates it in" 0 \
	"$MAMORI" --dir "$D" audit receive "$AU" --text "次回の見直しの審議で点検手順を取り上げる" --review "$RV" \
	--as honbu --json
json_is "done, citing 第7 1(2)" "(d['outcome'], d['clauses'])" "('done', ['SHJ-7-1-2'])"
expect "Shinjuku: audit show" 0 "$MAMORI" --dir "$D" audit show "$AU" --json
json_is "received, with its use and its review" "(d['state'], d['fields']['hq_use'], str(d['fields']['review']))" "('received', '次回の見直しの審議で点検手順を取り上げる', '$RV')"
expect "Shinjuku: audit show (text)" 0 "$MAMORI" --dir "$D" audit show "$AU"
out_has "the use under the ward's name" "情報化戦略本部による活用（見直しの審議）：次回の見直しの審議で点検手順を取り上げる"
out_has "in state 本部受理" "（本部受理）"
expect "not received twice" 3 "$MAMORI" --dir "$D" audit receive "$AU" --text x --as honbu

done_testing
