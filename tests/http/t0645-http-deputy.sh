#!/bin/sh
# t0645: 代決 in the browser. The 課長 (security_officer) is away; the person the ward named as
# the section's deputy (deputy_security_officer@section:zeimu, a ward's choice in the profile)
# sees the request in their inbox, gets the panel "代決で承認する" and approves with
# acting_for=security_officer, as `mamori request approve --context acting_for=...` does; the
# decision names them and says 代決; a deputy of another section gets nothing of it.
. "${MAMORI_SRCDIR:?}/tests/http/lib.sh"

ward_make
printf '%s\n' "$PW" | m user add hosa --name "高木 恵" --section zeimu --title 税務課長補佐 \
	--password-stdin >/dev/null
printf '%s\n' "$PW" | m user add kumin-hosa --name "松井 修" --section kumin --password-stdin \
	>/dev/null
m role grant hosa deputy_security_officer@section:zeimu >/dev/null
m role grant kumin-hosa deputy_security_officer@section:kumin >/dev/null
server_start

R=$(m act "$Z3" asset.copy --as sato | sed -n 's/^pending: request \([0-9]*\).*/\1/p')
is "the copy waits for the 課長" 1 "$([ -n "$R" ] && echo 1 || echo 0)"

is "the deputy logs in" 303 "$(login hosa "$PW" "$TMP/jar-hosa")"
is "the deputy's inbox" 200 "$(status -b "$TMP/jar-hosa" "${URL}inbox")"
check "lists the request, to decide as deputy" "grep -q '申請第${R}号.*代決' '$TMP/body'"
is "the requests page" 200 "$(status -b "$TMP/jar-hosa" "${URL}requests")"
check "lists it among those to decide" "sed -n '/id=\"to-approve\"/,/id=\"mine\"/p' '$TMP/body' | grep -q '/requests/$R\"'"
expect "the CLI lists it for the deputy" 0 m request list --to-approve --as hosa --json
check "by its number" "grep -q '\"id\":$R' '$TMP/out'"
is "the request" 200 "$(status -b "$TMP/jar-hosa" "${URL}requests/$R")"
check "says the deputy decides for the 課長" "grep -q 'セキュリティ責任者の代理として決裁します' '$TMP/body'"
check "offers 代決で承認する" "grep -q '代決で承認する' '$TMP/body'"
check "posting acting_for" "grep -q 'name=\"acting_for\" value=\"security_officer\"' '$TMP/body'"

is "the other section's deputy logs in" 303 "$(login kumin-hosa "$PW" "$TMP/jar-kh")"
is "cannot open 税務課's request" 404 "$(status -b "$TMP/jar-kh" "${URL}requests/$R")"
C=$(csrf_of "$TMP/jar-kh" /inbox)
is "nor approve it" 404 "$(status -b "$TMP/jar-kh" --data-urlencode "csrf=$C" \
	--data-urlencode acting_for=security_officer "${URL}requests/$R/approve")"

C=$(csrf_of "$TMP/jar-hosa" "/requests/$R")
is "the deputy approves" 303 "$(status -b "$TMP/jar-hosa" --data-urlencode "csrf=$C" \
	--data-urlencode acting_for=security_officer --data-urlencode "comment=課長不在のため代決" \
	"${URL}requests/$R/approve")"
m request show "$R" --json >"$TMP/show.json"
check "the request is approved" "grep -q '\"state\":\"approved\"' '$TMP/show.json'"
check "by the deputy, acting for the 課長" "grep -q '\"acting_for\":\"security_officer\"' '$TMP/show.json'"
is "sato logs in" 303 "$(login sato "$PW" "$TMP/jar-sato")"
is "sato reads the decision" 200 "$(status -b "$TMP/jar-sato" "${URL}requests/$R")"
check "naming the deputy with the title" "grep -q '高木 恵（税務課長補佐）' '$TMP/body'"
check "and saying 代決" "grep -q '代決' '$TMP/body'"
expect "the ledger verifies" 0 "$MAMORI" --dir "$D" ledger verify
done_testing
