#!/bin/sh
# t0003: doctor reports permissions, schema, integrity and space, with fixes; --json keys.
. "$(dirname "$0")/lib.sh"

D="$TMP/d"
expect "init" 0 "$MAMORI" --dir "$D" init
expect "doctor on a fresh directory passes" 0 "$MAMORI" --dir "$D" doctor
out_has "doctor says all passed" "all checks passed"
out_has "doctor checks integrity" "integrity_check: ok"
expect "doctor --json" 0 "$MAMORI" --dir "$D" doctor --json
check "json has stable keys" "python3 -c 'import json,sys; d=json.load(open(\"$TMP/out\")); assert d[\"ok\"] is True; assert [c[\"name\"] for c in d[\"checks\"]]==[\"directory\",\"database file\",\"configuration\",\"schema\",\"integrity\",\"disk\",\"second factor\"]; assert set(d[\"checks\"][0])=={\"name\",\"status\",\"detail\",\"fix\"}'"
chmod 755 "$D"
chmod 644 "$D/mamori.db"
expect "loose permissions are a problem" 1 "$MAMORI" --dir "$D" doctor
out_has "directory fix given" "fix: chmod 700"
out_has "database fix given" "fix: chmod 600"
chmod 700 "$D"
chmod 600 "$D/mamori.db"
expect "doctor on a missing directory" 1 "$MAMORI" --dir "$TMP/none" doctor
err_one_line "missing directory: one line"
err_has "missing directory: says init" "mamori --dir"
mkdir -m 700 "$TMP/nodb"
expect "doctor on a directory without database" 1 "$MAMORI" --dir "$TMP/nodb" doctor
out_has "no database explained" "no Mamori database"
printf '[totp]\nrols = ciso@org\n' >"$D/mamori.conf"
expect "a misspelt key in mamori.conf is a problem" 1 "$MAMORI" --dir "$D" doctor
out_has "doctor names the line and the key" "mamori.conf:2: unknown key 'rols' in [totp] (did you mean 'roles'?)"
expect "serve refuses a broken mamori.conf" 1 timeout 20 "$MAMORI" --dir "$D" serve --listen 127.0.0.1:0
err_has "serve names the line" "mamori.conf:2: unknown key 'rols'"
printf '[ldap]\nurl = ldaps://ad.example\n' >"$D/mamori.conf"
expect "serve refuses an [ldap] it cannot use (no base_dn)" 1 timeout 20 "$MAMORI" --dir "$D" serve --listen 127.0.0.1:0
err_has "serve says why" "[ldap] base_dn is required"
printf '[totp]\nroles = ciso@org\n' >"$D/mamori.conf"
expect "a good mamori.conf passes" 0 "$MAMORI" --dir "$D" doctor
out_has "doctor counts the settings" "mamori.conf: 1 setting"
rm -f "$D/mamori.conf"
done_testing
