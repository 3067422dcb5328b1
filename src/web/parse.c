/* parse: strict parsers for query strings, forms, cookies and multipart bodies. */
#include <errno.h>
#include <string.h>
#include <strings.h>

#include "base/cleanup.h"
#include "base/utf8.h"
#include "base/parse.h"
#include "web/parse.h"

void web_params_release(struct web_params *p)
{
	/* Values may be passwords or tokens: wiped before they go back to malloc. */
	for (size_t i = 0; i < p->nr; i++) {
		free(p->items[i].name);
		if (p->items[i].value)
			explicit_bzero(p->items[i].value, strlen(p->items[i].value));
		free(p->items[i].value);
	}
	free(p->items);
	p->items = NULL;
	p->nr = p->alloc = 0;
}

const char *web_params_get(const struct web_params *p, const char *name)
{
	for (size_t i = 0; i < p->nr; i++)
		if (!strcmp(p->items[i].name, name))
			return p->items[i].value;
	return NULL;
}

size_t web_params_count(const struct web_params *p, const char *name)
{
	size_t n = 0;

	for (size_t i = 0; i < p->nr; i++)
		if (!strcmp(p->items[i].name, name))
			n++;
	return n;
}

static void params_add_len(struct web_params *p, const char *name, size_t name_len,
                           const char *value, size_t value_len)
{
	ALLOC_GROW(p->items, p->nr, p->alloc);
	p->items[p->nr].name = xstrndup(name, name_len);
	p->items[p->nr].value = xstrndup(value, value_len);
	p->items[p->nr].value_len = value_len;
	p->nr++;
}

void web_params_add(struct web_params *p, const char *name, const char *value)
{
	params_add_len(p, name, strlen(name), value, strlen(value));
}

int web_percent_decode(const char *s, size_t len, bool plus_is_space, struct strbuf *out,
                       struct strbuf *err)
{
	size_t start = out->len;

	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '%') {
			int hi = i + 2 < len ? parse_hex_digit((unsigned char)s[i + 1]) : -1;
			int lo = hi >= 0 ? parse_hex_digit((unsigned char)s[i + 2]) : -1;
			if (hi < 0 || lo < 0) {
				error_set(err, "bad percent-encoding: '%%' needs two hex digits");
				return -EINVAL;
			}
			c = (unsigned char)(hi << 4 | lo);
			i += 2;
		} else if (c == '+' && plus_is_space) {
			c = ' ';
		}
		if ((c < 0x20 && c != '\t' && c != '\r' && c != '\n') || c == 0x7f) {
			error_set(err, "control character 0x%02x in a parameter", c);
			return -EINVAL;
		}
		strbuf_addch(out, c);
	}
	if (!utf8_valid(out->buf + start, out->len - start)) {
		error_set(err, "a parameter is not valid UTF-8");
		return -EINVAL;
	}
	return 0;
}

int web_parse_urlencoded(const char *s, size_t len, struct web_params *p, struct strbuf *err)
{
	struct strbuf name = STRBUF_INIT, value = STRBUF_INIT;
	size_t i = 0;
	int r = 0;

	while (i < len) {
		const char *pair = s + i;
		const char *amp = memchr(pair, '&', len - i);
		size_t plen = amp ? (size_t)(amp - pair) : len - i;
		const char *eq = memchr(pair, '=', plen);
		size_t nlen = eq ? (size_t)(eq - pair) : plen;

		i += plen + (amp ? 1 : 0);
		if (plen == 0)
			continue;
		if (p->nr >= WEB_MAX_PARAMS) {
			error_set(err, "too many parameters (at most %d)", WEB_MAX_PARAMS);
			r = -E2BIG;
			break;
		}
		strbuf_reset(&name);
		strbuf_reset(&value);
		if (nlen == 0) {
			error_set(err, "a parameter has no name");
			r = -EINVAL;
			break;
		}
		r = web_percent_decode(pair, nlen, true, &name, err);
		if (r < 0)
			break;
		if (eq)
			r = web_percent_decode(eq + 1, plen - nlen - 1, true, &value, err);
		if (r < 0)
			break;
		if (name.len > WEB_MAX_NAME || memchr(name.buf, '\n', name.len) ||
		    memchr(name.buf, '\r', name.len)) {
			error_set(err, "a parameter name is too long or has a line break");
			r = name.len > WEB_MAX_NAME ? -E2BIG : -EINVAL;
			break;
		}
		if (value.len > WEB_MAX_VALUE) {
			error_set(err, "parameter '%s' is too long (at most %d bytes)", name.buf,
			          WEB_MAX_VALUE);
			r = -E2BIG;
			break;
		}
		params_add_len(p, name.buf, name.len, value.buf, value.len);
	}
	strbuf_release(&name);
	strbuf_release(&value);
	return r;
}

