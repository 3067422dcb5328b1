#!/bin/sh
# t0577: the compliance report's summary by chapter (章ごとの概要, docs/audits.md) counts each act,
# approval, duty, finding, case, answer and risk once per chapter, however many of the chapter's
# clauses it cites (an audit plan cites several of MIN-9), and every figure lists exactly the
# ledger entries it counts: `report compliance --by chapter` (CSV with 台帳の記録（…） columns,
# HTML, PDF), the same figures in the whole report's HTML and PDF; of the self-inspection answers
# a chapter (like an Annex A control) counts and lists only the nonconforming.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/core-lib.sh"

# col FILE KEYCOL KEY COL: the cell of the row whose KEYCOL is KEY
col() {
	python3 - "$1" "$2" "$3" "$4" <<'PY'
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1], encoding="utf-8-sig", newline="")))
print([r[sys.argv[4]] for r in rows if r[sys.argv[2]] == sys.argv[3]][0])
PY
}
is() { if [ "$2" = "$3" ]; then ok "$1"; else not_ok "$1"; diag "got '$2', want '$3'"; fi; }

D="$TMP/minato"
expect "init --profile minato" 0 "$MAMORI" --dir "$D" init --profile minato
m section add zeimu --name 税務課 >/dev/null
m section add kaikei --name 会計室 >/dev/null
m section add joho --name 情報政策課 >/dev/null
m user add zeimu-1 --name "橋本 聡" --section zeimu >/dev/null
m user add zeimu-kacho --name "池田 勝" --section zeimu >/dev/null
m user add kansa-1 --name "会計 一" --section kaikei >/dev/null
m user add chief --name "統括 管理" --section joho >/dev/null
m role grant zeimu-kacho security_officer@section:zeimu >/dev/null
m role grant chief system_chief@org >/dev/null
m role grant kansa-1 auditor@org >/dev/null
m role grant zeimu-1 auditor@org >/dev/null

# an audit plan cites several clauses of chapter MIN-9 (9-1-5, 9-1-5-b1, the team's 9-1-2 and
# 9-1-3 ...): one act, counted once in MIN-9
refused "a 税務課 member on the team is refused" MIN-9-1-3 \
	"$MAMORI" --dir "$D" audit plan --title 税務課監査 --section zeimu --team kansa-1,zeimu-1 --as chief
expect "an independent team" 0 "$MAMORI" --dir "$D" audit plan --title 税務課監査 --section zeimu \
	--team kansa-1 --as chief --json
AU=$(json_field id)
expect "a finding on MIN-3-4-1" 0 "$MAMORI" --dir "$D" audit finding add "$AU" --clause MIN-3-4-1 \
	--severity major --text 複製の記録がない --as kansa-1
expect "and one on MIN-9-1-2" 0 "$MAMORI" --dir "$D" audit finding add "$AU" --clause MIN-9-1-2 \
	--severity minor --text 体制の記録がない --as kansa-1
# a self-inspection: MIN-9-1-2 不適合, MIN-3-2-1 適合, MIN-9-1-4 unanswered
expect "a self-inspection round" 0 "$MAMORI" --dir "$D" inspection open --round 令和8年度 \
	--section zeimu --due "$(day 30)" --items MIN-3-2-1,MIN-9-1-2,MIN-9-1-4 --as chief
S=$(cut -f2 "$TMP/out")
expect "MIN-9-1-2 answered 不適合" 0 "$MAMORI" --dir "$D" inspection answer "$S" --clause MIN-9-1-2 \
	--result 不適合 --note 記録がない --as zeimu-1
expect "MIN-3-2-1 answered 適合" 0 "$MAMORI" --dir "$D" inspection answer "$S" --clause MIN-3-2-1 \
	--result 適合 --as zeimu-1
expect "a duty fulfilled (MIN-9-2-1)" 0 "$MAMORI" --dir "$D" duty done section-inspection \
	--evidence 点検済み --as zeimu-kacho
# a take-out asked and approved in people's names from the command line (--as)
new_record "an asset" asset --field title=住民税課税台帳 --field access_controlled=true \
	--level 3 --section zeimu --as zeimu-1
run "$MAMORI" --dir "$D" act "$rec" asset.take_out --as zeimu-1 --field destination=区民センター \
	--field purpose=出張窓口
R=$(last_request)
expect "approved with --as" 0 "$MAMORI" --dir "$D" request approve "$R" --as zeimu-kacho

expect "the report per clause (CSV)" 0 "$MAMORI" --dir "$D" report compliance --format csv -o "$TMP/r.csv"
expect "the summary by chapter (CSV)" 0 "$MAMORI" --dir "$D" report compliance --by chapter \
	--format csv -o "$TMP/c.csv"
