#!/bin/sh
# t0573: self-inspection rounds (docs/audits.md; MIN-9-2-1, SHJ-7-2). The CISO office opens a
# round, one inspection per section; each section's staff answer its checklist items (適合,
# 不適合, 該当なし with a note and evidence) through the door, only their own section's and only
# while it is open; they hand the answers in and their head signs them off or sends them back;
# the roll-up shows every section and clause (text, JSON, CSV with BOM or CP932) and the
# overdue sections; a nonconformity becomes a finding with an improvement plan.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/core-lib.sh"

D="$TMP/minato"
expect "init --profile minato" 0 "$MAMORI" --dir "$D" init --profile minato
m section add zeimu --name 税務課 >/dev/null
m section add kuseki --name 区民課 >/dev/null
m section add joho --name 情報政策課 >/dev/null
m user add zeimu-1 --name "橋本 聡" --section zeimu >/dev/null
m user add zeimu-kacho --name "池田 勝" --section zeimu >/dev/null
m user add kuseki-1 --name "区民 一" --section kuseki >/dev/null
m user add kuseki-kacho --name "区民 課長" --section kuseki >/dev/null
m user add chief --name "統括 管理" --section joho >/dev/null
m role grant zeimu-kacho security_officer@section:zeimu >/dev/null
m role grant kuseki-kacho security_officer@section:kuseki >/dev/null
m role grant chief system_chief@org >/dev/null
ITEMS=MIN-3-2-1,MIN-9-1-2,MIN-9-4-3

refused "a section's staff may not open a round" MIN-9-2-1 \
	"$MAMORI" --dir "$D" inspection open --round 令和8年度 --section zeimu --due "$(day 30)" --as zeimu-1
expect "an item not on the checklist" 1 \
	"$MAMORI" --dir "$D" inspection open --round 令和8年度 --section zeimu --due "$(day 30)" --items MIN-9-2-1 --as chief
err_has "says which" "'MIN-9-2-1' is not an item of the checklist"
LAST=$(m ledger tail -n 1 | awk '{print $1}')
refused "staff may not open a round of two sections either" MIN-9-2-1 \
	"$MAMORI" --dir "$D" inspection open --round 令和8年度 --section zeimu,kuseki --due "$(day 30)" --items $ITEMS --as zeimu-1
err_has "says none was opened" "section 'zeimu': refused; no inspection of this round was opened"
m ledger tail -n 1 >"$TMP/tail"
check "the ledger holds one entry more: the refusal, alone" \
	"[ \"\$(awk '{print \$1}' '$TMP/tail')\" = $((LAST + 1)) ] && grep -q 'zeimu-1 self_inspection.open .*deny' '$TMP/tail'"
expect "a round of more than 1,000 inspections" 1 \
	"$MAMORI" --dir "$D" inspection open --round 令和8年度 --section "$(seq -s, 1001)" --due "$(day 30)" --items $ITEMS --as chief
err_has "says the bound" "a round opens at most 1000 inspections (sections × roles, each once)"
# A round opens wholly or not at all: an act failing after others were done keeps none of them
# (one transaction through the door), so running it again does not open the first ones twice.
expect "a section that does not exist after two that do" 1 \
	"$MAMORI" --dir "$D" inspection open --round 令和8年度 --section zeimu,kuseki,nosuch --due "$(day 30)" --items $ITEMS --as chief
err_has "says why and that none was opened" "no section 'nosuch'; see 'mamori section list'; no inspection of this round was opened (fix that and run it again)"
err_one_line "in one line"
expect "the same in Japanese" 1 env MAMORI_LANG=ja \
	"$MAMORI" --dir "$D" inspection open --round 令和8年度 --section zeimu,nosuch --due "$(day 30)" --items $ITEMS --as chief
check "wholly in Japanese" "[ \"\$(cat '$TMP/err')\" = 'mamori: 項目「点検する課等」：所属「nosuch」はありません。この回の点検は一つも開いていません（原因を直してから、もう一度実行してください）' ]"
expect "the roll-up after the failed rounds" 0 "$MAMORI" --dir "$D" inspection rollup --json
check "no inspection was opened" "python3 -c \"import json; assert json.load(open('$TMP/out'))['sections']==[]\""
expect "the CISO office opens a round for two sections" 0 \
	"$MAMORI" --dir "$D" inspection open --round 令和8年度 --section zeimu,kuseki --due "$(day 30)" --items $ITEMS --as chief --json
