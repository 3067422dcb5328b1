#!/bin/sh
# t0564: a risk of a whole section (the issue's "an asset, a system or a section"), in both wards:
# `risk assess --section ID` instead of RECORD; only the section's security officer assesses it
# (staff and another section's officer are refused with the clause, exit 3); the residual counts
# only measures that work; the officer accepts within the threshold, the CISO / CIO above it; an
# incident the section reports or that involves one of its records makes the acceptance stale, one
# of another section does not; the register (text, JSON, CSV) names the section, and the
# acceptance names the person (名前（職名）); the read decision is the register's.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/core-lib.sh"

jget() { python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print($2)" "$1"; }
yesterday=$(TZ=Asia/Tokyo date -d yesterday +%Y-%m-%d)

# ward PROFILE CHIEF_ROLE: a ward with 税務課 and 区民課, their officers, staff and the chief.
ward() {
	D="$TMP/$1"
	chief=$2
	expect "init --profile $1" 0 "$MAMORI" --dir "$D" init --profile "$1" --ward-name "$1"
	m section add zeimu --name 税務課 >/dev/null || not_ok "section zeimu"
	m section add kumin --name 区民課 >/dev/null || not_ok "section kumin"
	m user add zeimu-kacho --name "池田 勝" --title 税務課長 --section zeimu >/dev/null ||
		not_ok "user zeimu-kacho"
	for u in "zeimu-1 zeimu" "kumin-1 kumin" "kumin-kacho kumin" "fukukucho kumin"; do
		set -- $u
		m user add "$1" --name "$1" --section "$2" >/dev/null || not_ok "user $1"
	done
	m role grant zeimu-kacho security_officer@section:zeimu >/dev/null || not_ok "grant zeimu"
	m role grant kumin-kacho security_officer@section:kumin >/dev/null || not_ok "grant kumin"
	m role grant fukukucho "$chief@org" >/dev/null || not_ok "grant $chief"
}

# scenario PROFILE THREAT CLAUSE: the whole story of a section's risk in one ward.
scenario() {
	expect "$1: RECORD and --section together is a usage error" 2 "$MAMORI" --dir "$D" risk \
		assess 1 --section zeimu --threat "$2" --likelihood 3 --impact 4 --as zeimu-kacho
	err_has "$1: the error says one of the two" "one of the two"
	expect "$1: neither RECORD nor --section is a usage error" 2 "$MAMORI" --dir "$D" risk \
		assess --threat "$2" --likelihood 3 --impact 4 --as zeimu-kacho
	expect "$1: a section that does not exist is refused" 1 "$MAMORI" --dir "$D" risk assess \
		--section nosuch --threat "$2" --likelihood 3 --impact 4 --as zeimu-kacho
	err_has "$1: the error names it" "no section 'nosuch'"
	err_one_line "$1: one line on stderr"

	expect "$1: staff may not assess their section (exit 3)" 3 "$MAMORI" --dir "$D" risk \
		assess --section zeimu --threat "$2" --likelihood 3 --impact 4 --as zeimu-1 --json
	check "$1: refused" "[ '$(jget "$TMP/out" 'd["outcome"]')' = refused ]"
	out_has "$1: the refusal cites the clause" "$3"
	expect "$1: another section's officer may not assess it (exit 3)" 3 "$MAMORI" --dir "$D" \
		risk assess --section zeimu --threat "$2" --likelihood 3 --impact 4 --as kumin-kacho
	expect "$1: nothing was recorded" 0 "$MAMORI" --dir "$D" risk list --json
	check "$1: the register is empty" "[ \"\$(cat '$TMP/out')\" = '[]' ]"

	expect "$1: the officer assesses the whole section (3 × 4)" 0 "$MAMORI" --dir "$D" risk \
		assess --section zeimu --threat "$2" --likelihood 3 --impact 4 --treatment reduce \
		--as zeimu-kacho --json
	R=$(jget "$TMP/out" 'd["id"]')
	check "$1: inherent 12" "[ '$(jget "$TMP/out" 'd["inherent"]')' = 12 ]"
	expect "$1: show --json" 0 "$MAMORI" --dir "$D" risk show "$R" --json
	check "$1: the target is the section, not a record" \
		"[ '$(jget "$TMP/out" 'd["target"]["kind"]+","+str(d["target"]["id"])+","+d["target"]["section"]')' = section,None,zeimu ]"
	check "$1: named by the section's name" \
		"[ '$(jget "$TMP/out" 'd["section_name"]+","+d["target"]["title"]')' = 税務課,税務課 ]"
	expect "$1: reassessing the section and threat keeps the risk" 0 "$MAMORI" --dir "$D" risk \
		assess --section zeimu --threat "$2" --likelihood 3 --impact 4 --as zeimu-kacho --json
	check "$1: the same risk" "[ '$(jget "$TMP/out" 'd["id"]')' = '$R' ]"

	expect "$1: the text register" 0 "$MAMORI" --dir "$D" risk list
	out_has "$1: names the section, not its id" "税務課"
	out_has "$1: says the whole section" "課等全体"
	check "$1: no bare section id" "! grep -q ' zeimu ' '$TMP/out'"
	expect "$1: risk list --section zeimu --json" 0 "$MAMORI" --dir "$D" risk list --section zeimu --json
	check "$1: the section's register holds it" "[ '$(jget "$TMP/out" 'len(d)')' = 1 ]"
	expect "$1: the section's staff read it" 0 "$MAMORI" --dir "$D" risk list --as zeimu-1 --json
	check "$1: one" "[ '$(jget "$TMP/out" 'len(d)')' = 1 ]"
	expect "$1: another section's officer reads none" 0 "$MAMORI" --dir "$D" risk list \
		--as kumin-kacho --json
	check "$1: none" "[ '$(jget "$TMP/out" 'len(d)')' = 0 ]"
	expect "$1: nor the risk itself" 1 "$MAMORI" --dir "$D" risk show "$R" --as kumin-kacho
	expect "$1: the register as CSV" 0 "$MAMORI" --dir "$D" risk list --csv
	out_has "$1: the CSV names the section as the target" "税務課（課等全体）"

	expect "$1: the CISO / CIO may not accept what is the section's to accept" 3 "$MAMORI" \
		--dir "$D" risk accept "$R" --as fukukucho
	expect "$1: the officer accepts residual 12" 0 "$MAMORI" --dir "$D" risk accept "$R" \
		--as zeimu-kacho
	expect "$1: show" 0 "$MAMORI" --dir "$D" risk show "$R" --json
	check "$1: accepted by the officer, named with the title" \
		"[ '$(jget "$TMP/out" 'd["accepted_by"]+","+d["accepted_person"]')' = 'zeimu-kacho,池田 勝（税務課長）' ]"
	check "$1: not stale" "[ '$(jget "$TMP/out" 'd["stale"]')' = False ]"
	expect "$1: show (text)" 0 "$MAMORI" --dir "$D" risk show "$R"
	out_has "$1: the text names the acceptor" "受容: 池田 勝（税務課長）"

	expect "$1: 区民課 reports an incident" 0 "$MAMORI" --dir "$D" incident report \
		--title 区民課の窓口の誤交付 --found-at "${yesterday}T09:00" --as kumin-1
	expect "$1: show" 0 "$MAMORI" --dir "$D" risk show "$R" --json
	check "$1: another section's incident changes nothing" "[ '$(jget "$TMP/out" 'd["stale"]')' = False ]"
	expect "$1: 税務課 reports an incident" 0 "$MAMORI" --dir "$D" incident report \
		--title 税務課の執務室の浸水 --found-at "${yesterday}T10:00" --as zeimu-1 --json
	I=$(jget "$TMP/out" 'd["id"]')
	expect "$1: show after" 0 "$MAMORI" --dir "$D" risk show "$R" --json
	check "$1: the acceptance is stale because of it" \
		"[ '$(jget "$TMP/out" 'str(d["stale"])+","+",".join(d["stale_reasons"])')' = True,incident:$I ]"

	expect "$1: the officer reassesses it above the threshold (4 × 5)" 0 "$MAMORI" --dir "$D" \
		risk assess --section zeimu --threat "$2" --likelihood 4 --impact 5 --as zeimu-kacho --json
	check "$1: the same risk, residual 20" \
		"[ '$(jget "$TMP/out" 'str(d["id"])+","+str(d["residual"])')' = '$R,20' ]"
	expect "$1: the officer may not accept 20" 3 "$MAMORI" --dir "$D" risk accept "$R" \
		--as zeimu-kacho
	expect "$1: the CISO / CIO accepts 20" 0 "$MAMORI" --dir "$D" risk accept "$R" --as fukukucho
	expect "$1: show" 0 "$MAMORI" --dir "$D" risk show "$R" --json
	check "$1: accepted by the chief, fresh again" \
		"[ '$(jget "$TMP/out" 'd["accepted_by"]+","+str(d["stale"])')' = fukukucho,False ]"
	expect "$1: the ledger verifies" 0 "$MAMORI" --dir "$D" ledger verify
}

ward minato ciso
scenario minato disaster MIN-BP-4-2
ward shinjuku cio
scenario shinjuku outage SHJ-2-2
done_testing
