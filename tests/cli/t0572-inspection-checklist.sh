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
    or not re.search(r'[。）)]$|^.*。(・|\([ア-ン]\)|[ア-ン])[^。]+$', x['quote']))]
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
        assert x['quote'][len(p['quote']):].startswith('(%s)' % m.group(2)), cid
        n += 1
assert n >= 5, n
PY"
done
check "every H clause but three of Minato's (whose items the text runs into their headings) asks in the text's own words" \
	"python3 -c \"import json; ids=[x['clause'] for w in ('minato','shinjuku') for x in json.load(open('$TMP/%s.json' % w)) if x['kind']=='H' and not x['quote']]; assert ids==['MIN-BP-4-3-1','MIN-BP-4-3-2','MIN-BP-4-3-3'], ids\""
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
check "a clause without a quote keeps the profile's summary" "item MIN-3-1-1-L3 question | grep -q '^「L3:個人情報・法定守秘・団体の不利益情報・PW/設定」の記録を示してください'"
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
