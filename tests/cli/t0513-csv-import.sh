#!/bin/sh
# t0513: CSV imports of sections, users and records as wards keep them in Excel: UTF-8 with
# or without BOM, CP932; every row checked first and all or nothing imported, with line
# numbers in the errors; exports for Excel that import again.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/core-lib.sh"
D="$TMP/w"
users() { sqlite3 "$D/mamori.db" "SELECT count(*) FROM users"; }
sections() { sqlite3 "$D/mamori.db" "SELECT count(*) FROM sections"; }

expect "init" 0 "$MAMORI" --dir "$D" init --profile minato

# Sections, UTF-8 without BOM, CRLF; a 部 after the sections that name it.
printf 'id,name,parent\r\nzeimu,税務課,kuminbu\r\nkumin,区民課,kuminbu\r\nkuminbu,区民部,\r\n' \
	>"$TMP/sections.csv"
expect "sections from UTF-8" 0 "$MAMORI" --dir "$D" section import "$TMP/sections.csv"
out_has "says how many and the encoding" "imported 3 sections"
out_has "UTF-8 detected" "UTF-8"
check "three sections" "[ $(sections) -eq 3 ]"

# Users with a BOM and Japanese headers, as Excel's 'CSV UTF-8' writes them.
printf '\357\273\277ログイン,氏名,所属,雇用形態\r\nsato,佐藤 花子,zeimu,職員\r\nmori,森 和子,kumin,非常勤職員\r\n' \
	>"$TMP/users-bom.csv"
expect "users from UTF-8 with BOM" 0 "$MAMORI" --dir "$D" user import "$TMP/users-bom.csv"
out_has "BOM detected" "UTF-8 (BOM)"
expect "imported user" 0 "$MAMORI" --dir "$D" user show mori
out_has "name intact" "森 和子"
out_has "非常勤職員 is the profile's 会計年度任用職員" "会計年度任用職員"

# Users in CP932 (Shift_JIS as Excel writes it), with an NEC special character in a name.
printf 'login,name,section,employment\r\ntakahashi,髙橋 ①郎,zeimu,職員\r\nitaku-1,委託 太郎,kumin,受託事業者\r\n' |
	iconv -f UTF-8 -t CP932 >"$TMP/users-sjis.csv"
check "the file really is CP932" "! iconv -f UTF-8 -t UTF-8 '$TMP/users-sjis.csv' >/dev/null 2>&1"
expect "users from CP932" 0 "$MAMORI" --dir "$D" user import "$TMP/users-sjis.csv"
out_has "CP932 detected" "CP932"
expect "CP932 name converted" 0 "$MAMORI" --dir "$D" user show takahashi
out_has "髙 and ① survive" "髙橋 ①郎"
check "four users and admin" "[ $(users) -eq 5 ]"

# Broken files: nothing at all is imported, and the error names the line.
printf 'login,name,section\nok-1,可,zeimu\nok-2,可,zeimu\nbad-1,不可,nosuch\n' >"$TMP/bad-section.csv"
expect "an unknown section on line 4" 1 "$MAMORI" --dir "$D" user import "$TMP/bad-section.csv"
err_has "names line 4" "line 4"
err_has "says nothing was imported" "nothing imported"
check "no user of that file was added" "[ $(users) -eq 5 ]"
printf 'login,name,section\ndup,一,zeimu\ndup,二,zeimu\n' >"$TMP/dup.csv"
expect "a login twice" 1 "$MAMORI" --dir "$D" user import "$TMP/dup.csv"
err_has "the second one's line" "line 3"
check "still no new user" "[ $(users) -eq 5 ]"
printf 'login,name,section\nq-1,"unterminated,zeimu\nq-2,二,zeimu\n' >"$TMP/quote.csv"
expect "a broken quote" 1 "$MAMORI" --dir "$D" user import "$TMP/quote.csv"
err_has "the parser names a line" "line"
printf 'login,name\nx,y\n' >"$TMP/nocol.csv"
expect "a missing column" 1 "$MAMORI" --dir "$D" user import "$TMP/nocol.csv"
err_has "says which columns" "section"
printf 'login,name,section\nBAD LOGIN,名,zeimu\n' >"$TMP/badlogin.csv"
expect "an invalid login" 1 "$MAMORI" --dir "$D" user import "$TMP/badlogin.csv"
err_has "line 2" "line 2"
printf '\377\376l\000o\000' >"$TMP/utf16.csv"
expect "UTF-16 is refused with a hint" 1 "$MAMORI" --dir "$D" user import "$TMP/utf16.csv"
check "no user from any broken file" "[ $(users) -eq 5 ]"
# A non-administrator's import is refused as a whole (and the refusal is evidence).
printf 'login,name,section\nnew-1,新一,zeimu\nnew-2,新二,zeimu\n' >"$TMP/new.csv"
before=$(sqlite3 "$D/mamori.db" "SELECT count(*) FROM acts WHERE outcome = 'refused'")
expect "an import by someone who may not add people" 3 "$MAMORI" --dir "$D" user import \
	"$TMP/new.csv" --as sato
err_has "why" "not a Mamori administrator"
check "nothing added" "[ $(users) -eq 5 ]"
check "the refused attempt is in the ledger" \
	"[ $(sqlite3 "$D/mamori.db" "SELECT count(*) FROM acts WHERE outcome = 'refused'") -eq $((before + 1)) ]"

# Records: an import of assets; a row that would need approval stops the whole import.
printf 'title,level,section,access_controlled\r\n課税台帳,3,zeimu,true\r\n区報原稿,1,zeimu,true\r\n' \
	| iconv -f UTF-8 -t CP932 >"$TMP/assets.csv"
expect "assets from CP932" 0 "$MAMORI" --dir "$D" record import asset "$TMP/assets.csv" --as sato
out_has "two records" "imported 2 records"
printf 'title,level,section,access_controlled\n台帳,3,zeimu,true\n台帳2,4,zeimu,true\n' >"$TMP/badlevel.csv"
expect "a level the profile does not have" 1 "$MAMORI" --dir "$D" record import asset \
	"$TMP/badlevel.csv" --as sato
err_has "on line 3" "line 3"
check "still two assets" "[ $(sqlite3 "$D/mamori.db" 'SELECT count(*) FROM records') -eq 2 ]"

# Export for Excel: BOM, formula guard; CP932 on request; and it imports again.
m record add asset --field title="=HYPERLINK(\"x\")" --level 1 --section zeimu \
	--field access_controlled=true --as sato >/dev/null
expect "export as CSV" 0 "$MAMORI" --dir "$D" record export asset --csv --output "$TMP/out.csv"
check "starts with a BOM" "[ \"\$(head -c 3 '$TMP/out.csv' | od -An -tx1 | tr -d ' ')\" = efbbbf ]"
check "a formula is neutralised" "grep -q \"'=HYPERLINK\" '$TMP/out.csv'"
expect "export as CP932" 0 "$MAMORI" --dir "$D" record export asset --csv --cp932
check "CP932 output decodes" "iconv -f CP932 -t UTF-8 '$TMP/out' | grep -q 課税台帳"
expect "the export imports again" 0 "$MAMORI" --dir "$D" record import asset "$TMP/out.csv" --as sato
check "six assets now" "[ $(sqlite3 "$D/mamori.db" 'SELECT count(*) FROM records') -eq 6 ]"
check "the formula came back as text" \
	"[ $(sqlite3 "$D/mamori.db" "SELECT count(*) FROM records WHERE fields LIKE '%=HYPERLINK%'") -eq 2 ]"
expect "the ledger verifies" 0 "$MAMORI" --dir "$D" ledger verify
done_testing
