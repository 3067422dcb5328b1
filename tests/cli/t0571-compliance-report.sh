#!/bin/sh
# t0571: `mamori report compliance` (docs/audits.md): per clause its kind, how the profile
# carries it (policy coverage), acts citing it, refusals, approvals and their median time,
# duties fulfilled and overdue, open findings, the ledger entries behind the figures; as HTML,
# CSV (one row per clause, id in its own column; UTF-8 with a BOM, or CP932) and a PDF made
# with cairo and pango whose text (pdftotext) holds the headings and the clause ids.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/core-lib.sh"
D="$TMP/minato"

# col CSV CLAUSE COLUMN: the value of COLUMN in CLAUSE's row of a UTF-8 (BOM) CSV.
col() {
	python3 - "$1" "$2" "$3" <<'PY'
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1], encoding="utf-8-sig", newline="")))
print([r[sys.argv[3]] for r in rows if r["条項"] == sys.argv[2]][0])
PY
}
is() { if [ "$2" = "$3" ]; then ok "$1"; else not_ok "$1"; diag "got '$2', want '$3'"; fi; }

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
new_record "an asset" asset --field title=住民税課税台帳 --field access_controlled=true \
	--level 3 --section zeimu --as zeimu-1
A=$rec
run "$MAMORI" --dir "$D" act "$A" asset.take_out --as zeimu-1 --field destination=区民センター \
	--field purpose=出張窓口
R=$(last_request)
expect "an approval" 0 "$MAMORI" --dir "$D" request approve "$R" --as zeimu-kacho
expect "a refusal citing MIN-9-1-3" 3 "$MAMORI" --dir "$D" audit plan --title 監査 --section zeimu \
	--team zeimu-1 --as chief
expect "an audit" 0 "$MAMORI" --dir "$D" audit plan --title 監査 --section zeimu --team kansa-1 \
	--as chief --json
AU=$(json_field id)
expect "a finding on MIN-3-4-1" 0 "$MAMORI" --dir "$D" audit finding add "$AU" --clause MIN-3-4-1 \
	--severity major --text 記録がない --as kansa-1
expect "policy coverage" 0 "$MAMORI" policy coverage --profile minato --json
cp "$TMP/out" "$TMP/coverage.json"

expect "CSV" 0 "$MAMORI" --dir "$D" report compliance --format csv -o "$TMP/r.csv"
check "starts with a UTF-8 BOM" "[ \"\$(head -c 3 '$TMP/r.csv' | od -An -tx1 | tr -d ' ')\" = efbbbf ]"
n=$(python3 -c "import csv; print(len(list(csv.reader(open('$TMP/r.csv', encoding='utf-8-sig')))) - 1)")
check "one row per clause: every clause coverage lists (E, R, M) and the H ones, each once" \
	"python3 -c \"import csv, json
rows = list(csv.DictReader(open('$TMP/r.csv', encoding='utf-8-sig')))
ids = [r['条項'] for r in rows]
assert len(ids) == len(set(ids))
cov = [c['id'] for c in json.load(open('$TMP/coverage.json'))['clauses']]
assert set(cov) <= set(ids)
assert all(r['区分'] == '人の手' for r in rows if r['条項'] not in cov)
assert len(ids) > len(cov)\""
is "the first column is 条項" "$(head -1 "$TMP/r.csv" | cut -d, -f1 | sed 's/^\xef\xbb\xbf//')" "条項"
is "MIN-9-1-3: its kind" "$(col "$TMP/r.csv" MIN-9-1-3 区分)" "強制"
is "MIN-9-1-3: enforced, as policy coverage says" "$(col "$TMP/r.csv" MIN-9-1-3 担保)" \
	"$(python3 -c "import json; print({'enforced':'強制','recorded':'記録','monitored':'監視','noted':'注記のみ','none':'なし'}[[c for c in json.load(open('$TMP/coverage.json'))['clauses'] if c['id']=='MIN-9-1-3'][0]['strength']])")"
is "MIN-9-1-3: the refusal counted" "$(col "$TMP/r.csv" MIN-9-1-3 拒否)" "1"
is "MIN-3-4-1: one open finding" "$(col "$TMP/r.csv" MIN-3-4-1 未完了の指摘)" "1"
is "MIN-4-1-3-4: one approval" "$(col "$TMP/r.csv" MIN-4-1-3-4 承認)" "1"
check "its median time is a duration" "col '$TMP/r.csv' MIN-4-1-3-4 承認までの中央値 | grep -q 時間"
is "MIN-4-1-3-4: the acts (the request and its approval)" "$(col "$TMP/r.csv" MIN-4-1-3-4 行為)" "2"
L=$(col "$TMP/r.csv" MIN-9-1-3 台帳の記録)
expect "the refusal's ledger entry named in the report" 0 "$MAMORI" --dir "$D" ledger entry "$L"
out_has "it is the refused plan" "audit.plan"
is "MIN-4-1-3-4: both acts were made with --as" "$(col "$TMP/r.csv" MIN-4-1-3-4 行為のうち名義・CLI)" "2"
is "and so was the approval" "$(col "$TMP/r.csv" MIN-4-1-3-4 承認のうち名義・CLI)" "1"
is "a clause nothing cited: zero" "$(col "$TMP/r.csv" MIN-9-4-3 行為のうち名義・CLI)" "0"
is "a clause nothing cited: zero" "$(col "$TMP/r.csv" MIN-9-4-3 行為)" "0"