/* RFC 7230 tchar. */
static bool is_tchar(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       (c && strchr("!#$%&'*+-.^_`|~", c));
}

/* RFC 6265 cookie-octet. */
static bool is_cookie_octet(unsigned char c)
{
	return c == 0x21 || (c >= 0x23 && c <= 0x2b) || (c >= 0x2d && c <= 0x3a) ||
	       (c >= 0x3c && c <= 0x5b) || (c >= 0x5d && c <= 0x7e);
}

int web_parse_cookies(const char *header, struct web_params *p, struct strbuf *err)
{
	const char *s = header;

	while (*s) {
		while (*s == ' ' || *s == '\t' || *s == ';')
			s++;
		if (!*s)
			break;
		const char *start = s;
		const char *end = strchr(s, ';');
		if (!end)
			end = s + strlen(s);
		s = end;

		const char *eq = memchr(start, '=', (size_t)(end - start));
		if (!eq)
			continue;
		const char *ne = eq;
		while (ne > start && (ne[-1] == ' ' || ne[-1] == '\t'))
			ne--;
		const char *v = eq + 1, *ve = end;
		while (v < ve && (*v == ' ' || *v == '\t'))
			v++;
		while (ve > v && (ve[-1] == ' ' || ve[-1] == '\t'))
			ve--;
		if (ve - v >= 2 && v[0] == '"' && ve[-1] == '"') {
			v++;
			ve--;
		}
		bool ok = ne > start;
		for (const char *c = start; ok && c < ne; c++)
			ok = is_tchar((unsigned char)*c);
		for (const char *c = v; ok && c < ve; c++)
			ok = is_cookie_octet((unsigned char)*c);
		if (!ok)
			continue;
		if ((size_t)(ne - start) > WEB_MAX_NAME || (size_t)(ve - v) > WEB_MAX_VALUE) {
			error_set(err, "a cookie is too long");
			return -E2BIG;
		}
		if (p->nr >= WEB_MAX_PARAMS) {
			error_set(err, "too many cookies (at most %d)", WEB_MAX_PARAMS);
			return -E2BIG;
		}
		params_add_len(p, start, (size_t)(ne - start), v, (size_t)(ve - v));
	}
	return 0;
}

void web_parts_release(struct web_parts *p)
{
	for (size_t i = 0; i < p->nr; i++) {
		free(p->items[i].name);
		free(p->items[i].filename);
		free(p->items[i].content_type);
	}
	free(p->items);
	p->items = NULL;
	p->nr = 0;
}

const struct web_part *web_parts_get(const struct web_parts *p, const char *name)
{
	for (size_t i = 0; i < p->nr; i++)
		if (!strcmp(p->items[i].name, name))
			return &p->items[i];
	return NULL;
}

/* RFC 2046 bchars, without the space (only allowed inside, and never needed). */
static bool is_bchar(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       (c && strchr("'()+_,-./:=?", c));
}

