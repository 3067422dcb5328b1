#!/bin/sh
# t0540: mamori doctor recommends the second factor (issue 11, Identity: TOTP) for every
# ward-wide role, the administrators and the approvers of the most protected level, and names
# those mamori.conf's [totp] roles leaves out; both profiles. And it checks the identity stamp's
# nine triggers (schema/0030): a ward that lost one is a problem, named, with the fix (a command
# that opens the database to write makes them again and moves the stamp), said in Japanese too.
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
expect "a trigger dropped: doctor fails" 1 "$MAMORI" --dir "$D" doctor
out_has "it names the problem and the trigger" "problem identity stamp  1 of the identity stamp's 9 triggers (schema/0030) are missing or changed: identity_stamp_roles_update;"
out_has "and says what to do" "fix: run 'mamori ledger checkpoint' on it"
out_has "the verdict" "problems found: see the fixes above"
expect "in Japanese" 1 env MAMORI_LANG=ja "$MAMORI" --dir "$D" doctor
out_has "the problem in Japanese" "本人確認スタンプのトリガー 9 個（schema/0030）のうち 1 個がないか変更されています: identity_stamp_roles_update。"
out_has "the fix in Japanese" "このディレクトリで 'mamori ledger checkpoint' を実行してください"
out_has "a mode in Japanese keeps its zeros, as in English (base/fmtargs)" "「$D」のモードは 0700 です"
check "doctor changed nothing" '[ "$(sqlite3 "$D/mamori.db" "$stamp_sql")" = 8 ]'
expect "the fix: ledger checkpoint" 0 "$MAMORI" --dir "$D" ledger checkpoint
check "the nine are there again" '[ "$(sqlite3 "$D/mamori.db" "$stamp_sql")" = 9 ]'
check "and the stamp moved" '[ "$(sqlite3 "$D/mamori.db" "SELECT n FROM identity_stamp")" -gt "$n0" ]'
expect "doctor after the fix" 0 "$MAMORI" --dir "$D" doctor
out_has "the identity stamp is ok again" "the identity stamp's 9 triggers (schema/0030) are there"
done_testing
