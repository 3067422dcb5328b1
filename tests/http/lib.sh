# lib.sh: HTTP tests of `mamori serve` with curl, on top of tests/cli/lib.sh (TAP helpers).
# ward_make builds a small Minato ward; server_start runs the server on a free loopback port.
. "${MAMORI_SRCDIR:?}/tests/cli/lib.sh"

PW='Kawa-Sora-Umi-2026!x'
ADMIN_PW='Kanri-Hoshi-Tsuki-2026!z'
D="$TMP/data"

m() { "$MAMORI" --dir "$D" "$@"; }

# The ward: 税務課 (zeimu) and 区民課 (kumin), a staff member and a section head in each,
# level-3 records in both and a level-1 record in kumin. Record ids: Z3 Z3B K3 K1.
ward_make() {
	m init --profile minato >"$TMP/init.out" 2>&1 || { cat "$TMP/init.out"; exit 1; }
	printf '%s\n' "$ADMIN_PW" | m user passwd admin --password-stdin >/dev/null
	m section add zeimu --name 税務課 >/dev/null
	m section add kumin --name 区民課 >/dev/null
	for u in "sato 佐藤花子 zeimu" "suzuki 鈴木一郎 zeimu" "tanaka 田中次郎 kumin" \
		"yamada 山田三郎 kumin"; do
		set -- $u
		printf '%s\n' "$PW" | m user add "$1" --name "$2" --section "$3" --password-stdin \
			>/dev/null
	done
	m role grant suzuki security_officer@section:zeimu >/dev/null
	m role grant yamada security_officer@section:kumin >/dev/null
	Z3=$(rec sato title=住民税課税台帳 level=3 section=zeimu access_controlled=true)
	Z3B=$(rec suzuki title=固定資産税評価資料 level=3 section=zeimu access_controlled=true)
	K3=$(rec tanaka title=住民基本台帳 level=3 section=kumin access_controlled=true)
	K1=$(rec tanaka title=窓口案内 level=1 section=kumin access_controlled=true)
}

rec() {
	_who=$1
	shift
	_args=""
	for f in "$@"; do _args="$_args --field $f"; done
	# shellcheck disable=SC2086
	m record add asset --as "$_who" $_args --json | sed 's/.*"record":\([0-9]*\).*/\1/'
}

# server_try_start [OPTIONS]: starts the server; sets URL and SERVER_PID. Returns 1 at once
# when the server exits before it listens (its words in $TMP/serve.err), e.g. because the port
# of its --listen was taken; bails out if it neither listens nor exits within 10 s.
server_try_start() {
	# Emptied here, not by the background job's redirection, so a restart never reads the
	# previous server's URL.
	: >"$TMP/serve.out"
	"$MAMORI" --dir "$D" serve --listen 127.0.0.1:0 "$@" >"$TMP/serve.out" 2>"$TMP/serve.err" &
	SERVER_PID=$!
	for _i in $(seq 1 100); do
		URL=$(sed -n 's/.*listening on \(.*\)/\1/p' "$TMP/serve.out")
		[ -n "$URL" ] && return 0
		if ! kill -0 "$SERVER_PID" 2>/dev/null; then
			URL=$(sed -n 's/.*listening on \(.*\)/\1/p' "$TMP/serve.out")
			[ -n "$URL" ] && return 0
			wait "$SERVER_PID" 2>/dev/null
			return 1
		fi
		sleep 0.1
	done
	echo "Bail out! server did not start"
	cat "$TMP/serve.err"
	exit 1
}

# server_start [OPTIONS]: server_try_start, and a server that exits before it listens is the
# end of the test.
server_start() {
	server_try_start "$@" && return 0
	echo "Bail out! server did not start"
	cat "$TMP/serve.err"
	exit 1
}

server_stop() {
	kill -TERM "$SERVER_PID" 2>/dev/null
	wait "$SERVER_PID" 2>/dev/null
}

# login LOGIN PASSWORD JAR: a browser-like login; prints the HTTP status.
login() {
	rm -f "$3"
	_csrf=$(curl -s -c "$3" -b "$3" "${URL}login" | sed -n 's/.*name="csrf" value="\([^"]*\)".*/\1/p' | head -1)
	curl -s -c "$3" -b "$3" -o /dev/null -w '%{http_code}' --data-urlencode "csrf=$_csrf" \
		--data-urlencode "login=$1" --data-urlencode "password=$2" "${URL}login"
}

# csrf_of JAR PATH: the CSRF token of a page of this session.
csrf_of() {
	curl -s -b "$1" "${URL}${2#/}" | sed -n 's/.*name="csrf" value="\([^"]*\)".*/\1/p' | head -1
}

# status [CURL ARGS...] URL: prints only the HTTP status.
status() { curl -s -o "$TMP/body" -w '%{http_code}' "$@"; }

# is NAME WANT GOT
is() {
	if [ "$3" = "$2" ]; then ok "$1"; else
		not_ok "$1 (got '$3', want '$2')"
		diag "$(head -c 600 "$TMP/body" 2>/dev/null)"
	fi
}

# token LOGIN [SCOPE [LABEL]]: an API token for LOGIN (of SCOPE: api, logs, agent; the form's
# default when not given), created by the administrator in the browser form.
token() {
	login admin "$ADMIN_PW" "$TMP/jar-admin" >/dev/null
	_c=$(csrf_of "$TMP/jar-admin" /admin/tokens)
	curl -s -b "$TMP/jar-admin" --data-urlencode "csrf=$_c" --data-urlencode "login=$1" \
		--data-urlencode "label=${3:-test}" ${2:+--data-urlencode "scope=$2"} "${URL}admin/tokens" |
		sed -n 's/.*class="notice ok"[^<]*: \([A-Za-z0-9_-]\{22\}\)<.*/\1/p' | head -1
}

trap 'server_stop; rm -rf "$TMP"' EXIT
