#!/bin/sh
# t0514: acts from many processes at once. Parallel approvals of one request by two eligible
# approvers: exactly one is done, the others refused, the action applied once. Parallel
# record adds: none lost, the ledger has one entry per act and verifies.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/core-lib.sh"
D="$TMP/w"

expect "init" 0 "$MAMORI" --dir "$D" init --profile minato
m section add zeimu --name 税務課 >/dev/null
for u in sato so-1 so-2; do m user add "$u" --name "$u" --section zeimu >/dev/null; done
m role grant so-1 security_officer@section:zeimu >/dev/null
m role grant so-2 security_officer@section:zeimu >/dev/null
new_record "an asset of level 3" asset --field title=課税台帳 --field access_controlled=true \
	--level 3 --section zeimu --as sato
A=$rec

for round in 1 2 3; do
	asks "round $round: a copy waits for the security officer" "税務課 セキュリティ責任者" \
		"$MAMORI" --dir "$D" act "$A" asset.copy --as sato
	R=$req
	for i in 1 2 3 4 5 6 7 8 9 10; do
		who=so-$((i % 2 + 1))
		("$MAMORI" --dir "$D" request approve "$R" --as "$who" >"$TMP/o.$i" 2>"$TMP/e.$i"
			echo $? >"$TMP/rc.$i") &
	done
	wait
	done_n=0
	refused_n=0
	for i in 1 2 3 4 5 6 7 8 9 10; do
		case $(cat "$TMP/rc.$i") in
		0) done_n=$((done_n + 1)) ;;
		3) refused_n=$((refused_n + 1)) ;;
		*) diag "approver $i: $(cat "$TMP/e.$i")" ;;
		esac
	done
	check "round $round: exactly one approval is done ($done_n)" "[ $done_n -eq 1 ]"
	check "round $round: the nine others are refused ($refused_n)" "[ $refused_n -eq 9 ]"
done
check "the copy was applied three times, once per request (version 4)" \
	"[ $(sqlite3 "$D/mamori.db" "SELECT version FROM records WHERE id = $A") -eq 4 ]"

before=$(sqlite3 "$D/mamori.db" "SELECT count(*) FROM records")
for p in 1 2 3 4 5 6 7 8; do
	(for i in 1 2 3 4 5; do
		"$MAMORI" --dir "$D" record add asset --field title="並行 $p-$i" --level 2 \
			--section zeimu --field access_controlled=true --as sato >/dev/null 2>>"$TMP/adderr" ||
			echo fail >>"$TMP/addfail"
	done) &
done
wait
check "no add failed" "[ ! -s '$TMP/addfail' ]"
[ -s "$TMP/adderr" ] && diag "$(head -5 "$TMP/adderr")"
check "forty records added" \
	"[ $(sqlite3 "$D/mamori.db" "SELECT count(*) FROM records") -eq $((before + 40)) ]"
check "one ledger entry per act" \
	"[ $(sqlite3 "$D/mamori.db" 'SELECT count(*) FROM acts') -eq $(sqlite3 "$D/mamori.db" 'SELECT size FROM ledger_head') ]"
expect "the ledger verifies" 0 "$MAMORI" --dir "$D" ledger verify
done_testing
