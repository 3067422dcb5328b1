#!/bin/sh
# t0515: init --demo for both wards (explorable, verifying), duties, and checked backups
# and restores that refuse to overwrite and catch damaged or rolled-back copies.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/core-lib.sh"

for ward in minato shinjuku; do
	D="$TMP/$ward"
	expect "$ward: init --demo" 0 "$MAMORI" --dir "$D" init --profile "$ward" --demo
	out_has "$ward: demo summary" "demo ward: 13 sections, 7 systems, 40 people"
	out_has "$ward: demo logins and passwords are printed" "zeimu-kacho"
	n=$(sqlite3 "$D/mamori.db" "SELECT count(*) FROM records")
	check "$ward: about two hundred records ($n)" "[ $n -ge 170 ] && [ $n -le 260 ]"
	check "$ward: every level is used" \
		"[ $(sqlite3 "$D/mamori.db" "SELECT count(DISTINCT level) FROM records WHERE register = 'asset'") -ge 2 ]"
	check "$ward: some requests are pending" \
		"[ $(sqlite3 "$D/mamori.db" "SELECT count(*) FROM requests WHERE state = 'pending'") -gt 0 ]"
	check "$ward: some were approved and some rejected" \
		"[ $(sqlite3 "$D/mamori.db" "SELECT count(DISTINCT state) FROM requests") -ge 3 ]"
	check "$ward: 非常勤, 受託事業者 among the staff" \
		"[ $(sqlite3 "$D/mamori.db" "SELECT count(DISTINCT employment) FROM users") -ge 3 ]"
	expect "$ward: every 課長 is a security officer" 0 "$MAMORI" --dir "$D" role list \
		--role security_officer --json
	check "$ward: ten security officers" \
		"[ $(grep -o '"role":"security_officer"' "$TMP/out" | wc -l) -eq 10 ]"
	expect "$ward: the ledger verifies" 0 "$MAMORI" --dir "$D" ledger verify
	check "$ward: the whole history is in the ledger" \
		"[ $(sqlite3 "$D/mamori.db" 'SELECT count(*) FROM acts') -eq $(sqlite3 "$D/mamori.db" 'SELECT size FROM ledger_head') ]"
	expect "$ward: a newcomer lists the records" 0 "$MAMORI" --dir "$D" record list asset --section zeimu
	out_has "$ward: 税務課's assets" "zeimu"
	expect "$ward: duties" 0 "$MAMORI" --dir "$D" duty list --json
	out_has "$ward: duties name who owes them" '"owed_by":["'
done

# Minato's 情報政策課長 holds three roles at once (MIN-2-3-1, 2-4-1, 2-5-1).
D="$TMP/minato"
expect "the 情報政策課長's roles" 0 "$MAMORI" --dir "$D" user show joho-kacho --json
out_has "system_chief" '"role":"system_chief","scope":"org"'
out_has "security officer of 情報政策課" '"role":"security_officer","scope":"section:johoseisaku"'
out_has "system administrator of the main network" '"role":"system_manager","scope":"system:lan"'
expect "section show: 区民課" 0 "$MAMORI" --dir "$D" section show kumin
out_has "its parent" "kumin 区民課 (上位: kuminbu)"
out_has "its security officer" "(kumin-kacho)"
out_has "its system" "  jyuki  住民記録システム"
check "only its system" "! grep -q '  lan  ' '$TMP/out'"
out_has "its members, 非常勤 too" "kumin-p1 "
check "not the 職員等 role" "! grep -q '  staff  ' '$TMP/out'"
expect "section show --json" 0 "$MAMORI" --dir "$D" section show kumin --json
check "--json: not the 職員等 role" "! grep -q '\"role\":\"staff\"' '$TMP/out'"
out_has "the section" '{"id":"kumin","name":"区民課","parent":"kuminbu","members":[{"login":'
out_has "its security officer" '"roles":[{"role":"security_officer","login":"kumin-kacho","name":'
out_has "its system" '"systems":[{"id":"jyuki","name":"住民記録システム"}]}'
out_has "its members" '{"login":"kumin-p1","name":'
expect "a security officer has requests to approve" 0 "$MAMORI" --dir "$D" request list \
	--to-approve --as zeimu-kacho --json