json_is "one inspection per section" "[x['outcome'] for x in d]" "['done', 'done']"
Z=$(python3 -c "import json; print(json.load(open('$TMP/out'))[0]['id'])")
K=$(python3 -c "import json; print(json.load(open('$TMP/out'))[1]['id'])")
expect "a late round (due yesterday)" 0 \
	"$MAMORI" --dir "$D" inspection open --round 令和7年度 --section kuseki --due "$(day -1)" --items MIN-3-2-1 --as chief
OLD=$(cut -f2 "$TMP/out")

expect "the section's staff answer 適合 with evidence" 0 \
	"$MAMORI" --dir "$D" inspection answer "$Z" --clause MIN-3-2-1 --result 適合 --note 台帳を確認 --evidence 資産台帳 --as zeimu-1
check "prints the answer's record id" "grep -qx '[0-9][0-9]*' '$TMP/out'"
expect "not applicable" 0 \
	"$MAMORI" --dir "$D" inspection answer "$Z" --clause MIN-9-4-3 --result na --as zeimu-1
expect "a nonconformity" 0 \
	"$MAMORI" --dir "$D" inspection answer "$Z" --clause MIN-9-1-2 --result 不適合 --note 記録がない --as zeimu-1
refused "another section's staff may not answer it" MIN-9-2-1 \
	"$MAMORI" --dir "$D" inspection answer "$Z" --clause MIN-9-1-2 --result 適合 --as kuseki-1
expect "a clause that is not one of its items" 1 \
	"$MAMORI" --dir "$D" inspection answer "$Z" --clause MIN-9-1-5-b1 --result 適合 --as zeimu-1
err_has "says so" "not an item of self-inspection"
expect "a result that is not one" 2 \
	"$MAMORI" --dir "$D" inspection answer "$Z" --clause MIN-9-1-2 --result maybe --as zeimu-1
err_one_line "in one line"
refused "an answer that names another section's inspection is refused by the door" MIN-9-2-1 \
	"$MAMORI" --dir "$D" record add inspection_answer --field inspection="$Z" --field section=kuseki \
	--field clause=MIN-3-2-1 --field result=適合 --as kuseki-1
out_has "naming the section" "belongs to section zeimu"
expect "the staff revise an answer (the same record)" 0 \
	"$MAMORI" --dir "$D" inspection answer "$Z" --clause MIN-9-4-3 --result 適合 --note 持出しなし --as zeimu-1
expect "show" 0 "$MAMORI" --dir "$D" inspection show "$Z" --json
json_is "three answers, the revised one counted once" "(d['conform'], d['nonconform'], d['na'], d['unanswered'], d['items'])" "(2, 1, 0, 0, 3)"
json_is "each answer with its note" "[a['note'] for a in d['answers'] if a['clause']=='MIN-9-1-2']" "['記録がない']"

refused "the head may not sign off before the answers are handed in" MIN-9-2-1 \
	"$MAMORI" --dir "$D" inspection sign-off "$Z" --as zeimu-kacho
expect "the staff hand the answers in" 0 "$MAMORI" --dir "$D" inspection submit "$Z" --as zeimu-1
refused "answers are closed once handed in" MIN-9-2-1 \
	"$MAMORI" --dir "$D" inspection answer "$Z" --clause MIN-3-2-1 --result 不適合 --as zeimu-1
out_has "saying why" "only while it is 点検中"
refused "the staff may not sign off" MIN-9-2-1 \
	"$MAMORI" --dir "$D" inspection sign-off "$Z" --as zeimu-1
refused "another section's head may not" MIN-9-2-1 \
	"$MAMORI" --dir "$D" inspection sign-off "$Z" --as kuseki-kacho
expect "the head sends them back" 0 "$MAMORI" --dir "$D" inspection send-back "$Z" --as zeimu-kacho
expect "handed in again" 0 "$MAMORI" --dir "$D" inspection submit "$Z" --as zeimu-1
expect "the duty list" 0 "$MAMORI" --dir "$D" duty list --json
json_is "the section inspection duty is not yet done for 税務課" \
	"[x['last_done_by'] for x in d if x['duty']=='section-inspection' and x['scope']=='section:zeimu']" "[None]"
# the 税務課 head also heads 区民課 for a while (兼務): signing off 税務課's inspection is not 区民課's
m role grant zeimu-kacho security_officer@section:kuseki >/dev/null
expect "the head signs off" 0 "$MAMORI" --dir "$D" inspection sign-off "$Z" --note 改善を指示 --as zeimu-kacho
out_has "done" "done"
m role revoke zeimu-kacho security_officer@section:kuseki >/dev/null
expect "an inspection record of the old kind" 0 "$MAMORI" --dir "$D" record add inspection.record \
	--field kind=課等の遵守状況 --field target=区民課 --field section=kuseki --field result=良好 \
	--field inspected_on="$(day -1)" --as kuseki-kacho
