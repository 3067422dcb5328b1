#!/bin/sh
# t0602-http-authz: object-level authorization, role × page × another section's records, in the
# browser pages and the API alike.
. "${MAMORI_SRCDIR:?}/tests/http/lib.sh"
ward_make
server_start

for u in sato suzuki tanaka yamada; do
	is "$u logs in" 303 "$(login $u "$PW" "$TMP/jar-$u")"
done
is "admin logs in" 303 "$(login admin "$ADMIN_PW" "$TMP/jar-admin")"

# Who may see the 税務課 level-3 record Z3: its section (staff and head) and the administrator.
# 区民課 staff and 区民課's own security officer may not (MIN-3-3-1: no rule grants it).
for u in sato suzuki admin; do
	is "$u sees 税務課 level 3 (page)" 200 "$(status -b "$TMP/jar-$u" "${URL}records/$Z3")"
	is "$u sees the action form" 200 "$(status -b "$TMP/jar-$u" "${URL}records/$Z3/act?action=asset.copy")"
done
for u in tanaka yamada; do
	is "$u: 税務課 level-3 record is not found" 404 "$(status -b "$TMP/jar-$u" "${URL}records/$Z3")"
	check "$u: nothing of it on the error page" '! grep -q 住民税課税台帳 "$TMP/body"'
	is "$u: its action form is not found" 404 "$(status -b "$TMP/jar-$u" "${URL}records/$Z3/act?action=asset.copy")"
	c=$(csrf_of "$TMP/jar-$u" /)
	is "$u: acting on it is refused" 404 "$(status -b "$TMP/jar-$u" --data-urlencode "csrf=$c" --data-urlencode action=asset.copy "${URL}records/$Z3/act")"
	curl -s -b "$TMP/jar-$u" "${URL}registers/asset" >"$TMP/list"
	check "$u: the list leaves it out" '! grep -q 住民税課税台帳 "$TMP/list"'
	check "$u: the list shows their own section's record" 'grep -q 住民基本台帳 "$TMP/list"'
	curl -s -b "$TMP/jar-$u" "${URL}registers/asset?section=zeimu&level=3" >"$TMP/list"
	check "$u: filtering for it finds nothing" '! grep -q 住民税課税台帳 "$TMP/list"'
	is "$u: a level-1 record of any section is readable" 200 "$(status -b "$TMP/jar-$u" "${URL}records/$K1")"
done
is "sato: 区民課 level 3 is not found" 404 "$(status -b "$TMP/jar-sato" "${URL}records/$K3")"
is "sato: a record that does not exist looks the same" 404 "$(status -b "$TMP/jar-sato" "${URL}records/999999")"

# Administration: administrators only, GET and POST.
for u in sato suzuki tanaka yamada; do
	for p in admin admin/sections admin/users admin/roles admin/tokens; do
		is "$u: /$p is forbidden" 403 "$(status -b "$TMP/jar-$u" "${URL}$p")"
	done
	c=$(csrf_of "$TMP/jar-$u" /)
	is "$u: adding a section is forbidden" 403 "$(status -b "$TMP/jar-$u" --data-urlencode "csrf=$c" --data-urlencode id=x --data-urlencode name=x "${URL}admin/sections")"
	is "$u: suspending someone is forbidden" 403 "$(status -b "$TMP/jar-$u" --data-urlencode "csrf=$c" --data-urlencode op=suspend "${URL}admin/users/sato")"
done

# Requests: sato applies to take Z3 out; only the applicant and 税務課's security officer see it.
c=$(csrf_of "$TMP/jar-sato" "/records/$Z3/act?action=asset.take_out")
curl -s -b "$TMP/jar-sato" -o /dev/null -w '%{redirect_url}' --data-urlencode "csrf=$c" \
	--data-urlencode action=asset.take_out --data-urlencode version=1 \
	--data-urlencode "f.destination=区民センター" --data-urlencode "f.purpose=相談" \
	"${URL}records/$Z3/act" >"$TMP/loc"
REQ=$(sed -n 's|.*/requests/\([0-9]*\).*|\1|p' "$TMP/loc")
check "sato's take-out waits as a request" '[ -n "$REQ" ]'
is "sato sees her request" 200 "$(status -b "$TMP/jar-sato" "${URL}requests/$REQ")"
is "suzuki (approver) sees it" 200 "$(status -b "$TMP/jar-suzuki" "${URL}requests/$REQ")"
is "tanaka does not" 404 "$(status -b "$TMP/jar-tanaka" "${URL}requests/$REQ")"
is "yamada (区民課 head) does not" 404 "$(status -b "$TMP/jar-yamada" "${URL}requests/$REQ")"
c=$(csrf_of "$TMP/jar-yamada" /)
is "yamada cannot approve 税務課's request" 404 "$(status -b "$TMP/jar-yamada" --data-urlencode "csrf=$c" "${URL}requests/$REQ/approve")"
c=$(csrf_of "$TMP/jar-sato" "/requests/$REQ")
is "sato cannot approve her own request" 403 "$(status -b "$TMP/jar-sato" --data-urlencode "csrf=$c" "${URL}requests/$REQ/approve")"
c=$(csrf_of "$TMP/jar-suzuki" "/requests/$REQ")
is "suzuki approves" 303 "$(status -b "$TMP/jar-suzuki" --data-urlencode "csrf=$c" --data-urlencode "comment=承認" "${URL}requests/$REQ/approve")"
is "approving twice is refused" 403 "$(status -b "$TMP/jar-suzuki" --data-urlencode "csrf=$c" "${URL}requests/$REQ/approve")"

