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
expect "minato" 0 "$MAMORI" inspection checklist --profile minato --json
check "an H clause is a question in the text's own words (its quote)" \
	"item MIN-9-4-3 question | grep -qx '「システム統括管理者は、情報資産への侵害が発生した場合は、ネットワークを物理的に遮断するなど、被害拡大の防止策を実施します。」このとおり行っていますか。'"
check "an R clause quotes the text and asks for its record" \
	"item MIN-9-1-2 question | grep -q '^「セキュリティ統括責任者は、専門知識を有する者が監査を実施する体制とします。」この記録を示してください（'"
check "the quote in a key of its own" "item MIN-9-1-2 quote | grep -qx 'セキュリティ統括責任者は、専門知識を有する者が監査を実施する体制とします。'"
check "a clause without a quote keeps the profile's summary" "item MIN-3-2-1 question | grep -q '記録を示してください\|を行っていますか'"
check "naming the register that keeps it" "item MIN-9-1-2 registers | grep -q 'セキュリティ監査'"
check "an M clause is not on it" "! grep -q '\"MIN-9-2-1\"' '$TMP/out'"
expect "init" 0 "$MAMORI" --dir "$D" init --profile shinjuku
expect "without --profile: the ward's in force" 0 "$MAMORI" --dir "$D" inspection checklist
out_has "Shinjuku's clauses" "SHJ-7-1-2"
out_has "in Shinjuku's own words" "「情報化統括管理者は、監査の結果を情報化戦略本部へ報告しなければならない。」この記録を示してください"
out_has "as a table headed 条項" "条項"
expect "an unknown profile" 1 "$MAMORI" inspection checklist --profile nowhere
done_testing
