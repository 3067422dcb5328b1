#!/bin/sh
# t0568: a risk of an information system (the issue's "an asset, a system or a section"): a system
# is a record of the register `system`, so `risk assess RECORD` takes it. In both demo wards the
# security officer of the system's section assesses it; staff are refused with the clause (exit 3)
# and another section's officer cannot even read it (exit 1, nothing recorded); the risk names the
# system as its target.
. "$(dirname "$0")/lib.sh"

jget() { python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print($2)" "$1"; }

# scenario PROFILE THREAT CLAUSE
scenario() {
	D="$TMP/$1"
	expect "$1: the demo ward" 0 "$MAMORI" --dir "$D" init --profile "$1" --demo
	expect "$1: 税務課's systems" 0 "$MAMORI" --dir "$D" record list system --section zeimu --json
	S=$(jget "$TMP/out" 'd[0]["id"]')
	check "$1: 税務課 has a system" "[ -n '$S' ]"
	expect "$1: risks before" 0 "$MAMORI" --dir "$D" risk list --json
	n0=$(jget "$TMP/out" 'len(d)')

	expect "$1: staff may not assess the system (exit 3)" 3 "$MAMORI" --dir "$D" risk assess "$S" \
		--threat "$2" --likelihood 4 --impact 4 --as zeimu-1 --json
	check "$1: refused" "[ '$(jget "$TMP/out" 'd["outcome"]')' = refused ]"
	out_has "$1: the refusal cites the clause" "$3"
	expect "$1: another section's officer cannot read the system (exit 1)" 1 "$MAMORI" --dir "$D" \
		risk assess "$S" --threat "$2" --likelihood 4 --impact 4 --as kumin-kacho
	err_has "$1: the error says the record is not theirs to read" "may read"
	expect "$1: nothing was recorded" 0 "$MAMORI" --dir "$D" risk list --json
	check "$1: as many risks as before" "[ '$(jget "$TMP/out" 'len(d)')' = '$n0' ]"

	expect "$1: the officer assesses the system (4 × 4)" 0 "$MAMORI" --dir "$D" risk assess "$S" \
		--threat "$2" --likelihood 4 --impact 4 --as zeimu-kacho --json
	R=$(jget "$TMP/out" 'd["id"]')
	check "$1: done" "[ '$(jget "$TMP/out" 'd["outcome"]')' = done ]"
	check "$1: inherent 16" "[ '$(jget "$TMP/out" 'd["inherent"]')' = 16 ]"
	expect "$1: show --json" 0 "$MAMORI" --dir "$D" risk show "$R" --json
	check "$1: the target is the system's record" \
		"[ '$(jget "$TMP/out" 'd["target"]["register"]+":"+str(d["target"]["id"])')' = 'system:$S' ]"
	check "$1: the section is 税務課" "[ '$(jget "$TMP/out" 'd["section_name"]')' = 税務課 ]"
}

scenario minato failure MIN-BP-4-2
scenario shinjuku unauthorised SHJ-2-2
done_testing
