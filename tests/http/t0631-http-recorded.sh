#!/bin/sh
# t0631-http-recorded: issue 12 item 2. What an action records (持出し先, 目的, 点検日, comments)
# stays visible in the record's history and, where it describes the present state, on the
# record itself, to whoever may read the record; `record show --history --json` carries it.
. "${MAMORI_SRCDIR:?}/tests/http/lib.sh"
ward_make
out=$(m act "$K1" asset.take_out --as tanaka --field destination=区民センター \
	--field purpose=出張窓口 --comment 窓口の応援 --json)
REQ=$(printf '%s' "$out" | sed -n 's/.*"request":\([0-9]*\).*/\1/p')
check "the take-out waits for 区民課's security officer" '[ -n "$REQ" ]'
m request approve "$REQ" --as yamada --comment 承認します >/dev/null
m record show "$K1" --history --json >"$TMP/show.json"
check "the record is taken out" 'grep -q "\"state\":\"taken_out\"" "$TMP/show.json"'
python3 - "$TMP/show.json" >"$TMP/fields" <<'PY'
import json, sys
h = json.load(open(sys.argv[1]))["history"]
for x in h:
    print(x["action"], x["outcome"], json.dumps(x["fields"], ensure_ascii=False, sort_keys=True))
PY
check "--history --json: every item has fields" \
	'[ "$(wc -l <"$TMP/fields")" -ge 3 ] && ! grep -q " None" "$TMP/fields"'
check "the application carries 持出し先 and 目的" \
	'grep -q "^asset.take_out pending {\"destination\": \"区民センター\", \"purpose\": \"出張窓口\"}" "$TMP/fields"'
check "so does the approved take-out" \
	'grep -q "^asset.take_out done {\"destination\": \"区民センター\", \"purpose\": \"出張窓口\"}" "$TMP/fields"'
check "the comment is there" 'grep -q "\"comment\":\"窓口の応援\"" "$TMP/show.json"'

# An inspection's 点検日 is an action field: shown on the record it created.
m section add somu --name 総務課 >/dev/null
INS=$(m record add inspection --as yamada --field kind=課等の遵守状況 --field target=区民課 \
	--field section=kumin --field result=良好 --field inspected_on=2026-11-20 --json |
	sed -n 's/.*"record":\([0-9]*\).*/\1/p')
check "an inspection is recorded" '[ -n "$INS" ]'

server_start
for u in tanaka sato; do
	is "$u logs in" 303 "$(login $u "$PW" "$TMP/jar-$u")"
done
curl -s -b "$TMP/jar-tanaka" "${URL}records/$K1" | tr -d '\n' >"$TMP/page"
grep -o '<section class="card present">.*' "$TMP/page" | sed 's|</section>.*||' >"$TMP/present"
check "the record says where it is" 'grep -q "<dt>持出し先</dt><dd>区民センター</dd>" "$TMP/present"'
check "and what for" 'grep -q "<dt>目的</dt><dd>出張窓口</dd>" "$TMP/present"'
check "and who took it out" 'grep -q "田中次郎" "$TMP/present"'
grep -o '<h2 id="history">.*</table>' "$TMP/page" >"$TMP/hist"
check "the history shows what each act recorded" \
	'[ "$(grep -o "<dt>持出し先</dt><dd>区民センター</dd>" "$TMP/hist" | wc -l)" -ge 2 ]'
check "and the comment" 'grep -q "窓口の応援" "$TMP/hist"'
curl -s -b "$TMP/jar-tanaka" "${URL}records/$INS" | tr -d '\n' >"$TMP/page"
check "the inspection shows its 点検日" 'grep -q "<dt>点検日</dt><dd>2026-11-20</dd>" "$TMP/page"'
# sato (税務課) may not read 区民課's inspection: nothing of it shows.
is "sato does not read the inspection" 404 "$(status -b "$TMP/jar-sato" "${URL}records/$INS")"
check "nor its 点検日" '! grep -q 2026-11-20 "$TMP/body"'

# A record acted on all day: its page shows the latest 50 acts, and the way to the earlier
# ones; what the take-out recorded stays on the record however far back the take-out is.
for i in $(seq 1 55); do
	m act "$K1" asset.set_access --as yamada --field "access_rights=user:sato" \
		--comment "設定 $i" >/dev/null || echo "# set_access $i failed"
done
rows() { grep -o '<h2 id="history">.*</table>' "$1" | grep -o '<tr>' | wc -l; }
curl -s -b "$TMP/jar-tanaka" "${URL}records/$K1" | tr -d '\n' >"$TMP/page"
is "the record page shows the latest 50 acts" 51 "$(rows "$TMP/page")"
check "the latest act among them" 'grep -q "設定 55<" "$TMP/page"'
check "not the earliest" '! grep -q "設定 5<" "$TMP/page" && ! grep -q "窓口の応援" "$TMP/page"'
grep -o '<section class="card present">.*' "$TMP/page" | sed 's|</section>.*||' >"$TMP/present"
check "the record still says where it is, and who took it out" \
	'grep -q "<dt>持出し先</dt><dd>区民センター</dd>" "$TMP/present" && grep -q "田中次郎" "$TMP/present"'
older=$(grep -o 'href="/records/'"$K1"'?before=[0-9]*#history"' "$TMP/page" | sed 's/href="\/\(.*\)#history"/\1/')
check "a link leads to the earlier acts" '[ -n "$older" ] && grep -q "それより前の履歴" "$TMP/page"'
curl -s -b "$TMP/jar-tanaka" "${URL}$older" | tr -d '\n' >"$TMP/page2"
is "the earlier page has the other 8" 9 "$(rows "$TMP/page2")"
check "among them the take-out and its comment" \
	'grep -q "窓口の応援" "$TMP/page2" && grep -q "設定 5<" "$TMP/page2"'
check "and the way back to the latest" \
	'grep -q "href=\"/records/$K1#history\"[^>]*>最新の履歴" "$TMP/page2" && ! grep -q "?before=" "$TMP/page2"'
is "before= must be an act's id" 400 "$(status -b "$TMP/jar-tanaka" "${URL}records/$K1?before=abc")"
done_testing
