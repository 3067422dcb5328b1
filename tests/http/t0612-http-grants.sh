#!/bin/sh
# t0612-http-grants: access grants on the web (issue 10 §4). The security officer ticks the
# sections an asset is opened to and picks people and roles from lists (no text box); the record
# page shows the grants by name; a granted person of another section then sees the asset and may
# apply for its copy; what the lists cannot make (a login nobody has) is refused.
. "${MAMORI_SRCDIR:?}/tests/http/lib.sh"
m init --profile minato >"$TMP/init.out" 2>&1 || { cat "$TMP/init.out"; exit 1; }
printf '%s\n' "$ADMIN_PW" | m user passwd admin --password-stdin >/dev/null
m section add zeimu --name 税務課 >/dev/null
m section add kumin --name 区民課 >/dev/null
for u in "zeimu-kacho zeimu 池田勝" "kumin-1 kumin 佐藤花子" "kumin-2 kumin 鈴木一郎"; do
	set -- $u
	printf '%s\n' "$PW" | m user add "$1" --name "$3" --section "$2" --password-stdin >/dev/null
done
m role grant zeimu-kacho security_officer@section:zeimu >/dev/null
A=$(m record add asset --field title=課税台帳 --field access_controlled=true --level 3 \
	--section zeimu --as zeimu-kacho --json | sed 's/.*"record":\([0-9]*\).*/\1/')
check "a level 3 asset of 税務課" '[ -n "$A" ]'
server_start
is "the officer logs in" 303 "$(login zeimu-kacho "$PW" "$TMP/jar")"
is "kumin-1 logs in" 303 "$(login kumin-1 "$PW" "$TMP/jar1")"
is "before any grant kumin-1 does not see the asset" 404 "$(status -b "$TMP/jar1" "${URL}records/$A")"

is "the access form" 200 "$(status -b "$TMP/jar" "${URL}records/$A/act?action=asset.set_access")"
cp "$TMP/body" "$TMP/form"
check "it offers every section by name as a box to tick" \
	'grep -q "name=\"f.access_rights.s.kumin\"" "$TMP/form" && grep -q "区民課" "$TMP/form"'
check "people are picked from a list of names" \
	'grep -q "name=\"f.access_rights.user\"" "$TMP/form" && grep -q "佐藤花子（kumin-1）" "$TMP/form"'
check "roles with where they are held, from lists" \
	'grep -q "name=\"f.access_rights.role\"" "$TMP/form" && grep -q "name=\"f.access_rights.scope\"" "$TMP/form"'
check "no text box to type grants into" '! grep -q "type=\"text\" name=\"f.access_rights" "$TMP/form"'
post() { # post JAR VERSION ARGS...: the set_access form
	_j=$1
	_v=$2
	shift 2
	_c=$(csrf_of "$_j" "/records/$A/act?action=asset.set_access")
	curl -s -b "$_j" -o "$TMP/body" -w '%{http_code} %{redirect_url}' --data-urlencode "csrf=$_c" \
		--data-urlencode action=asset.set_access --data-urlencode "version=$_v" \
		"$@" "${URL}records/$A/act"
}
r=$(post "$TMP/jar" 1 --data-urlencode f.access_rights.user=nobody)
is "a grant of a login nobody has is refused" 400 "${r%% *}"
check "saying so in Japanese" 'grep -q "ログインID「nobody」の職員等はいません" "$TMP/body"'
r=$(post "$TMP/jar" 1 --data-urlencode f.access_rights.role=security_officer --data-urlencode f.access_rights.scope=org)
is "a role picked where it is not held is refused" 400 "${r%% *}"
check "naming the role and where it is held" 'grep -q "役割「セキュリティ責任者」の範囲は課等です" "$TMP/body"'
r=$(post "$TMP/jar" 1 --data-urlencode f.access_rights.user=kumin-1)
is "the officer picks kumin-1" 303 "${r%% *}"
is "the record page" 200 "$(status -b "$TMP/jar" "${URL}records/$A")"
check "shows the grant by the person's name" 'grep -q "佐藤花子（kumin-1）" "$TMP/body"'
is "kumin-1 now sees the asset" 200 "$(status -b "$TMP/jar1" "${URL}records/$A")"
check "and may apply to copy it (the officer approves)" \
	'grep -q "action=asset.copy" "$TMP/body"'
is "the access form again" 200 "$(status -b "$TMP/jar" "${URL}records/$A/act?action=asset.set_access")"
check "shows kumin-1's grant ticked" \
	'grep -q "value=\"user:kumin-1\" checked" "$TMP/body"'
r=$(post "$TMP/jar" 2 --data-urlencode f.access_rights.s.kumin=1)
is "the officer ticks 区民課 and leaves kumin-1 unticked" 303 "${r%% *}"
is "the record page" 200 "$(status -b "$TMP/jar" "${URL}records/$A")"
check "shows the section by its name" 'grep -q "<li>区民課</li>" "$TMP/body"'
# the present grants: the record's first list of grants (its history names earlier ones)
grants_now() {
	python3 -c 'import re,sys; m=re.search(r"<ul class=\"grants\">(.*?)</ul>", open(sys.argv[1]).read(), re.S); print(m.group(1) if m else "")' "$TMP/body"
}
check "and kumin-1's own grant is gone" '! grants_now | grep -q "佐藤花子（kumin-1）"'
check "the grants now are 区民課 alone" '[ "$(grants_now)" = "<li>区民課</li>" ]'
is "kumin-2 logs in" 303 "$(login kumin-2 "$PW" "$TMP/jar2")"
is "and sees the asset through 区民課's grant" 200 "$(status -b "$TMP/jar2" "${URL}records/$A")"
done_testing
