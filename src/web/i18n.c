/* i18n: per-thread language and lookups in the embedded Japanese .mo catalog. */
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "web/i18n.h"

/* Generated at build time from po/ja.po (msgfmt, then scripts/embed-blob.py). */
extern const unsigned char i18n_mo_ja[];
extern const size_t i18n_mo_ja_len;

static __thread enum web_lang current = WEB_LANG_JA;

#define MO_MAGIC 0x950412deU

void i18n_set_lang(enum web_lang lang)
{
	current = lang;
}

enum web_lang i18n_lang(void)
{
	return current;
}

const char *i18n_lang_code(enum web_lang lang)
{
	return lang == WEB_LANG_EN ? "en" : "ja";
}

int i18n_lang_parse(const char *s)
{
	if (!s)
		return -1;
	if (!strcmp(s, "ja"))
		return WEB_LANG_JA;
	if (!strcmp(s, "en"))
		return WEB_LANG_EN;
	return -1;
}

static uint32_t rd32(size_t off)
{
	uint32_t v;

	memcpy(&v, i18n_mo_ja + off, 4);
	return v; /* msgfmt writes the build machine's byte order: the magic checks it */
}

/* A string in the catalog at table entry (tab + 8*i): length, offset. NULL if out of bounds. */
static const char *mo_string(uint32_t tab, uint32_t i, uint32_t *ret_len)
{
	size_t e = (size_t)tab + (size_t)i * 8;
	uint32_t len, off;

	if (e + 8 > i18n_mo_ja_len)
		return NULL;
	len = rd32(e);
	off = rd32(e + 4);
	if ((size_t)off + len + 1 > i18n_mo_ja_len || i18n_mo_ja[off + len] != '\0')
		return NULL;
	*ret_len = len;
	return (const char *)i18n_mo_ja + off;
}

int i18n_check_catalog(void)
{
	uint32_t n, orig, trans, len;

	if (i18n_mo_ja_len < 28 || rd32(0) != MO_MAGIC)
		return -EINVAL;
	n = rd32(8);
	orig = rd32(12);
	trans = rd32(16);
	for (uint32_t i = 0; i < n; i++) {
		const char *a = mo_string(orig, i, &len);
		const char *b = mo_string(trans, i, &len);
		if (!a || !b)
			return -EINVAL;
		if (i > 0) {
			uint32_t l2;
			const char *prev = mo_string(orig, i - 1, &l2);
			if (strcmp(prev, a) >= 0)
				return -EINVAL; /* lookups need sorted originals */
		}
	}
	return 0;
}

/* The translation of key (msgid, or "ctx\004msgid"), or NULL. */
static const char *lookup(const char *key, uint32_t *ret_len)
{
	uint32_t n, orig, trans, len;
	size_t lo = 0, hi;

	if (i18n_mo_ja_len < 28 || rd32(0) != MO_MAGIC)
		return NULL;
	n = rd32(8);
	orig = rd32(12);
	trans = rd32(16);
	hi = n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const char *s = mo_string(orig, (uint32_t)mid, &len);
		int c;

		if (!s)
			return NULL;
		/* Plural entries are "msgid\0plural": strcmp stops at the first NUL. */
		c = strcmp(key, s);
		if (c == 0) {
			const char *t = mo_string(trans, (uint32_t)mid, ret_len);
			return t && *t ? t : NULL;
		}
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return NULL;
}

const char *i18n_gettext(const char *msgid)
{
	uint32_t len;
	const char *t;

	if (current != WEB_LANG_JA || !*msgid)
		return msgid;
	t = lookup(msgid, &len);
	return t ? t : msgid;
}

const char *i18n_gettext_ja(const char *msgid)
{
	uint32_t len;
	const char *t = *msgid ? lookup(msgid, &len) : NULL;

	return t ? t : msgid;
}

const char *i18n_pgettext(const char *ctx_msgid)
{
	uint32_t len;
	const char *t, *sep = strchr(ctx_msgid, '\004');

	if (current == WEB_LANG_JA && (t = lookup(ctx_msgid, &len)))
		return t;
	return sep ? sep + 1 : ctx_msgid;
}

const char *i18n_ngettext(const char *msgid, const char *plural, unsigned long n)
{
	uint32_t len;
	const char *t;

	if (current == WEB_LANG_JA && (t = lookup(msgid, &len)))
		return t; /* nplurals=1: the first form */
	return n == 1 ? msgid : plural;
}
