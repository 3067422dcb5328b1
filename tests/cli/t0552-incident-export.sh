#!/bin/sh
# t0552: an incident's evidence export (files, manifest, ledger entries with inclusion proofs, a
# checkpoint signed by the ward's key that binds the manifest) and its check: intact exits 0;
# any changed, missing or swapped file exits 1 and names it; a key of another ward is refused.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/core-lib.sh"
D="$TMP/minato"

jget() { python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print($2)" "$1"; }

expect "init --profile minato" 0 "$MAMORI" --dir "$D" init --profile minato --ward-name 港区
m section add zeimu --name 税務課 >/dev/null
m section add jouhou --name 情報政策課 >/dev/null
for u in "zeimu-1 zeimu" "zeimu-kacho zeimu" "csirt-1 jouhou"; do
	set -- $u
	m user add "$1" --name "$1" --section "$2" --employment 職員 >/dev/null || not_ok "user $1"
done
m role grant zeimu-kacho security_officer@section:zeimu >/dev/null
m role grant csirt-1 csirt@org >/dev/null

expect "a report" 0 "$MAMORI" --dir "$D" incident report --title 媒体の紛失 \
	--found-at 2026-03-01T09:00 --personal-data 20 --as zeimu-1 --json
I=$(jget "$TMP/out" 'd["id"]')
m incident step "$I" escalated --as zeimu-kacho >/dev/null
m incident step "$I" received --as csirt-1 >/dev/null
printf 'PDF-like? no: a plain statement\n' >"$TMP/statement.txt"
printf 'second file\n' >"$TMP/other.txt"
mkdir "$TMP/b"
printf 'same name, other bytes\n' >"$TMP/b/statement.txt"
for f in "$TMP/statement.txt" "$TMP/other.txt" "$TMP/b/statement.txt"; do
	expect "evidence $(basename "$f") taken in" 0 "$MAMORI" --dir "$D" incident evidence add "$I" \
		"$f" --as csirt-1
done
expect "a program is not taken in" 1 "$MAMORI" --dir "$D" incident evidence add "$I" "$MAMORI" --as csirt-1
expect "staff may not add evidence" 3 "$MAMORI" --dir "$D" incident evidence add "$I" \
	"$TMP/other.txt" --as zeimu-1
expect "a hand-over" 0 "$MAMORI" --dir "$D" incident evidence handover "$I" \
	"$(sha256sum "$TMP/other.txt" | cut -d' ' -f1)" --to 顧問弁護士 --reason 法的助言 --as csirt-1
for s in recovered prevention closed; do
	m incident step "$I" "$s" --as csirt-1 \
		$([ "$s" = prevention ] && echo --field cause=誤送信 --field prevention=宛先の確認) \
		>/dev/null || not_ok "step $s"
done

X="$TMP/export"
expect "export after closing" 0 "$MAMORI" --dir "$D" incident export "$I" "$X"
check "three files under evidence/" "[ \$(ls '$X/evidence' | wc -l) -eq 3 ]"
check "the files keep their names (a second one of the same name is numbered)" \
	"[ -f '$X/evidence/statement.txt' ] && [ -f '$X/evidence/other.txt' ] && ls '$X/evidence' | grep -q '^3-statement.txt\$'"
check "the exported file is the one taken in" "cmp -s '$X/evidence/statement.txt' '$TMP/statement.txt'"
check "a manifest, a checkpoint and entries" "[ -f '$X/manifest.json' ] && [ -f '$X/checkpoint' ] && [ -n \"\$(ls '$X/entries')\" ]"
check "the manifest names the holder after the hand-over" \
	"[ '$(jget "$X/manifest.json" '[f["holder"] for f in d["files"] if f["name"]=="evidence/other.txt"][0]')' = 顧問弁護士 ]"
expect "export into a directory that is not empty is refused" 1 "$MAMORI" --dir "$D" incident export "$I" "$X"
expect "export of no such case" 1 "$MAMORI" --dir "$D" incident export 9999 "$TMP/none"
expect "verify without --pub is a usage error" 2 "$MAMORI" incident verify-export "$X"
expect "the export verifies with the export's own tool" 0 "$MAMORI" incident verify-export "$X" \
	--pub "$D/ledger.pub"
out_has "intact, with the counts" "intact: 3 files"

# Go's tlog reads the same checkpoint: its body is a plain tlog-checkpoint with one extension.
check "the checkpoint's first line is the log's origin" "[ \"\$(head -1 '$X/checkpoint')\" = \"\$(cut -d+ -f1 '$D/ledger.pub')\" ]"

tamper() { # tamper NAME FILE-IN-EXPORT WANT CMD: a copy of the export, changed by CMD
	rm -rf "$TMP/t"
	cp -r "$X" "$TMP/t"
	(cd "$TMP/t" && eval "$4")
	expect "$1 is detected" 1 "$MAMORI" incident verify-export "$TMP/t" --pub "$D/ledger.pub"
	err_has "$1: the changed file is named" "$3"
}
tamper "a changed evidence file" evidence/other.txt "evidence/other.txt" "printf x >>evidence/other.txt"
tamper "a missing evidence file" evidence/other.txt "evidence/other.txt" "rm evidence/other.txt"
tamper "a changed file and its manifest hash" evidence/other.txt "manifest.json" \
	"printf y >evidence/other.txt && sed -i \"s/$(sha256sum "$TMP/other.txt" | cut -d' ' -f1)/$(printf y | sha256sum | cut -d' ' -f1)/\" manifest.json"
E=$(ls "$X/entries" | head -1)
tamper "a changed ledger entry" "entries/$E" "entries/$E" "printf z >>entries/$E"
tamper "a changed proof" manifest.json "manifest.json" "sed -i 's/\"proof\":\\[\"A/\"proof\":[\"B/;t;s/\"proof\":\\[\"./\"proof\":[\"A/' manifest.json"
tamper "a changed checkpoint" checkpoint "checkpoint" "sed -i '2s/^[0-9]/9/' checkpoint"
tamper "a manifest that is not JSON" manifest.json "manifest.json" "printf '{' >manifest.json"

m2="$TMP/other-ward"
"$MAMORI" --dir "$m2" init --profile minato --ward-name 他区 >/dev/null 2>&1
expect "another ward's key is refused" 1 "$MAMORI" incident verify-export "$X" --pub "$m2/ledger.pub"
err_has "the checkpoint is named" "checkpoint"
expect "the ledger verifies" 0 "$MAMORI" --dir "$D" ledger verify
done_testing
