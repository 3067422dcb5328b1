#!/bin/sh
# t0540: mamori doctor recommends the second factor (issue 11, Identity: TOTP) for every
# ward-wide role, the administrators and the approvers of the most protected level, and names
# those mamori.conf's [totp] roles leaves out; both profiles. And it checks the identity stamp's
# nine triggers (schema/0030): a ward that lost one gets a warning naming it, with the fix (an
# open that may write makes them again and moves the stamp, without waiting for another writer,
# and says when it could not now, in the reader's language), said in Japanese too.
. "$(dirname "$0")/lib.sh"

for prof in minato shinjuku; do
	D="$TMP/$prof"
	expect "$prof: init" 0 "$MAMORI" --dir "$D" init --profile "$prof"
	expect "$prof: doctor --json" 0 "$MAMORI" --dir "$D" doctor --json
	python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); c=[c for c in d["checks"] if c["name"]=="second factor"][0]; print(c["status"]); print(c["detail"])' "$TMP/out" >"$TMP/sf"
	check "$prof: without [totp] roles the second factor is a warning" '[ "$(head -1 "$TMP/sf")" = warning ]'
	check "$prof: it names the administrators" 'grep -q "mamori_admin" "$TMP/sf"'
	missing=$(sed -n '2s/.*second factor: \([^(]*\) (.*/\1/p' "$TMP/sf" | tr -d ' ')
	echo "# $prof recommends: $missing"
	case $prof in
	minato)
		check "minato: the ward-wide roles (ciso, deputy_ciso, system_chief, csirt)" 'for r in ciso deputy_ciso system_chief csirt; do echo ",$missing," | grep -q ",$r," || exit 1; done'
		check "minato: the approvers of レベル3 (security_officer)" 'echo ",$missing," | grep -q ",security_officer,"'
		check "minato: not every role (staff is not recommended)" '! echo ",$missing," | grep -q ",staff,"'
		;;
	shinjuku)
		check "shinjuku: the ward-wide roles (cio, general_security_officer)" 'for r in cio general_security_officer; do echo ",$missing," | grep -q ",$r," || exit 1; done'
		check "shinjuku: the approvers of 重要性分類Ⅰ (security_officer)" 'echo ",$missing," | grep -q ",security_officer,"'
		check "shinjuku: not every role (staff is not recommended)" '! echo ",$missing," | grep -q ",staff,"'
		;;
	esac
	printf '[totp]\nroles = mamori_admin, %s\n' "$missing" >"$D/mamori.conf"
	expect "$prof: doctor with the recommended roles" 0 "$MAMORI" --dir "$D" doctor
	out_has "$prof: the second factor check passes" "[totp] roles covers every ward-wide role"
	printf '[totp]\nroles = mamori_admin\n' >"$D/mamori.conf"
	expect "$prof: doctor with the administrators only" 0 "$MAMORI" --dir "$D" doctor
	out_has "$prof: it warns, naming what is left out" "these roles log in without a second factor:"
	out_has "$prof: and says how to fix it" "add them to [totp] roles"
done

D="$TMP/minato"
stamp_sql="SELECT count(*) FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'identity_stamp_%'"
expect "an intact ward: doctor" 0 "$MAMORI" --dir "$D" doctor --json
python3 -c 'import json,sys; c=[c for c in json.load(open(sys.argv[1]))["checks"] if c["name"]=="identity stamp"]; print(len(c), c[0]["status"], c[0]["fix"])' "$TMP/out" >"$TMP/is"
check "its identity stamp is ok, nothing to fix" '[ "$(cat "$TMP/is")" = "1 ok None" ]'
n0=$(sqlite3 "$D/mamori.db" "SELECT n FROM identity_stamp")
sqlite3 "$D/mamori.db" "DROP TRIGGER identity_stamp_roles_update"
expect "a trigger dropped: doctor warns (nothing unsafe meanwhile)" 0 "$MAMORI" --dir "$D" doctor
out_has "it names the trigger" "warning identity stamp  identity stamp triggers missing or changed (1 of 9, schema/0030): identity_stamp_roles_update;"
out_has "and says what to do, naming the directory" "fix: run mamori --dir '$D' ledger tail (or any command"
expect "in Japanese" 0 env MAMORI_LANG=ja "$MAMORI" --dir "$D" doctor
out_has "the warning in Japanese" "本人確認スタンプのトリガーがないか変更されています（9 個のうち 1 個、schema/0030）: identity_stamp_roles_update。"
out_has "the fix in Japanese" "mamori --dir '$D' ledger tail を実行してください"
out_has "a mode in Japanese keeps its zeros, as in English (base/fmtargs)" "「$D」のモードは 0700 です"
check "doctor changed nothing" '[ "$(sqlite3 "$D/mamori.db" "$stamp_sql")" = 8 ]'
# hold: another connection holds the database's write lock (30 s at most, H its process);
# unhold ends it
hold() {
	rm -f "$TMP/held"
	python3 -c 'import sqlite3, sys, time
c = sqlite3.connect(sys.argv[1], isolation_level=None)
c.execute("BEGIN IMMEDIATE")
open(sys.argv[2], "w").close()
time.sleep(30)' "$D/mamori.db" "$TMP/held" &
	H=$!
	for _i in $(seq 1 200); do [ -e "$TMP/held" ] && break; sleep 0.05; done
}
unhold() {
	kill "$H" 2>/dev/null
	wait "$H" 2>/dev/null
}
# another connection writing: the fix does not wait for it, says so once and makes nothing now
hold
t0=$(date +%s%N)
expect "the fix while another connection writes" 0 "$MAMORI" --dir "$D" ledger tail
t1=$(date +%s%N)
unhold
check "it did not wait for the writer (under 3 s; the busy wait is 5 s)" "[ $(((t1 - t0) / 1000000)) -lt 3000 ]"
err_has "it says they were not made now" "mamori: warning: $D/mamori.db lacks some of the identity stamp's triggers (schema/0030) and they could not be made again now"
# the store's warning in the reader's language (store_set_say)
hold
expect "the same in Japanese" 0 env MAMORI_LANG=ja "$MAMORI" --dir "$D" ledger tail
unhold
err_has "it says so in Japanese" "mamori: 警告: 「$D/mamori.db」には本人確認スタンプのトリガー（schema/0030）の一部がなく、いまは作り直せませんでした（別の接続が書き込み中だったと思われます）"
check "(still 8)" '[ "$(sqlite3 "$D/mamori.db" "$stamp_sql")" = 8 ]'
check "(the stamp not moved)" '[ "$(sqlite3 "$D/mamori.db" "SELECT n FROM identity_stamp")" = "$n0" ]'
expect "the fix: ledger tail" 0 "$MAMORI" --dir "$D" ledger tail
check "the nine are there again" '[ "$(sqlite3 "$D/mamori.db" "$stamp_sql")" = 9 ]'
check "and the stamp moved, once" '[ "$(sqlite3 "$D/mamori.db" "SELECT n FROM identity_stamp")" = $((n0 + 1)) ]'
expect "doctor after the fix" 0 "$MAMORI" --dir "$D" doctor
out_has "the identity stamp is ok again" "the identity stamp's 9 triggers (schema/0030) are there"
done_testing
