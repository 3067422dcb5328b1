#!/bin/sh
# t0567: the damage-minimising procedure of a risk (Shinjuku 第2 2: 被害を最小化する手順) is a
# document record of the ward, in both wards: `risk assess ... --procedure DOC` keeps it with the
# risk (show's "procedure"), a reassessment may change it, and a record that is not a document,
# or no record at all, is refused with a clear error and nothing recorded.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/core-lib.sh"

jget() { python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print($2)" "$1"; }

for ward in minato shinjuku; do
	D="$TMP/$ward"
	expect "$ward: init" 0 "$MAMORI" --dir "$D" init --profile $ward --ward-name $ward
	m section add zeimu --name 税務課 >/dev/null || not_ok "$ward: section zeimu"
	m section add kumin --name 区民課 >/dev/null || not_ok "$ward: section kumin"
	m user add zeimu-kacho --name zeimu-kacho --section zeimu >/dev/null || not_ok "$ward: officer"
	m user add chief --name chief --section kumin >/dev/null || not_ok "$ward: chief"
	m role grant zeimu-kacho security_officer@section:zeimu >/dev/null || not_ok "$ward: grant"
	if [ $ward = minato ]; then
		new_record "$ward: an asset of 税務課" asset --field title=課税台帳 --level 2 \
			--section zeimu --field access_controlled=true --as zeimu-kacho
		A=$rec
		new_record "$ward: 税務課's procedure for failures" document --field title=課税システム障害時の手順 \
			--field kind=障害対応手順 --section zeimu --as zeimu-kacho
		P=$rec
		threat=failure
	else
		m role grant chief cio@org >/dev/null || not_ok "$ward: grant cio"
		new_record "$ward: an asset of 税務課" asset --field title=課税台帳 --field cia=機密性高 \
			--field label_displayed=true --level I --section zeimu --as zeimu-kacho
		A=$rec
		new_record "$ward: the ward's emergency response plan" document \
			--field title=緊急時対応計画 --field kind=緊急時対応計画 --as chief
		P=$rec
		threat=outage
	fi

	expect "$ward: a procedure that is not a document is refused" 1 "$MAMORI" --dir "$D" risk \
		assess "$A" --threat $threat --likelihood 3 --impact 4 --procedure "$A" --as zeimu-kacho
	err_has "$ward: the error says what it must be" "not a 'document'"
	expect "$ward: a procedure that does not exist is refused" 1 "$MAMORI" --dir "$D" risk \
		assess "$A" --threat $threat --likelihood 3 --impact 4 --procedure 99999 --as zeimu-kacho
	err_has "$ward: the error names it" "no record 99999"
	expect "$ward: a procedure that is not a number is a usage error" 2 "$MAMORI" --dir "$D" risk \
		assess "$A" --threat $threat --likelihood 3 --impact 4 --procedure 手順書 --as zeimu-kacho
	expect "$ward: nothing was recorded" 0 "$MAMORI" --dir "$D" risk list --json
	check "$ward: the register is empty" "[ \"\$(cat '$TMP/out')\" = '[]' ]"

	expect "$ward: the officer assesses with the procedure" 0 "$MAMORI" --dir "$D" risk assess \
		"$A" --threat $threat --likelihood 3 --impact 4 --procedure "$P" --as zeimu-kacho --json
	R=$(jget "$TMP/out" 'd["id"]')
	expect "$ward: show --json" 0 "$MAMORI" --dir "$D" risk show "$R" --json
	check "$ward: the risk keeps its procedure" "[ '$(jget "$TMP/out" 'd["procedure"]')' = '$P' ]"
	expect "$ward: reassessed without it" 0 "$MAMORI" --dir "$D" risk assess "$A" --threat $threat \
		--likelihood 3 --impact 4 --as zeimu-kacho
	expect "$ward: show --json" 0 "$MAMORI" --dir "$D" risk show "$R" --json
	check "$ward: the same risk" "[ '$(jget "$TMP/out" 'd["id"]')' = '$R' ]"
	expect "$ward: the ledger verifies" 0 "$MAMORI" --dir "$D" ledger verify
done
done_testing
