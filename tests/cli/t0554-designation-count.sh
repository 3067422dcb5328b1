#!/bin/sh
# t0554-designation-count: Minato's operators of servers, networks and information systems are
# two or more (5(1)1)②, 5(2)1)②, 5(3)1)②; separation operators-two-or-more, kind at_least).
# The door counts the people designated and in force for each duty and system: a first
# designation names two, the last but one is not released alone, a system's group is its own,
# and a terminal manager (5(1)1)③, not counted) may be one.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/core-lib.sh"
D="$TMP/minato"
expect "init --profile minato" 0 "$MAMORI" --dir "$D" init --profile minato
for s in "joho 情報政策課" "zeimu 税務課"; do
	set -- $s
	m section add "$1" --name "$2" >/dev/null || not_ok "section $1"
done
m system add kokuho --name 国保システム --section joho >/dev/null
m system add zeimu-sys --name 税務システム --section zeimu >/dev/null
for u in "sa joho" "sa2 zeimu" "op1 joho" "op2 joho" "op3 joho" "kacho zeimu" "tm1 zeimu"; do
	set -- $u
	m user add "$1" --name "$1" --section "$2" >/dev/null || not_ok "user $1"
done
m role grant sa system_manager@system:kokuho >/dev/null
m role grant sa2 system_manager@system:zeimu-sys >/dev/null
m role grant kacho security_officer@section:zeimu >/dev/null

SRV="--field kind=サーバー等 --system kokuho"
refused "MIN-5-1-1-2 one server operator alone is refused" MIN-5-1-1-2 \
	"$MAMORI" --dir "$D" record add designation --field person=op1 $SRV --as sa
out_has "... saying how many there would be" "at least 2 people, but after this act 1"
expect "... the reason as JSON" 3 "$MAMORI" --dir "$D" record add designation \
	--field person=op1 $SRV --as sa --json
out_has "... too_few" '"reason":"too_few"'
new_record "two designated at once" designation --field person=op1,op2 $SRV --as sa
A=$rec
new_record "a third is added alone" designation --field person=op3 $SRV --as sa
B=$rec
refused "releasing the two would leave one: refused" MIN-5-1-1-2 m act "$A" designation.revoke --as sa
allowed "releasing the third leaves two" m act "$B" designation.revoke --as sa
allowed "releasing the last two leaves none" m act "$A" designation.revoke --as sa

refused "MIN-5-3-1-2 another system is its own group: one alone is refused" MIN-5-3-1-2 \
	"$MAMORI" --dir "$D" record add designation --field person=op1 --field kind=情報システム \
	--system zeimu-sys --as sa2
new_record "MIN-5-2-1-2 two network operators of that system" designation --field person=op1,op2 \
	--field kind=ネットワーク --system zeimu-sys --as sa2
expect "one person named twice is not two" 1 "$MAMORI" --dir "$D" record add designation \
	--field person=op3,op3 --field kind=ネットワーク --system kokuho --as sa
err_has "... it is bad input" "'op3' is given twice"
new_record "MIN-5-1-1-3 a terminal manager may be one" designation --field person=tm1 \
	--field kind=端末装置 --section zeimu --as kacho

expect "policy show names the constraint" 0 "$MAMORI" policy show --profile minato
out_has "... in Japanese" "指名された職員等は2人以上とする"
done_testing