check "one row per chapter, 章 in a column of its own, then each figure's entries" \
	"head -1 '$TMP/c.csv' | grep -q '^.*章,条項数,担保の不足,行為,拒否,承認,義務の実施,義務の期限超過,未完了の指摘,インシデント,自己点検の不適合,リスク,台帳の記録（行為）,台帳の記録（拒否）'"
# every chapter: each figure equals its entries, none twice; the acts are its clauses' acts joined
python3 - "$TMP/c.csv" "$TMP/r.csv" >"$TMP/bad" <<'PY'
import csv, sys
chapters = list(csv.DictReader(open(sys.argv[1], encoding="utf-8-sig", newline="")))
clauses = list(csv.DictReader(open(sys.argv[2], encoding="utf-8-sig", newline="")))
def chapter(cid):
    head, _, rest = cid.partition("-")
    return head + "-" + rest.split("-")[0] if rest else cid
figs = (("行為", "行為"), ("拒否", "拒否"), ("承認", "承認"), ("義務の実施", "義務の実施"),
        ("義務の期限超過", "義務の期限超過"), ("未完了の指摘", "指摘"), ("インシデント", "インシデント"),
        ("自己点検の不適合", "自己点検"), ("リスク", "リスク"))
seen = set()
for r in chapters:
    mine = [c for c in clauses if chapter(c["条項"]) == r["章"]]
    seen.update(c["条項"] for c in mine)
    if int(r["条項数"]) != len(mine):
        print(r["章"], "条項数", r["条項数"], len(mine))
    for fig, name in figs:
        got = r["台帳の記録（%s）" % name].split()
        real = [e for e in got if e != "—"]
        if int(r[fig]) != len(got) or len(set(real)) != len(real):
            print(r["章"], fig, r[fig], got)
    joined = set(e for c in mine for e in c["台帳の記録"].split())
    if set(r["台帳の記録（行為）"].split()) != joined:
        print(r["章"], "not its clauses' acts joined")
if seen != set(c["条項"] for c in clauses):
    print("clauses in no chapter:", set(c["条項"] for c in clauses) - seen)
PY
check "every chapter's figure is its entries, none twice, its acts its clauses' joined" "[ ! -s '$TMP/bad' ]"
[ -s "$TMP/bad" ] && diag "$(head -5 "$TMP/bad")"
# the clause rows' 名義・CLI figures list their entries too: as many as they count, among the
# acts (an approval: the approving act made with --as, here the only one of its request)
python3 - "$TMP/r.csv" >"$TMP/cbad" <<'PY'
import csv, sys
n = 0
for r in csv.DictReader(open(sys.argv[1], encoding="utf-8-sig", newline="")):
    acts = r["台帳の記録（行為のうち名義・CLI）"].split()
    appr = r["台帳の記録（承認のうち名義・CLI）"].split()
    n += len(appr)
    if len(acts) != int(r["行為のうち名義・CLI"]) or not set(acts) <= set(r["台帳の記録"].split()):
        print(r["条項"], "行為のうち名義・CLI", r["行為のうち名義・CLI"], acts)
    if len(appr) != int(r["承認のうち名義・CLI"]) or not set(appr) <= set(r["台帳の記録（承認）"].split()):
        print(r["条項"], "承認のうち名義・CLI", r["承認のうち名義・CLI"], appr)
if not n:
    print("no approval made with --as was listed")
PY
check "every clause's 名義・CLI figures are their entries" "[ ! -s '$TMP/cbad' ]"
[ -s "$TMP/cbad" ] && diag "$(head -5 "$TMP/cbad")"
python3 - "$TMP/c.csv" "$TMP/r.csv" >"$TMP/sum" <<'PY'
import csv, sys
c = [r for r in csv.DictReader(open(sys.argv[1], encoding="utf-8-sig")) if r["章"] == "MIN-9"][0]
k = [r for r in csv.DictReader(open(sys.argv[2], encoding="utf-8-sig")) if r["条項"].startswith("MIN-9-")]
print(c["行為"], sum(int(r["行為"]) for r in k))
PY
check "MIN-9: the plan counts once (chapter, sum of its clauses: $(cat "$TMP/sum"))" \
	"[ \$(cut -d' ' -f1 '$TMP/sum') -lt \$(cut -d' ' -f2 '$TMP/sum') ]"
is "of them one refused" "$(col "$TMP/c.csv" 章 MIN-9 拒否)" "1"
is "one open finding on its clauses" "$(col "$TMP/c.csv" 章 MIN-9 未完了の指摘)" "1"
is "MIN-3: the other" "$(col "$TMP/c.csv" 章 MIN-3 未完了の指摘)" "1"
is "MIN-9: the 不適合 answer, one" "$(col "$TMP/c.csv" 章 MIN-9 自己点検の不適合)" "1"
E=$(col "$TMP/c.csv" 章 MIN-9 '台帳の記録（自己点検）')
check "listed by the answer's entry ($E)" \
	"\"\$MAMORI\" --dir '$D' ledger entry '$E' --json | grep -q '\"action\": *\"inspection_answer.answer\"'"
