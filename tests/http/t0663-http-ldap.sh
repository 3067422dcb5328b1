#!/bin/sh
# t0663-http-ldap: issue 11, "LDAP / Active Directory", against a real slapd (Debian) that the
# test starts on free loopback ports with its own CA. `mamori user sync` adds the directory's
# people (section from the OU), links an existing login (its local password goes), grants the
# role a group maps to, and later revokes it and suspends a person who left, each through the
# door. People log in by binding as themselves over LDAPS and over StartTLS; a wrong password,
# an unknown or filter-shaped login fail; TOTP still applies to the roles that need it; a
# directory that is down or whose certificate does not verify lets nobody of it in (503, in
# Japanese), with no fallback to a local password; a bad [ldap] stops the server.
. "${MAMORI_SRCDIR:?}/tests/http/lib.sh"
. "${MAMORI_SRCDIR:?}/tests/lib/slapd.sh"
SERVER_PID=
SLAPD_PID=
trap 'server_stop; slapd_stop; rm -rf "$TMP"' EXIT

BASE="dc=minato,dc=example"
TANAKA_PW='Tanaka-Dir-2026-pass'
YAMADA_PW='Yamada-Dir-2026-pass'
SATO_PW='Sato-Dir-2026-pass'
SVC_PW='svc-Mamori-2026'
cat >"$TMP/dir.ldif" <<EOF
dn: $BASE
objectClass: dcObject
objectClass: organization
o: minato
dc: minato

dn: ou=people,$BASE
objectClass: organizationalUnit
ou: people

dn: ou=kumin,ou=people,$BASE
objectClass: organizationalUnit
ou: kumin

dn: ou=zeimu,ou=people,$BASE
objectClass: organizationalUnit
ou: zeimu

dn: uid=tanaka,ou=kumin,ou=people,$BASE
objectClass: inetOrgPerson
uid: tanaka
cn: Tanaka Jiro
sn: 田中
displayName: 田中 次郎
mail: tanaka@city.minato.example
userPassword: $TANAKA_PW

dn: uid=yamada,ou=kumin,ou=people,$BASE
objectClass: inetOrgPerson
uid: yamada
cn: Yamada Saburo
sn: 山田
displayName: 山田 三郎
userPassword: $YAMADA_PW

dn: uid=sato,ou=zeimu,ou=people,$BASE
objectClass: inetOrgPerson
uid: sato
cn: Sato Hanako
sn: 佐藤
displayName: 佐藤 花子
userPassword: $SATO_PW

dn: ou=groups,$BASE
objectClass: organizationalUnit
ou: groups

dn: cn=kumin-kacho,ou=groups,$BASE
objectClass: groupOfNames
cn: kumin-kacho
member: uid=yamada,ou=kumin,ou=people,$BASE

dn: ou=services,$BASE
objectClass: organizationalUnit
ou: services

dn: cn=mamori,ou=services,$BASE
objectClass: organizationalRole
objectClass: simpleSecurityObject
cn: mamori
userPassword: $SVC_PW
EOF
if ! slapd_start "$TMP/slapd" "$TMP/dir.ldif"; then
	echo "Bail out! slapd did not start (Debian slapd, installed by scripts/bootstrap)"
	cat "$TMP/slapd/slapd.log" 2>/dev/null
	exit 1
fi
ok "slapd runs on 127.0.0.1:$LDAP_PORT (StartTLS) and :$LDAPS_PORT (LDAPS)"

m init --profile minato >/dev/null
printf '%s\n' "$ADMIN_PW" | m user passwd admin --password-stdin >/dev/null
m section add zeimu --name 税務課 >/dev/null
m section add kumin --name 区民課 >/dev/null
# sato already has a local account with a local password: sync links it to the directory
printf '%s\n' "$PW" | m user add sato --name "佐藤花子" --section zeimu --password-stdin >/dev/null
printf '%s\n' "$SVC_PW" >"$TMP/svc.pw"
chmod 600 "$TMP/svc.pw"

