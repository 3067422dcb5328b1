#!/bin/sh
# t0575: the policy review (docs/audits.md; MIN-10, SHJ-7-3/4). A draft profile is replayed
# against the ledger's past decisions: each record act's decision request, as the door decided
# it (sealed beside its ledger entry: the record's level and grants then, the person's roles then),
# is decided under the profile in force and under the draft, and exactly the decisions whose
# outcome, approvers or clauses differ are listed, whether or not they asked for approval. A
# profile is put in force only under a decided review (or, urgently, with --emergency, which the
# ledger records and the review must follow). The review is a case: the
# CISO office proposes the draft, the council approves its decision with a date, and
# `policy apply --review N` puts the version in force only when the review decided this very
# version and its day has come; the door refuses otherwise.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/core-lib.sh"

sha() { sha256sum "$1" | cut -d' ' -f1; }

D="$TMP/minato"
expect "init --profile minato" 0 "$MAMORI" --dir "$D" init --profile minato
m section add zeimu --name 税務課 >/dev/null
m section add joho --name 情報政策課 >/dev/null
m user add zeimu-1 --name "橋本 聡" --section zeimu >/dev/null
m user add zeimu-kacho --name "池田 勝" --section zeimu >/dev/null
m user add chief --name "統括 管理" --section joho >/dev/null
m user add kaigi --name "会議 委員" --section joho >/dev/null
m role grant zeimu-kacho security_officer@section:zeimu >/dev/null
m role grant chief system_chief@org >/dev/null
m role grant kaigi council@org >/dev/null
new_record "a level 3 asset" asset --field title=住民税課税台帳 --field access_controlled=true \
	--level 3 --section zeimu --as zeimu-1
A3=$rec
new_record "a level 1 asset" asset --field title=窓口案内 --field access_controlled=true \
	--level 1 --section zeimu --as zeimu-1
A1=$rec
expect "copy of level 3: asks its officer" 0 "$MAMORI" --dir "$D" act "$A3" asset.copy --as zeimu-1 --json
R=$(json_field request)
expect "approved" 0 "$MAMORI" --dir "$D" request approve "$R" --as zeimu-kacho
expect "copy of level 1: done at once" 0 "$MAMORI" --dir "$D" act "$A1" asset.copy --as zeimu-1
expect "transmit of level 3: asks too" 0 "$MAMORI" --dir "$D" act "$A3" asset.transmit --as zeimu-1
m user add joho-1 --name "情報 一郎" --section joho >/dev/null
expect "the officer lets joho-1 handle the level 3 asset" 0 \
	"$MAMORI" --dir "$D" act "$A3" asset.set_access --field access_rights=user:joho-1 --as zeimu-kacho
expect "joho-1 copies it under the grant: asks the officer" 0 \
	"$MAMORI" --dir "$D" act "$A3" asset.copy --as joho-1 --json
out_has "pending" pending
expect "the grant is taken back afterwards" 0 \
	"$MAMORI" --dir "$D" act "$A3" asset.set_access --field access_rights=user:zeimu-kacho --as zeimu-kacho
expect "a refused act: the officer of another section may not register here" 3 \
	"$MAMORI" --dir "$D" record add asset --field title=x --field access_controlled=true --level 1 \
	--section joho --as zeimu-1

# the draft: copying level 3/2 needs no approval any more (transmit still does), and a level 1
# copy also cites MIN-3-4-1 (a copy is managed as its original)
python3 - "$MAMORI_SRCDIR/policies/minato.yaml" "$TMP/draft.yaml" <<'PY'
import sys
text = open(sys.argv[1], encoding='utf-8').read()
old = "  - id: copy-l32-needs-so\n    on: [asset.copy, asset.send_media, asset.transmit]\n"
assert old in text
text = text.replace(old, "  - id: copy-l32-by-staff\n    on: asset.copy\n"
                    "    when: {level: [\"3\", \"2\"], actor: {role: staff, at: record}}\n"
                    "    effect: allow\n    clause: MIN-3-3-3\n"
                    "  - id: copy-l32-needs-so\n    on: [asset.send_media, asset.transmit]\n")
