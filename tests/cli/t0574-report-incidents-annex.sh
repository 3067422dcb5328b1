#!/bin/sh
# t0574: the compliance report carries incidents and self-inspections per clause, and the cases
# closed in the period with their recurrence prevention (docs/audits.md); the same report read
# by ISO/IEC 27001:2022 Annex A control (--by annex-a: one row per control, the clauses the
# profile maps to it); the profile loader refuses a control that Annex A does not have.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/core-lib.sh"

col() {
	python3 - "$1" "$2" "$3" "$4" <<'PY'
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1], encoding="utf-8-sig", newline="")))
print([r[sys.argv[4]] for r in rows if r[sys.argv[3]] == sys.argv[2]][0])
PY
}
is() { if [ "$2" = "$3" ]; then ok "$1"; else not_ok "$1"; diag "got '$2', want '$3'"; fi; }
# nclauses FILE: how many clauses a profile has
nclauses() {
	python3 - "$1" <<'PY'
import re, sys
t = open(sys.argv[1], encoding='utf-8').read().split('\nclauses:\n')[1]
print(len([l for l in t.splitlines() if re.match(r'  [A-Za-z][A-Za-z0-9-]*: \{', l)]))
PY
}

D="$TMP/minato"
expect "init --profile minato" 0 "$MAMORI" --dir "$D" init --profile minato
m section add zeimu --name 税務課 >/dev/null
m section add joho --name 情報政策課 >/dev/null
m user add zeimu-1 --name "橋本 聡" --section zeimu >/dev/null
m user add zeimu-kacho --name "池田 勝" --section zeimu >/dev/null
m user add csirt-1 --name "対応 一" --section joho >/dev/null
m user add chief --name "統括 管理" --section joho >/dev/null
m role grant zeimu-kacho security_officer@section:zeimu >/dev/null
m role grant csirt-1 csirt@org >/dev/null
m role grant chief system_chief@org >/dev/null
# two officers held their section's yearly inspection duty (MIN-9-2-1) since 2024: 会計室's last
# did it in January 2025 and 区民課's never did, so both are overdue
m section add kaikei --name 会計室 >/dev/null
m section add kumin --name 区民課 >/dev/null
m user add kaikei-kacho --name "会計 課長" --section kaikei >/dev/null
m user add kumin-kacho --name "区民 課長" --section kumin >/dev/null
m role grant kaikei-kacho security_officer@section:kaikei --from 2024-04-01 >/dev/null
m role grant kumin-kacho security_officer@section:kumin --from 2024-04-01 >/dev/null

expect "a case is reported" 0 "$MAMORI" --dir "$D" incident report --title 誤送信 \
	--found-at "$(day -1)T09:00" --as zeimu-1 --json
I=$(json_field id)
expect "escalated" 0 "$MAMORI" --dir "$D" incident step "$I" escalated --as zeimu-kacho
for s in received investigating recovered; do
	expect "$s" 0 "$MAMORI" --dir "$D" incident step "$I" "$s" --as csirt-1
done
expect "its recurrence prevention" 0 "$MAMORI" --dir "$D" incident step "$I" prevention \
	--field cause=宛先の確認漏れ --field prevention=送信前の複数人確認 --as csirt-1
expect "closed" 0 "$MAMORI" --dir "$D" incident step "$I" closed --as csirt-1
expect "a drill is not counted" 0 "$MAMORI" --dir "$D" incident report --title 訓練 \
	--found-at "$(day -1)T10:00" --drill --as zeimu-1

expect "a self-inspection round" 0 "$MAMORI" --dir "$D" inspection open --round 令和8年度 \
	--section zeimu --due "$(day 30)" --items MIN-3-2-1,MIN-9-1-2 --as chief
S=$(cut -f2 "$TMP/out")
expect "one item answered 不適合" 0 "$MAMORI" --dir "$D" inspection answer "$S" --clause MIN-9-1-2 \
	--result 不適合 --note 記録がない --as zeimu-1

expect "税務課's officer fulfils the section inspection today" 0 "$MAMORI" --dir "$D" duty done \
	section-inspection --evidence 点検済み --as zeimu-kacho
expect "会計室's did in January 2025" 0 "$MAMORI" --dir "$D" duty done section-inspection \
	--evidence 点検済み --done-on 2025-01-10 --as kaikei-kacho
