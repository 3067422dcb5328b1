#!/bin/sh
# t0646: Excel and paper. A register's list downloads as CSV with Japanese headers (the
# profile's field names), UTF-8 with BOM or CP932, formulas neutralised, only what the reader
# may read, as filtered; `?headers=ids` gives the old id headers. A request prints as a
# 申請・許可書 with its 決裁欄 (who approved, when, 代決); the print stylesheet leaves the
# menus off the paper.
. "${MAMORI_SRCDIR:?}/tests/http/lib.sh"

ward_make
m user set suzuki --title 税務課長 >/dev/null
m record add asset --as sato --field 'title==HYPERLINK("x")' --field level=2 --field section=zeimu \
	--field access_controlled=true >/dev/null
server_start

is "sato logs in" 303 "$(login sato "$PW" "$TMP/jar-sato")"
is "the asset list" 200 "$(status -b "$TMP/jar-sato" "${URL}registers/asset?level=3")"
check "offers the CSV of what it shows" "grep -q 'href=\"/registers/asset/csv?level=3&amp;encoding=utf-8\"' '$TMP/body'"
check "and in Shift_JIS" "grep -q 'encoding=cp932' '$TMP/body'"
check "saying beside it, in Japanese, that what Shift_JIS lacks becomes 〓 (the UTF-8 CSV keeps it)" \
	"grep -q '<small class=\"csv-note\">Shift_JIS にない文字（𠮷、é、絵文字など）は 〓 になります。CSV（Excel用）ではそのまま残ります。</small>' '$TMP/body'"

curl -s -b "$TMP/jar-sato" -D "$TMP/h" -o "$TMP/a.csv" "${URL}registers/asset/csv?encoding=utf-8"
check "is text/csv in UTF-8" "grep -qi '^content-type: text/csv; charset=utf-8' '$TMP/h'"
check "as a download named after the register" "grep -qi \"^content-disposition: attachment; filename=\\\"asset.csv\\\"; filename\\*=UTF-8''\" '$TMP/h'"
check "starts with a BOM" "[ \"\$(head -c 3 '$TMP/a.csv' | od -An -tx1 | tr -d ' ')\" = efbbbf ]"
check "Japanese headers" "head -1 '$TMP/a.csv' | grep -q '番号,状態,名称'"
check "the level's header is its name" "head -1 '$TMP/a.csv' | grep -q '重要性'"
check "sato's section's records" "grep -q 住民税課税台帳 '$TMP/a.csv'"
check "not another section's level 3" "! grep -q 住民基本台帳 '$TMP/a.csv'"
check "a formula is neutralised" "grep -q \"'=HYPERLINK\" '$TMP/a.csv'"
check "the state by its name" "grep -q '住民税課税台帳' '$TMP/a.csv' && ! grep -q ',active,' '$TMP/a.csv'"
is "filtered like the list" 200 "$(status -b "$TMP/jar-sato" "${URL}registers/asset/csv?level=3&encoding=utf-8")"
check "only level 3" "! grep -q HYPERLINK '$TMP/body'"
is "the id headers" 200 "$(status -b "$TMP/jar-sato" "${URL}registers/asset/csv?headers=ids")"
check "id,state,title" "head -1 '$TMP/body' | grep -q 'id,state,title'"
curl -s -b "$TMP/jar-sato" -D "$TMP/h" -o "$TMP/s.csv" "${URL}registers/asset/csv?encoding=cp932"
check "CP932 says so" "grep -qi '^content-type: text/csv; charset=Shift_JIS' '$TMP/h'"
check "and decodes" "iconv -f CP932 -t UTF-8 '$TMP/s.csv' | grep -q 住民税課税台帳"
check "nothing became 〓, and the header says so" "grep -qi '^x-mamori-substituted: 0' '$TMP/h'"
m record add asset --as sato --field 'title=𠮷野家の端末' --field level=2 --field section=zeimu \
	--field access_controlled=true >/dev/null
curl -s -b "$TMP/jar-sato" -D "$TMP/h" -o "$TMP/s.csv" "${URL}registers/asset/csv?encoding=cp932&q=%E9%87%8E%E5%AE%B6"
check "𠮷 becomes 〓 in the Shift_JIS CSV" "iconv -f CP932 -t UTF-8 '$TMP/s.csv' | grep -q '〓野家の端末'"
check "and the header counts it" "grep -qi '^x-mamori-substituted: 1' '$TMP/h'"
m ledger tail -n 20 | grep records.export >"$TMP/export-entry"
check "as the export's audit entry does" "tail -1 '$TMP/export-entry' | grep -q 'cp932&substituted=1'"
curl -s -b "$TMP/jar-sato" -D "$TMP/h" -o "$TMP/a.csv" "${URL}registers/asset/csv?encoding=utf-8&q=%E9%87%8E%E5%AE%B6"
check "the UTF-8 CSV keeps 𠮷, with no such header" "grep -q '𠮷野家の端末' '$TMP/a.csv' && ! grep -qi '^x-mamori-substituted' '$TMP/h'"
is "an unknown register" 404 "$(status -b "$TMP/jar-sato" "${URL}registers/nosuch/csv")"
expect "the export downloads again with the CLI's names" 0 m record export asset --csv --as sato
check "the CLI writes the same headers" "head -1 '$TMP/out' | grep -q '番号,状態,名称'"
expect "the CLI's --ids" 0 m record export asset --csv --ids --as sato
check "gives the id headers" "head -1 '$TMP/out' | grep -q 'id,state,title'"
curl -s -b "$TMP/jar-sato" -o "$TMP/again.csv" "${URL}registers/asset/csv?section=zeimu&encoding=utf-8"
expect "and a download of sato's section imports again" 0 m record import asset "$TMP/again.csv" --as sato

R=$(m act "$Z3" asset.copy --as sato | sed -n 's/^pending: request \([0-9]*\).*/\1/p')
is "suzuki logs in" 303 "$(login suzuki "$PW" "$TMP/jar-suzuki")"
C=$(csrf_of "$TMP/jar-suzuki" "/requests/$R")
is "suzuki approves" 303 "$(status -b "$TMP/jar-suzuki" --data-urlencode "csrf=$C" \
	"${URL}requests/$R/approve")"
is "the request page" 200 "$(status -b "$TMP/jar-sato" "${URL}requests/$R")"
check "links the printable form" "grep -q 'href=\"/requests/$R/print\"' '$TMP/body'"
is "the printable form" 200 "$(status -b "$TMP/jar-sato" "${URL}requests/$R/print")"
check "is a 申請・許可書" "grep -q '申請・許可書' '$TMP/body'"
check "with the 決裁欄" "grep -q 'class=\"kessai\"' '$TMP/body' && grep -q '決裁欄' '$TMP/body'"
check "the approver by name and title" "grep -q '鈴木一郎（税務課長）' '$TMP/body'"
check "and the applicant" "grep -q '佐藤花子' '$TMP/body'"
check "when, as offices write it" "grep -q '令和' '$TMP/body'"
is "tanaka cannot print 税務課's request" 404 "$(login tanaka "$PW" "$TMP/jar-t" >/dev/null; status -b "$TMP/jar-t" "${URL}requests/$R/print")"
is "the stylesheet" 200 "$(status "${URL}static/mamori.css")"
check "prints without the menus" "grep -q '@media print' '$TMP/body' && sed -n '/@media print/,\$p' '$TMP/body' | grep -q 'nav'"
done_testing