is "MIN-3: its 適合 answer is no nonconformity and is not listed" \
	"$(col "$TMP/c.csv" 章 MIN-3 自己点検の不適合) [$(col "$TMP/c.csv" 章 MIN-3 '台帳の記録（自己点検）')]" "0 []"
is "MIN-9: the duty done, by the act that fulfilled it" "$(col "$TMP/c.csv" 章 MIN-9 義務の実施)" "1"

# the whole report's summary shows the same figures (HTML and PDF)
expect "the report (HTML)" 0 "$MAMORI" --dir "$D" report compliance --format html -o "$TMP/r.html"
python3 - "$TMP/r.html" "$TMP/c.csv" >"$TMP/html" <<'PY'
import csv, re, sys
t = open(sys.argv[1], encoding="utf-8").read()
for r in csv.DictReader(open(sys.argv[2], encoding="utf-8-sig")):
    m = re.search(r'<tr id="chapter-%s">(.*?)</tr>' % re.escape(r["章"]), t, re.S)
    cells = re.findall(r'<t[hd][^>]*>(.*?)</t[hd]>', m.group(1)) if m else []
    want = [r[k] for k in list(r)[:12]]
    if cells != want:
        print(r["章"], cells, want)
PY
check "its summary by chapter holds the same figures" "[ ! -s '$TMP/html' ]"
[ -s "$TMP/html" ] && diag "$(head -3 "$TMP/html")"
check "and says each is counted once" "grep -q '一度だけ数えたもの' '$TMP/r.html'"
expect "the report (PDF)" 0 "$MAMORI" --dir "$D" report compliance --format pdf -o "$TMP/r.pdf"
pdftotext -layout "$TMP/r.pdf" "$TMP/r.txt"
A9=$(col "$TMP/c.csv" 章 MIN-9 '台帳の記録（行為）')
check "its summary and the entries per chapter and figure (MIN-9 行為: $A9)" \
	"grep -q '章ごとの概要' '$TMP/r.txt' && grep -q '台帳の記録（章ごと・数値ごとの台帳番号）' '$TMP/r.txt' && grep -q \"MIN-9 *行為 *$A9\" '$TMP/r.txt'"
R9="$(col "$TMP/c.csv" 章 MIN-9 条項数) +$(col "$TMP/c.csv" 章 MIN-9 担保の不足) +$(col "$TMP/c.csv" 章 MIN-9 行為) +1 "
check "the summary's MIN-9 row: its clauses, gaps, acts and the one refusal ($R9)" "grep -Eq '^ *MIN-9 +$R9' '$TMP/r.txt'"
expect "the summary by chapter (PDF)" 0 "$MAMORI" --dir "$D" report compliance --by chapter \
	--format pdf -o "$TMP/c.pdf"
check "titled, with the checkpoint, the summary and its entries" \
	"pdftotext -layout '$TMP/c.pdf' - >'$TMP/c.txt' && grep -q '遵守状況報告書' '$TMP/c.txt' && grep -q '章ごとの概要' '$TMP/c.txt' && grep -q '署名付きチェックポイント' '$TMP/c.txt' && grep -q \"MIN-9 *行為 *$A9\" '$TMP/c.txt'"
expect "the summary by chapter (HTML)" 0 "$MAMORI" --dir "$D" report compliance --by chapter \
	--format html -o "$TMP/c.html"
check "its table" "grep -q 'class=\"report-chapters\"' '$TMP/c.html' && grep -q '<tr id=\"chapter-MIN-9\">' '$TMP/c.html'"
expect "in CP932" 0 "$MAMORI" --dir "$D" report compliance --by chapter --format csv --cp932 \
	-o "$TMP/c932.csv"
check "readable as CP932" "iconv -f CP932 -t UTF-8 '$TMP/c932.csv' | grep -q '^章,条項数'"
expect "an unknown view" 2 "$MAMORI" --dir "$D" report compliance --by section --format csv -o "$TMP/x.csv"
err_has "naming the views" "chapter"

# Annex A: a control's 自己点検 list holds only the nonconforming answers it counts
expect "by Annex A control (CSV)" 0 "$MAMORI" --dir "$D" report compliance --by annex-a --format csv -o "$TMP/a.csv"
python3 - "$TMP/a.csv" >"$TMP/abad" <<'PY'
import csv, sys
for r in csv.DictReader(open(sys.argv[1], encoding="utf-8-sig", newline="")):
    nonconf = int(r["インシデント・不適合"].split("、不適合 ")[1])
    if len(r["台帳の記録（自己点検）"].split()) != nonconf:
        print(r["管理策"], nonconf, r["台帳の記録（自己点検）"])
PY
check "every control's 不適合 is its list" "[ ! -s '$TMP/abad' ]"
[ -s "$TMP/abad" ] && diag "$(head -3 "$TMP/abad")"
done_testing
