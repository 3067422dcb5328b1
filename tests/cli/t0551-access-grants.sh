#!/bin/sh
# t0551-access-grants: access rights the security officer sets are real (issue 10 §4,
# MIN-3-3-1, SHJ-2-4-2-ア). asset.access_rights is a list of grants (section:ID, user:LOGIN,
# role:ROLE@SCOPE, comma-separated); the record's own security officer sets it without
# approval; a granted person reads the record and applies for its actions as the record's
# section's staff would, with the same approvals; everyone else stays outside.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/core-lib.sh"
D="$TMP/minato"
expect "init --profile minato" 0 "$MAMORI" --dir "$D" init --profile minato
for s in "zeimu 税務課" "kumin 区民課" "joho 情報政策課"; do
	set -- $s
	m section add "$1" --name "$2" >/dev/null || not_ok "section $1"
done
m system add lan --name 庁内LAN --section joho >/dev/null
for u in "zeimu-1 zeimu" "zeimu-kacho zeimu" "kumin-1 kumin" "kumin-2 kumin" "sa-lan joho"; do
	set -- $u
	m user add "$1" --name "$1" --section "$2" >/dev/null || not_ok "user $1"
done
m role grant zeimu-kacho security_officer@section:zeimu >/dev/null
m role grant sa-lan system_manager@system:lan >/dev/null

new_record "a level 3 asset of 税務課" asset --field title=課税台帳 --field access_controlled=true \
	--level 3 --section zeimu --as zeimu-1
A=$rec
refused "MIN-3-3-1 another section's staff cannot copy it" MIN-3-3-1 \
	m act "$A" asset.copy --as kumin-1
expect "... nor read it (as if there were no such record)" 1 m record show "$A" --as kumin-1
err_has "... not found" "no record $A"

# Setting the grants: the record's security officer, at once; checked before kept.
refused "a member of staff does not set access rights" MIN-3-3-1 \
	m act "$A" asset.set_access --as zeimu-1 --field access_rights=user:kumin-1
expect "a grant of a section that does not exist is refused" 1 \
	m act "$A" asset.set_access --as zeimu-kacho --field "access_rights=user:kumin-1,section:nosuch"
err_has "... saying which" "no section 'nosuch'"
expect "a grant of a person who does not exist is refused" 1 \
	m act "$A" asset.set_access --as zeimu-kacho --field access_rights=user:nobody
err_has "... saying which" "no user 'nobody'"
expect "free text is not a grant" 1 \
	m act "$A" asset.set_access --as zeimu-kacho --field access_rights=区民課の職員
err_has "... and the error says how to write one" "section:ID, user:LOGIN or role:ROLE@SCOPE"
allowed "the security officer grants one person of 区民課, without approval" \
	m act "$A" asset.set_access --as zeimu-kacho --field "access_rights= user:kumin-1 ,role:system_manager@system:lan"
expect "the grants are kept in one spelling" 0 m record show "$A" --json
out_has "... comma-separated, trimmed" '"access_rights":"user:kumin-1,role:system_manager@system:lan"'
grants_rows() { sqlite3 "$D/mamori.db" "SELECT group_concat(principal, ' ') FROM (SELECT principal FROM record_grants WHERE record_id = $1 ORDER BY principal)"; }
check "the door keeps one record_grants row per grant" \
	"[ \"\$(grants_rows $A)\" = 'role:system_manager@system:lan user:kumin-1' ]"

# What a grant gives: the section's staff's reading and applying, with the same approvals.
expect "the granted person reads it" 0 m record show "$A" --as kumin-1
expect "... and it is in their list" 0 m record list asset --as kumin-1
out_has "... the asset is listed" "課税台帳"
asks "the granted person's copy waits for 税務課's security officer, as its staff's would" \
	"税務課 セキュリティ責任者" m act "$A" asset.copy --as kumin-1
expect "... who approves it" 0 m request approve "$req" --as zeimu-kacho
expect "the holder of a granted role reads it" 0 m record show "$A" --as sa-lan
expect "another person of 区民課 is still outside" 1 m record show "$A" --as kumin-2
refused "... and cannot copy it" MIN-3-3-1 m act "$A" asset.copy --as kumin-2
allowed "the officer grants the whole of 区民課" \
	m act "$A" asset.set_access --as zeimu-kacho --field access_rights=section:kumin
check "record_grants follows the new value" "[ \"\$(grants_rows $A)\" = 'section:kumin' ]"
expect "now kumin-2 reads it" 0 m record show "$A" --as kumin-2
expect "the person no longer named by a grant still reads it as 区民課's member" 0 \
	m record show "$A" --as kumin-1
expect "sa-lan, no longer granted, does not" 1 m record show "$A" --as sa-lan

# MIN-4-1-3-4: level 1 is not restricted to the managing section (3(3)① speaks of 3 and 2).
new_record "a level 1 asset of 税務課" asset --field title=区報原稿 --field access_controlled=true \
	--level 1 --section zeimu --as zeimu-1
asks "another section's staff applies to take level 1 out; 税務課's officer approves" \
	"税務課 セキュリティ責任者" m act "$rec" asset.take_out --as kumin-1 \
	--field destination=区民センター --field purpose=展示
refused "a level 3 take-out by another section stays refused" MIN-3-3-1 \
	m act "$A" asset.take_out --as sa-lan --field destination=外部 --field purpose=作業

done_testing
