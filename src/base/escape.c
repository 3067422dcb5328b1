/* escape: the HTML text/attribute escaper shared by web/html.c and `policy show --format html`. */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "base/escape.h"
#include "base/utf8.h"

void html_escape(struct strbuf *out, const char *s, size_t len)
{
	size_t start = 0;

	for (size_t i = 0; i < len; i++) {
		const char *ent;

		switch (s[i]) {
		case '&':
			ent = "&amp;";
			break;
		case '<':
			ent = "&lt;";
			break;
		case '>':
			ent = "&gt;";
			break;
		case '"':
			ent = "&quot;";
			break;
		case '\'':
			ent = "&#39;";
			break;
		case '\0':
			ent = "\xef\xbf\xbd"; /* U+FFFD: a NUL never reaches the page */
			break;
		default:
			continue;
		}
		strbuf_add(out, s + start, i - start);
		strbuf_addstr(out, ent);
		start = i + 1;
	}
	strbuf_add(out, s + start, len - start);
}

/* Bidirectional controls (Unicode UAX #9): they reorder what a terminal or page shows. */
static bool is_bidi(uint32_t cp)
{
	return cp == 0x061C || cp == 0x200E || cp == 0x200F || (cp >= 0x202A && cp <= 0x202E) ||
	       (cp >= 0x2066 && cp <= 0x2069);
}

/* Invisible characters that make two names look alike. */
static bool is_zero_width(uint32_t cp)
{
	return (cp >= 0x200B && cp <= 0x200D) || cp == 0x2060 || cp == 0xFEFF;
}

void term_escape(struct strbuf *out, const char *s, size_t len)
{
	size_t i = 0;

	while (i < len) {
		unsigned char c = (unsigned char)s[i];
		uint32_t cp;
		int n;

		if (c < 0x80) {
			if ((c < 0x20 && c != '\n' && c != '\t') || c == 0x7f)
				strbuf_addf(out, "\\x%02x", c);
			else
				strbuf_addch(out, (char)c);
			i++;
			continue;
		}
		n = utf8_decode(s + i, len - i, &cp);
		if (n <= 0) {
			strbuf_addf(out, "\\x%02x", c);
			i++;
			continue;
		}
		if ((cp >= 0x80 && cp <= 0x9F) || is_bidi(cp))
			strbuf_addf(out, "\\u%04x", (unsigned)cp);
		else
			strbuf_add(out, s + i, (size_t)n);
		i += (size_t)n;
	}
}

/* One character of text_clean's output for s[*i...] into buf (at most 8 bytes): its length. */
static size_t clean_one(const char *s, size_t len, size_t *i, char buf[static 8])
{
	unsigned char c = (unsigned char)s[*i];
	uint32_t cp;
	int n = c < 0x80 ? 1 : utf8_decode(s + *i, len - *i, &cp);

	if (n <= 0 || c < 0x20 || c == 0x7f) { /* not UTF-8, or a C0 control */
		*i += 1;
		return (size_t)snprintf(buf, 8, "\\x%02x", c);
	}
	*i += (size_t)n;
	if (c == '\\') {
		buf[0] = buf[1] = '\\';
		return 2;
	}
	if (c >= 0x80 && ((cp >= 0x80 && cp <= 0x9F) || is_bidi(cp) || is_zero_width(cp)))
		return (size_t)snprintf(buf, 8, "\\u%04x", (unsigned)cp);
	memcpy(buf, s + *i - n, (size_t)n);
	return (size_t)n;
}

void text_clean(struct strbuf *out, const char *s, size_t len, size_t max)
{
	char buf[8];
	size_t i = 0, total = 0, written = 0;

	while (i < len)
		total += clean_one(s, len, &i, buf);
	for (i = 0; i < len;) {
		size_t n = clean_one(s, len, &i, buf);
		/* cut before a character (never inside an escape), "…" within max too */
		if (total > max && written + n + 3 > max)
			break;
		strbuf_add(out, buf, n);
		written += n;
	}
	if (total > max && max >= 3)
		strbuf_addstr(out, "…");
}

bool text_spoofs(const char *s)
{
	size_t len = s ? strlen(s) : 0, i = 0;

	while (i < len) {
		uint32_t cp;
		int n = utf8_decode(s + i, len - i, &cp);
		if (n <= 0)
			return true;
		if ((cp >= 0x80 && cp <= 0x9F) || is_bidi(cp) || is_zero_width(cp))
			return true;
		i += (size_t)n;
	}
	return false;
}
