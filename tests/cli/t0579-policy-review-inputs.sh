#!/bin/sh
# t0579: a policy review case gathers its inputs (docs/audits.md "The policy review"): `policy
# review N` lists, over the review's period, the audits and their findings (open, overdue), the
# incidents (drills aside), the self-inspections with each nonconforming answer, and the clauses
# the profile carries below their kind (coverage gaps), each figure with the records behind it;
# and replays the draft attached to the case (the file whose SHA-256 is its `draft`) decision by
# decision and clause by clause, as `policy replay` does.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/core-lib.sh"

ago() { python3 -c "import datetime,sys; print((datetime.datetime.utcnow() + datetime.timedelta(hours=9) - datetime.timedelta(hours=int(sys.argv[1]))).strftime('%Y-%m-%dT%H:%M:00+09:00'))" "$1"; }
sha() { sha256sum "$1" | cut -d' ' -f1; }

D="$TMP/minato"
expect "init --profile minato" 0 "$MAMORI" --dir "$D" init --profile minato
m section add zeimu --name 税務課 >/dev/null
m section add joho --name 情報政策課 >/dev/null
m user add zeimu-1 --name "橋本 聡" --section zeimu >/dev/null
m user add zeimu-kacho --name "池田 勝" --section zeimu >/dev/null
m user add chief --name "統括 管理" --section joho >/dev/null
m user add kansa-1 --name "監査 一" --section joho >/dev/null
m role grant zeimu-kacho security_officer@section:zeimu >/dev/null
m role grant chief system_chief@org >/dev/null
m role grant kansa-1 auditor@org >/dev/null
new_record "a level 3 asset" asset --field title=住民税課税台帳 --field access_controlled=true \
	--level 3 --section zeimu --as zeimu-1
A3=$rec
expect "a copy of it asks the officer" 0 "$MAMORI" --dir "$D" act "$A3" asset.copy --as zeimu-1 --json
expect "an audit of 税務課" 0 "$MAMORI" --dir "$D" audit plan --title 税務課監査 --section zeimu --team kansa-1 --as chief --json
AU=$(json_field id)
expect "a finding" 0 "$MAMORI" --dir "$D" audit finding add "$AU" --clause MIN-3-3-3 --severity major --text 承認の記録が不足 --as kansa-1 --json
F=$(json_field id)
expect "an incident" 0 "$MAMORI" --dir "$D" incident report --title 誤送信 --found-at "$(ago 2)" --as zeimu-1 --json
I=$(json_field id)
expect "a self-inspection round" 0 "$MAMORI" --dir "$D" inspection open --round 令和8年度 --section zeimu \
	--due "$(day 30)" --items MIN-3-2-1,MIN-9-1-2 --as chief --json
S=$(python3 -c "import json; print(json.load(open('$TMP/out'))[0]['id'])")
expect "a nonconformity" 0 "$MAMORI" --dir "$D" inspection answer "$S" --clause MIN-9-1-2 --result 不適合 --note 記録がない --as zeimu-1
NA=$(cat "$TMP/out")
expect "a conformity" 0 "$MAMORI" --dir "$D" inspection answer "$S" --clause MIN-3-2-1 --result 適合 --as zeimu-1

# the draft: a level 3/2 copy needs no approval any more
python3 - "$MAMORI_SRCDIR/policies/minato.yaml" "$TMP/案.yaml" <<'PY'
import sys
text = open(sys.argv[1], encoding='utf-8').read()
old = "  - id: copy-l32-needs-so\n    on: [asset.copy, asset.send_media, asset.transmit]\n"
assert old in text
text = text.replace(old, "  - id: copy-l32-by-staff\n    on: asset.copy\n"
                    "    when: {level: [\"3\", \"2\"], actor: {role: staff, at: record}}\n"
                    "    effect: allow\n    clause: MIN-3-3-3\n"
                    "  - id: copy-l32-needs-so\n    on: [asset.send_media, asset.transmit]\n")
open(sys.argv[2], 'w', encoding='utf-8').write(text)
PY
new_record "the CISO office proposes the review" policy_review --field title=複製の手続の見直し \
	--field "inputs=下記（mamori policy review）" --field draft="$(sha "$TMP/案.yaml")" --as chief
