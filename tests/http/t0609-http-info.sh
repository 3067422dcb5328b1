#!/bin/sh
# t0609-http-info: the small ones of issue 11, finding 12: refused API reads are ledgered like
# the web's, a register contradicting the action is refused, the page cache tells
# "?q=zz%3D" from "?q%3Dzz=".
. "${MAMORI_SRCDIR:?}/tests/http/lib.sh"
ward_make
server_start
refusals() { sqlite3 "$D/mamori.db" "SELECT count(*) FROM ledger_head" >/dev/null; m ledger verify >/dev/null 2>&1; "$MAMORI" --dir "$D" ledger tail -n 100000 2>/dev/null | grep -c "access.refused"; }

T_sato=$(token sato)
T_tanaka=$(token tanaka)
check "tokens issued" '[ -n "$T_sato" ] && [ -n "$T_tanaka" ]'
# A request of sato's (a level-3 record of 税務課) that tanaka of 区民課 may not see.
m act "$Z3" asset.take_out --as sato --field destination=区民センター --field purpose=出張 \
	>"$TMP/req.out" 2>&1
REQ=$(sed -n 's/^pending: request \([0-9]*\).*/\1/p' "$TMP/req.out" | head -1)
check "a pending request exists" '[ -n "$REQ" ]'
before=$(refusals)
is "tanaka reads sato's request through the API: 404" 404 "$(status -H "Authorization: Bearer $T_tanaka" "${URL}api/v1/requests/$REQ")"
is "tanaka reads a ledger entry through the API: 403" 403 "$(status -H "Authorization: Bearer $T_tanaka" "${URL}api/v1/ledger/entries/1")"
is "tanaka asks AuthZEN about sato: 403" 403 "$(status -H "Authorization: Bearer $T_tanaka" -H 'Content-Type: application/json' -d '{"subject":{"id":"sato"},"action":{"name":"asset.copy"},"resource":{"type":"asset"}}' "${URL}access/v1/evaluation")"
after=$(refusals)
check "the three refused API reads are ledgered ($before -> $after)" '[ $((after - before)) -eq 3 ]'

is "a register that contradicts the action is refused" 400 "$(status -H "Authorization: Bearer $T_sato" -H 'Content-Type: application/json' -d '{"register":"asset","action":"media.register","fields":{"title":"x","level":"2","section":"zeimu"}}' "${URL}api/v1/records")"
check "the message says which" 'grep -q "is not an action of" "$TMP/body"'
check "nothing was created" '! m record list media | grep -q " x "'

login sato "$PW" "$TMP/jar" >/dev/null
is "list with an unknown parameter named 'q=zz'" 200 "$(status -b "$TMP/jar" "${URL}registers/asset?q%3Dzz=")"
check "it lists sato's records" 'grep -q 住民税課税台帳 "$TMP/body"'
is "then a search for 'zz='" 200 "$(status -b "$TMP/jar" "${URL}registers/asset?q=zz%3D")"
check "the search is not served from the other page's cache" '! grep -q 住民税課税台帳 "$TMP/body"'
server_stop
done_testing
