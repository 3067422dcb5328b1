#!/bin/sh
# t0651-http-log-readers: the collected logs, the alerts and the daily analyses are read by
# those the texts give log analysis (MIN-5-5-7-2/3: the system managers; the CSIRT and the
# CISO's side as the ward's choice), not by a section's staff or its security officer, even
# for records of their own section (read-own-section stops there). One read decision: the
# list, its count, the search, the record page, the API, AuthZEN, the log and alert pages.
. "${MAMORI_SRCDIR:?}/tests/http/lib.sh"
ward_make
m system add zeimu-sys --name 税務システム --section zeimu >/dev/null
printf '%s\n' "$PW" | m user add kato --name 加藤 --section zeimu --password-stdin >/dev/null
m role grant kato system_manager@system:zeimu-sys >/dev/null
printf '%s\n' "$PW" | m user add ito --name 伊藤 --section kumin --password-stdin >/dev/null
m role grant ito csirt@org >/dev/null

# recid: the record number out of `record add --json`.
recid() { sed 's/.*"record":\([0-9]*\).*/\1/'; }
WORD=qz7log
AL=$(m record add access_log --as kato --field system=zeimu-sys --field accessor=sato \
	--field accessed_at=2026-11-22T09:00:00+09:00 --field "operation=課税台帳 $WORD 閲覧" --json | recid)
LA=$(m record add log_analysis --as kato --field period=2026-11-22 --field messages=120 \
	--field alerts=0 --field "finding=$WORD 異常なし" --json | recid)
check "kato (system manager of 税務システム) records an access log and an analysis" \
	'[ -n "$AL" ] && [ -n "$LA" ]'
m record show "$LA" --json >"$TMP/la.json"
check "the analysis belongs to 税務課 (kato's section)" 'grep -q "\"section\":\"zeimu\"" "$TMP/la.json"'

server_start
for u in sato suzuki kato ito; do
	is "$u logs in" 303 "$(login $u "$PW" "$TMP/jar-$u")"
done

# count JAR REGISTER QUERY: the "(N 件)" of a register's list page.
count() {
	curl -s -b "$1" "${URL}registers/$2?$3" |
		sed -n 's/.*[（(]\([0-9][0-9]*\) \(件\|records\)[）)].*/\1/p' | head -1
}
for u in sato suzuki; do
	is "$u: the access log list counts none of 税務課's" 0 "$(count "$TMP/jar-$u" access_log "")"
	is "$u: the analyses list counts none" 0 "$(count "$TMP/jar-$u" log_analysis "")"
	is "$u: the search finds no analysis by its text" 0 "$(count "$TMP/jar-$u" log_analysis "q=$WORD")"
	is "$u: the analysis page is not found" 404 "$(status -b "$TMP/jar-$u" "${URL}records/$LA")"
	is "$u: nor the access log's" 404 "$(status -b "$TMP/jar-$u" "${URL}records/$AL")"
	is "$u: the log search page is refused" 403 "$(status -b "$TMP/jar-$u" "${URL}logs")"
	is "$u: the alerts page is refused" 403 "$(status -b "$TMP/jar-$u" "${URL}alerts")"
	curl -s -b "$TMP/jar-$u" "${URL}registers" >"$TMP/regs"
	check "$u: the registers page counts 0 analyses" \
		'tr -d "\n" <"$TMP/regs" | grep -q "/registers/log_analysis\"[^<]*</a></td><td class=\"num\">0</td>"'
done
check "the server log names the rule that hid the analysis" \
	'grep -q "record $LA hidden from sato.*logs-not-for-section-staff" "$TMP/serve.err"'
is "suzuki's section records stay his: 住民税課税台帳" 200 "$(status -b "$TMP/jar-suzuki" "${URL}records/$Z3")"

