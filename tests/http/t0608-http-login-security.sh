#!/bin/sh
# t0608-http-login-security: failed logins cannot grow the ledger or lock out a ward's proxy,
# the current password cannot be guessed through a stolen session, the login form's CSRF token
# needs the server's secret, one session per person, the idle timeout counts from the last
# request (issue 11, findings 5, 7, 8, 11 and 12).
. "${MAMORI_SRCDIR:?}/tests/http/lib.sh"
ward_make
server_start --idle-timeout 3s

entries() { sqlite3 "$D/mamori.db" "SELECT size FROM ledger_head"; }
# fail LOGIN [SRC]: one wrong password (own pre-session cookie), prints the status.
fail() {
	_j="$TMP/jar-fail"
	rm -f "$_j"
	_c=$(curl -s -c "$_j" -b "$_j" ${2:+--interface "$2"} "${URL}login" | sed -n 's/.*name="csrf" value="\([^"]*\)".*/\1/p' | head -1)
	curl -s -o /dev/null -w '%{http_code}' -b "$_j" ${2:+--interface "$2"} --data-urlencode "csrf=$_c" \
		--data-urlencode "login=$1" --data-urlencode "password=wrong-guess" "${URL}login"
}
# login_from SRC LOGIN PASSWORD JAR
login_from() {
	rm -f "$4"
	_c=$(curl -s -c "$4" -b "$4" --interface "$1" "${URL}login" | sed -n 's/.*name="csrf" value="\([^"]*\)".*/\1/p' | head -1)
	curl -s -c "$4" -b "$4" --interface "$1" -o /dev/null -w '%{http_code}' --data-urlencode "csrf=$_c" \
		--data-urlencode "login=$2" --data-urlencode "password=$3" "${URL}login"
}
check "entries() reads the ledger size" '[ "$(entries)" -gt 0 ]'

# Finding 5: 60 wrong passwords for one login and 40 for made-up ones: a handful of entries.
before=$(entries)
# (sato's last 5 come after the others: under load the 40 can outlast sato's lock, which lasts
# 30 s from the last failure that counted; every one of the 60 is a failure of sato behind
# 127.0.0.1, and the lock is looked at right after the last.)
for i in $(seq 1 55); do fail sato >/dev/null; done
for i in $(seq 1 40); do fail "nobody$i" 127.0.0.5 >/dev/null; done
for i in $(seq 1 5); do fail sato >/dev/null; done
after=$(entries)
check "100 failed or locked logins add at most 3 ledger entries (added $((after - before)))" '[ $((after - before)) -le 3 ]'
q() { sqlite3 "$D/mamori.db" "SELECT total FROM web_audit_pending WHERE key = '$1'"; }
check "the exact counts are kept: 60 for sato, 40 from 127.0.0.5" '[ "$(q L:sato)" = 60 ] && [ "$(q A:127.0.0.5)" = 40 ]'
m ledger entry "$((before))" --json >"$TMP/e" 2>/dev/null
check "the entry names the login and carries the count" 'grep -q "login.fail" "$TMP/e" && grep -q "failures_login=1" "$TMP/e"'

# Finding 7: 60 failures of sato behind the proxy 127.0.0.1 lock sato, not the address.
is "sato is locked" 429 "$(fail sato)"
# (The lock lasts 30 s after 5 failures: look at the administrator's page while it holds. On
# a slow machine the lock may have ended by then; what counts is the server's own state: a
# 429 for sato just before the page is read means the lock holds, so lock sato again when it
# does not, and read the page right after.)
login admin "$ADMIN_PW" "$TMP/jar-admin" >/dev/null
for try in 1 2 3; do
	[ "$(fail sato)" = 429 ] || [ "$(fail sato)" = 429 ] || continue
	status -b "$TMP/jar-admin" "${URL}admin/locks" >"$TMP/locks.status"
	grep -q "<code>sato</code>" "$TMP/body" && break
	login admin "$ADMIN_PW" "$TMP/jar-admin" >/dev/null # (3 s idle timeout in this test)