check "and none of them is their own" "! grep -q '\"applicant\":\"zeimu-kacho\"' '$TMP/out'"

# Duties: fulfilled with a file as evidence, its SHA-256 ledgered.
printf 'config tamper check: no differences\n' >"$TMP/evidence.txt"
sha=$(sha256sum "$TMP/evidence.txt" | cut -d' ' -f1)
expect "a duty fulfilled by its system administrator" 0 "$MAMORI" --dir "$D" duty done tamper-check \
	--evidence "$TMP/evidence.txt" --as zeimu-kacho --scope system:zeimu-sys --json
I=$(json_field ledger_index)
expect "its ledger entry" 0 "$MAMORI" --dir "$D" ledger entry "$I" --json
out_has "the evidence's SHA-256 is in the entry" "$sha"
refused "someone else cannot fulfil it" MIN-5-6-2 "$MAMORI" --dir "$D" duty done tamper-check \
	--evidence ok --as zeimu-1 --scope system:zeimu-sys
expect "the duty is no longer due there" 0 "$MAMORI" --dir "$D" duty list --json
check "last done by zeimu-kacho" "grep -q '\"scope\":\"system:zeimu-sys\",\"every_seconds\":86400,\"evidence\":\"check.record\",\"last_done\":\"[^\"]*\",\"last_done_by\":\"zeimu-kacho\"' '$TMP/out'"

# Backups: online, checked, ledgered; restores verified first and never overwriting.
expect "backup" 0 "$MAMORI" --dir "$D" backup "$TMP/b1.db"
out_has "integrity and the ledger checked" "integrity ok"
check "backup file is private" "[ \"\$(stat -c %a '$TMP/b1.db')\" = 600 ]"
expect "a backup never overwrites" 1 "$MAMORI" --dir "$D" backup "$TMP/b1.db"
check "the backup act is in the log" \
	"[ $(sqlite3 "$D/mamori.db" "SELECT count(*) FROM acts WHERE action = 'backup.create' AND outcome = 'done'") -eq 1 ]"
expect "restore into a new directory" 0 "$MAMORI" restore "$TMP/b1.db" --dir "$TMP/r1"
expect "the restored ward verifies" 0 "$MAMORI" --dir "$TMP/r1" ledger verify
expect "and reads" 0 "$MAMORI" --dir "$TMP/r1" record list asset
expect "restore refuses a non-empty directory" 1 "$MAMORI" restore "$TMP/b1.db" --dir "$D"
err_has "says why" "not empty"
cp "$TMP/b1.db" "$TMP/bad.db"
# Damage the ledger's stored entries, wherever the tables' pages happen to lie: the fullest
# page of ledger_bundle, near its end where the cells are (a fixed offset such as the middle
# of the file can fall on a free page, which no check can tell from a good one).
page=$(sqlite3 "$TMP/bad.db" "SELECT pageno FROM dbstat WHERE name = 'ledger_bundle' AND pagetype = 'leaf' ORDER BY payload DESC LIMIT 1")
psize=$(sqlite3 "$TMP/bad.db" "PRAGMA page_size")
printf 'XXXXXXXXXXXXXXXX' | dd of="$TMP/bad.db" bs=1 seek=$((page * psize - 200)) conv=notrunc 2>/dev/null
expect "a damaged backup is refused" 1 "$MAMORI" restore "$TMP/bad.db" --dir "$TMP/r2"
check "and nothing is left behind" "[ ! -e '$TMP/r2' ]"
# A copy older than a checkpoint an auditor kept is a rolled-back copy.
m record add asset --field title=後から --level 1 --section zeimu --field access_controlled=true \
	--as zeimu-1 >/dev/null
m ledger checkpoint >"$TMP/later.cp"
expect "the old copy against a later checkpoint is refused" 1 "$MAMORI" restore "$TMP/b1.db" \
	--dir "$TMP/r3" --checkpoint "$TMP/later.cp"
check "nothing restored" "[ ! -e '$TMP/r3/mamori.db' ]"
done_testing
