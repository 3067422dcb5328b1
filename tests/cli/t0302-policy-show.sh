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

for id in minato shinjuku; do
	expect "coverage $id" 0 "$MAMORI" policy coverage --profile "$id"
	out_has "$id has no uncarried clause" ", 0 uncarried"
	expect "coverage $id as JSON" 0 "$MAMORI" policy coverage --profile "$id" --json
	check "$id coverage JSON parses and every E/R/M clause is carried or explained" \
		"python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d[\"summary\"][\"uncarried\"]==0; assert all(c[\"carriers\"] or c.get(\"reason\") for c in d[\"clauses\"])' '$TMP/out'"
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
out_has "the gap is listed" "X-2  R  UNCARRIED"
out_has "the explained one shows its reason" "X-3  M  (not carried: 計画中)"
out_has "the summary" "gap: 3 E/R/M clauses: 1 carried, 1 not carried with a reason, 1 uncarried"

expect "policy without a subcommand is a usage error" 2 "$MAMORI" policy
expect "policy help" 0 "$MAMORI" policy help
out_has "lists lint" "lint"

done_testing
