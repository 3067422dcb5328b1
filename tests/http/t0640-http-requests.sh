#!/bin/sh
# t0640: requests in the browser: the applicant sees no approve/reject panel on their own
# request but a 取下げ form that asks for confirmation; withdrawing is recorded (state 取下げ,
# the ledger); the approver's lists show the record's name and level; a decided request names
# the decider with their title; a cancelled request says why; the API withdraws too.
. "${MAMORI_SRCDIR:?}/tests/http/lib.sh"

ward_make
m user set suzuki --title 税務課長 >/dev/null
server_start

req_of() { m act "$1" asset.copy --as "$2" | sed -n 's/^pending: request \([0-9]*\).*/\1/p'; }
R1=$(req_of "$Z3" sato)
R2=$(req_of "$Z3" sato)

is "sato logs in" 303 "$(login sato "$PW" "$TMP/jar-sato")"
is "sato reads their request" 200 "$(status -b "$TMP/jar-sato" "${URL}requests/$R1")"
check "no approve button for the applicant" "! grep -q '/requests/$R1/approve' '$TMP/body'"
check "no reject button for the applicant" "! grep -q '/requests/$R1/reject' '$TMP/body'"
check "a withdraw form instead" "grep -q 'action=\"/requests/$R1/withdraw\"' '$TMP/body'"
check "it asks for confirmation" "grep -q 'name=\"confirm\"[^>]*required' '$TMP/body'"
check "the record is named" "grep -q '住民税課税台帳' '$TMP/body'"

C=$(csrf_of "$TMP/jar-sato" "/requests/$R1")
is "withdrawing without the confirmation is refused" 400 \
	"$(status -b "$TMP/jar-sato" --data-urlencode "csrf=$C" "${URL}requests/$R1/withdraw")"
check "and says to tick the box" "grep -q '確認欄にチェック' '$TMP/body'"
is "withdrawing with it" 303 \
	"$(status -b "$TMP/jar-sato" --data-urlencode "csrf=$C" --data-urlencode confirm=1 \
		--data-urlencode "comment=誤って申請" "${URL}requests/$R1/withdraw")"
is "the request page" 200 "$(status -b "$TMP/jar-sato" "${URL}requests/$R1?notice=withdrawn")"
check "shows 取下げ" "grep -q '<dd>取下げ</dd>' '$TMP/body'"
check "and the reason" "grep -q '誤って申請' '$TMP/body'"
check "and no withdraw form any more" "! grep -q '/requests/$R1/withdraw' '$TMP/body'"
m request show "$R1" --json >"$TMP/show.json"
check "the store says withdrawn" "grep -q '\"state\":\"withdrawn\"' '$TMP/show.json'"
check "by the web" "grep -q '\"kind\":\"request.withdraw\"' '$TMP/show.json' && grep -q '\"via\":\"web\"' '$TMP/show.json'"

is "suzuki logs in" 303 "$(login suzuki "$PW" "$TMP/jar-suzuki")"
is "suzuki's inbox" 200 "$(status -b "$TMP/jar-suzuki" "${URL}requests")"
check "lists the record's name" "grep -q '住民税課税台帳' '$TMP/body'"
check "and its level" "grep -q 'class=\"level' '$TMP/body'"
check "the withdrawn request no longer waits for suzuki" \
	"! sed -n '/id=\"to-approve\"/,/id=\"mine\"/p' '$TMP/body' | grep -q '/requests/$R1\"'"
is "suzuki opens R2" 200 "$(status -b "$TMP/jar-suzuki" "${URL}requests/$R2")"
check "the approver gets the approve form" "grep -q '/requests/$R2/approve' '$TMP/body'"
check "and no withdraw form" "! grep -q '/requests/$R2/withdraw' '$TMP/body'"
C=$(csrf_of "$TMP/jar-suzuki" "/requests/$R2")
is "suzuki rejects R2" 303 "$(status -b "$TMP/jar-suzuki" --data-urlencode "csrf=$C" \
	--data-urlencode "comment=目的が不明確" "${URL}requests/$R2/reject")"
is "sato reads the decision" 200 "$(status -b "$TMP/jar-sato" "${URL}requests/$R2")"
check "who decided, with the title" "grep -q '鈴木一郎（税務課長）' '$TMP/body'"
check "why" "grep -q '目的が不明確' '$TMP/body'"
check "never a login instead of the name" "! grep -q '>suzuki<' '$TMP/body'"

# A cancelled request says why.
R3=$(req_of "$K3" tanaka)
m user retire tanaka >/dev/null
is "yamada logs in" 303 "$(login yamada "$PW" "$TMP/jar-yamada")"
is "yamada reads the cancelled request" 200 "$(status -b "$TMP/jar-yamada" "${URL}requests/$R3")"
check "shows 取消し" "grep -q '<dd>取消し</dd>' '$TMP/body'"
check "with the reason" "grep -q '申請者が退職したため' '$TMP/body'"

# The API withdraws with the applicant's token, and refuses anyone else.
R4=$(req_of "$Z3" sato)
T_SATO=$(token sato)
T_SUZUKI=$(token suzuki)
is "suzuki's token cannot withdraw sato's request" 403 "$(status -X POST \
	-H "Authorization: Bearer $T_SUZUKI" "${URL}api/v1/requests/$R4/withdraw")"
check "the refusal names the reason code" "grep -q 'not_applicant\|only its applicant' '$TMP/body'"
is "sato's token withdraws it" 200 "$(status -X POST -H "Authorization: Bearer $T_SATO" \
	"${URL}api/v1/requests/$R4/withdraw")"
is "the API shows it withdrawn" 200 "$(status -H "Authorization: Bearer $T_SATO" \
	"${URL}api/v1/requests/$R4")"
check "state withdrawn" "grep -q '\"state\":\"withdrawn\"' '$TMP/body'"
done_testing
