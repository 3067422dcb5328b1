#!/bin/sh
# t0630-http-visibility: issue 11 findings 1-3. Visibility is decided per record before the
# count, the search, the pages, the dashboard, the API's offset and AuthZEN see anything:
# a 税務課 staff member cannot extract a hidden 設計書's text from the count one character at
# a time (MIN-5-8-3-2), and a role at system:X opens no record the profile does not.
. "${MAMORI_SRCDIR:?}/tests/http/lib.sh"
ward_make
m system add zeimu-sys --name 税務システム --section zeimu >/dev/null
printf '%s\n' "$PW" | m user add kato --name 加藤 --section zeimu --password-stdin >/dev/null
m role grant kato system_manager@system:zeimu-sys >/dev/null
m role grant tanaka operator@system:zeimu-sys >/dev/null
doc() {
	m record add document --as kato --field "title=$1" --field "kind=$2" --field section=zeimu \
		--field system=zeimu-sys --json | sed 's/.*"record":\([0-9]*\).*/\1/'
}
# The secret's letters appear in no value sato may see (zeimu, zeimu-sys, Japanese titles).
SECRET=kq7wx
HIDDEN=$(doc "税務システム設計書 管理者パスワード $SECRET" 設計書)
PUBLIC=$(doc 税務課情報安全実施手順 実施手順)
check "a 設計書 and a procedure of 税務課" '[ -n "$HIDDEN" ] && [ -n "$PUBLIC" ]'
DEV=$(m record add device --as kato --field asset_number=Z-001 --field location=サーバ室 \
	--field kind=サーバー --field section=zeimu --field system=zeimu-sys --field level=3 \
	--json | sed 's/.*"record":\([0-9]*\).*/\1/')
check "a level-3 server of 税務課's system" '[ -n "$DEV" ]'
server_start
for u in sato kato tanaka; do
	is "$u logs in" 303 "$(login $u "$PW" "$TMP/jar-$u")"
done

# count JAR QUERY: the "(N 件)" of a document list page.
count() {
	curl -s -b "$1" "${URL}registers/document?$2" |
		sed -n 's/.*[（(]\([0-9][0-9]*\) \(件\|records\)[）)].*/\1/p' | head -1
}
is "kato (system manager) finds the 設計書 by its text" 1 "$(count "$TMP/jar-kato" "q=$SECRET")"
is "sato's list counts only what she may read" 1 "$(count "$TMP/jar-sato" "")"
is "sato's search for the secret finds nothing" 0 "$(count "$TMP/jar-sato" "q=$SECRET")"
is "nor for a word of its title" 0 "$(count "$TMP/jar-sato" "q=%E3%83%91%E3%82%B9%E3%83%AF%E3%83%BC%E3%83%89")"

# The attack of finding 1: grow a prefix by whichever next character changes the count.
ALPHA="a b c d f g h j k l n o p q r t v w x 0 1 2 3 4 5 6 7 8 9"
prefix=
learned=
requests=0
for pos in 1 2 3; do
	hit=
	for c in $ALPHA; do
		requests=$((requests + 1))
		n=$(count "$TMP/jar-sato" "q=$prefix$c")
		[ "$n" != 0 ] && hit="$hit$c"
	done
	learned="$learned$hit"
	prefix=$(printf '%s' "$SECRET" | cut -c1-$pos) # the attacker is even given each answer
done
is "after $requests probes the count taught sato nothing" "" "$learned"

# The other places a count or a page could leak it.
curl -s -b "$TMP/jar-sato" "${URL}registers" >"$TMP/regs"
check "the registers page counts 1 document for sato" \
	'tr -d "\n" <"$TMP/regs" | grep -q "/registers/document\"[^<]*</a></td><td class=\"num\">1</td>"'
curl -s -b "$TMP/jar-kato" "${URL}registers" >"$TMP/regs"
check "and 2 for kato" \
	'tr -d "\n" <"$TMP/regs" | grep -q "/registers/document\"[^<]*</a></td><td class=\"num\">2</td>"'
curl -s -b "$TMP/jar-sato" "${URL}" >"$TMP/dash"
tr -d '\n' <"$TMP/dash" | grep -o '<a href="/registers/document?section=zeimu".*' |
	sed 's|</tr>.*||' >"$TMP/row"
check "the dashboard's section card counts 1 document for sato" \
	'grep -q "<td class=\"num\">1</td>\$" "$TMP/row"'