# Ledger: checkpoint, key and proofs for everyone; what entries say and the export only for
# administrators and ward-wide roles.
is "staff: ledger page" 200 "$(status -b "$TMP/jar-tanaka" "${URL}ledger")"
is "staff: export is forbidden" 403 "$(status -b "$TMP/jar-tanaka" "${URL}ledger/export")"
status -b "$TMP/jar-tanaka" "${URL}ledger/entry?index=5" >/dev/null
check "staff: an entry shows its proof, not its content" 'grep -q "包含証明" "$TMP/body" && ! grep -q "<dl class=\"props\">" "$TMP/body"'
is "admin: export" 200 "$(status -b "$TMP/jar-admin" "${URL}ledger/export")"

# The API: the same rules with tokens.
for u in sato tanaka yamada; do
	eval "T_$u=\$(token $u)"
done
A_s="Authorization: Bearer $T_sato"
A_t="Authorization: Bearer $T_tanaka"
is "API: sato reads Z3" 200 "$(status -H "$A_s" "${URL}api/v1/records/$Z3")"
is "API: tanaka cannot" 404 "$(status -H "$A_t" "${URL}api/v1/records/$Z3")"
curl -s -H "$A_t" "${URL}api/v1/records?register=asset" >"$TMP/list"
check "API: tanaka's list leaves Z3 out" '! grep -q "\"id\":$Z3," "$TMP/list"'
check "API: tanaka's list has K3" 'grep -q "\"id\":$K3," "$TMP/list"'
is "API: tanaka cannot act on Z3" 404 "$(status -H "$A_t" -H 'Content-Type: application/json' -d '{"action":"asset.copy"}' "${URL}api/v1/records/$Z3/actions")"
is "API: tanaka cannot see sato's request" 404 "$(status -H "$A_t" "${URL}api/v1/requests/$REQ")"
is "API: tanaka cannot read ledger entries" 403 "$(status -H "$A_t" "${URL}api/v1/ledger/entries/1")"
is "API: proofs are for everyone" 200 "$(status -H "$A_t" "${URL}api/v1/ledger/checkpoint")"
is "API: a token opens no pages" 303 "$(status -H "$A_t" "${URL}registers")"

# Acting through the API goes through the door: a level-3 copy needs approval.
is "API: acting on a record that does not exist" 404 "$(status -H "$A_s" -H 'Content-Type: application/json' -d '{"action":"asset.copy"}' "${URL}api/v1/records/999999/actions")"
is "API: sato asks to transmit Z3B" 202 "$(status -H "$A_s" -H 'Content-Type: application/json' -d '{"action":"asset.transmit","comment":"API"}' "${URL}api/v1/records/$Z3B/actions")"
check "API: the answer names the approver" 'grep -q "security_officer" "$TMP/body"'

# AuthZEN: decision true only for allow; approval is false with approvers in context.
# Asking about another person takes an administrator's token (a token speaks for its own user).
T_admin=$(token admin)
ev() { curl -s -H "Authorization: Bearer $T_admin" -H 'Content-Type: application/json' -d "$1" "${URL}access/v1/evaluation"; }
ev '{"subject":{"type":"user","id":"tanaka"},"action":{"name":"read"},"resource":{"type":"asset","properties":{"level":"1","section":"zeimu"}}}' >"$TMP/ev"
check "AuthZEN: level 1 read is allowed" 'grep -q "^{\"decision\":true" "$TMP/ev"'
ev '{"subject":{"type":"user","id":"tanaka"},"action":{"name":"asset.copy"},"resource":{"type":"asset","properties":{"level":"3","section":"kumin","state":"active"}}}' >"$TMP/ev"
check "AuthZEN: level 3 copy needs approval: decision false" 'grep -q "^{\"decision\":false" "$TMP/ev"'
check "AuthZEN: effect approval with the approver and clause" 'grep -q "\"effect\":\"approval\"" "$TMP/ev" && grep -q "section:kumin" "$TMP/ev" && grep -q "MIN-3-3-3" "$TMP/ev"'
ev '{"subject":{"type":"user","id":"nobody"},"action":{"name":"asset.copy"},"resource":{"type":"asset"}}' >"$TMP/ev"
check "AuthZEN: an unknown subject is an error, not a decision" 'grep -q "not a Mamori user" "$TMP/ev"'
# The history is shown as the ledger has it: an act row edited behind the ledger's back shows.
curl -s -b "$TMP/jar-sato" "${URL}records/$Z3" >"$TMP/rec"
check "history rows match the ledger" 'grep -q "監査ログと一致" "$TMP/rec" && ! grep -q "一致しません" "$TMP/rec"'
sqlite3 "$D/mamori.db" "UPDATE acts SET at_ms = at_ms + 1 WHERE record_id = $Z3 AND action = 'asset.take_out'"
curl -s -b "$TMP/jar-sato" "${URL}records/$Z3" >"$TMP/rec"
check "an edited act row no longer matches the ledger" 'grep -q "一致しません" "$TMP/rec"'
done_testing