# conf URL [EXTRA LINES]: writes mamori.conf for the directory at URL.
conf() {
	{
		printf '[totp]\nroles = security_officer\n[ldap]\nurl = %s\n' "$1"
		printf 'ca_file = %s\nbase_dn = ou=people,%s\n' "${CA:-$LDAP_CA}" "$BASE"
		printf 'bind_dn = cn=mamori,ou=services,%s\nbind_password_file = %s\n' "$BASE" "$TMP/svc.pw"
		printf 'group = security_officer@section:kumin cn=kumin-kacho,ou=groups,%s\n' "$BASE"
		printf 'section = kumin ou=kumin,ou=people,%s\n' "$BASE"
		printf 'section = zeimu ou=zeimu,ou=people,%s\n' "$BASE"
		shift
		for l in "$@"; do printf '%s\n' "$l"; done
	} >"$D/mamori.conf"
}
LDAPS="ldaps://127.0.0.1:$LDAPS_PORT"

# A bad [ldap] is refused before anything is done.
conf "ldap://127.0.0.1:$LDAP_PORT"
expect "ldap:// without StartTLS is refused (the password would cross in the clear)" 1 \
	"$MAMORI" --dir "$D" user sync
err_has "and it says what to write" "starttls = yes"
check "mamori serve refuses it too" \
	'! timeout 30 "$MAMORI" --dir "$D" serve --listen 127.0.0.1:0 >/dev/null 2>"$TMP/serve-bad.err" && grep -q "in the clear" "$TMP/serve-bad.err"'
conf "$LDAPS"
chmod 644 "$TMP/svc.pw"
expect "a service password file others may read is refused" 1 "$MAMORI" --dir "$D" user sync
err_has "with the fix" "chmod 600"
chmod 600 "$TMP/svc.pw"

expect "user sync --dry-run" 0 "$MAMORI" --dir "$D" user sync --dry-run --json
cp "$TMP/out" "$TMP/dry.json"
check "it would add tanaka and yamada, link sato, grant yamada the 課長 role" "python3 -c \"
import json; j = json.load(open('$TMP/dry.json'))
c = {(x['login'], x['change']) for x in j['changes']}
assert j['people'] == 3 and j['dry_run'], j
assert {('tanaka','add'), ('yamada','add'), ('sato','link'), ('yamada','grant')} <= c, c
\""
expect "and changed nothing" 1 "$MAMORI" --dir "$D" user show tanaka

expect "user sync" 0 "$MAMORI" --dir "$D" user sync --json
cp "$TMP/out" "$TMP/sync.json"
expect "tanaka was added" 0 "$MAMORI" --dir "$D" user show tanaka --json
out_has "in 区民課 (the OU), linked to the directory" '"directory_dn":"uid=tanaka,ou=kumin,ou=people,dc=minato,dc=example"'
out_has "with the directory's name" '"name":"田中 次郎"'
out_has "and section" '"section":"kumin"'
expect "yamada holds the role the group maps to" 0 "$MAMORI" --dir "$D" user show yamada --json
out_has "security_officer@section:kumin" 'security_officer'
expect "sato is linked" 0 "$MAMORI" --dir "$D" user show sato --json
out_has "to the directory" '"directory_dn":"uid=sato'
expect "the additions are acts in the ledger" 0 "$MAMORI" --dir "$D" ledger verify
expect "a second sync changes nothing" 0 "$MAMORI" --dir "$D" user sync --json
check "no changes" "grep -q '\"changes\":\[\]' '$TMP/out'"

server_start
is "tanaka logs in with the directory's password (LDAPS)" 303 "$(login tanaka "$TANAKA_PW" "$TMP/jar-t")"
is "and is in" 200 "$(status -b "$TMP/jar-t" "${URL}")"
is "a wrong password fails" 401 "$(login tanaka "wrong-$TANAKA_PW" "$TMP/jar-x")"
is "sato's old local password no longer works (no password is kept for the directory's people)" \
	401 "$(login sato "$PW" "$TMP/jar-x")"
is "sato logs in with the directory's" 303 "$(login sato "$SATO_PW" "$TMP/jar-s")"
# Filters are built from escaped values (RFC 4515): a login shaped like a filter finds nobody.
for l in '*' 'tana*' 'tanaka)(uid=*' '*)(|(uid=*'; do
	is "the login '$l' logs nobody in" 401 "$(login "$l" "$TANAKA_PW" "$TMP/jar-x")"
