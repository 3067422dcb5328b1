#!/bin/sh
# t0605-http-shinjuku: in Shinjuku a Class I asset is for its own section only (the explicit
# other-section-class-i deny, SHJ-2-4-2-a): a ward-wide role of another section does not
# read it in the browser or through the API.
. "${MAMORI_SRCDIR:?}/tests/http/lib.sh"
m init --profile shinjuku --ward-name 新宿区 >"$TMP/init.out" 2>&1 || { cat "$TMP/init.out"; exit 1; }
printf '%s\n' "$ADMIN_PW" | m user passwd admin --password-stdin >/dev/null
m section add somubu --name 総務部 >/dev/null
m section add jouhou --name 情報政策課 --parent somubu >/dev/null
m section add zeimu --name 税務課 >/dev/null
for u in "zeimu-kacho zeimu" "zeimu-1 zeimu" "joho-1 jouhou"; do
	set -- $u
	printf '%s\n' "$PW" | m user add "$1" --name "$1" --section "$2" --employment 職員 \
		--password-stdin >/dev/null
done
m role grant zeimu-kacho security_officer@section:zeimu >/dev/null
m role grant joho-1 network_manager@org >/dev/null
A=$(m record add asset --field title=課税台帳 --field cia=機密性高 --field label_displayed=true \
	--level I --section zeimu --as zeimu-kacho --json | sed 's/.*"record":\([0-9]*\).*/\1/')
check "a Class I asset of 税務課" '[ -n "$A" ]'
server_start

for u in zeimu-1 joho-1; do
	is "$u logs in" 303 "$(login $u "$PW" "$TMP/jar-$u")"
done
is "税務課 staff read their Class I asset" 200 "$(status -b "$TMP/jar-zeimu-1" "${URL}records/$A")"
is "network_manager@org of 情報政策課 does not" 404 "$(status -b "$TMP/jar-joho-1" "${URL}records/$A")"
curl -s -b "$TMP/jar-joho-1" "${URL}registers/asset" >"$TMP/list"
check "nor finds it in the list" '! grep -q 課税台帳 "$TMP/list"'
T=$(token joho-1)
is "nor through the API" 404 "$(status -H "Authorization: Bearer $T" "${URL}api/v1/records/$A")"
curl -s -H "Authorization: Bearer $T" "${URL}api/v1/records?register=asset" >"$TMP/list"
check "nor in the API's list" '! grep -q 課税台帳 "$TMP/list"'
done_testing