new_record "an asset" asset --field title=住民税課税台帳 --level 3 --section zeimu \
	--field access_controlled=true --as zeimu-kacho
expect "a risk treated by the section inspection (MIN-9-2-1)" 0 "$MAMORI" --dir "$D" risk assess \
	"$rec" --threat intentional --likelihood 4 --impact 5 --measure MIN-9-2-1 --treatment reduce \
	--as zeimu-kacho --json

expect "the report as CSV" 0 "$MAMORI" --dir "$D" report compliance --format csv -o "$TMP/r.csv"
# entry N: the ledger entry N's action, what it names and who acted (mamori ledger entry --json)
entry() {
	"$MAMORI" --dir "$D" ledger entry "$1" --json |
		python3 -c "import json,sys; d=json.load(sys.stdin); print(d.get('action', ''), d.get('subject', ''), d.get('actor', ''))"
}
# every figure counted names the ledger entries behind it, one per item counted
is "MIN-9-4-2: the case's entry, one" "$(col "$TMP/r.csv" MIN-9-4-2 条項 '台帳の記録（インシデント）' | wc -w)" "1"
check "which is the case's first act citing it" \
	"entry \$(col '$TMP/r.csv' MIN-9-4-2 条項 '台帳の記録（インシデント）') | grep -q '^incident\\.[a-z_]* incident/$I '"
E=$(col "$TMP/r.csv" MIN-9-1-2 条項 '台帳の記録（自己点検）')
check "MIN-9-1-2: the answer's entry ($E) is the answer" "entry '$E' | grep -q '^inspection_answer\\.answer '"
E=$(col "$TMP/r.csv" MIN-3-2-1 条項 '台帳の記録（自己点検）')
check "MIN-3-2-1, unanswered: the inspection's opening ($E)" "entry '$E' | grep -q '^self_inspection\\.open self_inspection/$S chief\$'"
is "MIN-9-2-1: two duties done (today and in 2025; never is not done)" "$(col "$TMP/r.csv" MIN-9-2-1 条項 義務の実施)" "2"
E=$(col "$TMP/r.csv" MIN-9-2-1 条項 '台帳の記録（義務の実施）')
check "each by the act that fulfilled it ($E): 税務課's and 会計室's officers'" \
	"[ \"\$(for e in $E; do entry \$e; done | sort | tr '\\n' ,)\" = 'duty.done duty/section-inspection kaikei-kacho,duty.done duty/section-inspection zeimu-kacho,' ]"
expect "the report from today" 0 "$MAMORI" --dir "$D" report compliance --from "$(day 0)" --format csv -o "$TMP/today.csv"
is "counts today's only" "$(col "$TMP/today.csv" MIN-9-2-1 条項 '台帳の記録（義務の実施）' | wc -w)" "1"
is "MIN-9-2-1: two overdue" "$(col "$TMP/r.csv" MIN-9-2-1 条項 義務の期限超過)" "2"
O=$(col "$TMP/r.csv" MIN-9-2-1 条項 '台帳の記録（義務の期限超過）')
check "one never fulfilled (—), one by its last fulfilment ($O)" \
	"echo '$O' | grep -qx '[0-9]* —\\|— [0-9]*' && entry \$(echo '$O' | tr -d '— ') | grep -qx 'duty.done duty/section-inspection kaikei-kacho'"
E=$(col "$TMP/r.csv" MIN-9-2-1 条項 '台帳の記録（リスク）')
is "MIN-9-2-1: the risk counted" "$(col "$TMP/r.csv" MIN-9-2-1 条項 リスク | cut -c1)" "1"
check "by its assessment ($E)" "entry '$E' | grep -q '^risk\\.assess '"
is "a clause nothing touched has no entries" "$(col "$TMP/r.csv" MIN-9-4-3 条項 '台帳の記録（義務の実施）')" ""
is "MIN-9-4-2: one case, closed (the CSIRT's steps cite it)" "$(col "$TMP/r.csv" MIN-9-4-2 条項 インシデント)" "1（終結 1）"
is "MIN-4-1-5-1 too (the report cites it)" "$(col "$TMP/r.csv" MIN-4-1-5-1 条項 インシデント)" "1（終結 1）"
is "a clause no case touched" "$(col "$TMP/r.csv" MIN-9-1-3 条項 インシデント)" "0"
is "MIN-9-1-2: the self-inspection's answer" "$(col "$TMP/r.csv" MIN-9-1-2 条項 自己点検)" \
	"適合 0、不適合 1、該当なし 0、未回答 0"
