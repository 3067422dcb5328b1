#!/bin/sh
# t0647: every list downloads for Excel, not only the registers: my requests and those waiting
# for me, what is taken out, duties, incidents, audits/findings and alerts (the registers'
# downloads), and the users for the administrator. Japanese headers, names not ids, UTF-8
# with BOM or CP932, formulas neutralised, only what the reader may read.
. "${MAMORI_SRCDIR:?}/tests/http/lib.sh"

ward_make
m user set suzuki --title 税務課長 >/dev/null
R=$(m act "$Z3" asset.take_out --as sato --field 'destination==HYPERLINK("http://x")' \
	--field purpose=出張窓口 --field return_due="$(day -2)" --comment '+出張' |
	sed -n 's/^pending: request \([0-9]*\).*/\1/p')
m request approve "$R" --as suzuki >/dev/null
R2=$(m act "$Z3B" asset.copy --as sato | sed -n 's/^pending: request \([0-9]*\).*/\1/p')
K=$(m act "$K3" asset.take_out --as tanaka --field destination=区民センター --field purpose=窓口 \
	--field return_due="$(day 3)" | sed -n 's/^pending: request \([0-9]*\).*/\1/p')
m request approve "$K" --as yamada >/dev/null
server_start

dl() { # dl JAR PATH FILE: downloads; prints the status; headers in $TMP/h
	curl -s -b "$1" -D "$TMP/h" -o "$3" -w '%{http_code}' "${URL}${2#/}"
}

is "sato logs in" 303 "$(login sato "$PW" "$TMP/jar-sato")"
is "the requests page" 200 "$(status -b "$TMP/jar-sato" "${URL}requests")"
check "offers my requests as CSV" "grep -q 'href=\"/requests.csv?list=mine&amp;encoding=utf-8\"' '$TMP/body'"
is "my requests as CSV" 200 "$(dl "$TMP/jar-sato" "/requests.csv?list=mine&encoding=utf-8" "$TMP/r.csv")"
check "is text/csv, a download named in Japanese" "grep -qi '^content-type: text/csv; charset=utf-8' '$TMP/h' && grep -qi \"^content-disposition: attachment; filename=\\\"requests.csv\\\"; filename\\*=UTF-8''%E8%87%AA\" '$TMP/h'"
check "starts with a BOM" "[ \"\$(head -c 3 '$TMP/r.csv' | od -An -tx1 | tr -d ' ')\" = efbbbf ]"
check "Japanese headers" "head -1 '$TMP/r.csv' | grep -q '番号,状態,行為,台帳,記録,重要性分類,課,申請者,承認者,決裁者'"
check "both of sato's requests" "grep -q '^$R,' '$TMP/r.csv' && grep -q '^$R2,' '$TMP/r.csv'"
check "states, actions and sections by their names" "grep -q '承認待ち' '$TMP/r.csv' && grep -q ',庁舎外への持出し,' '$TMP/r.csv' && grep -q ',税務課,' '$TMP/r.csv'"
check "the approver by name and title" "grep -q '鈴木一郎（税務課長）' '$TMP/r.csv'"
check "a reason starting with + is neutralised" "grep -q \"'+出張\" '$TMP/r.csv'"
check "not tanaka's request" "! grep -q '^$K,' '$TMP/r.csv'"

is "what is taken out, as CSV" 200 "$(dl "$TMP/jar-sato" "/takeouts.csv?encoding=cp932" "$TMP/t.csv")"
check "in CP932" "grep -qi '^content-type: text/csv; charset=Shift_JIS' '$TMP/h' && iconv -f CP932 -t UTF-8 '$TMP/t.csv' >'$TMP/t8.csv'"
check "Japanese headers" "head -1 '$TMP/t8.csv' | grep -q '記録,台帳,名称,重要性分類,課,持出し日時,持出した人,持出し先'"
check "the overdue take-out" "grep -q '住民税課税台帳' '$TMP/t8.csv' && grep -q '期限超過' '$TMP/t8.csv'"
check "a formula in a take-out's field is neutralised" "grep -q \"'=HYPERLINK\" '$TMP/t8.csv'"
check "not 区民課's level 3 (sato may not read it)" "! grep -q '住民基本台帳' '$TMP/t8.csv'"
is "the take-out page offers it" 200 "$(status -b "$TMP/jar-sato" "${URL}takeouts")"
check "with the page's filters" "grep -q 'href=\"/takeouts.csv?encoding=utf-8\"' '$TMP/body'"

