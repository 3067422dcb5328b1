#!/bin/sh
# t0572: `mamori inspection checklist` (docs/audits.md): a self-inspection checklist generated
# from the profile: every clause only people carry out (H) as a question, every clause to be
# recorded (R) as a record to show with the registers that keep it, each citing its clause.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/core-lib.sh"
D="$TMP/w"

item() {
	python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print([x for x in d if x['clause']==sys.argv[2]][0][sys.argv[3]])" \
		"$TMP/out" "$1" "$2"
}
for w in minato shinjuku; do
	expect "$w: the checklist" 0 "$MAMORI" inspection checklist --profile $w --json
	check "$w: only H and R clauses, each once" "python3 -c \"import json; d=json.load(open('$TMP/out')); ids=[x['clause'] for x in d]; assert d and len(ids)==len(set(ids)) and {x['kind'] for x in d}=={'H','R'}\""
done
# Every quote is the text's own words as the seed files give them, checked by hand against the
# standards (tests never read them). What can be checked here: a quote carries none of the PDF's
# page furniture (page numbers, footnote marks, spacing but between Latin words), starts at a
# sentence (no heading number; "(1)の通知を受けた…" refers to an item), and a list item's quote is
# its clause's stem (the parent clause's own quote) followed by the item the id names
# (MIN-…-b2: the second ・; SHJ-…-pu: (ウ); SHJ-6-5-9: (9)).
for w in minato shinjuku; do
	"$MAMORI" inspection checklist --profile $w --json >"$TMP/$w.json"
	check "$w: every quote is clean text" "python3 - '$TMP/$w.json' <<'PY'
import json, re, sys
bad = [x['clause'] for x in json.load(open(sys.argv[1])) if x['quote'] and (
    re.search(r'(?<![A-Za-z])\s|\s(?![A-Za-z])|\s\s|\*\d|\d+/\d+|^[（(]?[0-9０-９]+[）)](?!の)|^[①-⑳・]|^第[0-9０-９]', x['quote'])
    or not re.search(r'[。）)]$|^.*。(・|\([ア-ン]\)|[ア-ン]|\([0-9]+\)|[０-９]+）)[^。]+$|。[^。：]+：.+$', x['quote']))]
assert not bad, bad
PY"
	check "$w: a list item quotes its clause's stem, then the item its id names" "python3 - '$TMP/$w.json' <<'PY'
import json, re, sys
d = {x['clause']: x for x in json.load(open(sys.argv[1]))}
kana = dict(a='ア', i='イ', u='ウ', e='エ', o='オ')
n = 0
for cid, x in d.items():
    m = re.match(r'(.*)-(b(\d+)|p([aiueo]))$', cid)
    if not x['quote'] or not m or not (m.group(1) in d and d[m.group(1)]['quote']):
        continue
    stem = d[m.group(1)]['quote']
    assert x['quote'].startswith(stem), cid
    item = x['quote'][len(stem):]
    if m.group(3):
        assert item.startswith('・') and item.count('・') == 1, cid
        # the items of the same stem come in the order of their numbers
        sib = sorted((int(re.search(r'-b(\d+)$', c).group(1)), y['quote'][len(stem):]) for c, y in d.items()
                     if re.fullmatch(re.escape(m.group(1)) + r'-b\d+', c) and y['quote'])
        assert len({q for _, q in sib}) == len(sib), cid
    else:
        assert item.startswith('(' + kana[m.group(4)] + ')'), cid
    n += 1
# a numbered item that quotes its parent's stem is the item its number names: SHJ-6-5-9 (9)
for cid, x in d.items():
    m = re.match(r'(.*)-(\d+)$', cid)
    p = d.get(m.group(1)) if m else None
    if x['quote'] and p and p['quote'] and x['quote'] != p['quote'] and x['quote'].startswith(p['quote']):
        num = x['quote'][len(p['quote']):]
        assert num.startswith('(%s)' % m.group(2)) or num.startswith(m.group(2).translate(str.maketrans('0123456789', '０１２３４５６７８９')) + '）'), cid
        n += 1
assert n >= 5, n
PY"
done
check "every H and R clause asks in the text's own words but the six of each ward from 個人情報保護法 and its rules, which the standards do not hold" \
	"python3 -c \"import json; ids=[x['clause'] for w in ('minato','shinjuku') for x in json.load(open('$TMP/%s.json' % w)) if not x['quote']]; assert ids==['APPI-68-1','APPI-68-2','APPI-R43','APPI-R44-1','APPI-R44-2','APPI-R45']*2, ids\""
# a heading the layout sets apart from its text (Minato 基本方針4(3)1)-3): the heading's line over
# its text; 3(1)① a level's cell beside its contents; Shinjuku's defined terms and 第2 3(1)) is
# joined to it by ： once, after the stem and the item's number
for w in minato shinjuku; do
	check "$w: a heading joined to its text by ： once, after its parent's stem and its number" "python3 - '$TMP/$w.json' <<'PY'
import json, re, sys
d = {x['clause']: x for x in json.load(open(sys.argv[1]))}
n = 0
for cid, x in d.items():
    q = x['quote'] or ''
    if '：' not in q:
        continue
    assert q.count('：') == 1, cid
    head = q.split('：')[0]
    stem = re.match(r'^(.*。)', head).group(1)
    assert re.fullmatch(r'(\\([0-9]+\\)|[０-９]+）)?[^。]{1,30}', head[len(stem):]), cid
    p = d.get(re.sub(r'-[^-]+$', '', cid))
    if p and p['quote']:
        assert q.startswith(p['quote']), cid
    n += 1
