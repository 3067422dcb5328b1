#!/bin/sh
# t0660-http-totp: the second login factor (issue 11, Identity: TOTP). The roles mamori.conf
# names in [totp] roles log in with a code: enrolment by QR code (SVG), recovery codes shown once
# and kept hashed, a code never accepted twice, the enrolment through the door, an
# administrator's reset; everyone else logs in as before.
. "${MAMORI_SRCDIR:?}/tests/http/lib.sh"
ward_make

# totp KEY [OFFSET]: the RFC 6238 code of the base32 KEY at now + OFFSET seconds.
totp() {
	python3 - "$1" "${2:-0}" <<'EOF'
import base64, hashlib, hmac, struct, sys, time
key = base64.b32decode(sys.argv[1] + "=" * (-len(sys.argv[1]) % 8))
step = int((time.time() + int(sys.argv[2])) // 30)
h = hmac.new(key, struct.pack(">Q", step), hashlib.sha1).digest()
o = h[-1] & 15
print("%06d" % ((struct.unpack(">I", h[o:o + 4])[0] & 0x7fffffff) % 1000000))
EOF
}
# pw_login LOGIN PASSWORD JAR: the password step; prints "STATUS LOCATION".
pw_login() {
	rm -f "$3"
	_c=$(curl -s -c "$3" -b "$3" "${URL}login" | sed -n 's/.*name="csrf" value="\([^"]*\)".*/\1/p' | head -1)
	curl -s -c "$3" -b "$3" -o /dev/null -w '%{http_code} %{redirect_url}' --data-urlencode "csrf=$_c" \
		--data-urlencode "login=$1" --data-urlencode "password=$2" "${URL}login"
}
# code JAR CODE: sends a code to /login/totp; prints the status (body in $TMP/body).
code() {
	_c=$(curl -s -b "$1" -c "$1" "${URL}login/totp" | sed -n 's/.*name="csrf" value="\([^"]*\)".*/\1/p' | head -1)
	curl -s -b "$1" -c "$1" -o "$TMP/body" -w '%{http_code}' --data-urlencode "csrf=$_c" \
		--data-urlencode "code=$2" "${URL}login/totp"
}

# Before: nobody is asked for a code; the demo's and existing logins keep working.
server_start
is "without [totp] roles suzuki logs in with the password alone" "303 ${URL}" "$(pw_login suzuki "$PW" "$TMP/jar-s0")"
server_stop

printf '# 港区\n[totp]\nroles = security_officer, mamori_admin@org\nissuer = 港区 Mamori\n' >"$D/mamori.conf"
server_start
check "serve starts with [totp] roles set (it enforces them)" 'kill -0 "$SERVER_PID"'
is "sato (no listed role) still logs in with the password alone" "303 ${URL}" "$(pw_login sato "$PW" "$TMP/jar-sato")"
is "suzuki (security_officer) is sent to the second factor" "303 ${URL}login/totp" "$(pw_login suzuki "$PW" "$TMP/jar")"
is "the waiting session opens no page" 303 "$(status -b "$TMP/jar" "${URL}")"
is "nor the API" 401 "$(status -b "$TMP/jar" "${URL}api/v1/me")"
is "the enrolment page" 200 "$(status -b "$TMP/jar" "${URL}login/totp")"
check "it draws the QR code as SVG" 'grep -q "<svg xmlns=\"http://www.w3.org/2000/svg\"" "$TMP/body" && grep -q "<path d=\"M" "$TMP/body"'
check "it is Japanese" 'grep -q "認証アプリ" "$TMP/body"'
KEY=$(sed -n 's/.*class="totp-key">\([A-Z2-7]*\)<.*/\1/p' "$TMP/body" | head -1)
check "it shows the key for typing ($KEY)" '[ ${#KEY} -eq 32 ]'
status -b "$TMP/jar" "${URL}login/totp" >/dev/null
check "reloading shows the same key" 'grep -q "$KEY" "$TMP/body"'
is "a wrong code is refused" 401 "$(code "$TMP/jar" 000000)"
C0=$(totp "$KEY")
is "the right code sets it up" 200 "$(code "$TMP/jar" "$C0")"
check "the recovery codes are shown once (10)" '[ "$(grep -o "<li>[a-z0-9-]*</li>" "$TMP/body" | wc -l)" -eq 10 ]'
RC=$(grep -o "<li>[a-z0-9-]*</li>" "$TMP/body" | head -1 | sed 's/<[^>]*>//g')
is "suzuki is logged in" 200 "$(status -b "$TMP/jar" "${URL}")"
check "the enrolment went through the door (user.totp_enrol, ledgered)" '[ "$(sqlite3 "$D/mamori.db" "SELECT count(*) FROM acts WHERE action = '"'user.totp_enrol'"' AND outcome = '"'done'"'")" = 1 ]'
check "the database keeps neither the key nor a recovery code in clear" '! strings "$D/mamori.db" | grep -q -e "$KEY" -e "$RC"'
check "the recovery codes are kept hashed (10 SHA-256)" '[ "$(sqlite3 "$D/mamori.db" "SELECT count(*) FROM user_recovery_codes WHERE length(code_sha256) = 64")" = 10 ]'

# The next login asks for a code; a code is accepted once.
is "suzuki logs in again: a code is asked" "303 ${URL}login/totp" "$(pw_login suzuki "$PW" "$TMP/jar")"
status -b "$TMP/jar" "${URL}login/totp" >/dev/null
check "no QR code this time" '! grep -q "<svg" "$TMP/body"'
is "the code that set it up is not accepted again" 401 "$(code "$TMP/jar" "$C0")"
C1=$(totp "$KEY" 30)
is "the next code logs in" 303 "$(code "$TMP/jar" "$C1")"
is "suzuki is in" 200 "$(status -b "$TMP/jar" "${URL}")"
is "another login" "303 ${URL}login/totp" "$(pw_login suzuki "$PW" "$TMP/jar2")"
is "the same code again (replay within its step) is refused" 401 "$(code "$TMP/jar2" "$C1")"
check "it says why" 'grep -q "使用済み" "$TMP/body"'
is "a recovery code logs in instead" 303 "$(code "$TMP/jar2" "$RC")"
is "another login" "303 ${URL}login/totp" "$(pw_login suzuki "$PW" "$TMP/jar3")"
is "the recovery code is used up" 401 "$(code "$TMP/jar3" "$RC")"
check "the logins are ledgered with the factor" 'm ledger tail -n 50 2>/dev/null | grep -q "second_factor=recovery"'

# A stolen password alone cannot replace the device: only a reset by an administrator.
expect "suzuki cannot reset their own authenticator" 3 "$MAMORI" --dir "$D" user totp-reset suzuki --as suzuki
expect "the administrator resets it" 0 "$MAMORI" --dir "$D" user totp-reset suzuki --as admin
is "after the reset suzuki enrols again" "303 ${URL}login/totp" "$(pw_login suzuki "$PW" "$TMP/jar4")"
status -b "$TMP/jar4" "${URL}login/totp" >/dev/null
check "with a new QR code" 'grep -q "<svg" "$TMP/body" && ! grep -q "$KEY" "$TMP/body"'
check "the reset is in the ledger" '[ "$(sqlite3 "$D/mamori.db" "SELECT count(*) FROM acts WHERE action = '"'user.totp_reset'"' AND outcome = '"'done'"'")" = 1 ]'

# The administrator (mamori_admin@org is listed) enrols too; cancel logs the waiting session out.
is "admin is asked to enrol" "303 ${URL}login/totp" "$(pw_login admin "$ADMIN_PW" "$TMP/jar-a")"
c=$(csrf_of "$TMP/jar-a" /login/totp)
is "cancel and log out" 303 "$(status -b "$TMP/jar-a" -c "$TMP/jar-a" --data-urlencode "csrf=$c" "${URL}logout")"
is "the waiting session is gone" 303 "$(status -b "$TMP/jar-a" "${URL}login/totp")"

# A broken role list stops the server rather than run without it.
server_stop
printf '[totp]\nroles = ciso@org, bad role!\n' >"$D/mamori.conf"
timeout 20 "$MAMORI" --dir "$D" serve --listen 127.0.0.1:0 >"$TMP/s.out" 2>"$TMP/s.err"
check "serve stops at once" '[ $? -eq 1 ]'
check "serve refuses a malformed [totp] roles" 'grep -q "is not a role or role@scope" "$TMP/s.err"'
done_testing
