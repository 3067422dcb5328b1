#!/bin/sh
# t0530: attachments: files kept with records, requests and duties, stored by their SHA-256 in
# the data directory, named in the ledger entry of the act that added them, checked by
# `ledger verify`, carried by backups; only people related to the record may add them; only
# documents (PDF, Office, images, text) up to the ward's limit (mamori.conf) are kept.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/core-lib.sh"
D="$TMP/minato"

expect "init --profile minato" 0 "$MAMORI" --dir "$D" init --profile minato
m section add zeimu --name 税務課 >/dev/null
m section add kumin --name 区民課 >/dev/null
m user add zeimu-1 --name "橋本 聡" --section zeimu >/dev/null
m user add zeimu-kacho --name "池田 勝" --section zeimu >/dev/null
m user add kumin-1 --name "清水 亮" --section kumin >/dev/null
m role grant zeimu-kacho security_officer@section:zeimu >/dev/null
new_record "a level 3 asset" asset --field title=住民税課税台帳 --field access_controlled=true \
	--level 3 --section zeimu --as zeimu-1
A=$rec

printf '%%PDF-1.4\n1 0 obj\n<<>>\nendobj\n%%%%EOF\n' >"$TMP/持出し許可書.pdf"
printf 'MZ\220\000\003' >"$TMP/tool.exe"
printf 'PK\003\004not a document' >"$TMP/archive.zip"
SHA=$(sha256sum "$TMP/持出し許可書.pdf" | cut -d' ' -f1)

expect "a member of the section adds a PDF to the record" 0 \
	"$MAMORI" --dir "$D" attach add "record:$A" "$TMP/持出し許可書.pdf" --as zeimu-1 --json
json_is "done" "d['outcome']" "done"
IDX=$(python3 -c "import json; print(json.load(open('$TMP/out'))['ledger_index'])")
check "the file is stored under its SHA-256" "[ -f '$D/attachments/$(echo $SHA | cut -c1-2)/$(echo $SHA | cut -c3-)' ]"
check "mode 0600" "[ \"\$(stat -c %a '$D/attachments/$(echo $SHA | cut -c1-2)/$(echo $SHA | cut -c3-)')\" = 600 ]"
expect "the ledger entry" 0 "$MAMORI" --dir "$D" ledger entry "$IDX" --json
out_has "names the SHA-256 publicly" "$SHA"
expect "attach list" 0 "$MAMORI" --dir "$D" attach list "record:$A" --json
json_is "lists it by name" "[a['name'] for a in d]" "['持出し許可書.pdf']"
json_is "with its hash" "d[0]['sha256']" "$SHA"
json_is "and the act's ledger entry" "d[0]['ledger_index']" "$IDX"
json_is "and who" "d[0]['added_by']" "zeimu-1"
expect "record show --history lists the act" 0 "$MAMORI" --dir "$D" record show "$A" --history --json
out_has "attachment.add in the history" '"action":"attachment.add"'

expect "another section's staff may not add files" 3 \
	"$MAMORI" --dir "$D" attach add "record:$A" "$TMP/持出し許可書.pdf" --as kumin-1
out_has "the refusal says why" "may not add files to record $A"
expect "a program is not kept" 1 "$MAMORI" --dir "$D" attach add "record:$A" "$TMP/tool.exe" --as zeimu-1
err_one_line "one line"
err_has "it lists what is kept" "not a kind of file Mamori keeps: PDF"
expect "nor an archive" 1 "$MAMORI" --dir "$D" attach add "record:$A" "$TMP/archive.zip" --as zeimu-1
expect "an unknown owner kind" 1 "$MAMORI" --dir "$D" attach add "user:zeimu-1" "$TMP/持出し許可書.pdf" --as zeimu-1
err_has "it says what files go with" "record:N, request:N, duty:DUTY@SCOPE"
expect "an unknown record" 1 "$MAMORI" --dir "$D" attach add "record:999" "$TMP/持出し許可書.pdf" --as zeimu-1
expect "attach add needs --as" 2 "$MAMORI" --dir "$D" attach add "record:$A" "$TMP/持出し許可書.pdf"

# The ward's limit (mamori.conf [attachments] max_bytes).
printf '[attachments]\nmax_bytes = 20\n' >"$D/mamori.conf"
expect "a file over the ward's limit is refused" 1 \
	"$MAMORI" --dir "$D" attach add "record:$A" "$TMP/持出し許可書.pdf" --as zeimu-1