expect "the duty list after the sign-off" 0 "$MAMORI" --dir "$D" duty list --json
json_is "the sign-off of 税務課's own self-inspection fulfils 税務課's section inspection" \
	"[x['last_done_by'] for x in d if x['duty']=='section-inspection' and x['scope']=='section:zeimu']" "['zeimu-kacho']"
json_is "neither the same head's sign-off nor a free inspection record fulfils 区民課's" \
	"[x['last_done_by'] for x in d if x['duty']=='section-inspection' and x['scope']=='section:kuseki']" "[None]"

# the training and consent registers feed the roll-up (4(2)①, 4(1)1)⑤): who has not attended
# the training the yearly duty requires, within the year before the due day; which part-time
# staff gave no consent
m user add zeimu-p1 --name "非常勤 一" --section zeimu --employment 非常勤職員 >/dev/null
expect "a training attended by two of 税務課" 0 "$MAMORI" --dir "$D" record add training --as chief \
	--field course=個人情報保護研修 --field kind=個人情報保護・情報安全対策指針の研修 \
	--field held_on="$(day -10)" --field attendees=zeimu-1,zeimu-p1
expect "attendees are people" 1 "$MAMORI" --dir "$D" record add training --as chief \
	--field course=x --field kind=啓発 --field held_on="$(day -1)" --field attendees=nobody
expect "one held over a year before the due day does not count" 0 "$MAMORI" --dir "$D" record add training \
	--as chief --field course=個人情報保護研修 --field kind=個人情報保護・情報安全対策指針の研修 \
	--field held_on="$(day -400)" --field attendees=zeimu-kacho
expect "nor one of another kind" 0 "$MAMORI" --dir "$D" record add training --as chief \
	--field course=標語 --field kind=啓発 --field held_on="$(day -5)" --field attendees=zeimu-kacho,kuseki-1
expect "区民課 answers one item" 0 \
	"$MAMORI" --dir "$D" inspection answer "$K" --clause MIN-3-2-1 --result 適合 --as kuseki-1
expect "the roll-up (JSON)" 0 "$MAMORI" --dir "$D" inspection rollup --json
json_is "three inspections, one overdue" "(len(d['sections']), d['overdue'])" "(3, 1)"
json_is "the overdue one is last year's 区民課" "[x['id'] for x in d['sections'] if x['overdue']] == [$OLD]" "True"
json_is "税務課 signed off" "[(x['state'], x['nonconform']) for x in d['sections'] if x['id']==$Z]" "[('signed', 1)]"
json_is "区民課 with two unanswered" "[(x['state'], x['unanswered']) for x in d['sections'] if x['id']==$K]" "[('open', 2)]"
json_is "per clause across sections" "[(c['conform'], c['unanswered']) for c in d['clauses'] if c['clause']=='MIN-3-2-1']" "[(2, 1)]"
json_is "税務課: the head has not attended; the part-time member gave no consent" \
	"[(sorted(x['untrained']), x['unconsented']) for x in d['sections'] if x['id']==$Z]" "[(['zeimu-kacho'], ['zeimu-p1'])]"
json_is "区民課: nobody has attended" \
	"[sorted(x['untrained']) for x in d['sections'] if x['id']==$K]" "[['kuseki-1', 'kuseki-kacho']]"
expect "the roll-up as a table" 0 "$MAMORI" --dir "$D" inspection rollup
out_has "names who has not attended" "  個人情報の保護及び指針に関する研修（MIN-4-2-1）：zeimu-kacho"
out_has "and who gave no consent" "  非常勤職員の同意（MIN-4-1-1-5）：zeimu-p1"
expect "the part-time member's consent is recorded" 0 "$MAMORI" --dir "$D" record add consent --as zeimu-1 \
	--field person=zeimu-p1 --field consented_on="$(day -1)"
expect "the roll-up" 0 "$MAMORI" --dir "$D" inspection rollup --json
json_is "税務課: no part-time member without consent" "[x['unconsented'] for x in d['sections'] if x['id']==$Z]" "[[]]"
expect "one round" 0 "$MAMORI" --dir "$D" inspection rollup --round 令和8年度 --json
json_is "its two sections" "(len(d['sections']), d['overdue'])" "(2, 0)"
expect "the roll-up as a table" 0 "$MAMORI" --dir "$D" inspection rollup
out_has "overdue sections counted" "期限超過の課等：1"
expect "as CSV" 0 "$MAMORI" --dir "$D" inspection rollup --csv
check "with a UTF-8 BOM and 条項 in its own column" "head -c 3 '$TMP/out' | od -An -tx1 | grep -q 'ef bb bf' && head -1 '$TMP/out' | grep -q ',条項,'"
check "one row per section and item" "[ \$(grep -v '研修を受けていない者\|同意のない非常勤職員' '$TMP/out' | grep -c 'MIN-') -eq 7 ]"
check "and per section the training and consent rows, clause in its column" \
	"[ \$(grep -c ',MIN-4-2-1,4(2)①,研修を受けていない者,' '$TMP/out') -eq 3 ] && grep -q ',MIN-4-1-1-5,.*,同意のない非常勤職員,0人,' '$TMP/out'"
