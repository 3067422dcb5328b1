#!/bin/sh
# t0607-http-tls: TLS 1.2+ with forward-secret AEAD suites only, as Mozilla's "intermediate"
# profile (issue 11, finding 6), checked from outside with openssl s_client.
. "${MAMORI_SRCDIR:?}/tests/http/lib.sh"
m init --profile minato >/dev/null 2>&1
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$TMP/key.pem" -out "$TMP/cert.pem" \
	-days 2 -subj "/CN=localhost" >/dev/null 2>&1
server_start --tls-cert "$TMP/cert.pem" --tls-key "$TMP/key.pem"
hp=${URL#https://}
hp=${hp%/}

# hs NAME WANT(ok|refused) S_CLIENT-OPTIONS...: one handshake; SECLEVEL=0 lets the client
# offer what the server must refuse.
hs() {
	_name=$1
	_want=$2
	shift 2
	if echo Q | timeout 10 openssl s_client -connect "$hp" -servername localhost "$@" \
		>"$TMP/hs" 2>&1 && grep -q "^New, TLSv1" "$TMP/hs" && ! grep -q "Cipher is (NONE)" "$TMP/hs"; then
		_got=ok
	else
		_got=refused
	fi
	is "$_name" "$_want" "$_got"
	[ "$_got" = "$_want" ] || diag "$(grep -E 'Protocol|Cipher|alert|error' "$TMP/hs" | head -5)"
}
hs "TLS 1.3" ok -tls1_3
hs "TLS 1.2 ECDHE-RSA AES-128-GCM" ok -tls1_2 -cipher ECDHE-RSA-AES128-GCM-SHA256
hs "TLS 1.2 ECDHE-RSA AES-256-GCM" ok -tls1_2 -cipher ECDHE-RSA-AES256-GCM-SHA384
hs "TLS 1.2 ECDHE-RSA ChaCha20-Poly1305" ok -tls1_2 -cipher ECDHE-RSA-CHACHA20-POLY1305
hs "TLS 1.0 is refused" refused -tls1 -cipher 'DEFAULT:@SECLEVEL=0'
hs "TLS 1.1 is refused" refused -tls1_1 -cipher 'DEFAULT:@SECLEVEL=0'
hs "static RSA key exchange (GCM) is refused" refused -tls1_2 -cipher 'AES128-GCM-SHA256:@SECLEVEL=0'
hs "static RSA key exchange (CBC) is refused" refused -tls1_2 -cipher 'AES128-SHA:@SECLEVEL=0'
hs "ECDHE with CBC (no AEAD) is refused" refused -tls1_2 -cipher 'ECDHE-RSA-AES128-SHA256:ECDHE-RSA-AES128-SHA:@SECLEVEL=0'
hs "3DES is refused" refused -tls1_2 -cipher 'DES-CBC3-SHA:ECDHE-RSA-DES-CBC3-SHA:@SECLEVEL=0'
check "pages are served over TLS with HSTS" 'curl -sk -D - -o /dev/null "${URL}login" | grep -qi "^Strict-Transport-Security: max-age"'
server_stop
done_testing
