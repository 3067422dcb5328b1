#!/bin/sh
# t0500: the organization from the CLI: sections, systems, users (employment, status,
# passwords), role@scope with dates; every change through the door, errors for people.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/core-lib.sh"
D="$TMP/w"

expect "init without a profile still makes a bare data directory" 0 "$MAMORI" --dir "$TMP/bare" init
expect "--demo needs --profile" 2 "$MAMORI" --dir "$TMP/x" init --demo
expect "an unknown profile" 1 "$MAMORI" --dir "$TMP/y" init --profile nosuch
err_has "names the shipped ones" "minato"
check "nothing half-made" "[ ! -e '$TMP/y' ]"
expect "init --profile minato" 0 "$MAMORI" --dir "$D" init --profile minato
check "the ledger's private key is 0600" "[ \"\$(stat -c %a '$D/ledger.key')\" = 600 ]"
pw=$(sed -n 's/^administrator: admin  password: \([^ ]*\)$/\1/p' "$TMP/out")
check "the administrator's password is printed once" "[ -n '$pw' ]"
check "and not stored in clear" "! sqlite3 '$D/mamori.db' .dump | grep -qF '$pw'"
expect "admin must change it at first login" 0 "$MAMORI" --dir "$D" user show admin --json
out_has "must_change_password" '"must_change_password":true'

expect "section add" 0 "$MAMORI" --dir "$D" section add kuminbu --name 区民部
expect "section with a parent" 0 "$MAMORI" --dir "$D" section add zeimu --name 税務課 --parent kuminbu
expect "a bad section id" 1 "$MAMORI" --dir "$D" section add Zeimu! --name x
err_one_line "one line"
expect "a duplicate section" 1 "$MAMORI" --dir "$D" section add zeimu --name 税務課
err_has "says it exists" "exists already"
expect "an unknown parent" 1 "$MAMORI" --dir "$D" section add a1 --name x --parent nosuch
expect "section list" 0 "$MAMORI" --dir "$D" section list
out_has "lists 税務課" "税務課"
expect "system add" 0 "$MAMORI" --dir "$D" system add kokuho --name 国保システム --section zeimu
expect "a system needs a known section" 1 "$MAMORI" --dir "$D" system add x --name x --section no

expect "user add with a password from stdin" 0 sh -c \
	"printf 'kumo-no-ue-no-tanuki-77\n' | '$MAMORI' --dir '$D' user add sato --name '佐藤 花子' --section zeimu --password-stdin"
expect "a weak password is refused, citing the ward's clause" 3 sh -c \
	"printf 'sato12345678\n' | '$MAMORI' --dir '$D' user passwd sato --password-stdin --as sato"
out_has "cites MIN-5-5-5-1" "MIN-5-5-5-1"
check "the password is not echoed" "! grep -q sato12345678 '$TMP/out' '$TMP/err'"
expect "a generated temporary password" 0 "$MAMORI" --dir "$D" user passwd sato --generate --as admin
out_has "shown once" "temporary password for sato"
expect "an unknown employment type" 1 "$MAMORI" --dir "$D" user add x1 --name x --section zeimu \
	--employment 社長
expect "a 受託事業者" 0 "$MAMORI" --dir "$D" user add itaku --name 委託 --section zeimu \
	--employment 受託事業者
expect "a duplicate login" 1 "$MAMORI" --dir "$D" user add sato --name x --section zeimu
expect "only administrators add people" 3 "$MAMORI" --dir "$D" user add x2 --name x \
	--section zeimu --as sato
out_has "says why" "not a Mamori administrator"

expect "role grant" 0 "$MAMORI" --dir "$D" role grant sato security_officer@section:zeimu
expect "a role at the wrong scope kind" 1 "$MAMORI" --dir "$D" role grant sato security_officer@org
err_has "says how to write it" "security_officer@section:ID"
expect "an unknown role" 1 "$MAMORI" --dir "$D" role grant sato auditer@org
expect "a system role on a system" 0 "$MAMORI" --dir "$D" role grant sato system_manager@system:kokuho
expect "a role from a future date" 0 "$MAMORI" --dir "$D" role grant itaku \
	security_officer@section:zeimu --from 2099-04-01 --until 2100-03-31
expect "role list shows only roles in force" 0 "$MAMORI" --dir "$D" role list itaku --json
check "the future one is not in force" "! grep -q security_officer '$TMP/out'"
expect "role list --all shows it" 0 "$MAMORI" --dir "$D" role list itaku --all --json
out_has "with its dates" '"from":"2099-04-01","until":"2100-03-31","active":false'
expect "an end before the start" 1 "$MAMORI" --dir "$D" role grant itaku staff@section:zeimu \
	--from 2026-04-01 --until 2026-03-01
expect "role revoke" 0 "$MAMORI" --dir "$D" role revoke sato system_manager@system:kokuho
expect "revoking what is not held" 1 "$MAMORI" --dir "$D" role revoke sato system_manager@system:kokuho

# Suspended or retired: nothing at once (MIN-5-5-6-2).
expect "suspend" 0 "$MAMORI" --dir "$D" user suspend sato
refused "a suspended user can do nothing" MIN-5-5-6-2 "$MAMORI" --dir "$D" record add asset \
	--field title=x --level 1 --section zeimu --field access_controlled=true --as sato
expect "activate" 0 "$MAMORI" --dir "$D" user activate sato
expect "retire" 0 "$MAMORI" --dir "$D" user retire sato
expect "a retired user holds no role" 0 "$MAMORI" --dir "$D" role list sato --json
out_has "none" "[]"
expect "retired is final" 1 "$MAMORI" --dir "$D" user activate sato
expect "the last administrator cannot be suspended" 1 "$MAMORI" --dir "$D" user suspend admin
err_has "says what to do" "grant mamori_admin@org"
expect "user list --status retired" 0 "$MAMORI" --dir "$D" user list --status retired --json
out_has "sato" '"login":"sato"'
expect "every change is in the ledger" 0 "$MAMORI" --dir "$D" ledger verify
check "one entry per act" \
	"[ $(sqlite3 "$D/mamori.db" 'SELECT count(*) FROM acts') -eq $(sqlite3 "$D/mamori.db" 'SELECT size FROM ledger_head') ]"
check "the OS user is in the ledger for CLI acts" \
	"[ $(sqlite3 "$D/mamori.db" "SELECT count(*) FROM acts WHERE via = 'cli' AND os_user IS NOT NULL") -gt 10 ]"
expect "an act's entry names the OS user" 0 "$MAMORI" --dir "$D" ledger entry 5 --json
out_has "os_user" 'os_user'
done_testing