err_has "it says the limit" "at most 20 bytes"
printf '[attachments]\nmax_byte = 20\n' >"$D/mamori.conf"
expect "a misspelt key is refused" 1 \
	"$MAMORI" --dir "$D" attach add "record:$A" "$TMP/持出し許可書.pdf" --as zeimu-1
err_has "with a suggestion" "max_bytes"
rm -f "$D/mamori.conf"

# Files with an act: a take-out request carries the application form; the approval its own.
printf '区民センター出張窓口\n' >"$TMP/持出し計画.txt"
run "$MAMORI" --dir "$D" act "$A" asset.take_out --as zeimu-1 --field destination=区民センター \
	--field purpose=出張窓口 --attach "$TMP/持出し計画.txt"
R=$(last_request)
check "the take-out waits for approval (request $R)" "[ -n '$R' ]"
expect "the request's files" 0 "$MAMORI" --dir "$D" attach list "request:$R" --json
json_is "hold the plan" "[a['name'] for a in d]" "['持出し計画.txt']"
expect "the approver approves with a file" 0 \
	"$MAMORI" --dir "$D" request approve "$R" --as zeimu-kacho --attach "$TMP/持出し許可書.pdf"
expect "the request's files" 0 "$MAMORI" --dir "$D" attach list "request:$R" --json
json_is "now hold both" "[a['name'] for a in d]" "['持出し計画.txt', '持出し許可書.pdf']"
json_is "the same bytes are stored once" "len(set(a['sha256'] for a in d))" "2"
expect "an outsider may not add files to the request" 3 \
	"$MAMORI" --dir "$D" attach add "request:$R" "$TMP/持出し許可書.pdf" --as kumin-1

# Getting a file back: checked against its SHA-256, never overwriting.
ID=$("$MAMORI" --dir "$D" attach list "record:$A" --json | python3 -c "import json,sys; print(json.load(sys.stdin)[0]['id'])")
expect "attach get" 0 "$MAMORI" --dir "$D" attach get "$ID" -o "$TMP/back.pdf"
check "gives the same bytes" "cmp -s '$TMP/back.pdf' '$TMP/持出し許可書.pdf'"
expect "attach get never overwrites" 1 "$MAMORI" --dir "$D" attach get "$ID" -o "$TMP/back.pdf"

expect "ledger verify checks the files" 0 "$MAMORI" --dir "$D" ledger verify
out_has "and says so" "attachments (2 files) match"

# Backups carry the files; a restore puts them back and verifies.
expect "backup" 0 "$MAMORI" --dir "$D" backup "$TMP/b.db" --json
json_is "carries both files" "d['attachments']" "2"
expect "restore" 0 "$MAMORI" restore "$TMP/b.db" --dir "$TMP/r"
expect "the restored ward verifies, files included" 0 "$MAMORI" --dir "$TMP/r" ledger verify
out_has "files match" "attachments (2 files) match"
expect "the restored file reads back" 0 "$MAMORI" --dir "$TMP/r" attach get "$ID" -o "$TMP/r.pdf"
check "the same bytes" "cmp -s '$TMP/r.pdf' '$TMP/持出し許可書.pdf'"

# Tampering is found: a changed file, a missing file, a row that names another file.
F="$D/attachments/$(echo $SHA | cut -c1-2)/$(echo $SHA | cut -c3-)"
cp "$F" "$TMP/saved"
chmod u+w "$F"
printf 'x' >>"$F"
expect "a changed file fails verification" 1 "$MAMORI" --dir "$D" ledger verify
err_has "naming the attachment" "attachment $ID"
expect "and is never handed out" 1 "$MAMORI" --dir "$D" attach get "$ID" -o "$TMP/bad.pdf"
rm -f "$F"
expect "a missing file fails verification" 1 "$MAMORI" --dir "$D" ledger verify
cp "$TMP/saved" "$F"
expect "put back, it verifies" 0 "$MAMORI" --dir "$D" ledger verify
sqlite3 "$D/mamori.db" "UPDATE attachments SET size = size + 1 WHERE id = $ID" 2>/dev/null
expect "a row edited behind the door fails verification" 1 "$MAMORI" --dir "$D" ledger verify
done_testing
