#!/bin/sh
# t0302-policy-show: `mamori policy show` and `mamori policy coverage`.
. "$(dirname "$0")/lib.sh"
SRC=${MAMORI_SRCDIR:?}

expect "show minato" 0 "$MAMORI" policy show --profile minato
out_has "the title" "港区情報安全対策基準"
out_has "the clause in the text's numbering" "3(3)③"
out_has "the rule as a sentence" "事前にセキュリティ責任者（当該情報資産を所管する課等）の承認が必要"
out_has "roles with their holders" "システム統括管理者（system_chief）：情報政策課長"
out_has "H clauses as checklist items" "人による確認（チェックリスト）"
out_has "duties with their interval" "定期業務「重要な設定ファイル・公開ファイルの改ざんの確認」"

expect "show one clause" 0 "$MAMORI" policy show --profile shinjuku --clause SHJ-5-2-4
out_has "that clause" "第5 2(4)"
out_has "the prohibition" "規則 no-hardware-modification"
check "and not the others" '! grep -q "SHJ-2-4-4" "$TMP/out"'
expect "an unknown clause fails" 1 "$MAMORI" policy show --profile shinjuku --clause SHJ-5-2-44
err_has "with a suggestion" "no clause 'SHJ-5-2-44' in profile 'shinjuku' (did you mean 'SHJ-5-2-4'?)"

expect "show as Markdown" 0 "$MAMORI" policy show --profile minato --format md
check "starts with a heading" 'grep -q "^# 港区情報安全対策基準" "$TMP/out"'
expect "show as HTML" 0 "$MAMORI" policy show --profile minato --format html
out_has "a whole document" '<!DOCTYPE html>'
out_has "in Japanese" '<html lang="ja">'
out_has "clauses have anchors" '<h3 id="MIN-3-3-3">'
check "no raw angle brackets from the profile text" '! grep -q "<[^/a-zA-Z!]" "$TMP/out"'
expect "an unknown format is a usage error" 2 "$MAMORI" policy show --profile minato --format pdf

# The JSON contract: clauses with kind, strength, carriers (each with its strength) and reason;
# a summary by kind x strength; the strength is computed from the carriers, and a gap is a
# clause below what its kind needs (E: enforced, R: recorded, M: monitored).
cat >"$TMP/cov.py" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
order = ['none', 'noted', 'monitored', 'recorded', 'enforced']
need = {'E': 'enforced', 'R': 'recorded', 'M': 'monitored'}
assert d['totals']['uncarried'] == 0
for c in d['clauses']:
    assert set(c) >= {'id', 'kind', 'strength', 'carriers'}, c
    assert c['carriers'] or c.get('reason'), c['id']
    best = max([order.index(k['strength']) for k in c['carriers']] or [0])
    assert order[best] == c['strength'], c['id']
    assert c['gap'] == (best < order.index(need[c['kind']])), c['id']
for kind in 'ERM':
    s = d['summary'][kind]
    assert set(s) >= set(order), s
    assert sum(s[k] for k in order) == len([c for c in d['clauses'] if c['kind'] == kind])
    assert s['gaps'] == len([c for c in d['clauses'] if c['kind'] == kind and c['gap']])
assert d['totals']['gaps'] == sum(d['summary'][k]['gaps'] for k in 'ERM')
print(' '.join(f"{k}:" + ','.join(f"{s}={d['summary'][k][s]}" for s in reversed(order)) for k in 'ERM'))
PY
for id in minato shinjuku; do
	expect "coverage $id" 0 "$MAMORI" policy coverage --profile "$id"
	out_has "$id has nothing uncarried without a reason" "gaps ("
	out_has "$id lists the counts by kind and strength" "enforced  recorded  monitored  noted  none"
	expect "coverage $id as JSON" 0 "$MAMORI" policy coverage --profile "$id" --json
	check "$id coverage JSON keeps the contract and its strengths are computed" \
		"python3 '$TMP/cov.py' '$TMP/out' >'$TMP/counts'"
	diag "$id coverage: $(cat "$TMP/counts")"
done