is "MIN-3-2-1: asked, not answered" "$(col "$TMP/r.csv" MIN-3-2-1 条項 自己点検)" \
	"適合 0、不適合 0、該当なし 0、未回答 1"
is "a clause not asked" "$(col "$TMP/r.csv" MIN-9-4-3 条項 自己点検)" "—"
expect "the report as HTML" 0 "$MAMORI" --dir "$D" report compliance --format html -o "$TMP/r.html"
check "the closed cases with their recurrence prevention" \
	"grep -q '終結したインシデントと再発防止策' '$TMP/r.html' && grep -q '送信前の複数人確認' '$TMP/r.html' && grep -q '宛先の確認漏れ' '$TMP/r.html'"
check "the drill is not among them" "! grep -q '<td>訓練</td>' '$TMP/r.html'"
expect "a period before the case" 0 "$MAMORI" --dir "$D" report compliance --to 2020-01-01 --format html -o "$TMP/old.html"
check "no case then" "grep -q '対象期間に終結したインシデントはありません' '$TMP/old.html'"
expect "the PDF" 0 "$MAMORI" --dir "$D" report compliance --format pdf -o "$TMP/r.pdf"
check "names the recurrence prevention" "pdftotext '$TMP/r.pdf' - | grep -q '再発防止策'"
pdftotext -layout "$TMP/r.pdf" "$TMP/r.txt"
check "its ledger table names each figure's entries (条項・数値・台帳の記録)" \
	"grep -q '台帳の記録（条項ごと・数値ごとの台帳番号）' '$TMP/r.txt' && grep -q 'MIN-9-2-1 *義務の実施' '$TMP/r.txt' && grep -q 'MIN-9-2-1 *リスク' '$TMP/r.txt' && grep -q 'MIN-3-2-1 *自己点検' '$TMP/r.txt'"
D1=$(col "$TMP/r.csv" MIN-9-2-1 条項 '台帳の記録（義務の期限超過）')
check "an overdue duty never fulfilled shows — there too ($D1)" "grep 'MIN-9-2-1 *義務の期限超過' '$TMP/r.txt' | grep -q '—'"

expect "by Annex A control (CSV)" 0 "$MAMORI" --dir "$D" report compliance --by annex-a --format csv -o "$TMP/a.csv"
check "93 controls, 管理策 in a column of its own" \
	"[ \$(python3 -c \"import csv; print(len(list(csv.DictReader(open('$TMP/a.csv', encoding='utf-8-sig')))))\") -eq 93 ] && head -1 '$TMP/a.csv' | grep -q '^.*管理策,名称'"
check "5.35 (independent review) carries the audit clauses" \
	"col '$TMP/a.csv' 5.35 管理策 条項 | grep -q 'MIN-9-1-3'"
is "its name" "$(col "$TMP/a.csv" 5.35 管理策 名称)" "情報セキュリティの独立したレビュー"
is "5.26 counts the case once, though several of its clauses cite it" "$(col "$TMP/a.csv" 5.26 管理策 インシデント・不適合)" "インシデント 1、不適合 0"
# each control's figures link to their ledger entries as a clause's do: as many entries as the
# figure counts, each unit once however many of the control's clauses it cites
python3 - "$TMP/a.csv" >"$TMP/a.bad" <<'PY'
import csv, sys
for r in csv.DictReader(open(sys.argv[1], encoding="utf-8-sig", newline="")):
    inc, nonconf = [int(x) for x in r["インシデント・不適合"].replace("インシデント ", "").split("、不適合 ")]
    for fig, col in (("行為", "行為"), ("拒否", "拒否"), ("承認", "承認"), ("義務の期限超過", "義務の期限超過"),
                     ("未完了の指摘", "指摘"), (inc, "インシデント")):
        want = int(r[fig]) if isinstance(fig, str) else fig
        got = r["台帳の記録（%s）" % col].split()
        if len(got) != want or len(set(got)) != len(got):
            print(r["管理策"], col, want, got)
    # only the nonconforming answers it counts (an unanswered item is none)
    answers = r["台帳の記録（自己点検）"].split()
    if len(answers) != nonconf:
        print(r["管理策"], "自己点検", nonconf, answers)
