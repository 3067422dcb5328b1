/* framing: strict checks of a request's header block and Host, beyond libmicrohttpd's own. */
#ifndef MAMORI_WEB_FRAMING_H
#define MAMORI_WEB_FRAMING_H

#include <stdbool.h>
#include <stddef.h>

#include "base/strbuf.h"

/* One header as the server received it (the value's length counts any NUL inside). */
struct web_hdr {
	const char *key, *value;
	size_t key_len, value_len;
};

/*
 * Refuses a header block a proxy in front could read differently (request smuggling) or that
 * no browser sends: no Host or more than one, Content-Length given twice with different values
 * or not a plain number, Content-Length together with Transfer-Encoding, any Transfer-Encoding
 * but "chunked", a NUL, CR or LF inside a name or value, a control character in a value, a
 * header name that is not a token (whitespace before the colon). Returns 0, or -EINVAL
 * with why (for the server log; the client gets a plain 400). ret_host: the one Host value.
 */
int web_framing_check(const struct web_hdr *h, size_t n, const char **ret_host, size_t *ret_len,
                      struct strbuf *why);

/*
 * What libmicrohttpd (0.9.75, Debian 12) does not refuse and its API no longer shows: a bare
 * LF ending a line, a NUL inside a value, an obs-fold continuation line. It parses the head in
 * place in one buffer, turning each CR and LF into NUL, so between the request line's version
 * and the first name, and between one value and the next name, a well-framed head has only
 * NULs (two or more: CR LF, and trailing blanks it cut) in increasing addresses. Anything else
 * (one NUL: a bare LF; other bytes: a NUL inside the value; a name elsewhere: a folded line)
 * is refused. Not seen: a bare LF ending the last header line. tests/http/t0606 guards this
 * reading of the library: a change in its layout fails that test (and every request), never
 * silently accepts.
 */
int web_framing_layout(const char *version, const struct web_hdr *h, size_t n, struct strbuf *why);

/*
 * The names a client may call this server by (--allowed-host): compared with the Host
 * header case-insensitively, with or without the port. An empty list allows the listen
 * address and localhost (the default). Anything else is answered 421, which also closes
 * DNS rebinding (a page of evil.example resolving to 127.0.0.1 sends Host: evil.example).
 */
struct web_hosts {
	char **names; /* "mamori.minato.example", "127.0.0.1", "[::1]" (IPv6 in brackets) */
	size_t nr, alloc;
	unsigned port; /* the port listened on */
};
bool web_host_allowed(const struct web_hosts *hosts, const char *host, size_t len);

#endif