done
is "the locks page" 200 "$(cat "$TMP/locks.status")"
check "it lists sato with the reason" 'grep -q "<code>sato</code>" "$TMP/body" && grep -q "パスワードの誤りが" "$TMP/body"'
is "yamada behind the same address still logs in" 303 "$(login yamada "$PW" "$TMP/jar-y")"
until_ms=$(sqlite3 "$D/mamori.db" "SELECT locked_until_ms - last_ms FROM web_login_throttle WHERE login = 'sato'")
check "the per-login lock is capped at 15 minutes ($until_ms ms)" '[ "$until_ms" -le 900000 ]'
# A spray of 30 different logins from 127.0.0.3 locks that address...
is "tanaka has logged in from 127.0.0.3 before" 303 "$(login_from 127.0.0.3 tanaka "$PW" "$TMP/jar-t")"
for i in $(seq 1 30); do fail "spray$i" 127.0.0.3 >/dev/null; done
is "after 30 different logins failed, the address is locked" 429 "$(fail spray-next 127.0.0.3)"
is "other addresses are not" 401 "$(fail spray-next 127.0.0.4)"
# ...the administrator sees why and can lift a lock...
login admin "$ADMIN_PW" "$TMP/jar-admin" >/dev/null # (3 s idle timeout in this test)
is "the locks page again" 200 "$(status -b "$TMP/jar-admin" "${URL}admin/locks")"
check "it lists the address with the reason" 'grep -q "<code>127.0.0.3</code>" "$TMP/body" && grep -q "30 件の異なるログインIDで失敗" "$TMP/body"'
c=$(csrf_of "$TMP/jar-admin" /admin/locks)
is "lift sato's lock" 200 "$(status -b "$TMP/jar-admin" --data-urlencode "csrf=$c" --data-urlencode "key=sato" "${URL}admin/locks/lift")"
is "sato logs in again" 303 "$(login sato "$PW" "$TMP/jar-s")"
is "a non-administrator cannot see the locks" 403 "$(status -b "$TMP/jar-s" "${URL}admin/locks")"
# ...and a login that succeeded from the address before may still try; its success lifts it.
is "tanaka, known at 127.0.0.3, logs in despite the address lock" 303 "$(login_from 127.0.0.3 tanaka "$PW" "$TMP/jar-t")"
is "that lifted the address lock" 401 "$(fail spray-after 127.0.0.3)"

# Finding 8: the current password in POST /password: 5 wrong tries end the session.
is "suzuki logs in" 303 "$(login suzuki "$PW" "$TMP/jar-u")"
for i in 1 2 3 4; do
	c=$(csrf_of "$TMP/jar-u" /password)
	st=$(status -b "$TMP/jar-u" --data-urlencode "csrf=$c" --data-urlencode "current=guess$i" \
		--data-urlencode "new=Another-Long-Pass-42" --data-urlencode "again=Another-Long-Pass-42" "${URL}password")
done
is "the 4th wrong current password is refused" 400 "$st"
is "the session still works after 4" 200 "$(status -b "$TMP/jar-u" "$URL")"
c=$(csrf_of "$TMP/jar-u" /password)
is "the 5th wrong current password ends the session" 303 "$(status -b "$TMP/jar-u" --data-urlencode "csrf=$c" --data-urlencode "current=guess5" --data-urlencode "new=Another-Long-Pass-42" --data-urlencode "again=Another-Long-Pass-42" "${URL}password")"
is "the session is gone" 303 "$(status -b "$TMP/jar-u" "$URL")"
is "and suzuki is locked like at the login form" 429 "$(login suzuki "$PW" "$TMP/jar-u")"

# Finding 11: the login form's CSRF token is keyed with the server's secret.
check "the data directory holds the CSRF secret, 0600" '[ "$(stat -c %a "$D/web.secret")" = 600 ] && [ "$(stat -c %s "$D/web.secret")" = 32 ]'
rm -f "$TMP/jf"
real=$(curl -s -c "$TMP/jf" -b "$TMP/jf" "${URL}login" | sed -n 's/.*name="csrf" value="\([^"]*\)".*/\1/p' | head -1)
pre=$(awk '$6 == "mamori_pre" { print $7 }' "$TMP/jf")
forged=$(python3 -c "
import hashlib, base64, sys
h = hashlib.sha256(b'mamori-csrf-v1\0' + sys.argv[1].encode()).digest()[:24]
print(base64.urlsafe_b64encode(h).decode().rstrip('='))" "$pre")
check "the token is not a hash of the cookie alone" '[ -n "$real" ] && [ "$real" != "$forged" ]'
is "a token computed from the cookie is refused" 403 "$(status -b "$TMP/jf" --data-urlencode "csrf=$forged" --data-urlencode login=yamada --data-urlencode "password=$PW" "${URL}login")"
is "the real one works" 303 "$(status -b "$TMP/jf" --data-urlencode "csrf=$real" --data-urlencode login=yamada --data-urlencode "password=$PW" "${URL}login")"

# Finding 12: a second login ends the first session; the idle timeout counts from the last use.
is "first session" 303 "$(login tanaka "$PW" "$TMP/jar-1")"
is "second session" 303 "$(login tanaka "$PW" "$TMP/jar-2")"
is "the first session ended at the second login" 303 "$(status -b "$TMP/jar-1" "$URL")"
is "the second works" 200 "$(status -b "$TMP/jar-2" "$URL")"
for i in 1 2 3 4 5; do sleep 1; status -b "$TMP/jar-2" "$URL" >/dev/null; done
is "used every second for 5 s with a 3 s idle timeout: still logged in" 200 "$(status -b "$TMP/jar-2" "$URL")"
server_stop
done_testing
