#!/bin/sh
# t0003: doctor reports permissions, schema, integrity and space, with fixes; --json keys; serve
# refuses to start on a configuration it cannot use, or where it cannot listen, saying why and
# what to do (base/listen.h: a port in use, an address not this machine's, a port that needs
# privilege).
. "$(dirname "$0")/lib.sh"

D="$TMP/d"
expect "init" 0 "$MAMORI" --dir "$D" init
expect "doctor on a fresh directory passes" 0 "$MAMORI" --dir "$D" doctor
out_has "doctor says all passed" "all checks passed"
out_has "doctor checks integrity" "integrity_check: ok"
expect "doctor --json" 0 "$MAMORI" --dir "$D" doctor --json
check "json has stable keys" "python3 -c 'import json,sys; d=json.load(open(\"$TMP/out\")); assert d[\"ok\"] is True; assert [c[\"name\"] for c in d[\"checks\"]]==[\"directory\",\"database file\",\"configuration\",\"schema\",\"integrity\",\"identity stamp\",\"disk\",\"second factor\"]; assert set(d[\"checks\"][0])=={\"name\",\"status\",\"detail\",\"fix\"}'"
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
# An older schema (the newest migration not recorded, as the Mamori before it left the ward; run
# again, it changes nothing: migrations are idempotent, t0576): a warning whose fix names a
# command that migrates. A read-only command migrates nothing (the fix said "any mamori
# command"); the command named does.
latest=$(sqlite3 "$D/mamori.db" "SELECT max(version) FROM schema_version")
sqlite3 "$D/mamori.db" "DELETE FROM schema_version WHERE version = $latest"
expect "an older schema: doctor warns" 0 "$MAMORI" --dir "$D" doctor
out_has "it says the schema is older" "schema version $((latest - 1)) is older than this build's $latest"
out_has "its fix: restart serve first, else a command that migrates, with the directory" "fix: restart mamori serve with this build, or, when no server runs, run mamori --dir '$D' ledger tail"
expect "(in Japanese too)" 0 env MAMORI_LANG=ja "$MAMORI" --dir "$D" doctor
out_has "(the fix in Japanese)" "この版で mamori serve を再起動してください。サーバーが動いていないときは mamori --dir '$D' ledger tail を実行してください"
out_has "(and the finding)" "スキーマの版 $((latest - 1)) は、この mamori が知る版 $latest より古いです"
expect "a read-only command (log search)" 0 "$MAMORI" --dir "$D" log search --count
check "migrates nothing" "[ \"\$(sqlite3 '$D/mamori.db' 'SELECT max(version) FROM schema_version')\" = $((latest - 1)) ]"
expect "the command the fix names" 0 "$MAMORI" --dir "$D" ledger tail
check "migrates" "[ \"\$(sqlite3 '$D/mamori.db' 'SELECT max(version) FROM schema_version')\" = $latest ]"
expect "doctor then" 0 "$MAMORI" --dir "$D" doctor
out_has "the schema is current" "schema version $latest is current"
printf '[totp]\nrols = ciso@org\n' >"$D/mamori.conf"
expect "a misspelt key in mamori.conf is a problem" 1 "$MAMORI" --dir "$D" doctor
out_has "doctor names the line and the key" "mamori.conf:2: unknown key 'rols' in [totp] (did you mean 'roles'?)"
expect "serve refuses a broken mamori.conf" 1 timeout 20 "$MAMORI" --dir "$D" serve --listen 127.0.0.1:0
err_has "serve names the line" "mamori.conf:2: unknown key 'rols'"
printf '[ldap]\nurl = ldaps://ad.example\n' >"$D/mamori.conf"
expect "serve refuses an [ldap] it cannot use (no base_dn)" 1 timeout 20 "$MAMORI" --dir "$D" serve --listen 127.0.0.1:0
err_has "serve says why" "[ldap] base_dn is required"
# --allowed-host's names are freed when serve stops at its options (LeakSanitizer checks every
# serve: tests/cli/mamori-leaks.sh): --help, an unknown option, a value it cannot read.
H="--allowed-host isms.example --allowed-host isms2.example"
# shellcheck disable=SC2086
expect "serve: --help after --allowed-host" 0 "$MAMORI" --dir "$D" serve $H --help
# shellcheck disable=SC2086
expect "serve: an unknown option after --allowed-host" 2 "$MAMORI" --dir "$D" serve $H --no-such
# shellcheck disable=SC2086
expect "serve: a bad --idle-timeout after --allowed-host" 2 "$MAMORI" --dir "$D" serve $H --idle-timeout soon
err_has "serve says what to give" "cannot read --idle-timeout 'soon'"
printf '[totp]\nroles = ciso@org\n' >"$D/mamori.conf"
expect "a good mamori.conf passes" 0 "$MAMORI" --dir "$D" doctor
out_has "doctor counts the settings" "mamori.conf: 1 setting"
rm -f "$D/mamori.conf"