is "duties as CSV" 200 "$(dl "$TMP/jar-sato" "/duties.csv?section=zeimu&encoding=utf-8" "$TMP/d.csv")"
check "Japanese headers" "head -1 '$TMP/d.csv' | grep -q '義務,対象,担当,義務を負う人,最終実施日,最終実施者,次回期限,状況,条項'"
check "税務課's duties, where and who by name" "grep -q ',税務課,セキュリティ責任者,鈴木一郎,' '$TMP/d.csv' && ! grep -q ',区民課,' '$TMP/d.csv'"
is "the duties page offers mine" 200 "$(status -b "$TMP/jar-sato" "${URL}duties")"
check "and the section's" "grep -q 'href=\"/duties.csv?mine=1&amp;encoding=utf-8\"' '$TMP/body' && grep -q 'href=\"/duties.csv?section=zeimu&amp;encoding=cp932\"' '$TMP/body'"
check "saying once (two lists, one page) that what Shift_JIS lacks becomes 〓" \
	"[ \$(grep -o 'class=\"csv-note\"' '$TMP/body' | wc -l) -eq 1 ]"

is "incidents as CSV" 200 "$(dl "$TMP/jar-sato" "/incidents.csv" "$TMP/i.csv")"
check "Japanese headers" "head -1 '$TMP/i.csv' | grep -q '番号,件名,状況,重大度,課,発見日時'"

is "suzuki logs in" 303 "$(login suzuki "$PW" "$TMP/jar-suzuki")"
is "what waits for suzuki" 200 "$(dl "$TMP/jar-suzuki" "/requests.csv?list=to-approve" "$TMP/a.csv")"
check "sato's copy request" "grep -q '^$R2,' '$TMP/a.csv' && grep -q '佐藤花子' '$TMP/a.csv'"
check "not what suzuki already decided" "! grep -q '^$R,' '$TMP/a.csv'"

is "sato may not download the users" 403 "$(dl "$TMP/jar-sato" "/admin/users.csv" "$TMP/x.csv")"
is "the administrator logs in" 303 "$(login admin "$ADMIN_PW" "$TMP/jar-admin")"
is "the users page offers the CSV" 200 "$(status -b "$TMP/jar-admin" "${URL}admin/users")"
check "link" "grep -q 'href=\"/admin/users.csv?encoding=utf-8\"' '$TMP/body'"
is "the users as CSV" 200 "$(dl "$TMP/jar-admin" "/admin/users.csv?encoding=cp932" "$TMP/u.csv")"
check "Japanese headers that user import reads back" "iconv -f CP932 -t UTF-8 '$TMP/u.csv' | head -1 | grep -q 'ログイン,氏名,所属,所属名,雇用形態,職名,メールアドレス,状態'"
check "the section by id and by name, the status in Japanese" "iconv -f CP932 -t UTF-8 '$TMP/u.csv' | grep -q '^suzuki,鈴木一郎,zeimu,税務課,.*,税務課長,,在職'"
is "the alerts of the register as CSV (an administrator reads them)" 200 "$(dl "$TMP/jar-admin" "/registers/alert/csv?state=open" "$TMP/al.csv")"
check "Japanese headers" "head -1 '$TMP/al.csv' | grep -q '^.*番号,状態'"
is "findings as CSV" 200 "$(dl "$TMP/jar-admin" "/registers/finding/csv" "$TMP/f.csv")"
check "Japanese headers" "head -1 '$TMP/f.csv' | grep -q '番号,状態'"
check "every download is in the ledger's access log" "m ledger tail -n 1000 2>/dev/null | grep 'records.export' | grep -q 'list=users'"

expect "the CLI: sato's requests" 0 m request list --mine --as sato --csv
check "the same headers" "head -1 '$TMP/out' | grep -q '番号,状態,行為,台帳,記録'"
expect "the CLI: take-outs as sato may read, CP932 to a file" 0 m takeout list --as sato --csv --cp932 -o "$TMP/cli-t.csv"
check "decodes, without 区民課's" "iconv -f CP932 -t UTF-8 '$TMP/cli-t.csv' | grep -q 住民税課税台帳 && ! iconv -f CP932 -t UTF-8 '$TMP/cli-t.csv' | grep -q 住民基本台帳"
expect "the file is never overwritten" 1 m takeout list --as sato --csv -o "$TMP/cli-t.csv"
expect "the CLI: duties" 0 m duty list --csv
check "headers" "head -1 '$TMP/out' | grep -q '義務,対象,担当'"
expect "the CLI: incidents as sato" 0 m incident list --as sato --csv
expect "the CLI: users" 0 m user list --csv
expect "--cp932 without --csv is a usage error" 2 m user list --cp932
m user list --csv -o "$TMP/users.csv"
check "the users' CSV imports again (header by name)" "head -1 '$TMP/users.csv' | grep -q 'ログイン,氏名,所属'"
server_stop
done_testing
