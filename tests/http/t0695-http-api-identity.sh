#!/bin/sh
# t0695-http-api-identity: a server worker reuses an API token's identity (web/api-memo.h) only
# while users, roles and tokens are unchanged (schema/0030's identity stamp, read in each
# request's snapshot): a role granted or revoked, a suspension and a token revoked by another
# process (the CLI) or through the web take effect at the very next call, on every worker.
. "${MAMORI_SRCDIR:?}/tests/http/lib.sh"
ward_make
server_start

T=$(token sato)
check "a token for sato" '[ -n "$T" ]'
me() { curl -s -H "Authorization: Bearer $T" "${URL}api/v1/me"; }
stamp() { sqlite3 -cmd ".timeout 10000" "$D/mamori.db" "SELECT n FROM identity_stamp"; }
# warm: one after another (the pool gives back the same worker's memo) and 16 at once (many)
warm() {
	for _w in 1 2 3 4 5 6; do me >/dev/null; done
	seq 1 16 | xargs -P 16 -I{} curl -s -o /dev/null -H "Authorization: Bearer $T" "${URL}api/v1/me"
}
# 16 acts at once (POST /api/v1/records: a door-only call, whose worker's memo leaves the stamp
# to the door, web_act): their statuses counted, as all16 prints them
BODY='{"register":"asset","fields":{"title":"記録","level":"2","section":"zeimu","access_controlled":"true"}}'
acts16() {
	seq 1 16 | xargs -P 16 -I{} curl -s -o /dev/null -w '%{http_code}\n' \
		-H "Authorization: Bearer $T" -H "Content-Type: application/json" -d "$BODY" \
		"${URL}api/v1/records" | sort | uniq -c | awk '{ print $2 "x" $1 }'
}
records() { sqlite3 -cmd ".timeout 10000" "$D/mamori.db" "SELECT count(*) FROM records"; }
# 16 calls at once with curl's arguments "$@": their statuses counted
calls16() {
	seq 1 16 | xargs -P 16 -I{} curl -s -o /dev/null -w '%{http_code}\n' "$@" |
		sort | uniq -c | awk '{ print $2 "x" $1 }' | paste -sd' '
}
# every one of 16 calls at once answers $1 (a status) and, if given, has $2 in its body
all16() {
	seq 1 16 | xargs -P 16 -I{} curl -s -o /dev/null -w '%{http_code}\n' \
		-H "Authorization: Bearer $T" "${URL}api/v1/me" | sort | uniq -c | awk '{ print $2 "x" $1 }'
}

warm
is "sato's token works" 200 "$(status -H "Authorization: Bearer $T" "${URL}api/v1/me")"
check "no role yet" '! grep -q "security_officer" "$TMP/body"'

s0=$(stamp)
m role grant sato security_officer@section:zeimu >/dev/null
check "a role granted (another process) moves the stamp" '[ "$(stamp)" -gt "$s0" ]'
check "the next call sees the role" 'me | grep -q "security_officer@section:zeimu"'
warm
check "and keeps seeing it" 'me | grep -q "security_officer@section:zeimu"'

m role revoke sato security_officer@section:zeimu >/dev/null
check "a role revoked (another process): gone at the next call" '! me | grep -q "security_officer"'
is "on every worker" "200x16" "$(all16)"
check "and no worker still shows it" '! seq 1 16 | xargs -P 16 -I{} curl -s -H "Authorization: Bearer $T" "${URL}api/v1/me" | grep -q security_officer'

warm
m user suspend sato >/dev/null
is "suspended (another process): refused at the next call" 401 "$(status -H "Authorization: Bearer $T" "${URL}api/v1/me")"
is "on every worker" "401x16" "$(all16)"
is "an act too" 401 "$(status -H "Authorization: Bearer $T" -H "Content-Type: application/json" \
	-d '{"register":"asset","fields":{"title":"停止中","level":"2","section":"zeimu","access_controlled":"true"}}' \
	"${URL}api/v1/records")"
m user activate sato >/dev/null
is "reactivated: accepted again" 200 "$(status -H "Authorization: Bearer $T" "${URL}api/v1/me")"
is "on every worker" "200x16" "$(all16)"

# Acts on the workers' memo: the door reads the stamp in the act's own transaction, and a call
# whose identity changed meanwhile is run again from its authentication.
is "16 acts at once" "200x16" "$(acts16)"
is "and again (the memo kept)" "200x16" "$(acts16)"
n=$(records)
m user suspend sato >/dev/null
is "suspended (another process): every act refused at the next call" "401x16" "$(acts16)"
is "and nothing recorded" "$n" "$(records)"
m user activate sato >/dev/null
is "reactivated: every act done" "200x16" "$(acts16)"
is "16 more records" "$((n + 16))" "$(records)"
m user set sato --name "佐藤 花子" >/dev/null
is "a change that leaves the token valid: done, run again afresh" "200x16" "$(acts16)"
is "16 more again" "$((n + 32))" "$(records)"

