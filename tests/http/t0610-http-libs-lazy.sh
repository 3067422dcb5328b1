#!/bin/sh
# t0610: libmicrohttpd (with the GnuTLS and p11-kit under it) and libldap are loaded only by the
# processes that use them (web/mhd-lib.h, auth/ldap-lib.h; issue 14: RSS of `mamori fim check`).
# The binary does not link them; fim init, fim check and the agent never map them; serve loads
# libmicrohttpd when it starts and answers; [ldap] of mamori.conf loads libldap at its first
# use; and when a library is missing the command that needs it stops with one line naming the
# Debian package (in Japanese too), while fim check goes on working.
. "${MAMORI_SRCDIR:?}/tests/http/lib.sh"
SERVER_PID=
trap 'server_stop; rm -rf "$TMP"' EXIT
LAZY='libmicrohttpd|libgnutls|libp11-kit|libldap|liblber|libsasl2'

run readelf -d "$MAMORI_BIN"
check "readelf reads the binary" "[ $rc -eq 0 ] && grep -q NEEDED '$TMP/out'"
check "mamori links none of them" "! grep -Eq '$LAZY' '$TMP/out'"

m init --profile minato >/dev/null 2>&1
mkdir -p "$TMP/tree/etc"
echo "PermitRootLogin no" >"$TMP/tree/etc/sshd_config"
printf 'Conf = p+u+g+s+m+i+n+sha256\n%s Conf\n' "$TMP/tree" >"$TMP/fim.conf"
LD_DEBUG=libs m fim init --config "$TMP/fim.conf" >"$TMP/out" 2>"$TMP/err"
check "fim init works" "[ $? -eq 0 ]"
check "and loads none of them (LD_DEBUG=libs)" "! grep -Eq 'calling init: .*($LAZY)' '$TMP/err'"
check "(LD_DEBUG=libs shows what is loaded)" "grep -q 'calling init: .*libsqlite3' '$TMP/err'"
echo "PermitRootLogin yes" >"$TMP/tree/etc/sshd_config"
LD_DEBUG=libs m fim check >"$TMP/out" 2>"$TMP/err"
check "fim check finds the change (exit 1)" "[ $? -eq 1 ]"
check "and loads none of them" "! grep -Eq 'calling init: .*($LAZY)' '$TMP/err'"
printf 'not-a-token\n' >"$TMP/token"
chmod 600 "$TMP/token"
LD_DEBUG=libs "$MAMORI" agent --server http://127.0.0.1:1 --token-file "$TMP/token" \
	--fim-config "$TMP/fim.conf" --spool "$TMP/spool" --once >"$TMP/out" 2>"$TMP/err"
check "the agent checks and spools (the server is away)" "ls '$TMP/spool/spool' | grep -q json"
check "and loads none of them" "! grep -Eq 'calling init: .*($LAZY)' '$TMP/err'"

# serve loads libmicrohttpd (and GnuTLS under it) as it starts, and answers
export LD_DEBUG=libs
server_start
unset LD_DEBUG
is "serve answers" 200 "$(status "${URL}login")"
check "serve loaded libmicrohttpd" "grep -q 'calling init: .*libmicrohttpd' '$TMP/serve.err'"
check "and GnuTLS under it" "grep -q 'calling init: .*libgnutls' '$TMP/serve.err'"
server_stop

# [ldap]: user sync loads libldap and reaches for the directory (nothing listens there)
cp "$D/mamori.conf" "$TMP/mamori.conf.plain"
printf '[ldap]\nurl = ldaps://127.0.0.1:1\nbase_dn = ou=people,dc=minato,dc=example\ntimeout = 2\n' \
	>>"$D/mamori.conf"
LD_DEBUG=libs m user sync >"$TMP/out" 2>"$TMP/err"
rc=$?
check "user sync with [ldap] loads libldap" "grep -q 'calling init: .*libldap' '$TMP/err'"
check "and fails for want of the directory (exit 1)" "[ $rc -eq 1 ]"
grep -v '^ *[0-9]*:' "$TMP/err" >"$TMP/err.plain"
check "saying so" "grep -q 'directory' '$TMP/err.plain'"

# A library missing: in a private mount namespace its file is hidden (/dev/null over it).
LDC=$(command -v ldconfig || echo /sbin/ldconfig)
real() { readlink -f "$("$LDC" -p 2>/dev/null | awk -v n="$1" '$1 == n { print $NF; exit }')" 2>/dev/null; }
mhd=$(real libmicrohttpd.so.12)
ldap=$(real libldap-2.5.so.0)
# hidden LIB CMD...: runs CMD with LIB's file hidden, as run does.
hidden() {
	_lib=$1
	shift
	run unshare -rm sh -c "mount --bind /dev/null '$_lib' && exec \"\$@\"" sh "$@"
}
if [ -n "$mhd" ] && [ -n "$ldap" ] && unshare -rm sh -c "mount --bind /dev/null '$mhd'" 2>/dev/null; then
	hidden "$mhd" "$MAMORI" --dir "$D" serve --listen 127.0.0.1:0
	check "without libmicrohttpd serve stops (exit 1)" "[ $rc -eq 1 ]"
	err_has "naming the library" "the web server cannot start without libmicrohttpd.so.12"
	err_has "and the Debian package" "install the Debian package libmicrohttpd12"
	err_one_line "in one line"
	hidden "$mhd" env MAMORI_LANG=ja "$MAMORI" --dir "$D" serve --listen 127.0.0.1:0
	err_has "in Japanese too" "libmicrohttpd.so.12 がないため、Web サーバーを起動できません。Debian パッケージ libmicrohttpd12 をインストールしてください"
	hidden "$mhd" "$MAMORI" --dir "$D" fim check
	check "fim check works without it (exit 1: the change)" "[ $rc -eq 1 ] && grep -q sshd_config '$TMP/out'"

	hidden "$ldap" "$MAMORI" --dir "$D" user sync
	check "without libldap user sync stops (exit 1)" "[ $rc -eq 1 ]"
	err_has "naming the library and the package" "cannot be used without libldap-2.5.so.0: install the Debian package libldap-2.5-0"
	err_one_line "in one line"
	hidden "$ldap" env MAMORI_LANG=ja "$MAMORI" --dir "$D" user sync
	err_has "in Japanese too" "libldap-2.5.so.0 がないため、ディレクトリサービス（mamori.conf の [ldap]）を使えません。Debian パッケージ libldap-2.5-0 をインストールしてください"
	cp "$TMP/mamori.conf.plain" "$D/mamori.conf"
	hidden "$ldap" "$MAMORI" --dir "$D" fim check
	check "fim check works without it" "[ $rc -eq 1 ] && grep -q sshd_config '$TMP/out'"
else
	_n=$((_n + 1))
	echo "ok $_n # SKIP libraries hidden: no private mount namespace here (unshare -rm) or a library not found"
fi

done_testing
