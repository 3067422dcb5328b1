#!/bin/sh
# t0561: Shinjuku's リスク管理 (第2 2): the section's 情報セキュリティ責任者 analyses the threats of
# 第1 3 to its asset and sets measures; a measure whose duty is overdue (pattern files, SHJ-5-6-1)
# keeps the residual high; the officer accepts within the threshold, the 情報化統括管理者 above
# it; an incident on the asset makes the acceptance stale, and the network manager, to whom the
# escalated incident opens the asset, reassesses it (第6 3(4)ア).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/core-lib.sh"
D="$TMP/shinjuku"

jget() { python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print($2)" "$1"; }
yesterday=$(TZ=Asia/Tokyo date -d yesterday +%Y-%m-%d)

expect "init --profile shinjuku" 0 "$MAMORI" --dir "$D" init --profile shinjuku --ward-name 新宿区
m section add zeimu --name 税務課 >/dev/null || not_ok "section zeimu"
m section add kumin --name 区民課 >/dev/null || not_ok "section kumin"
for u in "zeimu-1 zeimu" "zeimu-kacho zeimu" "kumin-kacho kumin" "joho-1 kumin" "fukukucho kumin"; do
	set -- $u
	m user add "$1" --name "$1" --section "$2" --employment 職員 >/dev/null || not_ok "user $1"
done
m role grant zeimu-kacho security_officer@section:zeimu >/dev/null || not_ok "grant zeimu-kacho"
m role grant kumin-kacho security_officer@section:kumin >/dev/null || not_ok "grant kumin-kacho"
# The network manager has owed the daily pattern-file update since 2024: it is overdue.
m role grant joho-1 network_manager@org --from 2024-04-01 >/dev/null || not_ok "grant joho-1"
m role grant fukukucho cio@org >/dev/null || not_ok "grant fukukucho"

expect "risk threats --json" 0 "$MAMORI" --dir "$D" risk threats --json
check "the four threats of 第1 3" \
	"[ '$(jget "$TMP/out" '",".join(t["id"] for t in d)')' = unauthorised,loss,leakage,outage ]"
check "(3) cites SHJ-1-3-3" "[ '$(jget "$TMP/out" '",".join(d[2]["clauses"])')' = SHJ-1-3-3 ]"

new_record "a Class I asset of 税務課" asset --field title=課税台帳 --field cia=機密性高 \
	--field label_displayed=true --level I --section zeimu --as zeimu-kacho
A=$rec

expect "staff may not assess (exit 3)" 3 "$MAMORI" --dir "$D" risk assess "$A" --threat leakage \
	--likelihood 4 --impact 5 --as zeimu-1
out_has "the refusal cites 第2 2" "SHJ-2-2"
expect "another section's officer may not even read the asset" 1 "$MAMORI" --dir "$D" risk \
	assess "$A" --threat leakage --likelihood 4 --impact 5 --as kumin-kacho
err_has "the error says so" "may read"

expect "the officer assesses 漏えい (4 × 5) treated by the pattern files" 0 "$MAMORI" --dir "$D" \
	risk assess "$A" --threat leakage --likelihood 4 --impact 5 --measure SHJ-5-6-1 \
	--as zeimu-kacho --json
R=$(jget "$TMP/out" 'd["id"]')
check "inherent 20" "[ '$(jget "$TMP/out" 'd["inherent"]')' = 20 ]"
check "residual 20: the overdue pattern-file duty does not count" \
	"[ '$(jget "$TMP/out" 'd["residual"]')' = 20 ]"
expect "show" 0 "$MAMORI" --dir "$D" risk show "$R" --json
check "why: the duty is overdue" "[ '$(jget "$TMP/out" 'd["measures"][0]["why_not"]')' = duty_overdue ]"
check "the duty is owed at org" \
	"[ '$(jget "$TMP/out" 'd["measures"][0]["evidence"]["duties"][0]["id"]')' = pattern-files ]"
expect "the officer may not accept 20" 3 "$MAMORI" --dir "$D" risk accept "$R" --as zeimu-kacho

new_record "the network manager updates the pattern files" check \
	--field kind=パターンファイルの更新 --field result=更新済 \
	--field checked_at="${yesterday}T17:00:00+09:00" --as joho-1
expect "show after the update" 0 "$MAMORI" --dir "$D" risk show "$R" --json
check "the measure counts" "[ '$(jget "$TMP/out" 'd["measures"][0]["counts"]')' = True ]"
check "the computed residual is lower" "[ '$(jget "$TMP/out" 'd["computed_residual"] < 20')' = True ]"
expect "the officer reassesses" 0 "$MAMORI" --dir "$D" risk assess "$A" --threat leakage \
	--likelihood 4 --impact 5 --measure SHJ-5-6-1 --as zeimu-kacho --json
check "the same risk" "[ '$(jget "$TMP/out" 'd["id"]')' = '$R' ]"
check "residual within the threshold" "[ '$(jget "$TMP/out" 'd["residual"] <= 15')' = True ]"
expect "the CIO may not accept what the section accepts" 3 "$MAMORI" --dir "$D" risk accept "$R" \
	--as fukukucho
expect "the officer accepts" 0 "$MAMORI" --dir "$D" risk accept "$R" --as zeimu-kacho
expect "show" 0 "$MAMORI" --dir "$D" risk show "$R" --json
check "accepted by the officer, not stale" \
	"[ '$(jget "$TMP/out" 'd["accepted_by"]+","+str(d["stale"])')' = zeimu-kacho,False ]"

# ---- 障害: the acceptance goes stale; the network manager reassesses (第6 3(4)ア) -------------
expect "zeimu-1 reports an incident on the asset" 0 "$MAMORI" --dir "$D" incident report \
	--title 課税台帳の漏えいの疑い --found-at "${yesterday}T10:00" --record "$A" --as zeimu-1 --json
I=$(jget "$TMP/out" 'd["id"]')
expect "show" 0 "$MAMORI" --dir "$D" risk show "$R" --json
check "stale because of the incident" \
	"[ '$(jget "$TMP/out" '",".join(d["stale_reasons"])')' = incident:$I ]"
expect "the network manager cannot read the asset before the escalation" 1 "$MAMORI" --dir "$D" \
	risk assess "$A" --threat leakage --likelihood 5 --impact 5 --measure SHJ-5-6-1 --as joho-1
expect "the officer escalates the incident" 0 "$MAMORI" --dir "$D" incident step "$I" escalated \
	--as zeimu-kacho
expect "the network manager reassesses after the incident" 0 "$MAMORI" --dir "$D" risk assess \
	"$A" --threat leakage --likelihood 5 --impact 5 --measure SHJ-5-6-1 --as joho-1 --json
check "the same risk, reassessed" "[ '$(jget "$TMP/out" 'd["id"]')' = '$R' ]"
expect "show" 0 "$MAMORI" --dir "$D" risk show "$R" --json
check "assessed again: no longer accepted" "[ '$(jget "$TMP/out" 'd["state"]')' = assessed ]"

# ---- above the threshold: the 情報化統括管理者 accepts -------------------------------------------
expect "the officer assesses 盗難 (5 × 5) without measures" 0 "$MAMORI" --dir "$D" risk assess "$A" \
	--threat loss --likelihood 5 --impact 5 --treatment accept --as zeimu-kacho --json
R2=$(jget "$TMP/out" 'd["id"]')
check "a second risk" "[ '$R2' != '$R' ]"
check "residual 25" "[ '$(jget "$TMP/out" 'd["residual"]')' = 25 ]"
expect "the officer may not accept 25" 3 "$MAMORI" --dir "$D" risk accept "$R2" --as zeimu-kacho
expect "the CIO accepts 25" 0 "$MAMORI" --dir "$D" risk accept "$R2" --as fukukucho
expect "list --json" 0 "$MAMORI" --dir "$D" risk list --json
check "two risks" "[ '$(jget "$TMP/out" 'len(d)')' = 2 ]"
check "the treatment is the profile's word" \
	"[ '$(jget "$TMP/out" '[x["treatment"] for x in d if x["id"]=='"$R2"'][0]')' = 受容 ]"
expect "the section's staff read their section's risks" 0 "$MAMORI" --dir "$D" risk list --as zeimu-1 --json
check "both" "[ '$(jget "$TMP/out" 'len(d)')' = 2 ]"
expect "another section's staff read none" 0 "$MAMORI" --dir "$D" risk list --as kumin-kacho --json
check "none" "[ '$(jget "$TMP/out" 'len(d)')' = 0 ]"
expect "the ledger verifies" 0 "$MAMORI" --dir "$D" ledger verify
done_testing
