#!/bin/sh
# t0604-http-review: the review of the web server (issue 6): ward-wide roles read through the
# policy, checkpoints while serving, AuthZEN and API scoping, sessions ended on reset, token
# ledger entries, login throttling, paged record lists.
. "${MAMORI_SRCDIR:?}/tests/http/lib.sh"
ward_make
# kimura: 区民課 staff holding a ward-wide role (council@org); no rule lets it read 税務課 level 3.
printf '%s\n' "$PW" | m user add kimura --name 木村 --section kumin --password-stdin >/dev/null
m role grant kimura council@org >/dev/null
server_start

is "kimura logs in" 303 "$(login kimura "$PW" "$TMP/jar-kimura")"
is "council@org: 税務課 level-3 record is not found" 404 \
	"$(status -b "$TMP/jar-kimura" "${URL}records/$Z3")"
curl -s -b "$TMP/jar-kimura" "${URL}registers/asset" >"$TMP/list"
check "council@org: the list leaves it out" '! grep -q 住民税課税台帳 "$TMP/list"'
check "council@org: the list shows its own section's record" 'grep -q 住民基本台帳 "$TMP/list"'
curl -s -b "$TMP/jar-kimura" "${URL}registers/asset?section=zeimu&level=3" >"$TMP/list"
check "council@org: filtering for it finds nothing" '! grep -q 住民税課税台帳 "$TMP/list"'
T_kimura=$(token kimura)
A_k="Authorization: Bearer $T_kimura"
is "API: council@org cannot read it" 404 "$(status -H "$A_k" "${URL}api/v1/records/$Z3")"
curl -s -H "$A_k" "${URL}api/v1/records?register=asset" >"$TMP/list"
check "API: the list leaves it out" '! grep -q 住民税課税台帳 "$TMP/list"'
check "API: the list shows its own section's record" 'grep -q 住民基本台帳 "$TMP/list"'
is "admin logs in" 303 "$(login admin "$ADMIN_PW" "$TMP/jar-admin")"
is "the administrator still reads it" 200 "$(status -b "$TMP/jar-admin" "${URL}records/$Z3")"
# Nor do requests on such a record show to a ward-wide role, nor its activity on the dashboard.
is "sato logs in" 303 "$(login sato "$PW" "$TMP/jar-sato")"
c=$(csrf_of "$TMP/jar-sato" "/records/$Z3/act?action=asset.take_out")
curl -s -b "$TMP/jar-sato" -o /dev/null -w '%{redirect_url}' --data-urlencode "csrf=$c" \
	--data-urlencode action=asset.take_out --data-urlencode version=1 \
	--data-urlencode "f.destination=区民センター" --data-urlencode "f.purpose=相談" \
	"${URL}records/$Z3/act" >"$TMP/loc"
REQ=$(sed -n 's|.*/requests/\([0-9]*\).*|\1|p' "$TMP/loc")
check "sato's take-out of Z3 waits as a request" '[ -n "$REQ" ]'
is "council@org: the request on it is not found" 404 "$(status -b "$TMP/jar-kimura" "${URL}requests/$REQ")"
is "API: council@org: the request on it is not found" 404 "$(status -H "$A_k" "${URL}api/v1/requests/$REQ")"
curl -s -b "$TMP/jar-kimura" "${URL}" >"$TMP/dash"
check "council@org: the dashboard's activity does not link it" '! grep -q "href=\"/records/$Z3\"" "$TMP/dash"'
is "the administrator sees the request" 200 "$(status -b "$TMP/jar-admin" "${URL}requests/$REQ")"

# Checkpoints while serving: a server that only saw logins (entries the door never appended)
# still leaves a checkpoint covering every entry when it stops.
server_stop
server_start
is "sato logs in (new server)" 303 "$(login sato "$PW" "$TMP/jar-sato")"
is "a wrong password is refused" 401 "$(login sato wrong-password "$TMP/jar-x")"
server_stop
n=$(m ledger verify 2>&1 | sed -n 's/^ok: \([0-9]*\) entries.*/\1/p')
check "the ledger verifies" '[ -n "$n" ]'
check "a checkpoint covers all $n entries after SIGTERM" 'm ledger checkpoint --size "$n" >/dev/null 2>&1'

