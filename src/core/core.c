/* core: small helpers every file of src/core shares (string vectors, identifiers, dates). */
#include <errno.h>
#include <stdarg.h>
#include <string.h>

#include <openssl/evp.h>

#include "base/cleanup.h"
#include "base/timeutil.h"
#include "base/escape.h"
#include "base/utf8.h"
#include "core/core.h"

void strv_push(struct strv *v, const char *s)
{
	ALLOC_GROW(v->items, v->nr, v->alloc);
	v->items[v->nr++] = xstrdup(s);
}

void strv_pushf(struct strv *v, const char *fmt, ...)
{
	struct strbuf sb = STRBUF_INIT;
	va_list ap;

	va_start(ap, fmt);
	strbuf_vaddf(&sb, fmt, ap);
	va_end(ap);
	ALLOC_GROW(v->items, v->nr, v->alloc);
	v->items[v->nr++] = strbuf_detach(&sb, NULL);
}

char *xstrfmt(const char *fmt, ...)
{
	struct strbuf sb = STRBUF_INIT;
	va_list ap;

	va_start(ap, fmt);
	strbuf_vaddf(&sb, fmt, ap);
	va_end(ap);
	return strbuf_detach(&sb, NULL);
}

char *core_subject(const char *register_id, int64_t id)
{
	return id ? xstrfmt("%s/%lld", register_id, (long long)id) : xstrfmt("%s/new", register_id);
}

bool strv_has(const struct strv *v, const char *s)
{
	for (size_t i = 0; i < v->nr; i++)
		if (!strcmp(v->items[i], s))
			return true;
	return false;
}

void strv_push_unique(struct strv *v, const char *s)
{
	if (!strv_has(v, s))
		strv_push(v, s);
}

void strv_release(struct strv *v)
{
	for (size_t i = 0; i < v->nr; i++)
		free(v->items[i]);
	free(v->items);
	v->items = NULL;
	v->nr = v->alloc = 0;
}

bool core_valid_id(const char *s)
{
	size_t n = s ? strlen(s) : 0;

	if (n == 0 || n > CORE_MAX_ID || !(s[0] >= 'a' && s[0] <= 'z'))
		return false;
	for (size_t i = 1; i < n; i++) {
		char c = s[i];
		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-'))
			return false;
	}
	return true;
}

bool core_valid_login(const char *s)
{
	size_t n = s ? strlen(s) : 0;

	if (n == 0 || n > CORE_MAX_ID)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		          (i > 0 && (c == '_' || c == '-' || c == '.'));
		if (!ok)
			return false;
	}
	return true;
}

bool core_valid_chars(const char *s, size_t max_chars)
{
	return core_valid_text(s, max_chars * 4) && utf8_length(s) <= max_chars;
}

bool core_valid_text(const char *s, size_t max)
{
	size_t n = s ? strlen(s) : 0;

	if (n == 0 || n > max || !utf8_valid(s, n))
		return false;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if ((c < 0x20 && c != '\n' && c != '\t') || c == 0x7f)
			return false;
		/* C1 controls (U+0080..U+009F: C2 80..C2 9F), such as the 8-bit CSI U+009B */
		if (c == 0xC2 && i + 1 < n && (unsigned char)s[i + 1] < 0xA0)
			return false;
	}
	return true;
}

bool core_valid_name(const char *s, size_t max)
{
	return core_valid_text(s, max) && !strchr(s, '\n') && !strchr(s, '\t') && !text_spoofs(s);
}

bool core_valid_email(const char *s)
{
	const char *at = s ? strchr(s, '@') : NULL;
	size_t n = s ? strlen(s) : 0;

	/* An address as people type it (RFC 5321's common subset): local@domain, ASCII without
	 * spaces, quotes, brackets or control characters, one '@', a dot in the domain. */
	if (!at || at == s || n > CORE_MAX_EMAIL || strchr(at + 1, '@') || !strchr(at + 1, '.') ||
	    at[1] == '.' || s[n - 1] == '.')
		return false;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c <= 0x20 || c >= 0x7f || strchr("\"(),:;<>[]\\", c))
			return false;
	}
	return true;
}

int core_parse_local_date(const char *s, int64_t *ret_ms)
{
	int64_t ms;

	if (!s || strlen(s) != 10 || time_parse_date(s, &ms) < 0)
		return -EINVAL;
	*ret_ms = ms - TOKYO_OFFSET_MS;
	return 0;
}

void core_format_local_date(struct strbuf *sb, int64_t ms)
{
	struct strbuf t = STRBUF_INIT;

	/* time_format_rfc3339 of the shifted instant gives the local calendar date first. */
	time_format_rfc3339(&t, ms + TOKYO_OFFSET_MS);
	strbuf_add(sb, t.buf, t.len >= 10 ? 10 : t.len);
	strbuf_release(&t);
}

void core_sha256_hex(const void *data, size_t len, char ret[65])
{
	static const char hex[] = "0123456789abcdef";
	unsigned char md[32];
	unsigned int mdlen = 0;

	EVP_Digest(data, len, md, &mdlen, EVP_sha256(), NULL);
	for (unsigned i = 0; i < 32; i++) {
		ret[2 * i] = hex[md[i] >> 4];
		ret[2 * i + 1] = hex[md[i] & 15];
	}
	ret[64] = '\0';
}
