#!/bin/sh
# t0664-http-iccard: issue 11, "Client certificates (the ward's IC cards, MIN-5-5-6)". With
# [iccard] ca_file, `mamori serve` (HTTPS) asks for a client certificate; ICカードでログイン logs
# in the person named by its subject's CN when the card whose card_id is its serial is theirs
# and active in the iccard register. No card, another CA's certificate, a card not registered
# or another person's: refused. The session stays bound to the card: the cookie without the
# card opens nothing, and a card reported lost (紛失等の報告) stops working at once, also in the
# session it opened.
. "${MAMORI_SRCDIR:?}/tests/http/lib.sh"
ward_make
m system add kokuho --name 国民健康保険システム --section kumin >/dev/null
m role grant yamada system_manager@system:kokuho >/dev/null

# The server's certificate, the ward's card CA, and the cards' certificates.
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$TMP/key.pem" -out "$TMP/cert.pem" -days 2 \
	-subj "/CN=localhost" >/dev/null 2>&1
# card NAME CN SERIAL CA: a client certificate NAME.pem/NAME.key for CN, signed by CA.
card() {
	openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/O=港区/CN=$2" \
		-keyout "$TMP/$1.key" -out "$TMP/$1.csr" 2>/dev/null
	printf 'extendedKeyUsage=clientAuth\n' >"$TMP/ext"
	openssl x509 -req -in "$TMP/$1.csr" -CA "$TMP/$4.pem" -CAkey "$TMP/$4.key" -set_serial "$3" \
		-days 2 -extfile "$TMP/ext" -out "$TMP/$1.pem" 2>/dev/null
}
for ca in cardca otherca; do
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
		-subj "/CN=$ca" -keyout "$TMP/$ca.key" -out "$TMP/$ca.pem" 2>/dev/null
done
card tanaka tanaka 0x1A2B3C cardca
card sato sato 0x0BADC0DE cardca
card forged tanaka 0x1A2B3C otherca
SERIAL=$(openssl x509 -in "$TMP/tanaka.pem" -noout -serial | sed 's/serial=//')
check "tanaka's card certificate has the serial 1A2B3C" '[ "$SERIAL" = 1A2B3C ]'
out=$(m record add iccard --system kokuho --field card_id=1a2b3c \
	--field holder=tanaka --as yamada --json)
CARD=$(printf '%s' "$out" | sed -n 's/.*"record":\([0-9]*\).*/\1/p')
check "the system manager issues tanaka the card (iccard.issue)" '[ -n "$CARD" ]'

printf '[iccard]\nca_file = %s\n' "$TMP/cardca.pem" >"$D/mamori.conf"
check "IC card login without HTTPS is refused at start" \
	'! timeout 30 "$MAMORI" --dir "$D" serve --listen 127.0.0.1:0 >/dev/null 2>"$TMP/bad.err" && grep -q "needs HTTPS" "$TMP/bad.err"'
server_start --tls-cert "$TMP/cert.pem" --tls-key "$TMP/key.pem"

# card_login NAME JAR: ICカードでログイン with NAME's certificate (none for NAME "-").
card_login() {
	rm -f "$2"
	if [ "$1" = - ]; then set -- "$2"; else set -- "$2" --cert "$TMP/$1.pem" --key "$TMP/$1.key"; fi
	_jar=$1
	shift
	_c=$(curl -sk "$@" -c "$_jar" -b "$_jar" "${URL}login" | sed -n 's/.*name="csrf" value="\([^"]*\)".*/\1/p' | head -1)
	curl -sk "$@" -c "$_jar" -b "$_jar" -o "$TMP/body" -w '%{http_code}' --data-urlencode "csrf=$_c" \
		"${URL}login/card"
}
# get NAME JAR PATH: the status of PATH with NAME's card (none for "-").
get() {
	if [ "$1" = - ]; then
		curl -sk -b "$2" -o "$TMP/body" -w '%{http_code}' "${URL}${3#/}"
	else
		curl -sk --cert "$TMP/$1.pem" --key "$TMP/$1.key" -b "$2" -o "$TMP/body" -w '%{http_code}' \
			"${URL}${3#/}"
	fi
}

curl -sk "${URL}login" >"$TMP/login.html"
check "the login page offers ICカードでログイン" "grep -q 'ICカードでログイン' '$TMP/login.html'"
is "tanaka logs in with his card" 303 "$(card_login tanaka "$TMP/jar-t")"
is "and is in" 200 "$(get tanaka "$TMP/jar-t" /)"
check "as 田中次郎" "grep -q '田中次郎' '$TMP/body'"
is "the same cookie without the card opens nothing (the session is bound to the card)" 303 \
	"$(get - "$TMP/jar-t" /)"
is "and that session is over, with the card too" 303 "$(get tanaka "$TMP/jar-t" /)"
is "no card: refused" 401 "$(card_login - "$TMP/jar-x")"
check "with a Japanese explanation" "grep -q 'ICカードでログインできません' '$TMP/body'"
is "sato's certificate, but no card registered to sato: refused" 401 "$(card_login sato "$TMP/jar-x")"
code=$(card_login forged "$TMP/jar-x")
check "tanaka's name and serial signed by another CA: not logged in (got $code)" '[ "$code" != 303 ]'

is "tanaka logs in with his card again" 303 "$(card_login tanaka "$TMP/jar-t2")"
is "and works" 200 "$(get tanaka "$TMP/jar-t2" /)"
expect "tanaka reports the card lost (紛失等の報告)" 0 "$MAMORI" --dir "$D" act "$CARD" \
	iccard.report_lost --field reported_at=2026-12-05T09:00:00+09:00 --as tanaka
is "his open session stops working at once" 303 "$(get tanaka "$TMP/jar-t2" /)"
is "and the card logs nobody in" 401 "$(card_login tanaka "$TMP/jar-x")"
expect "the system manager resumes it (利用再開)" 0 "$MAMORI" --dir "$D" act "$CARD" \
	iccard.resume --as yamada
is "then it works again" 303 "$(card_login tanaka "$TMP/jar-t3")"
server_stop
done_testing