# AuthZEN: a token speaks for its own user; records it cannot see look like missing ones.
server_start
T_tanaka=$(token tanaka)
T_admin=$(token admin)
ev() { # ev TOKEN SUBJECT RECORD
	status -H "Authorization: Bearer $1" -H 'Content-Type: application/json' -d \
		"{\"subject\":{\"type\":\"user\",\"id\":\"$2\"},\"action\":{\"name\":\"asset.copy\"},\"resource\":{\"type\":\"asset\",\"id\":\"$3\"}}" \
		"${URL}access/v1/evaluation"
}
is "AuthZEN: tanaka asks about 税務課's record" 200 "$(ev "$T_tanaka" tanaka "$Z3")"
sed "s/\"$Z3\"/\"ID\"/g" "$TMP/body" >"$TMP/ev-hidden"
is "AuthZEN: tanaka asks about a missing record" 200 "$(ev "$T_tanaka" tanaka 999999)"
sed 's/"999999"/"ID"/g' "$TMP/body" >"$TMP/ev-missing"
check "AuthZEN: a hidden record is answered like a missing one" 'cmp -s "$TMP/ev-hidden" "$TMP/ev-missing"'
check "AuthZEN: nothing of its section leaks" '! grep -q zeimu "$TMP/ev-hidden"'
is "AuthZEN: tanaka may not ask about sato" 403 "$(ev "$T_tanaka" tanaka-x "$K1" >/dev/null; ev "$T_tanaka" sato "$Z3")"
is "AuthZEN: the administrator may ask about sato" 200 "$(ev "$T_admin" sato "$Z3")"
check "AuthZEN: and sees sato's record's section" 'grep -q zeimu "$TMP/body"'

# /api/v1/users: the whole list is the administrator's; others see only themselves.
T_sato=$(token sato)
is "API users: sato's token is answered" 200 "$(status -H "Authorization: Bearer $T_sato" "${URL}api/v1/users")"
check "API users: sato sees her own entry" 'grep -q "\"login\":\"sato\"" "$TMP/body"'
check "API users: and nobody else's" '! grep -q "\"login\":\"tanaka\"" "$TMP/body" && ! grep -q "\"login\":\"admin\"" "$TMP/body"'
is "API users: the administrator's token" 200 "$(status -H "Authorization: Bearer $T_admin" "${URL}api/v1/users")"
check "API users: the administrator sees everyone" 'grep -q "\"login\":\"tanaka\"" "$TMP/body" && grep -q "\"login\":\"sato\"" "$TMP/body"'

# A password reset by the administrator ends that user's sessions.
is "tanaka logs in" 303 "$(login tanaka "$PW" "$TMP/jar-tanaka")"
is "tanaka's session works" 200 "$(status -b "$TMP/jar-tanaka" "${URL}records/$K1")"
is "yamada logs in" 303 "$(login yamada "$PW" "$TMP/jar-yamada")"
login admin "$ADMIN_PW" "$TMP/jar-admin" >/dev/null
c=$(csrf_of "$TMP/jar-admin" /admin/users)
# An irreversible button asks first: a confirmation page, nothing done yet.
is "a new password first asks for confirmation" 200 "$(status -b "$TMP/jar-admin" --data-urlencode "csrf=$c" --data-urlencode op=password "${URL}admin/users/tanaka")"
check "the confirmation page names the person and wants a tick" \
	"grep -q '新しい仮パスワードを発行します' '$TMP/body' && grep -q 'name=\"confirm\"' '$TMP/body' && ! grep -q 'notice ok' '$TMP/body'"
