#!/bin/sh
# t0575: the policy review (docs/audits.md; MIN-10, SHJ-7-3/4). A draft profile is replayed
# against the ledger's past decisions: exactly the decisions it would take differently are
# listed, each under the version that took it and under the draft. The review is a case: the
# CISO office proposes the draft, the council approves its decision with a date, and
# `policy apply --review N` puts the version in force only when the review decided this very
# version and its day has come; the door refuses otherwise.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/core-lib.sh"

is() {
	_got=$(python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))" \
		"$TMP/out" "$2" 2>&1)
	if [ "$_got" = "$3" ]; then ok "$1"; else not_ok "$1"; diag "$2: got '$_got', want '$3'"; fi
}
day() { python3 -c "import datetime,sys; print((datetime.datetime.utcnow() + datetime.timedelta(hours=9) + datetime.timedelta(days=int(sys.argv[1]))).strftime('%Y-%m-%d'))" "$1"; }
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
expect "a refused act: the officer of another section may not register here" 3 \
	"$MAMORI" --dir "$D" record add asset --field title=x --field access_controlled=true --level 1 \
	--section joho --as zeimu-1

# the draft: copying level 3/2 needs no approval any more (transmit still does)
python3 - "$MAMORI_SRCDIR/policies/minato.yaml" "$TMP/draft.yaml" <<'PY'
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
expect "the draft lints" 0 "$MAMORI" policy lint "$TMP/draft.yaml"
expect "replay the draft" 0 "$MAMORI" --dir "$D" policy replay "$TMP/draft.yaml" --json
is "every record act decided again, all reproduced under their own version" \
	"(d['replayed'] >= 5, d['not_reproduced'])" "(True, 0)"
is "exactly one decision changes: the level 3 copy" \
	"[(c['action'], c['record'], c['before'], c['after']) for c in d['changes']]" \
	"[('asset.copy', $A3, 'approval:security_officer@section:zeimu', 'allow')]"
is "its outcome then" "d['changes'][0]['recorded']" "pending"
expect "the same profile changes nothing" 0 "$MAMORI" --dir "$D" policy replay minato --json
is "none" "(d['changed'], d['not_reproduced'])" "(0, 0)"
expect "a period before the acts" 0 "$MAMORI" --dir "$D" policy replay "$TMP/draft.yaml" --to 2020-01-01 --json
is "nothing replayed" "(d['replayed'], d['changed'])" "(0, 0)"
expect "as a table" 0 "$MAMORI" --dir "$D" policy replay "$TMP/draft.yaml"
out_has "the change" "approval:security_officer@section:zeimu"
out_has "summed up" "1 件が変わります"
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
is "in force" "d['outcome']" "done"
expect "now a level 3 copy is done at once" 0 "$MAMORI" --dir "$D" act "$A3" asset.copy --as zeimu-1
out_has "done" "done"
expect "the ledger verifies" 0 "$MAMORI" --dir "$D" ledger verify
done_testing