old = "  - id: copy-l1\n    on: [asset.copy, asset.send_media, asset.transmit]\n"
assert old in text
text = text.replace(old, "  - id: copy-l1-copy\n    on: asset.copy\n"
                    "    when: {level: [\"1\"], actor: {role: staff, at: any}}\n"
                    "    effect: allow\n    clause: [MIN-3-3-3, MIN-3-4-1]\n"
                    "  - id: copy-l1\n    on: [asset.send_media, asset.transmit]\n")
open(sys.argv[2], 'w', encoding='utf-8').write(text)
PY
expect "the draft lints" 0 "$MAMORI" policy lint "$TMP/draft.yaml"
expect "replay the draft" 0 "$MAMORI" --dir "$D" policy replay "$TMP/draft.yaml" --json
json_is "every record act decided again on its sealed request" \
	"(d['replayed'] >= 7, d['without_request'], 'not_reproduced' in d)" "(True, 0, False)"
json_is "exactly the three decisions that change: the two level 3 copies (one made under a grant taken back since) and the level 1 copy's clauses" \
	"[(c['action'], c['record'], c['actor'], c['before'], c['after']) for c in d['changes']]" \
	"[('asset.copy', $A3, 'zeimu-1', 'approval:security_officer@section:zeimu', 'allow'), ('asset.copy', $A1, 'zeimu-1', 'allow', 'allow'), ('asset.copy', $A3, 'joho-1', 'approval:security_officer@section:zeimu', 'allow')]"
json_is "their outcomes then" "[c['recorded'] for c in d['changes']]" "['pending', 'done', 'pending']"
json_is "the level 1 copy: clauses before and after" \
	"(d['changes'][1]['before_clauses'], d['changes'][1]['after_clauses'])" \
	"(['MIN-3-3-3'], ['MIN-3-3-3', 'MIN-3-4-1'])"
json_is "each names its ledger entry and the version that decided it" \
	"(d['changes'][0]['ledger_index'] > 0, d['changes'][0]['then'])" \
	"(True, 'approval:security_officer@section:zeimu')"
json_is "clause by clause: the clauses the changed decisions cite, with their acts (the clauses' own words unchanged)" \
	"[(c['clause'], c['changes'], len(c['acts'])) for c in d['clauses']]" \
	"[('MIN-3-3-3', [], 3), ('MIN-3-4-1', [], 1)]"
json_is "MIN-3-4-1's act is the level 1 copy" "d['clauses'][1]['acts'] == [d['changes'][1]['act']]" "True"
expect "the same profile changes nothing" 0 "$MAMORI" --dir "$D" policy replay minato --json
json_is "none" "(d['changed'], d['without_request'])" "(0, 0)"
json_is "clause by clause too" "d['clauses']" "[]"
# a draft that also rewords one clause and renumbers another
python3 - "$TMP/draft.yaml" "$TMP/draft2.yaml" <<'PY'
import re, sys
text = open(sys.argv[1], encoding='utf-8').read()
text, n1 = re.subn(r'^(  MIN-9-1-4: \{.*?text: )([^,]*)', r'\g<1>評価を改める', text, count=1, flags=re.M)
text, n2 = re.subn(r'^(  MIN-9-1-3: \{cite: )([^,]*)', r'\g<1>9(1)③ア', text, count=1, flags=re.M)
assert (n1, n2) == (1, 1)
open(sys.argv[2], 'w', encoding='utf-8').write(text)
PY
expect "a draft changing clauses" 0 "$MAMORI" --dir "$D" policy replay "$TMP/draft2.yaml" --json
json_is "each clause changed, with what changed in it" \
	"[(c['clause'], c['changes']) for c in d['clauses'] if c['changes']]" \
	"[('MIN-9-1-3', ['cite']), ('MIN-9-1-4', ['text'])]"
expect "as a table" 0 "$MAMORI" --dir "$D" policy replay "$TMP/draft2.yaml"
out_has "clause by clause, in Japanese" "条項ごとの差分"
out_has "what changed" "出典"
expect "a period before the acts" 0 "$MAMORI" --dir "$D" policy replay "$TMP/draft.yaml" --to 2020-01-01 --json
json_is "nothing replayed" "(d['replayed'], d['changed'])" "(0, 0)"
expect "as a table" 0 "$MAMORI" --dir "$D" policy replay "$TMP/draft.yaml"
out_has "the change" "approval:security_officer@section:zeimu"
out_has "summed up" "3 件が変わります"
expect "another ward's profile" 1 "$MAMORI" --dir "$D" policy replay shinjuku
expect "a draft that does not load" 1 "$MAMORI" --dir "$D" policy replay /nonexistent.yaml

