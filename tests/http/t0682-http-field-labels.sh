#!/bin/sh
# t0682: a refusal names a field by the profile's label on a web page, whatever the label holds.
# The door names a field "label (id)" in one argument (the CLI shows both), and the page drops
# the " (id)" (web/outcome.c without_ids); a label that itself holds " (lowercase)" keeps it:
# only the id, the last group, goes (it went too: 「監査の終わり (yyyy-mm-dd)」 showed as
# 「監査の終わり」).
. "${MAMORI_SRCDIR:?}/tests/http/lib.sh"

# Minato's profile with the audit period's end labelled "監査の終わり (yyyy-mm-dd)"
sed 's/period_until: {type: date, name: 監査の期間（終了日）}/period_until: {type: date, name: 監査の終わり (yyyy-mm-dd)}/' \
	"$MAMORI_SRCDIR/policies/minato.yaml" >"$TMP/ward.yaml"
check "(the profile's label changed)" "grep -q '監査の終わり (yyyy-mm-dd)' '$TMP/ward.yaml'"
m init --profile "$TMP/ward.yaml" >"$TMP/init.out" 2>&1 || { cat "$TMP/init.out"; exit 1; }
m section add zeimu --name 税務課 >/dev/null
m section add kaikei --name 会計室 >/dev/null
for u in "chief 統括管理 zeimu" "kansa 監査一 kaikei"; do
	set -- $u
	printf '%s\n' "$PW" | m user add "$1" --name "$2" --section "$3" --password-stdin >/dev/null
done
m role grant chief system_chief@org >/dev/null
m role grant kansa auditor@org >/dev/null
server_start

is "the chief logs in" 303 "$(login chief "$PW" "$TMP/jar-chief")"
C=$(csrf_of "$TMP/jar-chief" /audits)
is "an audit whose period ends before it begins is refused" 400 "$(status -b "$TMP/jar-chief" \
	--data-urlencode "csrf=$C" --data-urlencode "title=税務課監査" --data-urlencode section=zeimu \
	--data-urlencode "team=kansa" --data-urlencode "from=$(day 10)" --data-urlencode "until=$(day 1)" \
	"${URL}audits")"
check "the page names the end by its whole label, in Japanese" \
	"grep -q '項目「監査の終わり (yyyy-mm-dd)」の $(day 1) が項目「監査の期間（開始日）」の $(day 10) より前です' '$TMP/body'"
check "and no field id" "! grep -q 'period_until\|period_from' '$TMP/body'"
expect "the CLI" 1 m audit plan --title x --section zeimu --team kansa --from "$(day 10)" \
	--until "$(day 1)" --as chief
err_has "shows the label and the id its options take" \
	"field '監査の終わり (yyyy-mm-dd) (period_until)' $(day 1) is before field '監査の期間（開始日） (period_from)'"

done_testing
