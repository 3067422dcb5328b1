#!/bin/sh
# t0563: the risk register in both wards as a user keeps it: the assessor confirms the residual
# Mamori computed or raises it with a reason (both recorded); `risk list --csv [--cp932] [-o]`
# for Excel through the same read decision as the list (another section's officer gets the
# header only); `--clause` lists the risks a clause treats; the compliance report's CSV names
# the risks per clause (column リスク); an audit finding on a measure's clause is its evidence.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/core-lib.sh"

jget() { python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print($2)" "$1"; }
csvcol() { # FILE ENCODING KEYCOL KEY COL: the cell of the row whose KEYCOL is KEY
	python3 - "$@" <<'PY'
import csv, sys
f, enc, kc, key, col = sys.argv[1:]
rows = list(csv.DictReader(open(f, encoding=enc, newline="")))
print([r[col] for r in rows if r[kc] == key][0])
PY
}
csvrows() { python3 -c "import csv,sys; print(len(list(csv.DictReader(open(sys.argv[1], encoding=sys.argv[2], newline='')))))" "$1" "$2"; }

for ward in minato shinjuku; do
	D="$TMP/$ward"
	if [ $ward = minato ]; then
		level=3 top=ciso threat=intentional measure=MIN-9-2-1
	else
		level=I top=cio threat=leakage measure=SHJ-5-6-1
	fi
	expect "$ward: init" 0 "$MAMORI" --dir "$D" init --profile $ward --ward-name "$ward"
	m section add zeimu --name 税務課 >/dev/null || not_ok "section zeimu"
	m section add kumin --name 区民課 >/dev/null || not_ok "section kumin"
	for u in "zeimu-1 zeimu" "zeimu-kacho zeimu" "kumin-kacho kumin" "fukukucho kumin"; do
		set -- $u
		m user add "$1" --name "$1" --section "$2" --employment 職員 >/dev/null || not_ok "user $1"
	done
	m role grant zeimu-kacho security_officer@section:zeimu >/dev/null || not_ok "grant zeimu-kacho"
	m role grant kumin-kacho security_officer@section:kumin >/dev/null || not_ok "grant kumin-kacho"
	m role grant fukukucho $top@org >/dev/null || not_ok "grant fukukucho"
	if [ $ward = minato ]; then
		new_record "$ward: an asset of 税務課" asset --field title=住民税課税台帳 --level $level \
			--section zeimu --field access_controlled=true --as zeimu-kacho
	else
		new_record "$ward: an asset of 税務課" asset --field title=住民税課税台帳 --level $level \
			--field cia=機密性高 --field label_displayed=true --section zeimu --as zeimu-kacho
	fi
	A=$rec

	# ---- the computed residual: confirmed, or raised with a reason --------------------------
	expect "$ward: the officer confirms what Mamori computes" 0 "$MAMORI" --dir "$D" risk assess \
		"$A" --threat $threat --likelihood 3 --impact 4 --measure $measure --treatment reduce \
		--as zeimu-kacho --json
	R=$(jget "$TMP/out" 'd["id"]')
	C=$(jget "$TMP/out" 'd["computed"]')
	check "$ward: the answer gives the computed value, which it recorded" \
		"[ '$(jget "$TMP/out" 'd["computed"] == d["residual"] <= 12')' = True ]"
	expect "$ward: show --json" 0 "$MAMORI" --dir "$D" risk show "$R" --json
	check "$ward: computed_at_assessment = residual (confirmed)" \
		"[ '$(jget "$TMP/out" 'd["computed_at_assessment"] == d["residual"] == '$C)' = True ]"
	check "$ward: the treatment is the profile's word for reduce" \
		"[ '$(jget "$TMP/out" 'd["treatment"]')' = 低減 ]"
	expect "$ward: show (text)" 0 "$MAMORI" --dir "$D" risk show "$R"
	out_has "$ward: the text says the assessor confirmed it" "評価者が計算値 $C を確認"
	out_has "$ward: and names the state as the profile does" "状態: 評価済"
	expect "$ward: the officer raises it to 16 with a reason" 0 "$MAMORI" --dir "$D" risk assess \
		"$A" --threat $threat --likelihood 3 --impact 4 --measure $measure --residual 16 \
		--reason 委託先の管理が不十分 --treatment transfer --as zeimu-kacho --json
	expect "$ward: show --json" 0 "$MAMORI" --dir "$D" risk show "$R" --json
	check "$ward: residual 16 raised from the computed $C" \
		"[ '$(jget "$TMP/out" '(d["residual"], d["computed_at_assessment"])')' = '(16, $C)' ]"
	check "$ward: transfer is the profile's 移転" "[ '$(jget "$TMP/out" 'd["treatment"]')' = 移転 ]"
	expect "$ward: show (text)" 0 "$MAMORI" --dir "$D" risk show "$R"
	out_has "$ward: the text says it was raised, and why" "計算値 $C から引き上げ（理由: 委託先の管理が不十分）"
	expect "$ward: a treatment that is not an option is refused" 1 "$MAMORI" --dir "$D" risk assess \
		"$A" --threat $threat --likelihood 3 --impact 4 --treatment ignore --as zeimu-kacho
	err_has "$ward: the error names the options" "reduce, avoid, transfer, accept"
	expect "$ward: the $top accepts 16 (above the threshold)" 0 "$MAMORI" --dir "$D" risk accept \
		"$R" --as fukukucho

	# ---- the register as CSV, through the read decision -------------------------------------
	expect "$ward: risk list --csv" 0 "$MAMORI" --dir "$D" risk list --csv
	cp "$TMP/out" "$TMP/$ward.csv"
	check "$ward: UTF-8 with a BOM for Excel" "head -c3 '$TMP/$ward.csv' | od -An -tx1 | grep -q 'ef bb bf'"
	check "$ward: one risk" "[ '$(csvrows "$TMP/$ward.csv" utf-8-sig)' = 1 ]"
	check "$ward: the threat by its name" \
		"csvcol '$TMP/$ward.csv' utf-8-sig 番号 $R 脅威 | grep -q 漏えい"
	check "$ward: the section by its name" "[ '$(csvcol "$TMP/$ward.csv" utf-8-sig 番号 $R 課)' = 税務課 ]"
	check "$ward: residual 16" "[ '$(csvcol "$TMP/$ward.csv" utf-8-sig 番号 $R 残留リスク)' = 16 ]"
	check "$ward: computed at the assessment $C" \
		"[ '$(csvcol "$TMP/$ward.csv" utf-8-sig 番号 $R 評価時の計算値)' = $C ]"
	check "$ward: the reason" \
		"[ '$(csvcol "$TMP/$ward.csv" utf-8-sig 番号 $R 引き上げた理由)' = 委託先の管理が不十分 ]"
	check "$ward: the state in Japanese" "[ '$(csvcol "$TMP/$ward.csv" utf-8-sig 番号 $R 状態)' = 受容済 ]"
	check "$ward: accepted by the person's name" \
		"[ '$(csvcol "$TMP/$ward.csv" utf-8-sig 番号 $R 受容者)' = fukukucho ]"
	check "$ward: the measure, with whether it counts" \
		"csvcol '$TMP/$ward.csv' utf-8-sig 番号 $R '対策（条項）' | grep -q '^$measure（'"
	expect "$ward: --csv --cp932 -o FILE" 0 "$MAMORI" --dir "$D" risk list --csv --cp932 \
		-o "$TMP/$ward-sjis.csv"
	check "$ward: the file is CP932" "[ '$(csvcol "$TMP/$ward-sjis.csv" cp932 番号 $R 課)' = 税務課 ]"
	expect "$ward: --cp932 without --csv is a usage error" 2 "$MAMORI" --dir "$D" risk list --cp932
	expect "$ward: the officer's own section" 0 "$MAMORI" --dir "$D" risk list --csv --as zeimu-kacho
	check "$ward: reads the risk" "[ '$(csvrows "$TMP/out" utf-8-sig)' = 1 ]"
	expect "$ward: another section's officer" 0 "$MAMORI" --dir "$D" risk list --csv --as kumin-kacho
	check "$ward: gets the header only" "[ '$(csvrows "$TMP/out" utf-8-sig)' = 0 ]"
	check "$ward: and the header is Japanese" "head -1 '$TMP/out' | grep -q 番号"

	# ---- one clause's risks, and the risks per clause in the report -------------------------
	expect "$ward: --clause $measure" 0 "$MAMORI" --dir "$D" risk list --clause $measure --json
	check "$ward: the risk it treats" "[ '$(jget "$TMP/out" '[x["id"] for x in d]')' = '[$R]' ]"
	expect "$ward: --clause of another clause" 0 "$MAMORI" --dir "$D" risk list \
		--clause $( [ $ward = minato ] && echo MIN-BP-4-2 || echo SHJ-2-2 ) --json
	check "$ward: none" "[ '$(jget "$TMP/out" 'len(d)')' = 0 ]"
	expect "$ward: --clause that is not a clause" 1 "$MAMORI" --dir "$D" risk list --clause NOPE-1
	err_has "$ward: the error names it" "NOPE-1"
	expect "$ward: the compliance report as CSV" 0 "$MAMORI" --dir "$D" report compliance \
		--format csv -o "$TMP/$ward-report.csv"
	check "$ward: its column リスク counts the risk for $measure" \
		"csvcol '$TMP/$ward-report.csv' utf-8-sig 条項 $measure リスク | grep -q '^1（効いている [01]）$'"
	check "$ward: and a dash where no risk names the clause" \
		"[ '$(csvcol "$TMP/$ward-report.csv" utf-8-sig 条項 $( [ $ward = minato ] && echo MIN-BP-4-2 || echo SHJ-2-2 ) リスク)' = — ]"
	# the column is the report's period: a risk assessed today is not in 2020's report
	expect "$ward: the report for 2020" 0 "$MAMORI" --dir "$D" report compliance --from 2020-04-01 \
		--to 2021-03-31 --format csv -o "$TMP/$ward-2020.csv"
	check "$ward: no risk was assessed with $measure in 2020" \
		"[ '$(csvcol "$TMP/$ward-2020.csv" utf-8-sig 条項 $measure リスク)' = — ]"
	expect "$ward: the report from today" 0 "$MAMORI" --dir "$D" report compliance \
		--from "$(TZ=Asia/Tokyo date +%Y-%m-%d)" --format csv -o "$TMP/$ward-today.csv"
	check "$ward: counts today's assessment" \
		"csvcol '$TMP/$ward-today.csv' utf-8-sig 条項 $measure リスク | grep -q '^1（効いている [01]）$'"
	# ---- a measure's evidence: incidents and audit findings on its clause -------------------
	expect "$ward: show --json" 0 "$MAMORI" --dir "$D" risk show "$R" --json
	check "$ward: no finding, no incident on $measure yet" \
		"[ '$(jget "$TMP/out" '[d["measures"][0]["evidence"][k] for k in ("incidents", "findings", "findings_open")]')' = '[0, 0, 0]' ]"
	if [ $ward = minato ]; then
		m section add kaikei --name 会計管理室 >/dev/null || not_ok "section kaikei"
		m user add kansa-1 --name 会計一 --section kaikei >/dev/null || not_ok "user kansa-1"
		m user add chief --name 統括管理 --section kumin >/dev/null || not_ok "user chief"
		m role grant kansa-1 auditor@org >/dev/null || not_ok "grant kansa-1"
		m role grant chief system_chief@org >/dev/null || not_ok "grant chief"
		expect "$ward: an audit of 税務課" 0 "$MAMORI" --dir "$D" audit plan --title 税務課の監査 \
			--section zeimu --team kansa-1 --as chief --json
		AU=$(jget "$TMP/out" 'd["id"]')
		expect "$ward: a finding on $measure" 0 "$MAMORI" --dir "$D" audit finding add "$AU" \
			--clause $measure --severity minor --text 点検の記録がない --as kansa-1
		expect "$ward: show --json" 0 "$MAMORI" --dir "$D" risk show "$R" --json
		check "$ward: the finding is the measure's evidence, open" \
			"[ '$(jget "$TMP/out" '[d["measures"][0]["evidence"][k] for k in ("findings", "findings_open")]')' = '[1, 1]' ]"
		expect "$ward: show (text)" 0 "$MAMORI" --dir "$D" risk show "$R"
		out_has "$ward: the text counts it" "監査の指摘 1 件（未完了 1 件）"
		# an incident report cites MIN-5-7-2-1: a case that is evidence for that measure
		expect "$ward: 過失 treated by the incident reporting clause" 0 "$MAMORI" --dir "$D" risk \
			assess "$A" --threat negligence --likelihood 2 --impact 2 --measure MIN-5-7-2-1 \
			--as zeimu-kacho --json
		R2=$(jget "$TMP/out" 'd["id"]')
		expect "$ward: an incident is reported on the asset" 0 "$MAMORI" --dir "$D" incident report \
			--title 誤操作による削除 --found-at "$(TZ=Asia/Tokyo date +%Y-%m-%d)T00:00" \
			--record "$A" --as zeimu-1
		expect "$ward: show --json" 0 "$MAMORI" --dir "$D" risk show "$R2" --json
		check "$ward: the case is the measure's evidence" \
			"[ '$(jget "$TMP/out" 'd["measures"][0]["evidence"]["incidents"]')' = 1 ]"
	fi
	expect "$ward: the ledger verifies" 0 "$MAMORI" --dir "$D" ledger verify
done
done_testing