cat >"$TMP/gap.yaml" <<'YAML'
format: mamori-profile/1
profile: {id: gap, title: 隙間, municipality: テスト区}
roles: {staff: {name: 職員, scope: section}}
registers:
  asset: {name: 資産, actions: {copy: {name: 複製, clause: X-1}}}
clauses:
  X-1: {cite: "1", kind: E, text: 複製}
  X-2: {cite: "2", kind: R, text: 記録}
  X-3: {cite: "3", kind: M, text: 点検, reason: 計画中}
YAML
expect "coverage of a profile with a gap fails" 1 "$MAMORI" policy coverage --profile "$TMP/gap.yaml"
out_has "the uncarried one is listed" "X-2  R  GAP none      UNCARRIED"
out_has "an action no rule allows is only noted" "X-1  E  GAP noted     action asset.copy (noted)"
out_has "the explained one shows its reason" "X-3  M  GAP none      (reason: 計画中)"
out_has "the summary" "gap: 3 E/R/M clauses: 0 carried, 3 gaps (1 with a reason, 1 carried by nothing without one)"

# A note does not carry; a rule that denies does.
cat >"$TMP/note.yaml" <<'YAML'
format: mamori-profile/1
profile: {id: note, title: 注記, municipality: テスト区}
roles: {staff: {name: 職員, scope: section}}
registers:
  asset:
    name: 資産
    fields: {memo: {type: text, name: メモ, clause: X-2}, title: {type: text, name: 名称, required: true, clause: X-3}}
    actions: {new: {name: 登録, create: true}, copy: {name: 複製}}
rules:
  - {id: new, on: asset.new, when: {actor: {role: staff}}, effect: allow, clause: X-3}
  - {id: copy, on: asset.copy, when: {actor: {role: staff}}, effect: allow, obligations: [{note: 複製は慎重に, clause: X-1}], clause: X-3}
  - {id: no, on: asset.copy, when: {actor: {role: staff, at: actor}}, unless: {actor: {role: staff}}, effect: deny, clause: X-4}
clauses:
  X-1: {cite: "1", kind: E, text: 複製の統制}
  X-2: {cite: "2", kind: R, text: メモの記録}
  X-3: {cite: "3", kind: R, text: 名称の記録}
  X-4: {cite: "4", kind: E, text: 他課の複製の禁止}
YAML
expect "coverage with a note" 0 "$MAMORI" policy coverage --profile "$TMP/note.yaml" --json
check "a note obligation is noted and a gap for an E clause" \
	"python3 -c 'import json,sys; c={x[\"id\"]:x for x in json.load(open(sys.argv[1]))[\"clauses\"]}; assert c[\"X-1\"][\"strength\"]==\"noted\" and c[\"X-1\"][\"gap\"]' '$TMP/out'"
check "an optional field no rule reads is noted" \
	"python3 -c 'import json,sys; c={x[\"id\"]:x for x in json.load(open(sys.argv[1]))[\"clauses\"]}; assert c[\"X-2\"][\"strength\"]==\"noted\"' '$TMP/out'"
check "a required field is enforced" \
	"python3 -c 'import json,sys; c={x[\"id\"]:x for x in json.load(open(sys.argv[1]))[\"clauses\"]}; assert [k[\"strength\"] for k in c[\"X-3\"][\"carriers\"] if k[\"kind\"]==\"field\"]==[\"enforced\"]' '$TMP/out'"
check "a deny rule is enforced" \
	"python3 -c 'import json,sys; c={x[\"id\"]:x for x in json.load(open(sys.argv[1]))[\"clauses\"]}; assert c[\"X-4\"][\"strength\"]==\"enforced\" and not c[\"X-4\"][\"gap\"]' '$TMP/out'"
expect "lint warns for each gap" 0 "$MAMORI" policy lint "$TMP/note.yaml"
out_has "the E gap" "warning: clause 'X-1' (kind E) is a gap: it needs enforced, its best carrier rule copy is noted"
out_has "the R gap" "warning: clause 'X-2' (kind R) is a gap: what it says to keep (field asset.memo) is optional and read by no rule"

expect "policy without a subcommand is a usage error" 2 "$MAMORI" policy
expect "policy help" 0 "$MAMORI" policy help
out_has "lists lint" "lint"

done_testing
