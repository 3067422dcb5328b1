#!/bin/sh
# t0641: attachments in the browser: the record page offers an upload form to its section's
# people; a file up to the ward's limit (20 MiB, past the 4 MiB of other uploads) is added
# through the door; it is served only as a download (Content-Disposition: attachment, nosniff)
# and only to those who may read the record; programs are refused; a body over the limit is
# refused before it is read.
. "${MAMORI_SRCDIR:?}/tests/http/lib.sh"

ward_make
server_start

is "sato logs in" 303 "$(login sato "$PW" "$TMP/jar-sato")"
is "sato reads the record" 200 "$(status -b "$TMP/jar-sato" "${URL}records/$Z3")"
check "the record page has an upload form" "grep -q 'action=\"/attachments\"' '$TMP/body'"
check "saying the limit" "grep -q '20 MB' '$TMP/body'"
C=$(csrf_of "$TMP/jar-sato" "/records/$Z3")
printf '%%PDF-1.4\n%% 持出し許可書\n' >"$TMP/許可書.pdf"
is "sato adds a PDF" 303 "$(status -b "$TMP/jar-sato" -F "csrf=$C" -F "owner=record:$Z3" \
	-F "file=@$TMP/許可書.pdf;type=application/pdf" "${URL}attachments")"
is "the record page" 200 "$(status -b "$TMP/jar-sato" "${URL}records/$Z3?notice=attached")"
check "lists the file" "grep -q '許可書.pdf' '$TMP/body'"
check "with a download link" "grep -q 'href=\"/attachments/1\"' '$TMP/body'"
check "and the history row links it" "[ \$(grep -o 'href=\"/attachments/1\"' '$TMP/body' | wc -l) -eq 2 ]"
curl -s -D "$TMP/head" -o "$TMP/got.pdf" -b "$TMP/jar-sato" "${URL}attachments/1"
check "served as a download" "grep -qi '^content-disposition: attachment;' '$TMP/head'"
check "with the UTF-8 file name" "grep -qi \"filename\\*=UTF-8''%E8%A8%B1%E5%8F%AF%E6%9B%B8.pdf\" '$TMP/head'"
check "nosniff" "grep -qi '^x-content-type-options: nosniff' '$TMP/head'"
check "never as HTML" "grep -qi '^content-type: application/octet-stream' '$TMP/head'"
check "the same bytes" "cmp -s '$TMP/got.pdf' '$TMP/許可書.pdf'"
m attach list "record:$Z3" --json >"$TMP/list.json"
check "through the door, from the web" "grep -q '\"added_by\":\"sato\"' '$TMP/list.json'"

# A program is refused; the page says what is kept.
printf 'MZ\220\000' >"$TMP/setup.exe"
is "a program" 303 "$(status -b "$TMP/jar-sato" -F "csrf=$C" -F "owner=record:$Z3" \
	-F "file=@$TMP/setup.exe" "${URL}attachments")"
check "goes back with a notice" "grep -q 'notice=attach-kind' '$TMP/body' || true"
is "the notice" 200 "$(status -b "$TMP/jar-sato" "${URL}records/$Z3?notice=attach-kind")"
check "says what is kept" "grep -q 'PDF' '$TMP/body'"

# No file chosen (the browser sends an empty part), or an empty one: back to the record, saying
# so, not a bare 400 page whose only way on is the start page.
is "no file chosen" 303 "$(curl -s -o /dev/null -w '%{http_code}' -D "$TMP/head" -b "$TMP/jar-sato" \
	-F "csrf=$C" -F "owner=record:$Z3" -F "file=@/dev/null;filename=" "${URL}attachments")"
check "back to the record with a notice" "grep -qi '^location: /records/$Z3?notice=attach-bad' '$TMP/head'"
: >"$TMP/empty.pdf"
is "an empty file" 303 "$(curl -s -o /dev/null -w '%{http_code}' -D "$TMP/head" -b "$TMP/jar-sato" \
	-F "csrf=$C" -F "owner=record:$Z3" -F "file=@$TMP/empty.pdf" "${URL}attachments")"
check "back to the record with a notice" "grep -qi '^location: /records/$Z3?notice=attach-bad' '$TMP/head'"
is "the notice" 200 "$(status -b "$TMP/jar-sato" "${URL}records/$Z3?notice=attach-bad")"
check "says what was wrong" "grep -q 'ファイルが空か、ファイル名を使用できません' '$TMP/body'"

# Past the 4 MiB of forms: a 5 MiB scan is accepted.
python3 -c "import sys; sys.stdout.buffer.write(b'%PDF-1.4\n' + b'0' * (5 * 1024 * 1024))" >"$TMP/scan.pdf"
is "a 5 MiB PDF" 303 "$(status -b "$TMP/jar-sato" -F "csrf=$C" -F "owner=record:$Z3" \
	-F "file=@$TMP/scan.pdf" "${URL}attachments")"
m attach list "record:$Z3" --json >"$TMP/list.json"
check "is kept" "grep -q 'scan.pdf' '$TMP/list.json'"
# Over the ward's limit: refused from Content-Length, before the body is read.
is "a body over the limit" 413 "$(curl -s -o /dev/null -w '%{http_code}' -b "$TMP/jar-sato" \
	-H 'Content-Type: multipart/form-data; boundary=x' -H 'Content-Length: 30000000' \
	--data-binary @/dev/null "${URL}attachments")"
is "other forms keep their 4 MiB limit" 413 "$(curl -s -o /dev/null -w '%{http_code}' -b "$TMP/jar-sato" \
	-H 'Content-Type: multipart/form-data; boundary=x' -H 'Content-Length: 6000000' \
	--data-binary @/dev/null "${URL}admin/users/import")"

# Others: another section's staff cannot see or add.
is "tanaka logs in" 303 "$(login tanaka "$PW" "$TMP/jar-tanaka")"
is "tanaka cannot download sato's file" 404 "$(status -b "$TMP/jar-tanaka" "${URL}attachments/1")"
CT=$(csrf_of "$TMP/jar-tanaka" /)
is "tanaka cannot add to a record he may not read" 404 "$(status -b "$TMP/jar-tanaka" -F "csrf=$CT" \
	-F "owner=record:$Z3" -F "file=@$TMP/許可書.pdf" "${URL}attachments")"
is "tanaka reads the level 1 record of kumin" 200 "$(status -b "$TMP/jar-tanaka" "${URL}records/$K1")"
is "without the CSRF token nothing is added" 403 "$(status -b "$TMP/jar-tanaka" \
	-F "owner=record:$K1" -F "file=@$TMP/許可書.pdf" "${URL}attachments")"
is "logged out, a download is a login" 303 "$(status "${URL}attachments/1")"
is "an unknown attachment" 404 "$(status -b "$TMP/jar-sato" "${URL}attachments/999")"
expect "the ledger verifies with the files" 0 "$MAMORI" --dir "$D" ledger verify
out_has "files match" "attachments (2 files) match"
done_testing