is "sato: the 設計書 itself is not found" 404 "$(status -b "$TMP/jar-sato" "${URL}records/$HIDDEN")"
check "the 404 page says so in Japanese" 'grep -q "閲覧する権限" "$TMP/body"'
check "and links back" 'grep -q "href=\"/registers\"" "$TMP/body"'
check "the server log keeps the reason" \
	'grep -q "record $HIDDEN hidden from sato.*design-docs-restricted" "$TMP/serve.err"'
is "kato reads it" 200 "$(status -b "$TMP/jar-kato" "${URL}records/$HIDDEN")"

T=$(token sato)
curl -s -H "Authorization: Bearer $T" "${URL}api/v1/records?register=document&limit=1&offset=0" >"$TMP/api"
check "API: the first page of one holds the procedure" 'grep -q "\"id\":$PUBLIC" "$TMP/api"'
curl -s -H "Authorization: Bearer $T" "${URL}api/v1/records?register=document&limit=1&offset=1" >"$TMP/api"
is "API: and the second page is empty" '{"records":[]}' "$(cat "$TMP/api")"
curl -s -H "Authorization: Bearer $T" "${URL}api/v1/records?register=document" >"$TMP/api"
check "API: the whole list leaves the 設計書 out" '! grep -q "$SECRET" "$TMP/api"'

# Finding 2: AuthZEN answers false for a record the token's user may not read.
ev() {
	curl -s -H "Authorization: Bearer $1" -H 'Content-Type: application/json' -d "$2" \
		"${URL}access/v1/evaluation"
}
ev "$T" "{\"subject\":{\"type\":\"user\",\"id\":\"sato\"},\"action\":{\"name\":\"document.read\"},\"resource\":{\"type\":\"document\",\"id\":\"$HIDDEN\"}}" >"$TMP/ev"
check "AuthZEN: reading the hidden 設計書 is false" 'grep -q "\"decision\":false" "$TMP/ev"'
ev "$T" "{\"subject\":{\"type\":\"user\",\"id\":\"sato\"},\"action\":{\"name\":\"document.read\"},\"resource\":{\"type\":\"document\",\"id\":\"$HIDDEN\",\"properties\":{\"section\":\"zeimu\"}}}" >"$TMP/ev"
check "AuthZEN: properties the caller adds change nothing" 'grep -q "\"decision\":false" "$TMP/ev"'
ev "$T" "{\"subject\":{\"type\":\"user\",\"id\":\"sato\"},\"action\":{\"name\":\"document.read\"},\"resource\":{\"type\":\"document\",\"id\":\"999999\"}}" >"$TMP/ev2"
check "AuthZEN: a record that does not exist answers the same" \
	'[ "$(cat "$TMP/ev")" = "$(cat "$TMP/ev2")" ]'
ev "$T" "{\"subject\":{\"type\":\"user\",\"id\":\"sato\"},\"action\":{\"name\":\"document.read\"},\"resource\":{\"type\":\"document\",\"id\":\"$PUBLIC\"}}" >"$TMP/ev"
check "AuthZEN: the procedure she may read is true" 'grep -q "\"decision\":true" "$TMP/ev"'

# Finding 3: an operator of 税務システム from 区民課 reads none of 税務課's level-3 records.
is "tanaka (operator@system:zeimu-sys) does not read the server" 404 "$(status -b "$TMP/jar-tanaka" "${URL}records/$DEV")"
is "nor its action form" 404 "$(status -b "$TMP/jar-tanaka" "${URL}records/$DEV/act?action=device.modify")"
curl -s -b "$TMP/jar-tanaka" "${URL}registers/device" >"$TMP/list"
check "nor finds it in the list" '! grep -q Z-001 "$TMP/list"'
is "kato (system manager) reads it" 200 "$(status -b "$TMP/jar-kato" "${URL}records/$DEV")"

# On PostgreSQL a search of three characters or more is looked up in records_text first (its
# pg_trgm GIN index, schema/pg/0018), as SQLite's FTS5 trigram index: a record whose text row
# is gone is then not found (when every record's fields were read, it still was).
if [ -n "${MAMORI_TEST_PG_HOST:-}" ]; then
	url=$(sed -n 's/^url *= *"\(.*\)"$/\1/p' "$D/mamori.conf")
	"$MAMORI_TEST_PG_BIN/psql" -X -q "$url" -c "DELETE FROM records_text WHERE id = $HIDDEN" >/dev/null
	is "on PostgreSQL the search goes through the trigram index" 0 "$(count "$TMP/jar-kato" "q=$SECRET")"
fi
done_testing
