#!/bin/sh
# t0540: mamori doctor recommends the second factor (issue 11, Identity: TOTP) for every
# ward-wide role, the administrators and the approvers of the most protected level, and names
# those mamori.conf's [totp] roles leaves out; both profiles.
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
done_testing
