/* clientcert: the TLS client certificate of a request's connection (the ward's IC card,
 * MIN-5-5-6), checked against [iccard] ca_file by GnuTLS (libmicrohttpd's TLS). */
#ifndef MAMORI_WEB_CLIENTCERT_H
#define MAMORI_WEB_CLIENTCERT_H

#include <stddef.h>

#include "web/web.h"

#define WEB_CARD_SERIAL_MAX 64 /* hex digits of a certificate serial (20 bytes: 40) + NUL */

/*
 * When the connection presented a client certificate that verifies against the card CA (not
 * expired, not yet valid, nor signed by anyone else): 1, with the login in its subject's CN
 * (login[CORE_MAX_ID + 1]) and its serial number in uppercase hex. 0 otherwise (no TLS, no
 * certificate, one that does not verify: why says which, for the log).
 */
int web_client_cert(const struct web_req *r, char *login, size_t login_size,
                    char serial[WEB_CARD_SERIAL_MAX], struct strbuf *why);

#endif
