#!/bin/sh
# t0603-http-session: session cookies, timeouts, logout, suspension, CSRF, revoked tokens, and
# a graceful stop that lets a request in flight finish.
. "${MAMORI_SRCDIR:?}/tests/http/lib.sh"
ward_make
# The short idle timeout only where it is tested: elsewhere a stall of a few seconds between two
# requests of one session (a loaded machine) would end the session and fail a check about
# something else.
server_start

J="$TMP/jar"
curl -s -D "$TMP/h0" -c "$J" -o /dev/null "${URL}login"
pre=$(awk '$6 == "mamori_pre" { print $7 }' "$J")
check "the login page sets a pre-session cookie for its CSRF token" '[ -n "$pre" ]'
is "login" 303 "$(login sato "$PW" "$J")"
sess=$(awk '$6 == "mamori_session" { print $7 }' "$J")
check "a session cookie of 22 base64url characters (128 bits)" 'echo "$sess" | grep -Eq "^[A-Za-z0-9_-]{22}$"'
check "the session token is new, not the pre-session one" '[ "$sess" != "$pre" ]'
rm -f "$TMP/jf"
curl -s -c "$TMP/jf" -b "$TMP/jf" -o /dev/null "${URL}login"
c=$(curl -s -c "$TMP/jf" -b "$TMP/jf" "${URL}login" | sed -n 's/.*name="csrf" value="\([^"]*\)".*/\1/p' | head -1)
curl -s -D "$TMP/h1" -o /dev/null --data-urlencode "csrf=$c" --data-urlencode login=sato \
	--data-urlencode "password=$PW" -b "$TMP/jf" "${URL}login"
check "cookie is HttpOnly, SameSite=Strict, Path=/" 'grep -i "^Set-Cookie: mamori_session=" "$TMP/h1" | grep -i "HttpOnly" | grep -i "SameSite=Strict" | grep -qi "Path=/"'
check "no Secure flag without TLS (and so no __Host- prefix)" '! grep -i "^Set-Cookie: mamori_session=" "$TMP/h1" | grep -qi "Secure"'
sqlite3 "$D/mamori.db" "SELECT token_sha256 FROM web_sessions" >"$TMP/stored"
check "only the token's SHA-256 is stored" '! grep -q "$sess" "$TMP/stored" && grep -Eq "^[0-9a-f]{64}$" "$TMP/stored"'
# The login just above (for its headers) ended the first session: one session per person.
is "the first session ended at the second login" 303 "$(status -b "$J" "$URL")"
login sato "$PW" "$J" >/dev/null
is "the session opens the dashboard" 200 "$(status -b "$J" "$URL")"

# Idle timeout: nothing for longer than --idle-timeout logs the session off.
server_stop
server_start --idle-timeout 5s
login sato "$PW" "$J" >/dev/null
is "a session under a 5 s idle timeout opens the dashboard" 200 "$(status -b "$J" "$URL")"
sleep 6
is "after the idle timeout the session is gone" 303 "$(status -b "$J" "$URL")"
server_stop
server_start

# Logout ends the session on the server, not only in the browser.
login sato "$PW" "$J" >/dev/null
cp "$J" "$TMP/jar-copy"
c=$(csrf_of "$J" /)
is "logout" 303 "$(status -b "$J" -c "$J" --data-urlencode "csrf=$c" "${URL}logout")"
is "the old cookie no longer works" 303 "$(status -b "$TMP/jar-copy" "$URL")"
login sato "$PW" "$J" >/dev/null
is "logout without a CSRF token is refused" 403 "$(status -b "$J" -X POST "${URL}logout")"
is "so the session goes on" 200 "$(status -b "$J" "$URL")"

# Suspension ends every session at once (MIN-5-5-6-2).
login tanaka "$PW" "$TMP/jt" >/dev/null
is "tanaka is in" 200 "$(status -b "$TMP/jt" "$URL")"
m user suspend tanaka >/dev/null
is "suspended: the session is over" 303 "$(status -b "$TMP/jt" "$URL")"
is "suspended: cannot log in" 401 "$(login tanaka "$PW" "$TMP/jt")"

# CSRF: every state-changing form needs the token of this session.
login sato "$PW" "$J" >/dev/null
login suzuki "$PW" "$TMP/j2" >/dev/null
c2=$(csrf_of "$TMP/j2" /)
is "a form without the token" 403 "$(status -b "$J" --data-urlencode action=asset.copy "${URL}records/$Z3/act")"
is "a form with another session's token" 403 "$(status -b "$J" --data-urlencode "csrf=$c2" --data-urlencode action=asset.copy "${URL}records/$Z3/act")"
is "language switch without the token" 403 "$(status -X POST -d lang=en "${URL}lang")"

# Revoked API tokens are refused at once.
T=$(token sato)
is "token works" 200 "$(status -H "Authorization: Bearer $T" "${URL}api/v1/me")"
id=$(sqlite3 "$D/mamori.db" "SELECT max(id) FROM api_tokens")
c=$(csrf_of "$TMP/jar-admin" /admin/tokens)
is "admin revokes it" 200 "$(status -b "$TMP/jar-admin" --data-urlencode "csrf=$c" "${URL}admin/tokens/$id/revoke")"
is "revoked token refused" 401 "$(status -H "Authorization: Bearer $T" "${URL}api/v1/me")"
check "the token was issued through the door (api_token.issue, via web)" '[ "$(sqlite3 "$D/mamori.db" "SELECT count(*) FROM acts WHERE action = '"'api_token.issue'"' AND outcome = '"'done'"' AND via = '"'web'"'")" -ge 1 ]'
check "and revoked through it (api_token.revoke)" '[ "$(sqlite3 "$D/mamori.db" "SELECT count(*) FROM acts WHERE action = '"'api_token.revoke'"' AND outcome = '"'done'"' AND target = '"'api_token:$id'"'")" = 1 ]'
check "its use was noted beside it, not in the credential" '[ "$(sqlite3 "$D/mamori.db" "SELECT count(*) FROM api_token_use WHERE token_id = $id")" = 1 ]'
is "revoking it again: no such live token" 404 "$(status -b "$TMP/jar-admin" --data-urlencode "csrf=$c" "${URL}admin/tokens/$id/revoke")"
check "only the token's hash is stored" '! sqlite3 "$D/mamori.db" "SELECT token_sha256 FROM api_tokens" | grep -q "$T"'

# Logins, failures and token changes are in the ledger.
m ledger tail -n 200 >"$TMP/tail" 2>&1
check "ledger has login.ok" 'grep -q "login.ok" "$TMP/tail"'
check "ledger has login.fail" 'grep -q "login.fail" "$TMP/tail"'
check "ledger has api_token.revoke" 'grep -q "api_token.revoke" "$TMP/tail"'

# A graceful stop: a slow upload in flight gets its answer; then the server exits 0.
head -c 120000 /dev/zero | tr '\0' a >"$TMP/slow"
curl -s -o /dev/null -w '%{http_code}' --limit-rate 40k -X POST \
	-H 'Content-Type: application/x-www-form-urlencoded' --data-binary @"$TMP/slow" \
	"${URL}login" >"$TMP/slow.status" &
CURL=$!
sleep 1
kill -TERM "$SERVER_PID"
wait "$CURL"
check "the request in flight got a complete answer" 'grep -Eq "^4[0-9][0-9]$" "$TMP/slow.status"'
wait "$SERVER_PID"
is "the server exits 0 after SIGTERM" 0 "$?"
check "it said it finished the requests in flight" 'grep -q "finishing requests in flight" "$TMP/serve.err"'
SERVER_PID=
done_testing