# the review as a case
DRAFT=$(sha "$TMP/draft.yaml")
refused "staff may not propose a review" MIN-10 \
	"$MAMORI" --dir "$D" record add policy_review --field title=複製の手続の見直し \
	--field inputs=監査の指摘 --field draft="$DRAFT" --as zeimu-1
new_record "the CISO office proposes it" policy_review --field title=複製の手続の見直し \
	--field "inputs=監査の指摘、自己点検の集計" --field draft="$DRAFT" \
	--field "changes=1件（複製の承認が不要に）" --as chief
V=$rec
expect "applying before the decision is refused" 3 \
	"$MAMORI" --dir "$D" policy apply "$TMP/draft.yaml" --review "$V" --as admin
out_has "saying why" "not decided yet"
expect "the decision asks the council" 0 \
	"$MAMORI" --dir "$D" act "$V" policy_review.decide --field effective_from="$(day 7)" --as chief
R=$(last_request)
out_has "pending" "pending"
expect "the council approves" 0 "$MAMORI" --dir "$D" request approve "$R" --as kaigi
expect "not before its day" 3 \
	"$MAMORI" --dir "$D" policy apply "$TMP/draft.yaml" --review "$V" --as admin
out_has "naming the day" "$(day 7)"
{ cat "$TMP/draft.yaml"; echo "# another draft"; } >"$TMP/draft2.yaml"
expect "another version than the one decided" 3 \
	"$MAMORI" --dir "$D" policy apply "$TMP/draft2.yaml" --review "$V" --as admin
out_has "naming both" "decided version"
new_record "a review in force today" policy_review --field title=複製の手続の見直し（即日） \
	--field inputs=監査の指摘 --field draft="$DRAFT" --as chief
V2=$rec
expect "decided" 0 "$MAMORI" --dir "$D" act "$V2" policy_review.decide --field effective_from="$(day 0)" --as chief
expect "approved" 0 "$MAMORI" --dir "$D" request approve "$(last_request)" --as kaigi
expect "applied under its review" 0 \
	"$MAMORI" --dir "$D" policy apply "$TMP/draft.yaml" --review "$V2" --as admin --json
json_is "in force" "d['outcome']" "done"
expect "now a level 3 copy is done at once" 0 "$MAMORI" --dir "$D" act "$A3" asset.copy --as zeimu-1
out_has "done" "done"

# without a decided review a new version is refused; an emergency puts it in force, and says so
{ cat "$TMP/draft.yaml"; echo "# an urgent change"; } >"$TMP/draft3.yaml"
refused "a new version without its review" MIN-10 \
	"$MAMORI" --dir "$D" policy apply "$TMP/draft3.yaml" --as admin
out_has "saying how" "--review N"
expect "review and emergency together are a usage error" 1 \
	"$MAMORI" --dir "$D" policy apply "$TMP/draft3.yaml" --review "$V2" --emergency 至急 --as admin
expect "an empty reason is refused" 1 \
	"$MAMORI" --dir "$D" policy apply "$TMP/draft3.yaml" --emergency "" --as admin
expect "staff may not apply, even urgently" 3 \
	"$MAMORI" --dir "$D" policy apply "$TMP/draft3.yaml" --emergency 至急 --as zeimu-1
expect "an emergency, with its reason" 0 "$MAMORI" --dir "$D" policy apply "$TMP/draft3.yaml" \
	--emergency "法改正の施行日に合わせる" --as admin --json
json_is "in force" "d['outcome']" "done"
IDX=$(python3 -c "import json; print(json.load(open('$TMP/out'))['ledger_index'])")
expect "the ledger entry" 0 "$MAMORI" --dir "$D" ledger entry "$IDX" --json
out_has "records the emergency and its reason" "法改正の施行日に合わせる"
expect "the ledger verifies" 0 "$MAMORI" --dir "$D" ledger verify
done_testing
