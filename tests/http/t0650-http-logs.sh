#!/bin/sh
# t0650: POST /api/v1/logs: NDJSON (optionally gzip) with a token of the logs scope; per-line
# errors; size and type limits; scopes kept apart; messages searchable and in the ledger.
. "$(dirname "$0")/lib.sh"

ward_make
server_start

LOGS=$(token suzuki logs ログ送信)
API=$(token suzuki api ログ送信)
check "tokens of both scopes" "[ -n '$LOGS' ] && [ -n '$API' ]"

post() { # post TOKEN CONTENT-TYPE FILE [CURL ARGS...]
	_t=$1 _ct=$2 _f=$3
	shift 3
	status -H "Authorization: Bearer $_t" -H "Content-Type: $_ct" -H "Host: 127.0.0.1" \
		--data-binary "@$_f" "$@" "${URL}api/v1/logs"
}

cat >"$TMP/body.ndjson" <<'EOF'
{"time":"2026-11-22T02:46:00Z","host":"fs01","app":"smbd","message":"h1x opened 課税台帳.xlsx","user":"sato"}
{"EventID":4625,"Computer":"PC12","TargetUserName":"tanaka","IpAddress":"198.51.100.3","TimeCreated":"2026-11-22T02:46:00.1234567Z"}

not json h2x
["an","array"]
{"message":"h3x last line"}
EOF
is "NDJSON with a logs token" 200 "$(post "$LOGS" application/x-ndjson "$TMP/body.ndjson")"
check "five lines received, stored, two bad" "python3 -c 'import json,sys; a=json.load(open(sys.argv[1])); assert a[\"received\"]==5 and a[\"stored\"]==5 and a[\"bad_lines\"]==2 and [e[\"line\"] for e in a[\"errors\"]]==[4,5], a' '$TMP/body'"
"$MAMORI" --dir "$D" log search --grep h1x --json >"$TMP/s.json"
check "searchable, with the JSON's own host and user" "python3 -c 'import json,sys; a=json.load(open(sys.argv[1])); assert len(a)==1 and a[0][\"host\"]==\"fs01\" and a[0][\"user\"]==\"sato\" and a[0][\"via\"]==\"http\" and a[0][\"format\"]==\"json\", a' '$TMP/s.json'"
"$MAMORI" --dir "$D" log search --grep h2x --json >"$TMP/s.json"
check "a bad line is kept raw, never dropped" "grep -q '\"format\":\"raw\"' '$TMP/s.json'"
"$MAMORI" --dir "$D" log search --user tanaka --count >"$TMP/s.txt"
check "Windows 4625: the user is read out" "[ \"\$(cat '$TMP/s.txt')\" = 1 ]"

gzip -c "$TMP/body.ndjson" >"$TMP/body.gz"
is "gzip" 200 "$(post "$LOGS" application/x-ndjson "$TMP/body.gz" -H 'Content-Encoding: gzip')"
check "five more" "grep -q '\"received\":5' '$TMP/body'"
printf 'not gzip' >"$TMP/bad.gz"
is "a damaged gzip body" 400 "$(post "$LOGS" application/x-ndjson "$TMP/bad.gz" -H 'Content-Encoding: gzip')"
is "another encoding" 415 "$(post "$LOGS" application/x-ndjson "$TMP/body.ndjson" -H 'Content-Encoding: br')"
is "CSV is no NDJSON" 415 "$(post "$LOGS" text/csv "$TMP/body.ndjson")"
: >"$TMP/empty"
is "an empty body" 400 "$(post "$LOGS" application/x-ndjson "$TMP/empty")"

# A gzip bomb: small on the wire, over 32 MiB once decompressed.
head -c 40000000 /dev/zero | gzip -c >"$TMP/bomb.gz"
is "a body over the limit once decompressed" 413 "$(post "$LOGS" application/x-ndjson "$TMP/bomb.gz" -H 'Content-Encoding: gzip')"
head -c 9000000 /dev/zero | tr '\0' 'x' >"$TMP/big"
is "a body over 8 MiB" 413 "$(post "$LOGS" application/x-ndjson "$TMP/big")"

# Scopes: an API token may not send logs, a logs token may do nothing else.
is "an api token cannot send logs" 403 "$(post "$API" application/x-ndjson "$TMP/body.ndjson")"
is "a logs token cannot read /api/v1/me" 403 "$(status -H "Authorization: Bearer $LOGS" "${URL}api/v1/me")"
is "the api token can" 200 "$(status -H "Authorization: Bearer $API" "${URL}api/v1/me")"
is "no token" 401 "$(status -H 'Content-Type: application/x-ndjson' --data-binary "@$TMP/body.ndjson" "${URL}api/v1/logs")"

server_stop
run "$MAMORI" --dir "$D" ledger verify
check "the ledger verifies" "[ $rc -eq 0 ]"

done_testing
