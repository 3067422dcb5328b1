#!/bin/sh
# t0649: 人事異動 in the browser: the administrator uploads one CSV (Shift_JIS as Excel saves
# it), sees every line as it will be applied or its error in Japanese, nothing changes until
# they confirm; applying moves people and their roles through the door, ledgered; others may
# not reach the page.
. "${MAMORI_SRCDIR:?}/tests/http/lib.sh"
TODAY=$(day 0)

ward_make
server_start
is "the administrator logs in" 303 "$(login admin "$ADMIN_PW" "$TMP/jar")"
is "the page" 200 "$(status -b "$TMP/jar" "${URL}admin/transfer")"
check "in the administration's menu" "grep -q 'href=\"/admin/transfer\"' '$TMP/body' && grep -q '人事異動' '$TMP/body'"
check "an upload form" "grep -q 'enctype=\"multipart/form-data\"' '$TMP/body' && grep -q 'name=\"file\"' '$TMP/body'"

printf 'ログインID,新所属,新職名,終了する役割,開始する役割\nsuzuki,区民課,区民課長,security_officer@section:zeimu,security_officer@section:kumin\nnobody,kumin,,,\n' |
	iconv -f UTF-8 -t CP932 >"$TMP/bad.csv"
C=$(csrf_of "$TMP/jar" /admin/transfer)
is "a file with an error" 400 "$(status -b "$TMP/jar" -F "csrf=$C" -F "file=@$TMP/bad.csv;type=text/csv" "${URL}admin/transfer")"
check "names the line and says what is wrong, in Japanese" "grep -q 'ログインID「nobody」の人はいません\|there is no person' '$TMP/body' && grep -q '1 / 2 行\|1 of 2 lines' '$TMP/body'"
check "offers no apply button" "! grep -q 'action=\"/admin/transfer/apply\"' '$TMP/body'"
check "nothing changed" "m user show suzuki --json | grep -q '\"section\":\"zeimu\"'"
# a file that cannot be read at all: why, in Japanese (base/csv.c's message from the catalogue)
: >"$TMP/empty.csv"
is "an empty file" 400 "$(status -b "$TMP/jar" -F "csrf=$C" -F "file=@$TMP/empty.csv;type=text/csv" "${URL}admin/transfer")"
check "says why in Japanese" "grep -q 'ファイルが空です' '$TMP/body' && ! grep -q 'the file is empty' '$TMP/body'"
U=$(csrf_of "$TMP/jar" /admin/users)
is "the people's import: an empty file" 400 "$(status -b "$TMP/jar" -F "csrf=$U" -F "file=@$TMP/empty.csv;type=text/csv" "${URL}admin/users/import")"
check "says why in Japanese" "grep -q 'ファイルが空です' '$TMP/body' && ! grep -q 'the file is empty' '$TMP/body'"

printf 'ログインID,新所属,新職名,終了する役割,開始する役割\nsuzuki,区民課,区民課長,security_officer@section:zeimu,security_officer@section:kumin\n' |
	iconv -f UTF-8 -t CP932 >"$TMP/ok.csv"
is "a good file" 200 "$(status -b "$TMP/jar" -F "csrf=$C" -F "file=@$TMP/ok.csv;type=text/csv" -F "date=$TODAY" "${URL}admin/transfer")"
check "shows the move by name" "grep -q '税務課 → 区民課' '$TMP/body' && grep -q '区民課 セキュリティ責任者' '$TMP/body'"
check "offers to apply with a confirmation" "grep -q 'action=\"/admin/transfer/apply\"' '$TMP/body' && grep -q 'name=\"confirm\"' '$TMP/body'"
check "still nothing changed" "m user show suzuki --json | grep -q '\"section\":\"zeimu\"'"
sed -n '/<textarea name="csv"/,/<\/textarea>/p' "$TMP/body" | sed 's/.*<textarea[^>]*>//; s/<\/textarea>.*//' |
	python3 -c 'import html,sys; sys.stdout.write(html.unescape(sys.stdin.read()))' >"$TMP/text.csv"
check "carries the checked text" "grep -q 'suzuki,区民課' '$TMP/text.csv'"
is "applying without the confirmation" 400 "$(status -b "$TMP/jar" --data-urlencode "csrf=$C" --data-urlencode "csv@$TMP/text.csv" "${URL}admin/transfer/apply")"
check "changes nothing" "m user show suzuki --json | grep -q '\"section\":\"zeimu\"'"
is "applying" 200 "$(status -b "$TMP/jar" --data-urlencode "csrf=$C" --data-urlencode "csv@$TMP/text.csv" --data-urlencode "date=$TODAY" --data-urlencode "confirm=1" "${URL}admin/transfer/apply")"
check "says it is done" "grep -q '適用しました\|Applied' '$TMP/body'"
check "suzuki moved, with the new 職名 and roles" "m user show suzuki --json | grep -q '\"section\":\"kumin\"' && m role list suzuki | grep -q 'security_officer@section:kumin' && ! m role list suzuki | grep -q 'security_officer@section:zeimu'"
check "the acts are in the ledger, by the administrator from the web" "m ledger tail -n 20 | grep 'user.move' | grep -q admin"
is "applying the same again" 409 "$(status -b "$TMP/jar" --data-urlencode "csrf=$C" --data-urlencode "csv@$TMP/text.csv" --data-urlencode "confirm=1" "${URL}admin/transfer/apply")"
check "is refused line by line (nothing to end any more)" "grep -q 'security_officer@section:zeimu' '$TMP/body'"

# a move dated ahead (4月1日): uploaded and applied before the day, kept for it
APRIL=$(day 3)
printf 'ログインID,異動日,新所属,新職名\ntanaka,%s,税務課,税務課主事\n' "$APRIL" |
	iconv -f UTF-8 -t CP932 >"$TMP/april.csv"
C=$(csrf_of "$TMP/jar" /admin/transfer)
is "a file dated ahead" 200 "$(status -b "$TMP/jar" -F "csrf=$C" -F "file=@$TMP/april.csv;type=text/csv" "${URL}admin/transfer")"
check "is accepted, with its day" "grep -q '$APRIL' '$TMP/body' && grep -q 'action=\"/admin/transfer/apply\"' '$TMP/body'"
sed -n '/<textarea name="csv"/,/<\/textarea>/p' "$TMP/body" | sed 's/.*<textarea[^>]*>//; s/<\/textarea>.*//' |
	python3 -c 'import html,sys; sys.stdout.write(html.unescape(sys.stdin.read()))' >"$TMP/april.txt"
is "applying it" 200 "$(status -b "$TMP/jar" --data-urlencode "csrf=$C" --data-urlencode "csv@$TMP/april.txt" --data-urlencode "confirm=1" "${URL}admin/transfer/apply")"
check "tanaka stays where he is until the day" "m user show tanaka --json | grep -q '\"section\":\"kumin\"' && m user show tanaka --json | grep -q '\"on\":\"$APRIL\"'"
is "the users page" 200 "$(status -b "$TMP/jar" "${URL}admin/users")"
check "says the move ahead beside his section" "grep -q '（${APRIL}から税務課へ異動予定）' '$TMP/body'"

is "sato logs in" 303 "$(login sato "$PW" "$TMP/jar-sato")"
is "and may not see the page" 403 "$(status -b "$TMP/jar-sato" "${URL}admin/transfer")"
server_stop
done_testing
