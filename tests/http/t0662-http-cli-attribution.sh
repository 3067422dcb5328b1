#!/bin/sh
# t0662-http-cli-attribution: issue 11, "CLI acts are attributed honestly". An act made with
# --as is the operator acting in someone's name: the pages that show it say so (名義・CLI,
# with the OS user), on the record's history and present state, the request's applicant and
# approvers, and the dashboard; acts made in the browser carry no such mark.
. "${MAMORI_SRCDIR:?}/tests/http/lib.sh"
ward_make
OSU=$(id -un)
out=$(m act "$K1" asset.take_out --as tanaka --field destination=区民センター \
	--field purpose=出張窓口 --json)
REQ=$(printf '%s' "$out" | sed -n 's/.*"request":\([0-9]*\).*/\1/p')
check "tanaka's take-out (made with --as) waits for approval" '[ -n "$REQ" ]'
expect "yamada approves it with --as" 0 "$MAMORI" --dir "$D" request approve "$REQ" --as yamada
m request show "$REQ" --json >"$TMP/show.json"
check "request show --json: the application came in by the CLI" \
	'grep -q "\"applicant_via\":\"cli\",\"applicant_os_user\":\"$OSU\"" "$TMP/show.json"'
check "and so did the approval" 'grep -q "\"approved_via\":\"cli\",\"approved_os_user\":\"$OSU\"" "$TMP/show.json"'

server_start
is "yamada logs in" 303 "$(login yamada "$PW" "$TMP/jar-y")"
MARK="名義・CLI（OSユーザー $OSU）"
curl -s -b "$TMP/jar-y" "${URL}requests/$REQ" | tr -d '\n' >"$TMP/req"
check "the request page marks the applicant ($MARK)" \
	'grep -q "<dt>申請者</dt><dd[^>]*>田中次郎 <span class=\"tag cli\"[^>]*>$MARK</span>" "$TMP/req"'
check "and the approver" 'grep -o "<li>[^<]*承認[^<]*<span class=\"tag cli\"[^>]*>$MARK</span>" "$TMP/req" | grep -q 山田三郎'
curl -s -b "$TMP/jar-y" "${URL}records/$K1" | tr -d '\n' >"$TMP/rec"
check "the record's history marks both acts" '[ "$(grep -o "<span class=\"tag cli\"[^>]*>$MARK</span>" "$TMP/rec" | wc -l)" -ge 4 ]'
grep -o '<section class="card present">.*' "$TMP/rec" | sed 's|</section>.*||' >"$TMP/present"
check "so does the present-state card (applicant and approver)" '[ "$(grep -o "$MARK" "$TMP/present" | wc -l)" -eq 2 ]'
curl -s -b "$TMP/jar-y" "${URL}" | tr -d '\n' >"$TMP/dash"
check "the dashboard's recent activity marks them too" 'grep -q "$MARK" "$TMP/dash"'

# The same kind of act made in the browser carries no mark: sato applies in the browser.
is "sato logs in" 303 "$(login sato "$PW" "$TMP/jar-s")"
c=$(csrf_of "$TMP/jar-s" "/records/$Z3/act?action=asset.take_out")
curl -s -b "$TMP/jar-s" -o /dev/null -w '%{redirect_url}' --data-urlencode "csrf=$c" \
	--data-urlencode action=asset.take_out --data-urlencode version=1 \
	--data-urlencode "f.destination=区民センター" --data-urlencode "f.purpose=相談" \
	"${URL}records/$Z3/act" >"$TMP/loc"
