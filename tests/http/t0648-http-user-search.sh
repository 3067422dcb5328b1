#!/bin/sh
# t0648: the administrator's user list finds people and pages: by login, name, 職名 or e-mail
# (ASCII case-insensitive), by section and status, 50 to a page with the filters kept, and its
# CSV download holds what the search found.
. "${MAMORI_SRCDIR:?}/tests/http/lib.sh"

ward_make
{
	echo 'ログインID,氏名,所属'
	i=1
	while [ $i -le 60 ]; do
		printf 'temp%02d,臨時職員%02d,kumin\n' $i $i
		i=$((i + 1))
	done
} >"$TMP/people.csv"
m user import "$TMP/people.csv" >/dev/null
m user set suzuki --title 税務課長 --email Suzuki@Example.jp >/dev/null
m user retire temp60 >/dev/null
server_start
is "the administrator logs in" 303 "$(login admin "$ADMIN_PW" "$TMP/jar")"

is "the user list" 200 "$(status -b "$TMP/jar" "${URL}admin/users")"
check "has a search form" "grep -q 'role=\"search\"' '$TMP/body' && grep -q 'name=\"q\"' '$TMP/body'"
check "pages 50 at a time (65 people)" "grep -q '1 / 2 ページ（65 人）\|Page 1 of 2 (65 people)' '$TMP/body'"
check "links the next page" "grep -q 'href=\"/admin/users?page=2\"' '$TMP/body'"
is "the second page" 200 "$(status -b "$TMP/jar" "${URL}admin/users?page=2")"
check "holds the rest" "grep -q 'temp60' '$TMP/body' && ! grep -q '>admin<' '$TMP/body'"
is "by name" 200 "$(status -b "$TMP/jar" "${URL}admin/users?q=%E4%BD%90%E8%97%A4")"
check "finds 佐藤 only" "grep -q '佐藤花子' '$TMP/body' && ! grep -q '鈴木一郎' '$TMP/body' && grep -q '（1 人）\|(1 people)' '$TMP/body'"
is "by 職名" 200 "$(status -b "$TMP/jar" "${URL}admin/users?q=%E8%AA%B2%E9%95%B7")"
check "finds the 課長" "grep -q '鈴木一郎' '$TMP/body' && ! grep -q '佐藤花子' '$TMP/body'"
is "by e-mail, whatever the case" 200 "$(status -b "$TMP/jar" "${URL}admin/users?q=SUZUKI%40example")"
check "finds suzuki" "grep -q '鈴木一郎' '$TMP/body'"
is "by section and status" 200 "$(status -b "$TMP/jar" "${URL}admin/users?section=kumin&status=retired")"
check "only the retired one of 区民課" "grep -q 'temp60' '$TMP/body' && ! grep -q 'temp01' '$TMP/body' && ! grep -q '田中次郎' '$TMP/body'"
check "the filters stay in the form" "grep -q '<option value=\"retired\" selected' '$TMP/body'"
is "a search for no one" 200 "$(status -b "$TMP/jar" "${URL}admin/users?q=zzzz")"
check "says so" "grep -q '該当する人はいません\|No one matches' '$TMP/body'"
is "paging keeps the search" 200 "$(status -b "$TMP/jar" "${URL}admin/users?q=temp")"
check "next page with q" "grep -q 'href=\"/admin/users?q=temp&amp;page=2\"' '$TMP/body'"
check "the CSV link carries the search" "grep -q 'href=\"/admin/users.csv?q=temp&amp;encoding=utf-8\"' '$TMP/body'"
is "the CSV of a search" 200 "$(status -b "$TMP/jar" "${URL}admin/users.csv?q=temp")"
check "has every match, not one page" "[ \"\$(grep -c '^temp' '$TMP/body')\" -eq 60 ] && ! grep -q '^sato' '$TMP/body'"
is "a page past the end is empty, not an error" 200 "$(status -b "$TMP/jar" "${URL}admin/users?page=99")"
is "a page that is not a number shows the first" 200 "$(status -b "$TMP/jar" "${URL}admin/users?page=x")"
long=$(python3 -c "print('あ'*101)")
is "a search past 100 characters is not run" 200 "$(status -b "$TMP/jar" -G --data-urlencode "q=$long" "${URL}admin/users")"
is "and its CSV is refused" 400 "$(status -b "$TMP/jar" -G --data-urlencode "q=$long" "${URL}admin/users.csv")"
server_stop
done_testing
