/* clientcert: reads and checks a connection's client certificate with GnuTLS. */
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include <microhttpd.h>
#include <stdio.h>
#include <string.h>

#include "web/clientcert.h"
#include "web/mhd-lib.h"

int web_client_cert(const struct web_req *r, char *login, size_t login_size,
                    char serial[WEB_CARD_SERIAL_MAX], struct strbuf *why)
{
	const union MHD_ConnectionInfo *ci =
	    r->conn ? MHD_get_connection_info(r->conn, MHD_CONNECTION_INFO_GNUTLS_SESSION) : NULL;
	gnutls_session_t tls = ci ? (gnutls_session_t)ci->tls_session : NULL;
	const gnutls_datum_t *peers;
	unsigned int n = 0, status = 0;
	gnutls_x509_crt_t crt = NULL;
	unsigned char raw[32];
	size_t raw_size = sizeof(raw), cn_size = login_size;
	int ok = 0;

	login[0] = serial[0] = '\0';
	if (!tls) {
		strbuf_addstr(why, "not a TLS connection");
		return 0;
	}
	peers = gnutls_certificate_get_peers(tls, &n);
	if (!peers || n == 0) {
		strbuf_addstr(why, "no client certificate");
		return 0;
	}
	if (gnutls_certificate_verify_peers2(tls, &status) < 0 || status != 0) {
		gnutls_datum_t text = { 0 };
		if (gnutls_certificate_verification_status_print(status, GNUTLS_CRT_X509, &text,
		                                                 0) == 0) {
			strbuf_addf(why, "client certificate: %s", (const char *)text.data);
			gnutls_free(text.data);
		} else {
			strbuf_addstr(why, "client certificate does not verify");
		}
		return 0;
	}
	if (gnutls_x509_crt_init(&crt) < 0)
		return 0;
	if (gnutls_x509_crt_import(crt, &peers[0], GNUTLS_X509_FMT_DER) < 0 ||
	    gnutls_x509_crt_get_dn_by_oid(crt, GNUTLS_OID_X520_COMMON_NAME, 0, 0, login, &cn_size) <
	        0 ||
	    gnutls_x509_crt_get_serial(crt, raw, &raw_size) < 0 || raw_size == 0 ||
	    raw_size * 2 >= WEB_CARD_SERIAL_MAX) {
		strbuf_addstr(why, "client certificate without a CN or a serial number");
		login[0] = '\0';
	} else {
		/* as openssl prints it: without the 00 DER puts before a high first byte */
		size_t skip = 0, k = 0;
		while (skip + 1 < raw_size && raw[skip] == 0)
			skip++;
		for (size_t i = skip; i < raw_size; i++, k += 2)
			snprintf(serial + k, 3, "%02X", raw[i]);
		ok = 1;
	}
	gnutls_x509_crt_deinit(crt);
	return ok;
}