PY
check "every control's figure is its entries, none twice" "[ ! -s '$TMP/a.bad' ]"
[ -s "$TMP/a.bad" ] && diag "$(head -5 "$TMP/a.bad")"
# 5.36 (compliance with policies) carries MIN-9-2-1 and others the same acts cite
python3 - "$TMP/a.csv" "$TMP/r.csv" 5.36 >"$TMP/join" <<'PY'
import csv, sys
a = [r for r in csv.DictReader(open(sys.argv[1], encoding="utf-8-sig")) if r["管理策"] == sys.argv[3]][0]
c = {r["条項"]: r for r in csv.DictReader(open(sys.argv[2], encoding="utf-8-sig"))}
cl = a["条項"].split()
joined = set(e for k in cl for e in c[k]["台帳の記録"].split())
print(int(a["行為"]), sum(int(c[k]["行為"]) for k in cl), set(a["台帳の記録（行為）"].split()) == joined)
PY
check "5.36: an act citing several of its clauses counts once ($(cat "$TMP/join"): control, sum of clauses, same entries)" \
	"[ \$(cut -d' ' -f1 '$TMP/join') -lt \$(cut -d' ' -f2 '$TMP/join') ] && [ \$(cut -d' ' -f3 '$TMP/join') = True ]"
O=$(col "$TMP/a.csv" 5.36 管理策 '台帳の記録（義務の期限超過）')
check "5.36: the two overdue duties, one never fulfilled, one by its last fulfilment ($O)" \
	"echo '$O' | grep -qx '[0-9]* —\\|— [0-9]*' && entry \$(echo '$O' | tr -d '— ') | grep -qx 'duty.done duty/section-inspection kaikei-kacho'"
E=$(col "$TMP/a.csv" 5.35 管理策 '台帳の記録（自己点検）')
check "5.35: the 不適合 answer's entry ($E) is the answer" "entry '$E' | grep -q '^inspection_answer\\.answer '"
expect "by Annex A (HTML)" 0 "$MAMORI" --dir "$D" report compliance --by annex-a --format html -o "$TMP/a.html"
check "says how many controls apply" "grep -q 'annex-applicable' '$TMP/a.html'"
check "controls named in Japanese (JIS Q 27001), not in English" \
	"grep -q '情報セキュリティのための方針群' '$TMP/a.html' && ! grep -q 'Policies for information security' '$TMP/a.html'"
expect "by Annex A in CP932" 0 "$MAMORI" --dir "$D" report compliance --by annex-a --format csv --cp932 -o "$TMP/a932.csv"
check "every Japanese name fits CP932" \
	"iconv -f CP932 -t UTF-8 '$TMP/a932.csv' | grep -q 'ICTサプライチェーンにおける情報セキュリティの管理' && ! iconv -f CP932 -t UTF-8 '$TMP/a932.csv' | grep -q '〓'"
N=$(nclauses "$MAMORI_SRCDIR/policies/minato.yaml")
check "says how many clauses are mapped one by one ($N: every one) and how many derived (none)" \
	"grep -q 'annex-mapping' '$TMP/a.html' && grep -q '一つずつ本文と照らして対応付けたもの $N 条項、条項の主題と語から導いたもの 0 条項' '$TMP/a.html'"
check "no clause is marked ＊" "! grep -q '＊' '$TMP/a.csv'"
check "5.35 carries MIN-9-1-3 unmarked, 8.14 (redundancy) carries MIN-5-9-1 (多重化)" \
	"col '$TMP/a.csv' 5.35 管理策 条項 | grep -qE 'MIN-9-1-3( |$)' && col '$TMP/a.csv' 8.14 管理策 条項 | grep -qE 'MIN-5-9-1( |$)'"
expect "by Annex A (PDF)" 0 "$MAMORI" --dir "$D" report compliance --by annex-a --format pdf -o "$TMP/a.pdf"
check "its title, a control, a clause and the checkpoint" \
	"pdftotext '$TMP/a.pdf' - | tr -d ' ' >'$TMP/a.txt' && grep -q '附属書A' '$TMP/a.txt' && grep -q '管理策ごとの適用と遵守状況' '$TMP/a.txt' && grep -q '5.35' '$TMP/a.txt' && grep -q 'MIN-9-1-3' '$TMP/a.txt' && grep -q '署名付きチェックポイント' '$TMP/a.txt'"