warm
m user set sato --name "佐藤 花子（改）" >/dev/null
check "a changed name is shown at the next call" 'me | grep -q "佐藤 花子（改）"'

# Revoked through the web (the server's own door) while the workers hold it.
warm
id=$(sqlite3 -cmd ".timeout 10000" "$D/mamori.db" "SELECT max(id) FROM api_tokens")
c=$(csrf_of "$TMP/jar-admin" /admin/tokens)
is "admin revokes the token" 200 "$(status -b "$TMP/jar-admin" --data-urlencode "csrf=$c" "${URL}admin/tokens/$id/revoke")"
# A call on a worker's memo that would answer before the door (its body's 400 or 415) is an
# answer to an identity nobody checked: it is run again with the identity read afresh, 401.
is "revoked: bad bodies on the workers' memos are refused, not read" "401x16" \
	"$(calls16 -H "Authorization: Bearer $T" -H "Content-Type: application/json" -d '{}' "${URL}api/v1/records")"
is "revoked: a body of another type too (401, not 415)" "401x16" \
	"$(calls16 -H "Authorization: Bearer $T" -H "Content-Type: text/plain" -d "$BODY" "${URL}api/v1/records")"
is "revoked: refused at the next call" 401 "$(status -H "Authorization: Bearer $T" "${URL}api/v1/me")"
is "on every worker" "401x16" "$(all16)"
n=$(records)
is "acts too" "401x16" "$(acts16)"
is "nothing recorded" "$n" "$(records)"
# The worker that found the token revoked forgets it: the next call, whatever its body, is
# refused before anything else (a kept memo would defer it again and answer the body's 400).
for i in 1 2 3; do
	is "revoked: an act, one at a time ($i)" 401 "$(status -H "Authorization: Bearer $T" \
		-H "Content-Type: application/json" -d "$BODY" "${URL}api/v1/records")"
	is "and then a bad body: 401, not 400 ($i)" 401 "$(status -H "Authorization: Bearer $T" \
		-H "Content-Type: application/json" -d '{}' "${URL}api/v1/records")"
done
used=$(sqlite3 -cmd ".timeout 10000" "$D/mamori.db" "SELECT count(*) FROM api_token_use u JOIN api_tokens t ON t.id = u.token_id WHERE t.id = $id AND u.last_used_ms > t.revoked_ms")
is "no use noted after the revocation" 0 "$used"

# A logs token's act is refused for its scope (403) from the memo too; revoked, it is refused as
# a token (401), on every worker that kept it.
L=$(token sato logs)
check "a logs token for sato" '[ -n "$L" ]'
seq 1 16 | xargs -P 16 -I{} curl -s -o /dev/null -H "Authorization: Bearer $L" "${URL}api/v1/me"
is "a logs token may not act" "403x16" \
	"$(calls16 -H "Authorization: Bearer $L" -H "Content-Type: application/json" -d "$BODY" "${URL}api/v1/records")"
id=$(sqlite3 -cmd ".timeout 10000" "$D/mamori.db" "SELECT max(id) FROM api_tokens")
c=$(csrf_of "$TMP/jar-admin" /admin/tokens)
is "admin revokes the logs token" 200 "$(status -b "$TMP/jar-admin" --data-urlencode "csrf=$c" "${URL}admin/tokens/$id/revoke")"
is "revoked: its acts are refused as a token's, not for its scope" "401x16" \
	"$(calls16 -H "Authorization: Bearer $L" -H "Content-Type: application/json" -d "$BODY" "${URL}api/v1/records")"

# The stamp moves with each change of the three tables and with nothing else.
s1=$(stamp)
rec sato title=台帳 level=2 section=zeimu access_controlled=true >/dev/null
check "a record act leaves it" '[ "$(stamp)" = "$s1" ]'
T2=$(token tanaka)
check "a token issued moves it" '[ "$(stamp)" -gt "$s1" ]'
s2=$(stamp)
sqlite3 -cmd ".timeout 10000" "$D/mamori.db" "BEGIN; UPDATE users SET name = 'x' WHERE login = 'tanaka'; ROLLBACK;"
check "a change rolled back leaves it" '[ "$(stamp)" = "$s2" ]'
is "tanaka's token works" 200 "$(status -H "Authorization: Bearer $T2" "${URL}api/v1/me")"

done_testing
