/* framing: strict checks of a request's header block and Host, beyond libmicrohttpd's own. */
#include <errno.h>
#include <string.h>
#include <strings.h>

#include "web/framing.h"

static bool tchar(unsigned char c)
{
	/* RFC 9110 5.6.2 token characters */
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       (c && strchr("!#$%&'*+-.^_`|~", c));
}

static bool is_name(const struct web_hdr *h, const char *name)
{
	return h->key_len == strlen(name) && !strncasecmp(h->key, name, h->key_len);
}

static bool all_digits(const char *s, size_t n)
{
	if (!n || n > 18)
		return false;
	for (size_t i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return true;
}

int web_framing_check(const struct web_hdr *h, size_t n, const char **ret_host, size_t *ret_len,
                      struct strbuf *why)
{
	const struct web_hdr *host = NULL, *cl = NULL;
	bool te = false;

	for (size_t i = 0; i < n; i++) {
		const struct web_hdr *x = &h[i];
		if (!x->key_len) {
			error_set(why, "empty header name");
			return -EINVAL;
		}
		for (size_t k = 0; k < x->key_len; k++) {
			if (!tchar((unsigned char)x->key[k])) {
				error_set(why, "header name with a character that is not a token");
				return -EINVAL;
			}
		}
		for (size_t k = 0; x->value && k < x->value_len; k++) {
			unsigned char c = (unsigned char)x->value[k];
			if ((c < 0x20 && c != '\t') || c == 0x7f) {
				error_set(why, "control character 0x%02x in header '%.*s'", c,
				          (int)x->key_len, x->key);
				return -EINVAL;
			}
		}
		if (is_name(x, "Host")) {
			if (host) {
				error_set(why, "Host given twice");
				return -EINVAL;
			}
			host = x;
		} else if (is_name(x, "Content-Length")) {
			if (!all_digits(x->value, x->value_len)) {
				error_set(why, "Content-Length is not a number");
				return -EINVAL;
			}
			if (cl && (cl->value_len != x->value_len ||
			           memcmp(cl->value, x->value, x->value_len))) {
				error_set(why, "two different Content-Length headers");
				return -EINVAL;
			}
			cl = x;
		} else if (is_name(x, "Transfer-Encoding")) {
			if (te || x->value_len != 7 || strncasecmp(x->value, "chunked", 7)) {
				error_set(why, "Transfer-Encoding other than one 'chunked'");
				return -EINVAL;
			}
			te = true;
		}
	}
	if (cl && te) {
		error_set(why, "Content-Length together with Transfer-Encoding");
		return -EINVAL;
	}
	if (!host || !host->value_len) {
		error_set(why, "no Host header");
		return -EINVAL;
	}
	*ret_host = host->value;
	*ret_len = host->value_len;
	return 0;
}

bool web_host_allowed(const struct web_hosts *hosts, const char *host, size_t len)
{
	const char *colon;
	size_t name_len = len;

	/* "name:port", "[v6]:port", "[v6]", "name": split off a port after the last ']'. */
	colon = memrchr(host, ':', len);
	if (colon && (host[0] != '[' || (const char *)memrchr(host, ']', len) < colon)) {
		const char *p = colon + 1;
		size_t pl = (size_t)(host + len - p);
		unsigned long port = 0;
		if (!pl || pl > 5)
			return false;
		for (size_t i = 0; i < pl; i++) {
			if (p[i] < '0' || p[i] > '9')
				return false;
			port = port * 10 + (unsigned long)(p[i] - '0');
		}
		if (port != hosts->port)
			return false;
		name_len = (size_t)(colon - host);
	}
	for (size_t i = 0; i < hosts->nr; i++)
		if (strlen(hosts->names[i]) == name_len &&
		    !strncasecmp(hosts->names[i], host, name_len))
			return true;
	return false;
}

static bool gap_clean(const char *from, const char *to)
{
	size_t nuls = 0;

	if (to < from || to - from > 256)
		return false;
	for (const char *p = from; p < to; p++) {
		if (*p == '\0')
			nuls++;
		else if (*p != ' ' && *p != '\t')
			return false;
	}
	return nuls >= 2;
}

int web_framing_layout(const char *version, const struct web_hdr *h, size_t n, struct strbuf *why)
{
	const char *end = version ? version + strlen(version) : NULL;

	for (size_t i = 0; end && i < n; i++) {
		if (!gap_clean(end, h[i].key)) {
			error_set(why, "bare LF, NUL or folded line before header '%.*s'",
			          (int)h[i].key_len, h[i].key);
			return -EINVAL;
		}
		end = h[i].value + h[i].value_len;
	}
	/* After the last value: its CR LF and the empty line's, four NULs (blanks before). */
	if (end && n) {
		size_t nuls = 0;
		for (const char *p = end; nuls < 4; p++) {
			if (*p == '\0')
				nuls++;
			else if (nuls || (*p != ' ' && *p != '\t'))
				break;
		}
		if (nuls < 4) {
			error_set(why, "NUL inside or bare LF after header '%.*s'",
			          (int)h[n - 1].key_len, h[n - 1].key);
			return -EINVAL;
		}
	}
	return 0;
}
