# slapd.sh: a real OpenLDAP server (Debian slapd) for a test, on free loopback ports, with its
# own CA, configuration and database under $1; sourced by tests that need a directory.
#   slapd_start DIR LDIF   loads LDIF (slapadd) and starts slapd in the foreground as a child:
#                          sets SLAPD_PID, LDAP_PORT (ldap://, StartTLS), LDAPS_PORT, LDAP_CA
#                          (the CA's PEM), LDAP_ROOT/LDAP_ROOT_PW (the rootdn, for ldapmodify)
#   slapd_stop             stops it (kill of its pid only)
#   slapd_restart          starts it again on the same ports (after slapd_stop)
# The suffix is dc=minato,dc=example.

# Its ports come from tests/cli/lib.sh's free_port (sourced first, by way of the test's lib.sh):
# below the kernel's ephemeral range, so no other process takes them while slapd_restart is away.

slapd_start() {
	SLAPD_DIR=$1
	mkdir -p "$SLAPD_DIR/db"
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
		-subj /CN=mamori-test-ca -keyout "$SLAPD_DIR/ca.key" -out "$SLAPD_DIR/ca.pem" \
		2>/dev/null || return 1
	openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj /CN=localhost \
		-keyout "$SLAPD_DIR/srv.key" -out "$SLAPD_DIR/srv.csr" 2>/dev/null || return 1
	printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\n' >"$SLAPD_DIR/ext"
	openssl x509 -req -in "$SLAPD_DIR/srv.csr" -CA "$SLAPD_DIR/ca.pem" -CAkey "$SLAPD_DIR/ca.key" \
		-CAcreateserial -days 2 -extfile "$SLAPD_DIR/ext" -out "$SLAPD_DIR/srv.pem" 2>/dev/null ||
		return 1
	LDAP_CA="$SLAPD_DIR/ca.pem"
	LDAP_ROOT="cn=admin,dc=minato,dc=example"
	LDAP_ROOT_PW="root-$(od -An -N6 -tx1 /dev/urandom | tr -d ' \n')"
	cat >"$SLAPD_DIR/slapd.conf" <<EOF
include /etc/ldap/schema/core.schema
include /etc/ldap/schema/cosine.schema
include /etc/ldap/schema/inetorgperson.schema
include /etc/ldap/schema/nis.schema
modulepath /usr/lib/ldap
moduleload back_mdb
pidfile $SLAPD_DIR/slapd.pid
TLSCACertificateFile $SLAPD_DIR/ca.pem
TLSCertificateFile $SLAPD_DIR/srv.pem
TLSCertificateKeyFile $SLAPD_DIR/srv.key
database mdb
maxsize 10485760
suffix "dc=minato,dc=example"
rootdn "$LDAP_ROOT"
rootpw $LDAP_ROOT_PW
directory $SLAPD_DIR/db
EOF
	slapadd -f "$SLAPD_DIR/slapd.conf" -l "$2" >"$SLAPD_DIR/slapadd.log" 2>&1 || {
		cat "$SLAPD_DIR/slapadd.log"
		return 1
	}
	for _try in 1 2 3 4 5; do
		LDAP_PORT=$(free_port) && LDAPS_PORT=$(free_port) || return 1
		slapd_restart && return 0
	done
	return 1
}

slapd_restart() {
	slapd -f "$SLAPD_DIR/slapd.conf" -h "ldap://127.0.0.1:$LDAP_PORT/ ldaps://127.0.0.1:$LDAPS_PORT/" \
		-d 0 >"$SLAPD_DIR/slapd.log" 2>&1 &
	SLAPD_PID=$!
	for _i in $(seq 1 100); do
		if LDAPTLS_CACERT="$LDAP_CA" ldapsearch -x -H "ldaps://127.0.0.1:$LDAPS_PORT" \
			-b "dc=minato,dc=example" -s base -LLL dn >/dev/null 2>&1; then
			return 0
		fi
		kill -0 "$SLAPD_PID" 2>/dev/null || return 1
		sleep 0.1
	done
	slapd_stop
	return 1
}

slapd_stop() {
	[ -n "${SLAPD_PID:-}" ] || return 0
	kill -TERM "$SLAPD_PID" 2>/dev/null
	wait "$SLAPD_PID" 2>/dev/null
	SLAPD_PID=
}

# ldap_modify: an LDIF change on stdin, as the rootdn.
ldap_modify() {
	LDAPTLS_CACERT="$LDAP_CA" ldapmodify -x -H "ldaps://127.0.0.1:$LDAPS_PORT" -D "$LDAP_ROOT" \
		-w "$LDAP_ROOT_PW" >/dev/null
}
