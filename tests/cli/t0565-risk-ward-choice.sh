#!/bin/sh
# t0565: what the profile's `risk` section leaves to the ward: a threat of its own (marked
# ward_choice, listed with the text's), the scales (here likelihood 1–4) and the acceptance
# threshold (here 8 instead of 15), which moves the acceptance from the section's security
# officer to the CISO. A threat of the ward without its ward_choice, one without a clause of the
# text, or a threshold off the scale is refused when the profile loads.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/core-lib.sh"
D="$TMP/minato"

jget() { python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print($2)" "$1"; }

# profile OUT PYTHON-EDITS: Minato's profile with the risk section edited.
profile() {
	python3 - "${MAMORI_SRCDIR:?}/policies/minato.yaml" "$1" "$2" <<'PY'
import sys
s = open(sys.argv[1], encoding="utf-8").read()
disaster = "    - {id: disaster, name: 災害（地震・火災・水害・落雷等）, clause: MIN-BP-4-2-4}\n"
assert disaster in s and "  accept_up_to: 15\n" in s and "  likelihood: 5\n" in s
for edit in sys.argv[3].split(";"):
    old, new = edit.split("=>")
    old = {"DISASTER": disaster}.get(old, old.replace("\\n", "\n"))
    s = s.replace(old, new.replace("DISASTER", disaster).replace("\\n", "\n"), 1)
open(sys.argv[2], "w", encoding="utf-8").write(s)
PY
}

OWN='    - {id: pandemic, name: 感染症の流行による業務の停止, ward_choice: 本文の4類型にない。区の選択として加える}\n'
profile "$TMP/ward.yaml" "DISASTER=>DISASTER$OWN;  accept_up_to: 15\n=>  accept_up_to: 8\n;  likelihood: 5\n=>  likelihood: 4\n"
expect "init with the ward's choices" 0 "$MAMORI" --dir "$D" init --profile "$TMP/ward.yaml" \
	--ward-name 港区
m section add zeimu --name 税務課 >/dev/null || not_ok "section zeimu"
m section add kumin --name 区民課 >/dev/null || not_ok "section kumin"
for u in "zeimu-1 zeimu" "zeimu-kacho zeimu" "fukukucho kumin"; do
	set -- $u
	m user add "$1" --name "$1" --section "$2" >/dev/null || not_ok "user $1"
done
m role grant zeimu-kacho security_officer@section:zeimu >/dev/null || not_ok "grant zeimu-kacho"
m role grant fukukucho ciso@org >/dev/null || not_ok "grant fukukucho"

expect "risk threats --json" 0 "$MAMORI" --dir "$D" risk threats --json
check "the text's four, then the ward's own" \
	"[ '$(jget "$TMP/out" '",".join(t["id"] for t in d)')' = intentional,negligence,failure,disaster,pandemic ]"
check "the ward's own names no clause of the text" "[ '$(jget "$TMP/out" 'd[4]["clauses"]')' = '[]' ]"
check "and says it is the ward's choice" "jget '$TMP/out' 'd[4][\"ward_choice\"]' | grep -q 区の選択"
check "the text's threats are not the ward's choice" "[ '$(jget "$TMP/out" 'd[0]["ward_choice"]')' = None ]"
expect "risk threats (text)" 0 "$MAMORI" --dir "$D" risk threats
out_has "the list marks it the ward's choice" "感染症の流行による業務の停止  (区の選択)"

new_record "an asset of 税務課" asset --field title=納税通知書の発送 --level 2 --section zeimu \
	--field access_controlled=true --as zeimu-kacho
A=$rec
expect "the ward's scale: likelihood 5 is off it" 1 "$MAMORI" --dir "$D" risk assess "$A" \
	--threat pandemic --likelihood 5 --impact 3 --as zeimu-kacho
err_has "the error gives the ward's scale" "from 1 to 4"

expect "the officer assesses the ward's threat at 3 × 3 = 9" 0 "$MAMORI" --dir "$D" risk assess \
	"$A" --threat pandemic --likelihood 3 --impact 3 --as zeimu-kacho --json
R=$(jget "$TMP/out" 'd["id"]')
check "residual 9" "[ '$(jget "$TMP/out" 'd["residual"]')' = 9 ]"
expect "show" 0 "$MAMORI" --dir "$D" risk show "$R" --json
check "above the ward's threshold of 8" "[ '$(jget "$TMP/out" 'd["band"]')' = 受容基準超 ]"
check "the threat is the ward's own" "[ '$(jget "$TMP/out" 'd["threat"]["id"]')' = pandemic ]"
expect "so the officer may not accept 9" 3 "$MAMORI" --dir "$D" risk accept "$R" --as zeimu-kacho
out_has "the refusal cites the clause" "MIN-"
expect "the CISO accepts 9" 0 "$MAMORI" --dir "$D" risk accept "$R" --as fukukucho

expect "2 × 4 = 8 is within the ward's threshold" 0 "$MAMORI" --dir "$D" risk assess "$A" \
	--threat failure --likelihood 2 --impact 4 --as zeimu-kacho --json
R2=$(jget "$TMP/out" 'd["id"]')
expect "the CISO may not accept it" 3 "$MAMORI" --dir "$D" risk accept "$R2" --as fukukucho
expect "the officer accepts 8" 0 "$MAMORI" --dir "$D" risk accept "$R2" --as zeimu-kacho

# ---- a measure whose clause is only noted does not count; refusals are evidence -------------
expect "staff may not assess (exit 3): a refusal citing MIN-BP-4-2" 3 "$MAMORI" --dir "$D" risk \
	assess "$A" --threat intentional --likelihood 3 --impact 2 --as zeimu-1
expect "the officer names a noted clause and an enforced one" 0 "$MAMORI" --dir "$D" risk assess \
	"$A" --threat intentional --likelihood 3 --impact 2 --measure MIN-2-7-4-b2 \
	--measure MIN-BP-4-2 --as zeimu-kacho --json
R3=$(jget "$TMP/out" 'd["id"]')
expect "show" 0 "$MAMORI" --dir "$D" risk show "$R3" --json
check "the noted clause does not count, and says why" \
	"[ '$(jget "$TMP/out" '",".join(str(x[k]) for x in d["measures"][:1] for k in ("clause", "strength", "counts", "why_not"))')' = MIN-2-7-4-b2,noted,False,noted ]"
check "the enforced one counts" "[ '$(jget "$TMP/out" 'd["measures"][1]["counts"]')' = True ]"
check "residual = (3 - 2) × 2: only the enforced clause lowered it" \
	"[ '$(jget "$TMP/out" 'd["residual"]')' = 2 ]"
check "the staff's refusal is the enforced clause's evidence" \
	"[ '$(jget "$TMP/out" 'd["measures"][1]["evidence"]["refused"] >= 1')' = True ]"
expect "a noted clause alone leaves the inherent risk" 0 "$MAMORI" --dir "$D" risk assess "$A" \
	--threat negligence --likelihood 3 --impact 2 --measure MIN-2-7-4-b2 --as zeimu-kacho --json
check "residual 6 = inherent 6" "[ '$(jget "$TMP/out" '(d["inherent"], d["residual"])')' = '(6, 6)' ]"

# ---- what the loader refuses ---------------------------------------------------------------
profile "$TMP/bad1.yaml" "DISASTER=>DISASTER    - {id: pandemic, name: 感染症}\n"
expect "a threat with neither clause nor ward_choice is refused" 1 "$MAMORI" --dir "$TMP/b1" init \
	--profile "$TMP/bad1.yaml"
err_has "the error names the threat's clause" "clause"
profile "$TMP/bad2.yaml" "DISASTER=>DISASTER    - {id: disaster, name: 二度目, clause: MIN-BP-4-2-4}\n"
expect "a threat listed twice is refused" 1 "$MAMORI" --dir "$TMP/b2" init --profile "$TMP/bad2.yaml"
err_has "the error says so" "listed twice"
profile "$TMP/bad3.yaml" "  accept_up_to: 15\n=>  accept_up_to: 26\n"
expect "a threshold above the scale's top (25) is refused" 1 "$MAMORI" --dir "$TMP/b3" init \
	--profile "$TMP/bad3.yaml"
err_has "the error gives the range" "from 1 to 25"
expect "the ledger verifies" 0 "$MAMORI" --dir "$D" ledger verify
done_testing