expect "as CP932" 0 "$MAMORI" --dir "$D" inspection rollup --csv --cp932
check "decodes as CP932" "python3 -c \"open('$TMP/out','rb').read().decode('cp932')\" && grep -qa '不適合' '$TMP/out' || python3 -c \"import sys; sys.exit(0 if '不適合' in open('$TMP/out','rb').read().decode('cp932') else 1)\""
expect "a section's staff see only their own" 0 "$MAMORI" --dir "$D" inspection rollup --as kuseki-1 --json
json_is "区民課's two" "sorted(x['section'] for x in d['sections'])" "['kuseki', 'kuseki']"
expect "show, refused to one who may not read it" 1 "$MAMORI" --dir "$D" inspection show "$Z" --as kuseki-1

expect "a conforming item does not become a finding" 1 \
	"$MAMORI" --dir "$D" inspection raise "$Z" --clause MIN-3-2-1 --severity minor --as zeimu-kacho
err_has "says so" "only a nonconformity becomes a finding"
expect "the nonconformity becomes a finding (the head)" 0 \
	"$MAMORI" --dir "$D" inspection raise "$Z" --clause MIN-9-1-2 --severity major --as zeimu-kacho --json
F=$(json_field id)
refused "another section's head may not raise it" MIN-9-2-1 \
	"$MAMORI" --dir "$D" inspection raise "$Z" --clause MIN-9-1-2 --severity major --as kuseki-kacho
expect "the head plans the improvement" 0 \
	"$MAMORI" --dir "$D" audit plan-improvement "$F" --text 監査体制を整える --due "$(day 60)" --as zeimu-kacho
expect "the office follows up and closes it" 0 "$MAMORI" --dir "$D" audit follow-up "$F" --text 確認した --as chief
expect "closed" 0 "$MAMORI" --dir "$D" audit close "$F" --as chief
expect "the finding" 0 "$MAMORI" --dir "$D" record show "$F" --json
check "names its inspection and section" "grep -q '\"inspection\": *\"$Z\"' '$TMP/out' && grep -q 'zeimu' '$TMP/out'"
expect "an audit's finding still needs its audit" 3 \
	"$MAMORI" --dir "$D" record add finding.add --field clause=MIN-9-1-2 --field severity=minor --field text=x --as chief
expect "the ledger verifies" 0 "$MAMORI" --dir "$D" ledger verify

# ---- Shinjuku ----------------------------------------------------------------------------
D="$TMP/shinjuku"
expect "init --profile shinjuku" 0 "$MAMORI" --dir "$D" init --profile shinjuku
m section add somu --name 総務課 >/dev/null
m section add joho --name 情報政策課 >/dev/null
m user add somu-1 --name "総務 一" --section somu >/dev/null
m user add somu-kacho --name "総務 課長" --section somu >/dev/null
m user add nwkanri --name "ネット 管理" --section joho >/dev/null
m role grant somu-kacho security_officer@section:somu >/dev/null
m role grant nwkanri network_manager@org >/dev/null
expect "the network manager opens a round" 0 \
	"$MAMORI" --dir "$D" inspection open --round 令和8年度 --section somu --due "$(day 30)" --items SHJ-2-2 --as nwkanri
S=$(cut -f2 "$TMP/out")
expect "総務課 answers" 0 "$MAMORI" --dir "$D" inspection answer "$S" --clause SHJ-2-2 --result 適合 --as somu-1
allowed "hands in" "$MAMORI" --dir "$D" inspection submit "$S" --as somu-1
allowed "its head signs off" "$MAMORI" --dir "$D" inspection sign-off "$S" --as somu-kacho
expect "the network manager compiles the roll-up" 0 "$MAMORI" --dir "$D" inspection rollup --as nwkanri --json
json_is "Shinjuku keeps no training or consent registers: no such keys" \
	"[('untrained' in x, 'unconsented' in x) for x in d['sections']][:1]" "[(False, False)]"
json_is "総務課 signed" "[(x['section'], x['state'], x['conform']) for x in d['sections']]" "[('somu', 'signed', 1)]"
done_testing