done
rm -f "$TMP/jar-y"
_c=$(curl -s -c "$TMP/jar-y" -b "$TMP/jar-y" "${URL}login" | sed -n 's/.*name="csrf" value="\([^"]*\)".*/\1/p' | head -1)
loc=$(curl -s -c "$TMP/jar-y" -b "$TMP/jar-y" -o /dev/null -w '%{redirect_url}' \
	--data-urlencode "csrf=$_c" --data-urlencode "login=yamada" \
	--data-urlencode "password=$YAMADA_PW" "${URL}login")
check "yamada's password is right, but his role needs the second factor ([totp] roles): /login/totp" \
	"printf '%s' '$loc' | grep -q '/login/totp\$'"
is "and nothing else opens before it" 303 "$(status -b "$TMP/jar-y" "${URL}")"
curl -s -b "$TMP/jar-s" "${URL}password" >"$TMP/pwpage"
check "the password page tells a directory person to change it in the directory" \
	"grep -q 'ディレクトリ' '$TMP/pwpage' && ! grep -q 'name=\"current\"' '$TMP/pwpage'"
server_stop

# tanaka leaves the directory; yamada leaves the 課長 group.
ldap_modify <<EOF
dn: uid=tanaka,ou=kumin,ou=people,$BASE
changetype: delete

dn: cn=kumin-kacho,ou=groups,$BASE
changetype: modify
replace: member
member: uid=sato,ou=zeimu,ou=people,$BASE
EOF
expect "user sync after the changes" 0 "$MAMORI" --dir "$D" user sync --json
cp "$TMP/out" "$TMP/sync2.json"
check "tanaka is suspended, yamada's role revoked, sato's granted" "python3 -c \"
import json; c = {(x['login'], x['change']) for x in json.load(open('$TMP/sync2.json'))['changes']}
assert {('tanaka','suspend'), ('yamada','revoke'), ('sato','grant')} <= c, c
\""
expect "tanaka's status" 0 "$MAMORI" --dir "$D" user show tanaka --json
out_has "is suspended" '"status":"suspended"'

# StartTLS on ldap://
conf "ldap://127.0.0.1:$LDAP_PORT" "starttls = yes"
server_start
is "sato logs in over StartTLS" 303 "$(login sato "$SATO_PW" "$TMP/jar-s2")"
is "tanaka, suspended, does not" 401 "$(login tanaka "$TANAKA_PW" "$TMP/jar-x")"
server_stop

# A certificate signed by another CA: nobody of the directory gets in.
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj /CN=other \
	-keyout "$TMP/other.key" -out "$TMP/other.pem" 2>/dev/null
CA="$TMP/other.pem" conf "$LDAPS"
server_start
is "the directory's certificate does not verify: 503" 503 "$(login sato "$SATO_PW" "$TMP/jar-x")"
server_stop

# The directory is down.
conf "$LDAPS"
slapd_stop
server_start
rm -f "$TMP/jar-d"
_c=$(curl -s -c "$TMP/jar-d" -b "$TMP/jar-d" "${URL}login" | sed -n 's/.*name="csrf" value="\([^"]*\)".*/\1/p' | head -1)
code=$(curl -s -c "$TMP/jar-d" -b "$TMP/jar-d" -o "$TMP/down.html" -w '%{http_code}' \
	--data-urlencode "csrf=$_c" --data-urlencode "login=sato" --data-urlencode "password=$SATO_PW" \
	"${URL}login")
is "the directory is down: sato cannot log in (503)" 503 "$code"
check "the page says why, in Japanese" "grep -q 'ディレクトリ（LDAP）に接続できない' '$TMP/down.html'"
is "nor with the old local password: the directory decides, and it is down (no fallback)" 503 \
	"$(login sato "$PW" "$TMP/jar-x")"
is "the local administrator still can" 303 "$(login admin "$ADMIN_PW" "$TMP/jar-a")"
server_stop
expect "user sync with the directory down fails and changes nothing" 1 "$MAMORI" --dir "$D" user sync
expect "sato is still active" 0 "$MAMORI" --dir "$D" user show sato --json
out_has "active" '"status":"active"'
done_testing