pdftotext -layout "$TMP/a.pdf" "$TMP/al.txt"
check "its ledger table names each control's figures' entries (5.36's overdue duties with —)" \
	"grep -q '台帳の記録（管理策ごと・数値ごとの台帳番号）' '$TMP/al.txt' && grep '5.36 *義務の期限超過' '$TMP/al.txt' | grep -q '—'"
expect "an unknown view" 2 "$MAMORI" --dir "$D" report compliance --by section --format csv -o "$TMP/x.csv"

# the loader checks the controls a clause names
python3 - "$MAMORI_SRCDIR/policies/minato.yaml" "$TMP/bad.yaml" <<'PY'
import re, sys
text = open(sys.argv[1], encoding='utf-8').read()
text, n = re.subn(r'(  MIN-10: \{.*iso27001: \[)', r'\g<1>9.99, ', text)
assert n == 1
open(sys.argv[2], 'w', encoding='utf-8').write(text)
PY
expect "a control Annex A does not have" 1 "$MAMORI" policy lint "$TMP/bad.yaml"
out_has "named" "'9.99' is not an ISO/IEC 27001:2022 Annex A control"
# the shipped profiles: every clause maps to at least one control, checked one by one against its
# text (iso27001); none is unmapped or only derived (iso27001_derived)
for w in minato shinjuku; do
	python3 - "$MAMORI_SRCDIR/policies/$w.yaml" >"$TMP/unreviewed" <<'PY'
import re, sys
t = open(sys.argv[1], encoding='utf-8').read().split('\nclauses:\n')[1]
rows = [l for l in t.splitlines() if re.match(r'  [A-Za-z][A-Za-z0-9-]*: \{', l)]
assert len(rows) > 100, 'the clauses were not found'
for l in rows:
    if not re.search(r'iso27001: \[[0-9]', l) or 'iso27001_derived' in l:
        print(l.split(':')[0].strip())
PY
	rc=$?
	check "$w: every clause mapped one by one to at least one control" \
		"[ $rc -eq 0 ] && [ ! -s '$TMP/unreviewed' ]"
	[ -s "$TMP/unreviewed" ] && diag "$w: not mapped one by one: $(tr '\n' ' ' <"$TMP/unreviewed")"
done
python3 - "$MAMORI_SRCDIR/policies/minato.yaml" "$TMP/both.yaml" <<'PY'
import re, sys
text = open(sys.argv[1], encoding='utf-8').read()
text, n = re.subn(r'(  MIN-10: \{.*)\}$', r'\g<1>, iso27001_derived: [5.1]}', text, flags=re.M)
assert n == 1
open(sys.argv[2], 'w', encoding='utf-8').write(text)
PY
expect "a clause mapped both ways" 1 "$MAMORI" policy lint "$TMP/both.yaml"
out_has "is refused" "gives both 'iso27001' (reviewed) and 'iso27001_derived'"

# a ward's own profile may still carry a mapping only derived: the report marks it ＊ and counts it
python3 - "$MAMORI_SRCDIR/policies/minato.yaml" "$TMP/derived.yaml" <<'PY'
import re, sys
text = open(sys.argv[1], encoding='utf-8').read()
text, n = re.subn(r'^(  MIN-10: \{.*)iso27001: ', r'\g<1>iso27001_derived: ', text, flags=re.M)
assert n == 1
open(sys.argv[2], 'w', encoding='utf-8').write(text)
PY
expect "a version with one derived mapping in force" 0 "$MAMORI" --dir "$D" policy apply \
	"$TMP/derived.yaml" --emergency 試験 --as admin
expect "by Annex A (CSV) under it" 0 "$MAMORI" --dir "$D" report compliance --by annex-a --format csv -o "$TMP/d.csv"
check "the derived mapping is marked ＊, a reviewed one is not" \
	"col '$TMP/d.csv' 5.1 管理策 条項 | grep -q 'MIN-10＊' && col '$TMP/d.csv' 5.35 管理策 条項 | grep -qE 'MIN-9-1-3( |$)'"
expect "by Annex A (HTML) under it" 0 "$MAMORI" --dir "$D" report compliance --by annex-a --format html -o "$TMP/d.html"
check "counted apart" \
	"grep -q '一つずつ本文と照らして対応付けたもの $((N - 1)) 条項、条項の主題と語から導いたもの 1 条項' '$TMP/d.html'"
done_testing