is "tanaka's session still works after the unconfirmed press" 200 "$(status -b "$TMP/jar-tanaka" "${URL}records/$K1")"
is "the administrator resets tanaka's password" 200 "$(status -b "$TMP/jar-admin" --data-urlencode "csrf=$c" --data-urlencode op=password --data-urlencode confirm=1 "${URL}admin/users/tanaka")"
check "a temporary password is shown" 'grep -q "notice ok" "$TMP/body"'
# (must_change alone would send the old session to the change-password page instead.)
loc=$(curl -s -o /dev/null -b "$TMP/jar-tanaka" -w '%{redirect_url}' "${URL}records/$K1")
check "tanaka's old session has ended: sent to log in ($loc)" 'case "$loc" in */login*) true ;; *) false ;; esac'
is "tanaka's old session cannot change the password" 303 "$(status -b "$TMP/jar-tanaka" "${URL}password")"
is "yamada's session goes on" 200 "$(status -b "$TMP/jar-yamada" "${URL}records/$K1")"

# 退職処理 asks first as well; only the ticked form retires.
c=$(csrf_of "$TMP/jar-admin" /admin/users)
is "retiring kimura first asks for confirmation" 200 "$(status -b "$TMP/jar-admin" --data-urlencode "csrf=$c" --data-urlencode op=retire "${URL}admin/users/kimura")"
check "it says what retiring does and that it cannot be undone" \
	"grep -q '木村（kimura）を退職処理します' '$TMP/body' && grep -q '元に戻すことはできません' '$TMP/body' && grep -q 'やめて戻る' '$TMP/body'"
is "kimura is still active" active "$(sqlite3 "$D/mamori.db" "SELECT status FROM users WHERE login = 'kimura'")"
is "the ticked form retires kimura" 200 "$(status -b "$TMP/jar-admin" --data-urlencode "csrf=$c" --data-urlencode op=retire --data-urlencode confirm=1 "${URL}admin/users/kimura")"
is "kimura has retired" retired "$(sqlite3 "$D/mamori.db" "SELECT status FROM users WHERE login = 'kimura'")"

# API tokens: no token row and no revocation without its ledger entry.
login admin "$ADMIN_PW" "$TMP/jar-admin" >/dev/null
c=$(csrf_of "$TMP/jar-admin" /admin/tokens)
curl -s -o /dev/null -b "$TMP/jar-admin" --data-urlencode "csrf=$c" --data-urlencode login=sato \
	--data-urlencode label=t7-keep "${URL}admin/tokens"
KEEP=$(sqlite3 "$D/mamori.db" "SELECT id FROM api_tokens WHERE label = 't7-keep'")
check "a token to revoke later" '[ -n "$KEEP" ]'
sqlite3 "$D/mamori.db" "CREATE TRIGGER t7u BEFORE UPDATE ON ledger_head BEGIN SELECT RAISE(ABORT, 'test: the ledger refuses'); END;
CREATE TRIGGER t7i BEFORE INSERT ON ledger_head BEGIN SELECT RAISE(ABORT, 'test: the ledger refuses'); END;"
is "a token whose entry cannot be ledgered is refused" 503 "$(status -b "$TMP/jar-admin" --data-urlencode "csrf=$c" --data-urlencode login=sato --data-urlencode label=t7-lost "${URL}admin/tokens")"
check "no token row was left" '[ "$(sqlite3 "$D/mamori.db" "SELECT count(*) FROM api_tokens WHERE label = '"'t7-lost'"'")" = 0 ]'
is "a revocation that cannot be ledgered is refused" 503 "$(status -b "$TMP/jar-admin" --data-urlencode "csrf=$c" "${URL}admin/tokens/$KEEP/revoke")"
check "the token is still live" '[ -z "$(sqlite3 "$D/mamori.db" "SELECT revoked_ms FROM api_tokens WHERE id = $KEEP")" ]'
sqlite3 "$D/mamori.db" "DROP TRIGGER t7u; DROP TRIGGER t7i;"
is "with the ledger back, the revocation goes through" 200 "$(status -b "$TMP/jar-admin" --data-urlencode "csrf=$c" "${URL}admin/tokens/$KEEP/revoke")"
check "the token is revoked" '[ -n "$(sqlite3 "$D/mamori.db" "SELECT revoked_ms FROM api_tokens WHERE id = $KEEP")" ]'
server_stop
check "the ledger verifies" 'm ledger verify >/dev/null 2>&1'