int web_multipart_boundary(const char *content_type, struct strbuf *ret, struct strbuf *err)
{
	static const char type[] = "multipart/form-data";
	const char *s = content_type, *b = NULL;
	size_t len;

	if (strncasecmp(s, type, sizeof(type) - 1) ||
	    (s[sizeof(type) - 1] != ';' && s[sizeof(type) - 1] != ' ')) {
		error_set(err, "the body is not multipart/form-data");
		return -EINVAL;
	}
	s += sizeof(type) - 1;
	while (*s) {
		while (*s == ';' || *s == ' ' || *s == '\t')
			s++;
		if (!strncasecmp(s, "boundary=", 9)) {
			b = s + 9;
			break;
		}
		s += strcspn(s, ";");
	}
	if (!b || !*b) {
		error_set(err, "multipart body without a boundary");
		return -EINVAL;
	}
	if (*b == '"') {
		const char *q = strchr(b + 1, '"');
		if (!q) {
			error_set(err, "unterminated quoted multipart boundary");
			return -EINVAL;
		}
		b++;
		len = (size_t)(q - b);
	} else {
		len = strcspn(b, "; \t");
	}
	if (len == 0 || len > WEB_MAX_BOUNDARY) {
		error_set(err, "multipart boundary must have 1 to %d characters", WEB_MAX_BOUNDARY);
		return -EINVAL;
	}
	for (size_t i = 0; i < len; i++)
		if (!is_bchar((unsigned char)b[i])) {
			error_set(err,
			          "multipart boundary has a character RFC 2046 does not allow");
			return -EINVAL;
		}
	strbuf_reset(ret);
	strbuf_add(ret, b, len);
	return 0;
}

static const char *memmem_s(const char *h, size_t hlen, const char *n, size_t nlen)
{
	return memmem(h, hlen, n, nlen);
}

/*
 * Gets parameter key="value" (or key=token) from a Content-Disposition header
 * value. Returns a new string, or NULL when absent. Quoted values may hold
 * backslash escapes (RFC 7578 says browsers percent-encode '"' instead).
 */
static char *disposition_param(const char *h, size_t len, const char *key)
{
	size_t klen = strlen(key);
	size_t i = 0;

	while (i < len) {
		/* Move to the start of the next parameter: after a ';'. */
		const char *semi = memchr(h + i, ';', len - i);
		if (!semi)
			return NULL;
		i = (size_t)(semi - h) + 1;
		while (i < len && (h[i] == ' ' || h[i] == '\t'))
			i++;
		if (len - i > klen && !strncasecmp(h + i, key, klen) && h[i + klen] == '=') {
			struct strbuf v = STRBUF_INIT;
			i += klen + 1;
			if (i < len && h[i] == '"') {
				i++;
				while (i < len && h[i] != '"') {
					if (h[i] == '\\' && i + 1 < len)
						i++;
					strbuf_addch(&v, h[i]);
					i++;
				}
				if (i >= len) {
					strbuf_release(&v);
					return NULL;
				}
			} else {
				while (i < len && h[i] != ';' && h[i] != ' ')
					strbuf_addch(&v, h[i++]);
			}
			return strbuf_detach(&v, NULL);
		}
		/* Skip a quoted value that may contain ';'. */
		while (i < len && h[i] != ';') {
			if (h[i] == '"') {
				i++;
				while (i < len && h[i] != '"') {
					if (h[i] == '\\' && i + 1 < len)
						i++;
					i++;
				}
			}
			if (i < len)
				i++;
		}
	}
	return NULL;
}

