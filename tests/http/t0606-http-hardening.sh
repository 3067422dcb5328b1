#!/bin/sh
# t0606-http-hardening: framing a proxy could read otherwise is 400, a foreign Host 421
# (--allowed-host), slow clients cannot hold the server (per-address limit, header deadline),
# oversized queries are answered at once (issue 11, findings 4, 9 and 12).
. "${MAMORI_SRCDIR:?}/tests/http/lib.sh"
RAW="python3 $MAMORI_SRCDIR/tests/http/rawhttp.py"
m init --profile minato >/dev/null 2>&1
server_start --max-per-address 8 --header-timeout 2s

# raw NAME WANT BYTES (printf format)
raw() {
	_hex=$(printf "$3" | od -An -tx1 | tr -d ' \n')
	is "$1" "$2" "$($RAW send "$URL" "$_hex")"
}
H='Host: 127.0.0.1\r\n'
raw "a well-formed request" 200 "GET /login HTTP/1.1\r\n${H}\r\n"
raw "no Host" 400 'GET /login HTTP/1.1\r\n\r\n'
raw "no Host in HTTP/1.0 either" 400 'GET /login HTTP/1.0\r\n\r\n'
raw "Host twice" 400 "GET /login HTTP/1.1\r\n${H}Host: 127.0.0.1\r\n\r\n"
raw "two different Content-Length" 400 "POST /login HTTP/1.1\r\n${H}Content-Length: 3\r\nContent-Length: 4\r\n\r\nabcd"
raw "Content-Length that is not a number" 400 "POST /login HTTP/1.1\r\n${H}Content-Length: +3\r\n\r\nabc"
raw "Content-Length with Transfer-Encoding" 400 "POST /login HTTP/1.1\r\n${H}Content-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"
raw "unknown Transfer-Encoding: at once, not at the timeout" 400 "POST /login HTTP/1.1\r\n${H}Transfer-Encoding: gzip\r\n\r\n"
raw "Transfer-Encoding twice" 400 "POST /login HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"
raw "bare LF line ends" 400 "GET /login HTTP/1.1\n${H}\r\n"
raw "bare LF between headers" 400 "GET /login HTTP/1.1\r\nHost: 127.0.0.1\nX-A: b\r\n\r\n"
raw "NUL in a header value" 400 "GET /login HTTP/1.1\r\n${H}X-A: a\000b\r\n\r\n"
raw "NUL in a value before another header" 400 "GET /login HTTP/1.1\r\nX-A: a\000b\r\n${H}\r\n"
raw "obs-fold continuation line" 400 "GET /login HTTP/1.1\r\n${H}X-A: a\r\n b\r\n\r\n"
raw "whitespace before the colon" 400 "GET /login HTTP/1.1\r\nHost : 127.0.0.1\r\n\r\n"
raw "control character in a value" 400 "GET /login HTTP/1.1\r\n${H}X-A: a\033b\r\n\r\n"
raw "a tab inside a value is fine" 200 "GET /login HTTP/1.1\r\n${H}X-A: a\tb\r\n\r\n"
check "400 pages carry the security headers" 'curl -s -D - -o /dev/null -H "Host: 127.0.0.1" -H "Content-Length: 1" -H "Transfer-Encoding: chunked" -d x "${URL}login" | grep -qi "^Content-Security-Policy"'

# Host: the listen address and localhost, with or without the port; anything else 421.
port=${URL##*:}
port=${port%/}
is "Host: the listen address" 200 "$(status "${URL}login")"
is "Host: localhost with the port" 200 "$(status -H "Host: localhost:$port" "${URL}login")"
is "Host: LOCALHOST without the port" 200 "$(status -H "Host: LOCALHOST" "${URL}login")"
is "Host: another name (DNS rebinding)" 421 "$(status -H "Host: evil.example:$port" "${URL}login")"
is "Host: the right name, wrong port" 421 "$(status -H "Host: localhost:1" "${URL}login")"
is "Host: junk port" 421 "$(status -H "Host: localhost:80x" "${URL}login")"
check "421 page carries the security headers" 'curl -s -D - -o /dev/null -H "Host: evil.example" "${URL}login" | grep -qi "^X-Frame-Options: DENY"'
check "421 page is Japanese" 'curl -s -H "Host: evil.example" "${URL}login" | grep -q "このサーバーはその名前では応答しません"'

# Queries: thousands of parameters, at once.
Q=$(python3 -c "print('&'.join('a%d=1' % i for i in range(3000)))")
is "3000 query parameters: 414 at once" 414 "$(status -m 3 "${URL}login?$Q")"
Q=$(python3 -c "print('&'.join('a%d=1' % i for i in range(300)))")
is "300 query parameters: 414" 414 "$(status -m 3 "${URL}login?$Q")"
is "a few parameters are fine" 200 "$(status "${URL}login?next=/&lang=ja")"

# Slow clients. One address holds at most 8 connections; 8 more wait for room (up to 2 s),
# the others are closed at once.
kept=$($RAW hold "$URL" 40 0.5)
is "one address: --max-per-address connections kept, as many waiting, the rest closed" 16 "$kept"
# While 127.0.0.1 holds 200 slow connections, 127.0.0.2 is answered at once.
$RAW hold "$URL" 200 4 >"$TMP/hold" &
hold_pid=$!
sleep 1.5
is "another address is answered while one holds many" 200 "$(status -m 2 --interface 127.0.0.2 "${URL}login")"
wait "$hold_pid"
# A client at its limit that closes its connections and opens as many again at once is served
# on every one (libmicrohttpd's own limit cut some: the old ones still counted; issue 17).
is "8 connections closed and opened again, 100 times: none cut" 0 "$($RAW churn "$URL" 8 100)"
# Trickling a byte every 0.3 s does not extend the 2 s deadline for the whole head.
closed=$($RAW trickle "$URL" 0.3 8)
check "a trickling head is closed at the header deadline ($closed s)" '[ "$closed" != open ] && python3 -c "import sys; sys.exit(0 if 1.5 <= float(\"$closed\") <= 4.5 else 1)"'
is "the server still serves" 200 "$(status "${URL}login")"
# A kept-alive connection is fine: the deadline restarts for each request.
check "keep-alive serves two requests in a row" '[ "$(curl -s -o /dev/null -o /dev/null -w "%{http_code}" "${URL}login" "${URL}login")" = 200200 ]'
server_stop

# --allowed-host replaces the default.
server_start --allowed-host mamori.minato.example --allowed-host ::1
is "--allowed-host: the named host" 200 "$(status -H "Host: mamori.minato.example:$(echo "${URL##*:}" | tr -d /)" "${URL}login")"
is "--allowed-host: without the port" 200 "$(status -H "Host: MAMORI.minato.example" "${URL}login")"
is "--allowed-host: IPv6 literal in brackets" 200 "$(status -H "Host: [::1]" "${URL}login")"
is "--allowed-host: the listen address is no longer allowed" 421 "$(status "${URL}login")"
server_stop
done_testing
