#!/bin/sh
# t0643: duties in the browser: my duties and a section's with the next due date as offices
# write it (令和) and in ISO, overdue first; recording one as done with evidence text or an
# evidence file (its SHA-256 in the ledger), only by a holder of the role, never dated in the
# future; whitespace-only evidence is empty.
. "${MAMORI_SRCDIR:?}/tests/http/lib.sh"

ward_make
server_start

is "suzuki logs in" 303 "$(login suzuki "$PW" "$TMP/jar-suzuki")"
is "the duties page" 200 "$(status -b "$TMP/jar-suzuki" "${URL}duties")"
check "lists suzuki's duty" "grep -q '課等の遵守状況の点検' '$TMP/body'"
check "with its due date in 令和" "grep -q '令和' '$TMP/body'"
check "and in ISO" "grep -q '<span class=\"iso\"> ([0-9-]*)</span>' '$TMP/body'"
check "offers to record it" "grep -q '/duties/done?duty=section-inspection' '$TMP/body'"
is "the dashboard" 200 "$(status -b "$TMP/jar-suzuki" "${URL}")"
check "has the duties card" "grep -q 'id=\"duties-h\"' '$TMP/body'"

FORM="duties/done?duty=section-inspection&scope=section%3Azeimu"
is "the form" 200 "$(status -b "$TMP/jar-suzuki" "${URL}$FORM")"
check "asks for the day, not after today" "grep -q 'name=\"done_on\"[^>]*max=\"' '$TMP/body'"
check "says the length limit" "grep -q '2000' '$TMP/body'"
C=$(csrf_of "$TMP/jar-suzuki" "/$FORM")
TOMORROW=$(python3 -c "import datetime; print((datetime.datetime.utcnow() + datetime.timedelta(hours=9, days=1)).strftime('%Y-%m-%d'))")
YESTERDAY=$(python3 -c "import datetime; print((datetime.datetime.utcnow() + datetime.timedelta(hours=9, days=-1)).strftime('%Y-%m-%d'))")
is "a day in the future is refused" 400 "$(status -b "$TMP/jar-suzuki" -F "csrf=$C" \
	-F duty=section-inspection -F scope=section:zeimu -F "done_on=$TOMORROW" \
	-F "evidence=点検済み" "${URL}duties/done")"
check "saying why" "grep -q '今日より後\|after today' '$TMP/body'"
is "whitespace only is no evidence" 400 "$(status -b "$TMP/jar-suzuki" -F "csrf=$C" \
	-F duty=section-inspection -F scope=section:zeimu -F "evidence=　 " "${URL}duties/done")"
printf '%%PDF-1.4\n%% 点検表\n' >"$TMP/点検表.pdf"
is "done yesterday, with the checklist" 303 "$(status -b "$TMP/jar-suzuki" -F "csrf=$C" \
	-F duty=section-inspection -F scope=section:zeimu -F "done_on=$YESTERDAY" \
	-F "evidence=全職員の遵守状況を点検した" -F "file=@$TMP/点検表.pdf" "${URL}duties/done")"
SHA=$(sha256sum "$TMP/点検表.pdf" | cut -d' ' -f1)
m duty list --json >"$TMP/duties.json"
check "the duty is recorded, last done by suzuki" "grep -q '\"last_done_by\":\"suzuki\"' '$TMP/duties.json'"
check "dated yesterday (noon in Tokyo)" "grep -q '\"last_done\":\"${YESTERDAY}T03:00:00' '$TMP/duties.json'"
m attach list "duty:section-inspection@section:zeimu" --json >"$TMP/files.json"
check "the checklist is kept with the duty" "grep -q '点検表.pdf' '$TMP/files.json'"
check "by its SHA-256" "grep -q '$SHA' '$TMP/files.json'"
IDX=$(python3 -c "import json; print(json.load(open('$TMP/files.json'))[0]['ledger_index'])")
m ledger entry "$IDX" --json >"$TMP/entry.json"
check "the ledger entry names the file's SHA-256" "grep -q '$SHA' '$TMP/entry.json'"
check "and the act is duty.done" "grep -q 'duty.done' '$TMP/entry.json'"

is "sato logs in" 303 "$(login sato "$PW" "$TMP/jar-sato")"
is "sato's duties page" 200 "$(status -b "$TMP/jar-sato" "${URL}duties")"
check "offers sato nothing to record" "! grep -q '/duties/done?' '$TMP/body'"
is "sato cannot open the form for suzuki's duty" 404 "$(status -b "$TMP/jar-sato" "${URL}$FORM")"
CS=$(csrf_of "$TMP/jar-sato" /duties)
is "nor post it" 404 "$(status -b "$TMP/jar-sato" -F "csrf=$CS" -F duty=section-inspection \
	-F scope=section:zeimu -F "evidence=x" "${URL}duties/done")"
is "the section view" 200 "$(status -b "$TMP/jar-sato" "${URL}duties?section=zeimu")"
check "shows the section's duty to its staff" "grep -q '課等の遵守状況の点検' '$TMP/body'"
expect "the ledger verifies" 0 "$MAMORI" --dir "$D" ledger verify
done_testing