# GET /api/v1/records pages in SQL: limit and offset count the records the caller may see.
server_start
A_t="Authorization: Bearer $T_tanaka"
is "API page 1 of tanaka's records" 200 "$(status -H "$A_t" "${URL}api/v1/records?register=asset&limit=1")"
check "page 1 is 区民課's level-3 record" 'grep -q "\"id\":$K3," "$TMP/body" && [ "$(grep -o "\"id\":" "$TMP/body" | wc -l)" = 1 ]'
is "API page 2" 200 "$(status -H "$A_t" "${URL}api/v1/records?register=asset&limit=1&offset=1")"
check "page 2 is the level-1 record, not a hidden 税務課 one" 'grep -q "\"id\":$K1," "$TMP/body" && [ "$(grep -o "\"id\":" "$TMP/body" | wc -l)" = 1 ]'
is "API page 3" 200 "$(status -H "$A_t" "${URL}api/v1/records?register=asset&limit=1&offset=2")"
check "page 3 is empty" 'grep -q "^{\"records\":\[\]}" "$TMP/body"'
is "API: a page larger than 1000 is refused" 400 "$(status -H "$A_t" "${URL}api/v1/records?register=asset&limit=1001")"
is "API: the administrator's filter by section" 200 "$(status -H "Authorization: Bearer $T_admin" "${URL}api/v1/records?register=asset&section=zeimu")"
check "the administrator sees both 税務課 records" '[ "$(grep -o "\"section\":\"zeimu\",\"system\"" "$TMP/body" | wc -l)" = 2 ]'
server_stop

# Login throttling: parallel guesses are reserved one by one before the password is checked,
# so no more than THROTTLE_LOCK_AFTER (core/throttle.h) (5) of them ever reach the verification.
server_start --threads 16
login yamada "$PW" "$TMP/jar-y0" >/dev/null
_csrf=$(curl -s -c "$TMP/jar-p" -b "$TMP/jar-p" "${URL}login" | sed -n 's/.*name="csrf" value="\([^"]*\)".*/\1/p' | head -1)
for i in $(seq 1 12); do
	curl -s -o /dev/null -w '%{http_code}\n' -b "$TMP/jar-p" --data-urlencode "csrf=$_csrf" \
		--data-urlencode login=yamada --data-urlencode "password=guess-$i" "${URL}login" \
		>"$TMP/par-$i" &
done
wait_for_curls() { for i in $(seq 1 12); do while [ ! -s "$TMP/par-$i" ]; do sleep 0.1; done; done; }
wait_for_curls
n401=$(cat "$TMP"/par-* | grep -c 401)
n429=$(cat "$TMP"/par-* | grep -c 429)
check "parallel guesses: only 5 reached the password check ($n401 did)" '[ "$n401" = 5 ]'
check "parallel guesses: the other 7 were refused as locked ($n429 were)" '[ "$n429" = 7 ]'
check "the login row counts exactly those 5" '[ "$(sqlite3 "$D/mamori.db" "SELECT failures FROM web_login_throttle WHERE login = '"'yamada'"'")" = 5 ]'

# A login nobody has is kept apart ("?" rows), and the client address has a bucket of its own:
# after 30 failures from one address, any login from it waits, even with the right password.
is "an unknown login fails" 401 "$(login nobody-1 wrong "$TMP/jar-u")"
check "its row is marked as unknown" '[ "$(sqlite3 "$D/mamori.db" "SELECT count(*) FROM web_login_throttle WHERE login = '"'?nobody-1'"'")" = 1 ]'
got=""
for i in $(seq 2 40); do
	c=$(login "nobody-$i" wrong "$TMP/jar-u")
	[ "$c" = 429 ] && { got=$i; break; }
done
check "the address is locked after its 30th failure (at attempt $got of unknown logins)" '[ -n "$got" ] && [ "$got" -le 31 ]'
is "then even a right password from that address waits" 429 "$(login suzuki "$PW" "$TMP/jar-s")"
done_testing
