#!/bin/sh
# t0521-cli-csv-export: a CP932 export substitutes what CP932 lacks and warns instead of failing
# the whole register; full-width ＝＋－＠ are neutralised like = + - @ (issue 11, finding 12).
. "$(dirname "$0")/lib.sh"
D="$TMP/d"
m() { "$MAMORI" --dir "$D" "$@"; }
PW='Kawa-Sora-Umi-2026!x'
m init --profile minato >/dev/null 2>&1
m section add zeimu --name 税務課 >/dev/null
printf '%s\n' "$PW" | m user add sato --name 佐藤花子 --section zeimu --password-stdin >/dev/null
for t in 住民税課税台帳 𠮷野家の契約書 ＝HYPERLINK（"x"） ＠SUM; do
	m record add asset --as sato --field "title=$t" --field level=2 --field section=zeimu --field access_controlled=true >/dev/null
done
expect "export in CP932 with a character CP932 lacks succeeds" 0 m record export asset --csv --cp932 --output "$TMP/a.csv"
err_has "a warning says what was substituted" "1 characters have no CP932 (Shift_JIS) form and were written as 〓"
err_has "the warning names the first one's line and character" "line 3: '𠮷' (U+20BB7)"
check "the file is CP932 with 〓 (81 AC) in place" 'iconv -f CP932 -t UTF-8 "$TMP/a.csv" | grep -q "〓野家の契約書"'
check "the other records are all there" 'iconv -f CP932 -t UTF-8 "$TMP/a.csv" | grep -q 住民税課税台帳'
expect "export in UTF-8" 0 m record export asset --csv --output "$TMP/u.csv"
check "UTF-8 keeps 𠮷" 'grep -q 𠮷野家の契約書 "$TMP/u.csv"'
check "a full-width ＝ is neutralised" "grep -q \"'＝HYPERLINK\" \"\$TMP/u.csv\""
check "a full-width ＠ is neutralised" "grep -q \"'＠SUM\" \"\$TMP/u.csv\""
done_testing
