#!/bin/sh
# t0601-http-malformed: malformed and oversized requests get a clear 4xx; the server keeps serving.
. "${MAMORI_SRCDIR:?}/tests/http/lib.sh"
ward_make
server_start

alive() { is "$1: the server still serves" 200 "$(status "${URL}login")"; }

is "unknown path" 404 "$(status "${URL}no/such/page")"
is "wrong method" 405 "$(status -X DELETE "${URL}login")"
is "GET never logs out (no state change on GET)" 405 "$(status "${URL}logout")"
is "bad percent-encoding in the path" 400 "$(status "${URL}login%zz")"
is "truncated percent-encoding" 400 "$(status "${URL}login%4")"
is "encoded NUL in the path" 400 "$(status "${URL}login%00")"
is "invalid UTF-8 in the path" 400 "$(status "${URL}login%ff%fe")"
is "overlong UTF-8 in the query" 400 "$(status "${URL}login?next=%C0%AF")"
is "bad percent-encoding in the query" 400 "$(status "${URL}login?next=%")"
alive "after bad encodings"

head -c 70000 /dev/zero | tr '\0' a >"$TMP/h"
is "oversized header" 431 "$(status -H "X-Big: $(cat "$TMP/h")" "${URL}login")"
alive "after an oversized header"
head -c 300000 /dev/zero | tr '\0' a >"$TMP/big"
is "oversized form body" 413 "$(status -X POST -H 'Content-Type: application/x-www-form-urlencoded' --data-binary @"$TMP/big" "${URL}login")"
is "oversized chunked body" 413 "$(status -X POST -H 'Transfer-Encoding: chunked' -H 'Content-Type: application/x-www-form-urlencoded' --data-binary @"$TMP/big" "${URL}login")"
head -c 5000000 /dev/zero | tr '\0' a >"$TMP/huge"
is "oversized upload" 413 "$(status -X POST -H 'Content-Type: multipart/form-data; boundary=x' --data-binary @"$TMP/huge" "${URL}admin/users/import")"
alive "after oversized bodies"

printf 'login=%%ff%%fe&password=x' >"$TMP/f"
is "invalid UTF-8 in a form" 400 "$(status -X POST -H 'Content-Type: application/x-www-form-urlencoded' --data-binary @"$TMP/f" "${URL}login")"
printf 'a=%%zz' >"$TMP/f"
is "bad percent-encoding in a form" 400 "$(status -X POST -H 'Content-Type: application/x-www-form-urlencoded' --data-binary @"$TMP/f" "${URL}login")"
is "broken multipart body" 400 "$(status -X POST -H 'Content-Type: multipart/form-data; boundary=XyZ' --data-binary 'junk' "${URL}login")"
alive "after bad forms"

T=$(token sato)
check "an API token was issued" '[ -n "$T" ]'
A="Authorization: Bearer $T"
is "API without a token" 401 "$(status "${URL}api/v1/me")"
check "401 names the scheme" 'curl -s -D - -o /dev/null "${URL}api/v1/me" | grep -qi "^WWW-Authenticate: Bearer"'
is "API with a made-up token" 401 "$(status -H 'Authorization: Bearer AAAAAAAAAAAAAAAAAAAAAA' "${URL}api/v1/me")"
is "API with junk in Authorization" 401 "$(status -H 'Authorization: Basic Zm9vOmJhcg==' "${URL}api/v1/me")"
is "API with the token" 200 "$(status -H "$A" "${URL}api/v1/me")"
is "bad JSON" 400 "$(status -H "$A" -H 'Content-Type: application/json' -d '{"subject":' "${URL}access/v1/evaluation")"
check "bad JSON: the error says where" 'grep -q "line 1" "$TMP/body"'
is "JSON that is not an object" 400 "$(status -H "$A" -H 'Content-Type: application/json' -d '[1,2]' "${URL}access/v1/evaluation")"
printf '{"subject":{"id":"\377"}}' >"$TMP/j"
is "invalid UTF-8 in JSON" 400 "$(status -H "$A" -H 'Content-Type: application/json' --data-binary @"$TMP/j" "${URL}access/v1/evaluation")"
is "duplicate keys in JSON" 400 "$(status -H "$A" -H 'Content-Type: application/json' -d '{"a":1,"a":2}' "${URL}access/v1/evaluation")"
is "wrong content type for JSON" 415 "$(status -H "$A" -H 'Content-Type: text/plain' -d '{}' "${URL}access/v1/evaluation")"
is "AuthZEN without subject" 400 "$(status -H "$A" -H 'Content-Type: application/json' -d '{"action":{"name":"asset.copy"},"resource":{"type":"asset"}}' "${URL}access/v1/evaluation")"
is "AuthZEN with an unknown action" 404 "$(status -H "$A" -H 'Content-Type: application/json' -d '{"subject":{"id":"sato"},"action":{"name":"asset.fly"},"resource":{"type":"asset"}}' "${URL}access/v1/evaluation")"
is "record id that is not a number" 404 "$(status -H "$A" "${URL}api/v1/records/abc")"
is "proof index that is not a number" 400 "$(status -H "$A" "${URL}api/v1/ledger/proof?index=-1")"
alive "after bad API calls"

# Headers on every kind of response: page, error, JSON, stylesheet.
for p in login no/such api/v1/me static/mamori.css; do
	curl -s -D "$TMP/hdr" -o /dev/null "${URL}$p"
	check "CSP on /$p" 'grep -qi "^Content-Security-Policy: default-src .self.; .*frame-ancestors .none." "$TMP/hdr"'
	check "nosniff on /$p" 'grep -qi "^X-Content-Type-Options: nosniff" "$TMP/hdr"'
	check "Referrer-Policy on /$p" 'grep -qi "^Referrer-Policy:" "$TMP/hdr"'
done
curl -s -D "$TMP/hdr" -o /dev/null "${URL}login"
check "private pages are not cached" 'grep -qi "^Cache-Control: no-store" "$TMP/hdr"'
# Error pages are generic: no internals.
status "${URL}login%zz" >/dev/null
check "error page says nothing about internals" '! grep -qi "percent\|sqlite\|errno" "$TMP/body"'
server_stop
check "server stopped cleanly" 'grep -q "stopped" "$TMP/serve.err"'
done_testing
