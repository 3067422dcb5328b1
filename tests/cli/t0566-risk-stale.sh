#!/bin/sh
# t0566: the material changes after an acceptance that make it stale besides an incident (t0560,
# t0561, t0564): the target's level raised, and a measure weakened (the clause's duty now falls
# on a system manager appointed afterwards, with no record of it being done: the measure stops
# counting and the residual rises). Each is named in stale_reasons; reassessing and accepting
# again makes the risk fresh.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/core-lib.sh"
D="$TMP/minato"

jget() { python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print($2)" "$1"; }

expect "init --profile minato" 0 "$MAMORI" --dir "$D" init --profile minato --ward-name 港区
m section add zeimu --name 税務課 >/dev/null || not_ok "section zeimu"
for u in zeimu-kacho zeimu-sm; do
	m user add "$u" --name "$u" --section zeimu >/dev/null || not_ok "user $u"
done
m role grant zeimu-kacho security_officer@section:zeimu >/dev/null || not_ok "grant zeimu-kacho"
m system add zeimu-sys --name 税務システム --section zeimu >/dev/null || not_ok "system zeimu-sys"

new_record "a level-2 asset of 税務課" asset --field title=納税通知書の原稿 --level 2 --section zeimu \
	--field access_controlled=true --as zeimu-kacho
A=$rec
expect "the officer assesses 故意 (3 × 4) treated by the tamper check (MIN-5-6-2)" 0 "$MAMORI" \
	--dir "$D" risk assess "$A" --threat intentional --likelihood 3 --impact 4 \
	--measure MIN-5-6-2 --as zeimu-kacho --json
R=$(jget "$TMP/out" 'd["id"]')
check "residual 4: the enforced measure lowers the likelihood by 2" \
	"[ '$(jget "$TMP/out" 'd["residual"]')' = 4 ]"
expect "the officer accepts 4" 0 "$MAMORI" --dir "$D" risk accept "$R" --as zeimu-kacho
expect "show" 0 "$MAMORI" --dir "$D" risk show "$R" --json
check "fresh" "[ '$(jget "$TMP/out" 'd["stale"]')' = False ]"

# ---- the target's level raised ------------------------------------------------------------
expect "the asset is raised to level 3" 0 "$MAMORI" --dir "$D" act "$A" asset.set_access \
	--field level=3 --field access_rights=section:zeimu --as zeimu-kacho
expect "show" 0 "$MAMORI" --dir "$D" risk show "$R" --json
check "stale because the level rose from 2 to 3" \
	"[ '$(jget "$TMP/out" 'str(d["stale"]) + " " + ",".join(d["stale_reasons"])')' = 'True level:2→3' ]"
expect "risk list says 要再評価" 0 "$MAMORI" --dir "$D" risk list
out_has "in the register" "要再評価"
expect "the officer reassesses" 0 "$MAMORI" --dir "$D" risk assess "$A" --threat intentional \
	--likelihood 3 --impact 4 --measure MIN-5-6-2 --as zeimu-kacho
expect "and accepts again" 0 "$MAMORI" --dir "$D" risk accept "$R" --as zeimu-kacho
expect "show" 0 "$MAMORI" --dir "$D" risk show "$R" --json
check "fresh, accepted at level 3" "[ '$(jget "$TMP/out" 'd["stale"]')' = False ]"

# ---- a measure weakened: its duty now has no record of being done --------------------------
expect "a system manager is appointed for 税務システム" 0 "$MAMORI" --dir "$D" role grant zeimu-sm \
	system_manager@system:zeimu-sys
expect "show" 0 "$MAMORI" --dir "$D" risk show "$R" --json
check "the measure no longer counts: the tamper check at the system was never done" \
	"[ '$(jget "$TMP/out" 'str(d["measures"][0]["counts"]) + " " + d["measures"][0]["why_not"]')' = 'False duty_never_done' ]"
check "the duty is the system's" \
	"[ '$(jget "$TMP/out" '",".join(x["scope"] for x in d["measures"][0]["evidence"]["duties"])')' = system:zeimu-sys ]"
check "the residual it leaves now is the inherent 12" "[ '$(jget "$TMP/out" 'd["computed_residual"]')' = 12 ]"
check "stale: the measure weakened and the residual rose" \
	"[ '$(jget "$TMP/out" 'str(d["stale"]) + " " + ",".join(d["stale_reasons"])')' = 'True measure:MIN-5-6-2,residual' ]"
expect "the officer reassesses: residual 12" 0 "$MAMORI" --dir "$D" risk assess "$A" \
	--threat intentional --likelihood 3 --impact 4 --measure MIN-5-6-2 --as zeimu-kacho --json
check "12" "[ '$(jget "$TMP/out" 'd["residual"]')' = 12 ]"
expect "and accepts 12 (within 15)" 0 "$MAMORI" --dir "$D" risk accept "$R" --as zeimu-kacho
expect "show" 0 "$MAMORI" --dir "$D" risk show "$R" --json
check "fresh again, at 12" \
	"[ '$(jget "$TMP/out" 'str(d["stale"]) + " " + str(d["accepted_residual"])')' = 'False 12' ]"
expect "the ledger verifies" 0 "$MAMORI" --dir "$D" ledger verify
done_testing