V=$rec
expect "the review's inputs before the draft is attached" 0 "$MAMORI" --dir "$D" policy review "$V" --json
json_is "the audit, gathered" "(d['audits']['count'], d['audits']['records'])" "(1, [$AU])"
json_is "the finding with its state: open, not overdue" \
	"(d['findings']['count'], d['findings']['open'], d['findings']['overdue'], [(f['id'], f['clause'], f['severity'], f['state']) for f in d['findings']['records']])" \
	"(1, 1, 0, [($F, 'MIN-3-3-3', 'major', 'open')])"
json_is "the incident" "(d['incidents']['count'], d['incidents']['open'], [x['id'] for x in d['incidents']['records']])" "(1, 1, [$I])"
json_is "the self-inspection and its one nonconforming answer" \
	"(d['inspections']['count'], d['inspections']['records'], d['inspections']['nonconform_count'], [(x['inspection'], x['answer'], x['clause']) for x in d['inspections']['nonconform']])" \
	"(1, [$S], 1, [($S, $NA, 'MIN-9-1-2')])"
json_is "the coverage gaps (five in the shipped profile), each a clause below its kind" \
	"(d['gaps']['count'] == len(d['gaps']['clauses']) > 0, all(c['kind'] in 'ERM' and c['strength'] for c in d['gaps']['clauses']))" "(True, True)"
"$MAMORI" --dir "$D" policy coverage --json >"$TMP/cov.json" 2>/dev/null
check "the gaps are policy coverage's gaps" "python3 -c \"import json; d=json.load(open('$TMP/out')); c=json.load(open('$TMP/cov.json')); g=[x['id'] for x in c['clauses'] if x['gap']]; assert [x['clause'] for x in d['gaps']['clauses']]==g, (len(g), d['gaps']['count'])\""
json_is "no draft attached: no replay, and why" "(d['replay'], 'attach the draft' in d['replay_error'])" "(None, True)"
expect "a file that is not the draft" 0 "$MAMORI" --dir "$D" attach add "record:$V" "$MAMORI_SRCDIR/policies/shinjuku.yaml" --as chief
expect "still no replay" 0 "$MAMORI" --dir "$D" policy review "$V" --json
json_is "the file must be the draft's version" "d['replay']" "None"
expect "the draft attached to the case (.yaml is kept as text)" 0 "$MAMORI" --dir "$D" attach add "record:$V" "$TMP/案.yaml" --as chief
expect "the review with its replay" 0 "$MAMORI" --dir "$D" policy review "$V" --json
json_is "decision by decision: the level 3 copy no longer asks" \
	"[(c['action'], c['record'], c['before'], c['after']) for c in d['replay']['changes']]" \
	"[('asset.copy', $A3, 'approval:security_officer@section:zeimu', 'allow')]"
json_is "clause by clause" "[(c['clause'], len(c['acts'])) for c in d['replay']['clauses']]" "[('MIN-3-3-3', 1)]"
json_is "the draft is the case's" "d['replay']['draft'] == d['draft']" "True"
expect "as text" 0 "$MAMORI" --dir "$D" policy review "$V"
out_has "the inputs" "見直しの材料"
out_has "the finding's count" "指摘事項 1件（未完了 1、改善の期限超過 0）"
out_has "the replay's count" "1 件が変わります"
out_has "clause by clause" "条項ごとの差分"
expect "a section's staff may not read the case" 1 "$MAMORI" --dir "$D" policy review "$V" --as zeimu-1
err_has "says so" "may not read policy review"
expect "the auditor reads it (the ward's choice, MIN-9-1-1)" 0 "$MAMORI" --dir "$D" policy review "$V" --as kansa-1 --json
json_is "with the inputs the auditor may read: the audit, its finding, and 税務課's incident (the audit opens 税務課's records to its team)" \
	"(d['audits']['records'], [f['id'] for f in d['findings']['records']], d['incidents']['count'], len(d['replay']['changes']))" \
	"([$AU], [$F], 1, 1)"
m user add kansa-2 --name "監査 二" --section joho >/dev/null
m role grant kansa-2 auditor@org >/dev/null
expect "an auditor not on that audit's team" 0 "$MAMORI" --dir "$D" policy review "$V" --as kansa-2 --json
json_is "does not see 税務課's incident nor its self-inspection" \
	"(d['incidents']['count'], d['inspections']['count'])" "(0, 0)"
expect "not a review" 1 "$MAMORI" --dir "$D" policy review "$A3"
err_has "says what it is" "not a policy review"
expect "not an id" 1 "$MAMORI" --dir "$D" policy review x
done_testing