expect "CSV in CP932" 0 "$MAMORI" --dir "$D" report compliance --format csv --cp932 -o "$TMP/r932.csv"
check "CP932 decodes, no BOM, same rows" \
	"python3 -c \"import sys; b=open('$TMP/r932.csv','rb').read(); assert not b.startswith(b'\\xef\\xbb\\xbf'); t=b.decode('cp932'); assert t.splitlines()[0].startswith('条項,'); assert len(t.splitlines())==$n+1\""
expect "a period before anything happened counts nothing" 0 "$MAMORI" --dir "$D" report compliance \
	--from 2020-04-01 --to 2020-04-30 --format csv -o "$TMP/empty.csv"
is "no refusal then" "$(col "$TMP/empty.csv" MIN-9-1-3 拒否)" "0"
is "no approval then" "$(col "$TMP/empty.csv" MIN-4-1-3-4 承認)" "0"

expect "HTML" 0 "$MAMORI" --dir "$D" report compliance --from 2026-01-01 --format html -o "$TMP/r.html"
check "the title" "grep -q '情報セキュリティ対策基準 遵守状況報告書' '$TMP/r.html'"
check "the 決裁欄 and the clause table" "grep -q '決裁欄' '$TMP/r.html' && grep -q '<th scope=\"col\">条項</th>' '$TMP/r.html'"
check "the period in the office's style" "grep -q '令和8年1月1日から' '$TMP/r.html'"
check "the signed checkpoint" "grep -q 'minato/mamori' '$TMP/r.html'"
OSU=$(id -un)
check "the approval made with --as is named, marked with the OS user" \
	"grep -q '<td class=\"cli\">池田 勝[^<]* 名義・CLI（OSユーザー $OSU）</td><td>承認：' '$TMP/r.html'"
check "people by name, never by login" "! grep -o '<td class=\"cli\">[^<]*</td>' '$TMP/r.html' | grep -q '（zeimu-kacho）\\|（chief）'"
check "the refused plan too, as refused" \
	"grep -q '<td class=\"cli\">統括 管理[^<]* 名義・CLI（OSユーザー $OSU）</td><td>[^<]*</td><td>拒否</td>' '$TMP/r.html'"

expect "PDF" 0 "$MAMORI" --dir "$D" report compliance --format pdf -o "$TMP/r.pdf"
check "a PDF" "head -c 5 '$TMP/r.pdf' | grep -q '%PDF-'"
if command -v pdftotext >/dev/null 2>&1; then
	pdftotext "$TMP/r.pdf" "$TMP/r.txt"
	for w in 情報セキュリティ対策基準 遵守状況報告書 決裁欄 条項 章ごとの概要 MIN-9-1-3 MIN-3-4-1 MIN-9-4-3 \
		署名付きチェックポイント 名義・CLIによる行為 池田; do
		check "the PDF's text holds $w" "grep -q -- '$w' '$TMP/r.txt'"
	done
	check "the PDF names the checkpoint's tree" "grep -q 'minato/mamori' '$TMP/r.txt'"
else
	not_ok "pdftotext (poppler-utils) is installed by scripts/bootstrap"
fi

expect "no format" 2 "$MAMORI" --dir "$D" report compliance -o "$TMP/x"
expect "a bad format" 2 "$MAMORI" --dir "$D" report compliance --format docx -o "$TMP/x"
expect "no output file" 2 "$MAMORI" --dir "$D" report compliance --format csv
expect "a bad date" 2 "$MAMORI" --dir "$D" report compliance --from 昨日 --format csv -o "$TMP/x"
expect "to before from" 2 "$MAMORI" --dir "$D" report compliance --from 2026-05-01 --to 2026-04-01 \
	--format csv -o "$TMP/x"
expect "--cp932 only for CSV" 2 "$MAMORI" --dir "$D" report compliance --format pdf --cp932 -o "$TMP/x"
expect "a directory that does not exist" 1 "$MAMORI" --dir "$D" report compliance --format csv \
	-o "$TMP/no/such/dir.csv"
expect "nor for the PDF" 1 "$MAMORI" --dir "$D" report compliance --format pdf -o "$TMP/no/such/dir.pdf"

done_testing