assert n >= 3, n
PY"
done
expect "minato" 0 "$MAMORI" inspection checklist --profile minato --json
check "a heading over its text (基本方針4(3)1))" \
	"item MIN-BP-4-3-1 quote | grep -qx '様々な脅威から情報資産を保護するため、次の情報セキュリティ対策を実施します。１）人的な情報セキュリティ対策：職員等の情報セキュリティに関する責任の明確化及び行動指針の遵守による対策'"
check "a table's level beside its contents (3(1)① レベル２)" \
	"item MIN-3-1-1-L2 quote | grep -qx '区が保有する情報は、次の重要性分類に従って分類します。レベル２：公開することにより区の事務事業の執行に重大な影響を及ぼす情報'"
check "a law's clause says it is the law's, with the profile's summary as one, quoting nothing" \
	"item APPI-68-1 question | grep -qx '個人情報保護法第68条第1項は法令（個人情報の保護に関する法律）の規定で、この基準の本文にはありません。要旨：報告対象の漏えい等の事態が生じたときは個人情報保護委員会に報告する。この記録を示してください（インシデント（欠陥・事故・障害・侵害））。'"
expect "minato" 0 "$MAMORI" inspection checklist --profile minato --json
check "a list item asks in its stem's words and its own (MIN-2-3-2 ② , its 6th ・)" \
	"item MIN-2-3-2-b6 question | grep -qx '「システム統括管理者は、情報資産の情報セキュリティを確保するため、次の事項を実施します。・セキュリティ責任者への情報セキュリティに関する指導及び助言」このとおり行っていますか。'"
check "a footnote mark is left out, the words kept (5(2)4)① 無線LAN)" \
	"item MIN-5-2-4-1 quote | grep -qx '庁内のネットワークに無線LAN（Local Area Network）を利用する場合は、解読が困難な暗号化及び認証技術を使用します。'"
check "an H clause is a question in the text's own words (its quote)" \
	"item MIN-9-4-3 question | grep -qx '「システム統括管理者は、情報資産への侵害が発生した場合は、ネットワークを物理的に遮断するなど、被害拡大の防止策を実施します。」このとおり行っていますか。'"
check "an R clause quotes the text and asks for its record" \
	"item MIN-9-1-2 question | grep -q '^「セキュリティ統括責任者は、専門知識を有する者が監査を実施する体制とします。」この記録を示してください（'"
check "the quote in a key of its own" "item MIN-9-1-2 quote | grep -qx 'セキュリティ統括責任者は、専門知識を有する者が監査を実施する体制とします。'"
# a ward's own profile whose clause has no quote: the checklist asks in the profile's summary
sed 's/^\(  MIN-9-1-2: {.*\), quote: "[^"]*"/\1/' "$MAMORI_SRCDIR/policies/minato.yaml" >"$TMP/own.yaml"
"$MAMORI" inspection checklist --profile "$TMP/own.yaml" --json >"$TMP/own.json"
check "a clause without a quote keeps the profile's summary" \
	"python3 -c \"import json; q=[x for x in json.load(open('$TMP/own.json')) if x['clause']=='MIN-9-1-2'][0]['question']; assert q.startswith('「専門知識を有する者が監査を実施する体制」の記録を示してください'), q\""
python3 - "$MAMORI_SRCDIR/policies/minato.yaml" "$TMP/both.yaml" <<'PY'
import re, sys
t = open(sys.argv[1], encoding='utf-8').read()
t, n = re.subn(r'^(  APPI-68-1: \{.*), law: [^,]*', r'\1, quote: "法令の文", law: 個人情報の保護に関する法律', t, flags=re.M)
assert n == 1
open(sys.argv[2], 'w', encoding='utf-8').write(t)
PY
expect "a law's clause quoting the standard is refused" 1 "$MAMORI" policy lint "$TMP/both.yaml"
out_has "saying why" "is a law's ('law') and quotes the standard ('quote')"
expect "minato again" 0 "$MAMORI" inspection checklist --profile minato --json
check "naming the register that keeps it" "item MIN-9-1-2 registers | grep -q 'セキュリティ監査'"
check "an M clause is not on it" "! grep -q '\"MIN-9-2-1\"' '$TMP/out'"
expect "init" 0 "$MAMORI" --dir "$D" init --profile shinjuku
expect "without --profile: the ward's in force" 0 "$MAMORI" --dir "$D" inspection checklist
out_has "Shinjuku's clauses" "SHJ-7-1-2"
out_has "in Shinjuku's own words" "「情報化統括管理者は、監査の結果を情報化戦略本部へ報告しなければならない。」この記録を示してください"
out_has "a Shinjuku list item in its stem's words and its own (第6 3(2)ア(ウ))" "「ネットワーク管理者は、次に掲げる場合には、ネットワーク、情報システム及び情報資産の保護のためにネットワークを切断する措置を講じるものとする。(ウ)災害等により、ネットワークを稼動させる電力の供給を受けることが危険又は困難であるとき。」このとおり行っていますか。"
out_has "as a table headed 条項" "条項"
expect "an unknown profile" 1 "$MAMORI" inspection checklist --profile nowhere
done_testing
