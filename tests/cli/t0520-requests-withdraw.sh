#!/bin/sh
# t0520: requests people can live with: the applicant withdraws (取下げ, state withdrawn, only
# the applicant, ledgered), a retired applicant's pending requests are cancelled with a reason,
# decisions name the decider with their title (池田 勝（税務課長）), titles and
# addresses of people.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/core-lib.sh"
D="$TMP/minato"

expect "init --profile minato" 0 "$MAMORI" --dir "$D" init --profile minato
m section add zeimu --name 税務課 >/dev/null
m section add somu --name 総務課 >/dev/null
m user add zeimu-1 --name "橋本 聡" --section zeimu >/dev/null
m user add zeimu-2 --name "阿部 奈緒" --section zeimu >/dev/null
expect "a user with a title and an address" 0 \
	"$MAMORI" --dir "$D" user add zeimu-kacho --name "池田 勝" --section zeimu --title 税務課長 \
	--email zeimu-kacho@example.lg.jp
expect "a bad address is refused" 1 \
	"$MAMORI" --dir "$D" user add x-1 --name X --section zeimu --email "not an address"
err_one_line "the refusal is one line"
err_has "it names the address" "'not an address' is not an e-mail address"
m user add fukukucho --name "高橋 修" --section somu --title 副区長 >/dev/null
m user add somubucho --name "伊藤 直樹" --section somu >/dev/null
expect "user set changes a title" 0 "$MAMORI" --dir "$D" user set somubucho --title 総務部長
expect "user show --json carries title and email" 0 "$MAMORI" --dir "$D" user show zeimu-kacho --json
json_is "title" "d['title']" "税務課長"
json_is "email" "d['email']" "zeimu-kacho@example.lg.jp"
expect "user set --email '' clears it" 0 "$MAMORI" --dir "$D" user set zeimu-kacho --email ''
run "$MAMORI" --dir "$D" user show zeimu-kacho --json
json_is "cleared" "d['email']" "None"
expect "user set without a change is a usage error" 2 "$MAMORI" --dir "$D" user set zeimu-kacho
m role grant zeimu-kacho security_officer@section:zeimu >/dev/null

new_record "a level 3 asset" asset --field title=住民税課税台帳 --field access_controlled=true \
	--level 3 --section zeimu --as zeimu-1
A=$rec

# 取下げ: only the applicant, only while pending.
asks "a copy needs the security officer" "税務課 セキュリティ責任者" \
	"$MAMORI" --dir "$D" act "$A" asset.copy --as zeimu-1
R1=$req
expect "another person cannot withdraw it" 3 "$MAMORI" --dir "$D" request withdraw "$R1" --as zeimu-2
out_has "the refusal says only the applicant may" "only its applicant 'zeimu-1' may withdraw it"
expect "the approver cannot withdraw it either" 3 \
	"$MAMORI" --dir "$D" request withdraw "$R1" --as zeimu-kacho
expect "the applicant withdraws it" 0 \
	"$MAMORI" --dir "$D" request withdraw "$R1" --as zeimu-1 --comment 誤って申請 --json
json_is "outcome done" "d['outcome']" "done"
expect "request show" 0 "$MAMORI" --dir "$D" request show "$R1" --json
json_is "state withdrawn" "d['state']" "withdrawn"
json_is "decided by the applicant" "d['decided_by']" "zeimu-1"
json_is "with the reason" "d['decision_comment']" "誤って申請"
json_is "the history holds the withdrawal" "[h['kind'] for h in d['history']][-1]" "request.withdraw"
expect "a withdrawn request cannot be approved" 3 \
	"$MAMORI" --dir "$D" request approve "$R1" --as zeimu-kacho
out_has "it says so" "already withdrawn"
expect "nor withdrawn twice" 3 "$MAMORI" --dir "$D" request withdraw "$R1" --as zeimu-1
expect "request list --state withdrawn" 0 "$MAMORI" --dir "$D" request list --state withdrawn --json
json_is "lists it" "[q['id'] for q in d]" "[$R1]"
expect "withdraw needs --as" 2 "$MAMORI" --dir "$D" request withdraw "$R1"
expect "withdraw of an unknown request" 1 "$MAMORI" --dir "$D" request withdraw 999 --as zeimu-1

# The decider is named with their title.
asks "another copy" "税務課 セキュリティ責任者" "$MAMORI" --dir "$D" act "$A" asset.copy --as zeimu-1
R2=$req
expect "the 課長 rejects it" 0 "$MAMORI" --dir "$D" request reject "$R2" --as zeimu-kacho \
	--comment 目的が不明確
expect "request show" 0 "$MAMORI" --dir "$D" request show "$R2" --json
json_is "state rejected" "d['state']" "rejected"
json_is "decided_by_name carries name and title" "d['decided_by_name']" "池田 勝（税務課長）"
json_is "decided has a time" "d['decided'] is not None" "True"

# A retired applicant's pending requests are cancelled, with the reason.
asks "a third copy" "税務課 セキュリティ責任者" "$MAMORI" --dir "$D" act "$A" asset.copy --as zeimu-2
R4=$req
expect "zeimu-2 retires" 0 "$MAMORI" --dir "$D" user retire zeimu-2
expect "request show" 0 "$MAMORI" --dir "$D" request show "$R4" --json
json_is "state cancelled" "d['state']" "cancelled"
json_is "closed_reason applicant_retired" "d['closed_reason']" "applicant_retired"
json_is "no decider" "d['decided_by']" "None"
expect "a cancelled request cannot be approved" 3 \
	"$MAMORI" --dir "$D" request approve "$R4" --as zeimu-kacho
expect "the ledger verifies" 0 "$MAMORI" --dir "$D" ledger verify
done_testing
