/* escape: the HTML text/attribute escaper shared by web/html.c and `policy show --format html`. */
#include <stdbool.h>
#include <stdint.h>
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

void text_clean(struct strbuf *out, const char *s, size_t len, size_t max)
{
	size_t i = 0, start = out->len;

	while (i < len) {
		unsigned char c = (unsigned char)s[i];
		size_t mark = out->len;
		uint32_t cp;
		int n = c < 0x80 ? 1 : utf8_decode(s + i, len - i, &cp);

		if (c < 0x80 && (c < 0x20 || c == 0x7f))
			strbuf_addf(out, "\\x%02x", c);
		else if (c < 0x80)
			strbuf_addch(out, (char)c);
		else if (n <= 0)
			strbuf_addstr(out, "\xef\xbf\xbd"); /* U+FFFD */
		else if ((cp >= 0x80 && cp <= 0x9F) || is_bidi(cp))
			strbuf_addf(out, "\\u%04x", (unsigned)cp);
		else
			strbuf_add(out, s + i, (size_t)n);
		if (out->len - start > max) {
			/* "…" within max too, so that cleaning this again changes nothing */
			size_t end = mark;
			while (end > start && end - start + 3 > max)
				while (--end > start &&
				       ((unsigned char)out->buf[end] & 0xC0) == 0x80)
					;
			strbuf_setlen(out, end);
			if (max >= 3)
				strbuf_addstr(out, "…");
			return;
		}
		i += n > 0 ? (size_t)n : 1;
	}
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