for u in kato ito; do
	is "$u finds the analysis by its text" 1 "$(count "$TMP/jar-$u" log_analysis "q=$WORD")"
	is "$u reads the access log" 200 "$(status -b "$TMP/jar-$u" "${URL}records/$AL")"
	is "$u opens the log search" 200 "$(status -b "$TMP/jar-$u" "${URL}logs")"
	check "$u: the search offers its CSV in Shift_JIS too (Excel's own), as the other lists do" \
		"grep -q 'href=\"/logs.csv?encoding=cp932\"' '$TMP/body' && grep -q 'href=\"/logs.csv?encoding=utf-8\"' '$TMP/body'"
	check "$u: and says beside the Shift_JIS button, in Japanese, what becomes 〓 and that the UTF-8 CSV keeps it" \
		"tr -d '\n' <'$TMP/body' | grep -q 'encoding=cp932\"[^>]*>CSV（Shift_JIS）</a> <small class=\"csv-note\">Shift_JIS にない文字（𠮷、é、絵文字など）は 〓 になります。CSV（Excel用）ではそのまま残ります。</small>'"
	is "$u opens the alerts" 200 "$(status -b "$TMP/jar-$u" "${URL}alerts")"
done

is "the Shift_JIS CSV" 200 "$(status -b "$TMP/jar-ito" "${URL}logs.csv?encoding=cp932")"
check "is CP932, its header in Japanese" "head -1 '$TMP/body' | iconv -f CP932 -t UTF-8 | grep -q '^台帳番号,日時'"
# a character CP932 has no form for is written as 〓, and the export's audit entry counts it
TL=$(token kato logs ログ送信)
printf '{"host":"zeimu-sys","message":"sjis-probe café"}\n' >"$TMP/cafe.ndjson"
is "a line with é is collected" 200 "$(status -H "Authorization: Bearer $TL" \
	-H 'Content-Type: application/x-ndjson' --data-binary @"$TMP/cafe.ndjson" "${URL}api/v1/logs")"
is "its Shift_JIS CSV" 200 "$(status -b "$TMP/jar-ito" -D "$TMP/h" "${URL}logs.csv?encoding=cp932&q=sjis-probe")"
check "writes é as 〓" "iconv -f CP932 -t UTF-8 '$TMP/body' | grep -q 'sjis-probe caf〓'"
check "and tells the downloader how many became 〓 (X-Mamori-Substituted)" \
	"grep -qi '^x-mamori-substituted: 1' '$TMP/h'"
is "the UTF-8 CSV" 200 "$(status -b "$TMP/jar-ito" -D "$TMP/h" "${URL}logs.csv?encoding=utf-8&q=sjis-probe")"
check "keeps é, and has no such header" "grep -q 'sjis-probe café' '$TMP/body' && ! grep -qi '^x-mamori-substituted' '$TMP/h'"
# (the last entries, whatever else was ledgered meanwhile; the store may be PostgreSQL)
m ledger tail -n 50 | grep logs.export >"$TMP/export-entry"
check "the export's audit entry counts the 〓" "grep -q 'cp932&substituted=1' '$TMP/export-entry'"
diag "$(tail -1 "$TMP/export-entry")"

T=$(token sato)
curl -s -H "Authorization: Bearer $T" "${URL}api/v1/records?register=log_analysis" >"$TMP/api"
is "API: sato's list of analyses is empty" '{"records":[]}' "$(cat "$TMP/api")"
curl -s -H "Authorization: Bearer $T" -H 'Content-Type: application/json' -d \
	"{\"subject\":{\"type\":\"user\",\"id\":\"sato\"},\"action\":{\"name\":\"log_analysis.read\"},\"resource\":{\"type\":\"log_analysis\",\"id\":\"$LA\"}}" \
	"${URL}access/v1/evaluation" >"$TMP/ev"
check "AuthZEN: sato reading the analysis is false" 'grep -q "\"decision\":false" "$TMP/ev"'
K=$(token kato)
curl -s -H "Authorization: Bearer $K" "${URL}api/v1/records?register=log_analysis" >"$TMP/api"
check "API: kato's list holds it" 'grep -q "\"id\":$LA" "$TMP/api"'
done_testing