# Where serve cannot listen: a TCP and a UDP port held by another program (python3: its UDP
# socket without SO_REUSEADDR, so it is not shared), an address no machine has (TEST-NET-1,
# unless this one binds non-local addresses), a port below the first one an unprivileged
# program may use (root without CAP_NET_BIND_SERVICE). Each serve stops at its bind, at once.
python3 -c '
import socket, sys, time
t = socket.socket(); t.bind(("127.0.0.1", 0)); t.listen()
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); u.bind(("127.0.0.1", 0))
print(t.getsockname()[1], u.getsockname()[1], flush=True)
time.sleep(600)' >"$TMP/held" &
HOLDER=$!
trap 'kill "$HOLDER" 2>/dev/null; rm -rf "$TMP"' EXIT
for _i in $(seq 1 600); do [ -s "$TMP/held" ] && break; sleep 0.1; done
read -r TP UP <"$TMP/held"
check "a TCP and a UDP port held by another program" "[ -n '$TP' ] && [ -n '$UP' ]"
serve() { timeout 20 "$MAMORI" --dir "$D" serve "$@"; }
expect "serve: --listen on a port in use" 1 serve --listen "127.0.0.1:$TP"
err_has "serve says the port is in use and what to do" \
	"cannot listen on '127.0.0.1:$TP' (--listen): port $TP is already in use there, by another program or another mamori serve; stop it, or give another port (port 0 picks a free one)"
expect "serve: --syslog-udp on a port in use" 1 serve --listen 127.0.0.1:0 --syslog-udp "127.0.0.1:$UP"
err_has "serve names the syslog option and the port" \
	"cannot listen on '127.0.0.1:$UP' (--syslog-udp): port $UP is already in use there"
expect "serve: --listen on a port in use, in Japanese" 1 env MAMORI_LANG=ja timeout 20 "$MAMORI" --dir "$D" serve --listen "127.0.0.1:$TP"
err_has "serve says it in Japanese" "「127.0.0.1:$TP」（--listen）で待ち受けできません。ポート $TP は別のプログラムか別の mamori serve が既に使っています。"
if [ "$(cat /proc/sys/net/ipv4/ip_nonlocal_bind 2>/dev/null)" = 1 ]; then
	for t in "--listen 192.0.2.1" "--syslog-tcp 192.0.2.1"; do
		_n=$((_n + 1)); echo "ok $_n # SKIP $t: this machine binds addresses it does not have (net.ipv4.ip_nonlocal_bind)"
	done
else
	expect "serve: --listen on an address not this machine's" 1 serve --listen 192.0.2.1:0
	err_has "serve says the address is not this machine's and what to give" \
		"cannot listen on '192.0.2.1:0' (--listen): the address is not one of this machine's; give one of its addresses ('ip address' lists them), 127.0.0.1 for this machine alone or 0.0.0.0 for all of them"
	expect "serve: --syslog-tcp on an address not this machine's" 1 serve --listen 127.0.0.1:0 --syslog-tcp 192.0.2.1:0
	err_has "serve says it for the syslog receiver" \
		"cannot listen on '192.0.2.1:0' (--syslog-tcp): the address is not one of this machine's"
fi
START=$(cat /proc/sys/net/ipv4/ip_unprivileged_port_start 2>/dev/null || echo 1024)
if [ "$START" -le 80 ]; then
	_n=$((_n + 1)); echo "ok $_n # SKIP port 80: any program may listen there on this machine (net.ipv4.ip_unprivileged_port_start $START)"
elif [ "$(id -u)" -ne 0 ] || setpriv --bounding-set -net_bind_service --inh-caps -net_bind_service true 2>/dev/null; then
	unpriv() { if [ "$(id -u)" -eq 0 ]; then setpriv --bounding-set -net_bind_service --inh-caps -net_bind_service "$@"; else "$@"; fi; }
	expect "serve: --listen on port 80 without privilege" 1 unpriv timeout 20 "$MAMORI" --dir "$D" serve --listen 127.0.0.1:80
	err_has "serve says the port needs privilege and what to do" \
		"cannot listen on '127.0.0.1:80' (--listen): on this system only a privileged program may listen on a port below $START; give a port of $START or above, or start mamori with the capability CAP_NET_BIND_SERVICE"
else
	_n=$((_n + 1)); echo "ok $_n # SKIP port 80: root here cannot drop CAP_NET_BIND_SERVICE (setpriv)"
fi
kill "$HOLDER" 2>/dev/null
done_testing