WREQ=$(sed -n 's|.*/requests/\([0-9]*\).*|\1|p' "$TMP/loc")
check "sato's take-out from the browser waits as a request" '[ -n "$WREQ" ]'
curl -s -b "$TMP/jar-s" "${URL}requests/$WREQ" | tr -d '\n' >"$TMP/wreq"
check "its page names sato without a CLI mark" 'grep -q "<dt>申請者</dt><dd[^>]*>佐藤花子</dd>" "$TMP/wreq" && ! grep -q "tag cli" "$TMP/wreq"'
curl -s -b "$TMP/jar-s" "${URL}records/$Z3" | tr -d '\n' >"$TMP/rec3"
check "Z3's history marks only its creation by the CLI (1), not the browser's application" \
	'[ "$(grep -o "<span class=\"tag cli\"" "$TMP/rec3" | wc -l)" -eq 1 ]'

# The compliance report names the acts made with --as and counts them per clause: yamada's
# approval from the CLI is there under his name with the mark; sato's browser application is not.
is "the administrator logs in" 303 "$(login admin "$ADMIN_PW" "$TMP/jar-a")"
curl -s -b "$TMP/jar-a" "${URL}report/compliance" | tr -d '\n' >"$TMP/rep"
check "the report has its list of acts made in someone's name (名義・CLIによる行為)" \
	'grep -q "<h2 id=\"cli\">名義・CLIによる行為</h2>" "$TMP/rep"'
check "yamada's approval is named with the mark" \
	'grep -o "<tr><td>[^<]*</td><td class=\"cli\">山田三郎[^<]* $MARK</td><td>承認：[^<]*</td>" "$TMP/rep" | grep -q .'
check "so is tanaka's application" \
	'grep -q "<td class=\"cli\">田中次郎[^<]* $MARK</td>" "$TMP/rep"'
check "sato's application from the browser is not in that list (only her record made by the CLI)" \
	'[ "$(grep -o "<td class=\"cli\">佐藤花子[^<]*</td><td>[^<]*</td><td>[^<]*</td>" "$TMP/rep" | grep -c 承認待ち)" -eq 0 ] && grep -q "<td class=\"cli\">佐藤花子" "$TMP/rep"'
check "people by name, never by login" '! grep -o "<td class=\"cli\">[^<]*</td>" "$TMP/rep" | grep -q "（sato）\|（yamada）\|（tanaka）"'
curl -s -b "$TMP/jar-a" "${URL}report/compliance?format=csv&encoding=utf-8" >"$TMP/rep.csv"
python3 - "$TMP/rep.csv" >"$TMP/cli-counts" <<'PY'
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1], encoding="utf-8-sig", newline="")))
r = [r for r in rows if r["条項"] == "MIN-4-1-3-4"][0]
print(r["承認"], r["承認のうち名義・CLI"], int(r["行為"]) - int(r["行為のうち名義・CLI"]))
PY
is "CSV, MIN-4-1-3-4: one approval, made with --as; one act (sato's) from the browser" \
	"$(cat "$TMP/cli-counts")" "1 1 1"
# each of those figures links to the clause's list of the entries it counts
check "MIN-4-1-3-4's approval made with --as links to its entry's list" \
	"grep -q 'href=\"/report/compliance/clause?id=MIN-4-1-3-4&amp;to=[0-9-]*#cli-approved\" class=\"figure\">1</a>' '$TMP/rep'"
curl -s -b "$TMP/jar-a" "${URL}report/compliance/clause?id=MIN-4-1-3-4" | tr -d '\n' >"$TMP/cl"
E=$(python3 -c "import re; t=open('$TMP/cl').read(); m=re.search(r'<h2 id=\"cli-approved\">(.*?)</h2>(.*?)(<h2|$)', t); print(' '.join(re.findall(r'index=(\d+)', m.group(2))) if m else 'missing')")
check "which lists one entry ($E), yamada's approval" \
	"[ \$(echo '$E' | wc -w) -eq 1 ] && m ledger entry $E --json >'$TMP/e.json' && grep -q '\"actor\": *\"yamada\"' '$TMP/e.json' && grep -q 'request.approve' '$TMP/e.json'"
check "in Japanese" "grep -q '承認のうち、コマンドラインで本人の名義により行われたもの' '$TMP/cl'"
server_stop
done_testing