/* Parses the header block of one part into part; returns 0 or -EINVAL. */
static int part_headers(const char *h, size_t len, struct web_part *part, struct strbuf *err)
{
	size_t i = 0;

	while (i < len) {
		const char *eol = memmem_s(h + i, len - i, "\r\n", 2);
		size_t llen = eol ? (size_t)(eol - (h + i)) : len - i;
		const char *line = h + i;
		const char *colon = memchr(line, ':', llen);

		i += llen + (eol ? 2 : 0);
		if (!colon) {
			error_set(err, "multipart part header without ':'");
			return -EINVAL;
		}
		size_t nlen = (size_t)(colon - line);
		const char *v = colon + 1;
		size_t vlen = llen - nlen - 1;
		while (vlen && (*v == ' ' || *v == '\t')) {
			v++;
			vlen--;
		}
		if (nlen == 19 && !strncasecmp(line, "Content-Disposition", 19)) {
			if (vlen < 9 || strncasecmp(v, "form-data", 9)) {
				error_set(err, "multipart part is not form-data");
				return -EINVAL;
			}
			free(part->name);
			free(part->filename);
			part->name = disposition_param(v, vlen, "name");
			part->filename = disposition_param(v, vlen, "filename");
		} else if (nlen == 12 && !strncasecmp(line, "Content-Type", 12)) {
			free(part->content_type);
			part->content_type = xstrndup(v, vlen);
		}
	}
	if (!part->name || !*part->name || strlen(part->name) > WEB_MAX_NAME ||
	    !utf8_valid(part->name, strlen(part->name))) {
		error_set(err, "multipart part without a valid name");
		return -EINVAL;
	}
	if (part->filename &&
	    (strlen(part->filename) > 255 || !utf8_valid(part->filename, strlen(part->filename)))) {
		error_set(err, "multipart file name is too long or not UTF-8");
		return -EINVAL;
	}
	if (part->content_type && !utf8_valid(part->content_type, strlen(part->content_type))) {
		error_set(err, "multipart content type is not UTF-8");
		return -EINVAL;
	}
	return 0;
}

int web_parse_multipart(const char *body, size_t len, const char *boundary, struct web_parts *ret,
                        struct strbuf *err)
{
	struct strbuf delim = STRBUF_INIT;
	const char *p, *end = body + len;
	int r = -EINVAL;

	ret->nr = 0;
	/* The first delimiter has no CRLF before it; every later one does. */
	strbuf_addf(&delim, "--%s", boundary);
	if (len < delim.len || memcmp(body, delim.buf, delim.len)) {
		error_set(err, "multipart body does not start with its boundary");
		goto out;
	}
	p = body + delim.len;
	strbuf_reset(&delim);
	strbuf_addf(&delim, "\r\n--%s", boundary);
	for (;;) {
		/* After a delimiter: "--" ends the body, else CRLF starts a part. */
		if (end - p >= 2 && p[0] == '-' && p[1] == '-') {
			r = 0;
			break;
		}
		while (p < end && (*p == ' ' || *p == '\t'))
			p++;
		if (end - p < 2 || p[0] != '\r' || p[1] != '\n') {
			error_set(err, "multipart boundary not followed by CRLF");
			goto out;
		}
		p += 2;
		const char *hend = memmem_s(p, (size_t)(end - p), "\r\n\r\n", 4);
		const char *hb;
		size_t hlen;
		if (end - p >= 2 && p[0] == '\r' && p[1] == '\n') {
			/* A part without headers: no name, refused below. */
			hb = p;
			hlen = 0;
			p += 2;
		} else {
			if (!hend) {
				error_set(err, "multipart part headers do not end");
				goto out;
			}
			hb = p;
			hlen = (size_t)(hend - p);
			p = hend + 4;
		}
		if (hlen > WEB_MAX_PART_HEAD) {
			error_set(err, "multipart part headers are too long");
			r = -E2BIG;
			goto out;
		}
		if (ret->nr >= WEB_MAX_PARTS) {
			error_set(err, "too many multipart parts (at most %d)", WEB_MAX_PARTS);
			r = -E2BIG;
			goto out;
		}
		if (!ret->items)
			ret->items = xcalloc(WEB_MAX_PARTS, sizeof(*ret->items));
		struct web_part *part = &ret->items[ret->nr];
		memset(part, 0, sizeof(*part));
		ret->nr++;
		if (part_headers(hb, hlen, part, err) < 0)
			goto out;
		const char *dend = memmem_s(p, (size_t)(end - p), delim.buf, delim.len);
		if (!dend) {
			error_set(err, "multipart part does not end with the boundary");
			goto out;
		}
		part->data = p;
		part->len = (size_t)(dend - p);
		p = dend + delim.len;
	}
out:
	if (r < 0)
		web_parts_release(ret);
	strbuf_release(&delim);
	return r;
}
