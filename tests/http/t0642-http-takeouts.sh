#!/bin/sh
# t0642: 持出し中 in the browser: the take-out list per section with overdue marked and first,
# only what the reader may read; the overdue take-out on the taker's and on the section
# officer's dashboards, not on others'; bringing it back takes it off.
. "${MAMORI_SRCDIR:?}/tests/http/lib.sh"

take() { m act "$1" asset.take_out --as "$2" --field destination=区民センター --field purpose=出張窓口 \
	--field return_due="$3" | sed -n 's/^pending: request \([0-9]*\).*/\1/p'; }

ward_make
R=$(take "$Z3" sato "$(day -3)")
m request approve "$R" --as suzuki >/dev/null
R=$(take "$Z3B" suzuki "$(day 4)")
server_start

is "sato logs in" 303 "$(login sato "$PW" "$TMP/jar-sato")"
is "the take-out list" 200 "$(status -b "$TMP/jar-sato" "${URL}takeouts")"
check "lists 住民税課税台帳" "grep -q '住民税課税台帳' '$TMP/body'"
check "marks it overdue" "grep -q 'class=\"overdue\"' '$TMP/body'"
check "with its due date as the office writes it" "grep -q '令和' '$TMP/body' && grep -q \"$(day -3)\" '$TMP/body'"
check "and how long overdue" "grep -q '3日超過\|3 days overdue' '$TMP/body'"
check "offers to bring it back" "grep -q 'action=asset.bring_back' '$TMP/body'"
check "the waiting take-out is not out yet" "! grep -q '固定資産税評価資料' '$TMP/body'"
is "filtered by section" 200 "$(status -b "$TMP/jar-sato" "${URL}takeouts?section=kumin")"
check "kumin has none" "! grep -q '住民税課税台帳' '$TMP/body'"
is "sato's dashboard" 200 "$(status -b "$TMP/jar-sato" "${URL}")"
check "shows the overdue take-out" "grep -q 'takeouts-h' '$TMP/body' && grep -q '住民税課税台帳' '$TMP/body'"

is "suzuki logs in" 303 "$(login suzuki "$PW" "$TMP/jar-suzuki")"
is "suzuki's dashboard" 200 "$(status -b "$TMP/jar-suzuki" "${URL}")"
check "the officer sees it too" "grep -q 'takeouts-h' '$TMP/body'"

is "tanaka logs in" 303 "$(login tanaka "$PW" "$TMP/jar-tanaka")"
is "tanaka's dashboard" 200 "$(status -b "$TMP/jar-tanaka" "${URL}")"
check "has no such card" "! grep -q 'takeouts-h' '$TMP/body'"
is "tanaka's take-out list" 200 "$(status -b "$TMP/jar-tanaka" "${URL}takeouts")"
check "does not show 税務課's level 3 asset" "! grep -q '住民税課税台帳' '$TMP/body'"

m act "$Z3" asset.bring_back --as sato >/dev/null
is "after bringing it back" 200 "$(status -b "$TMP/jar-sato" "${URL}takeouts")"
check "it is off the list" "! grep -q '住民税課税台帳' '$TMP/body'"
is "and off the dashboard" 200 "$(status -b "$TMP/jar-sato" "${URL}")"
check "no card" "! grep -q 'takeouts-h' '$TMP/body'"
done_testing
