/* escape: the HTML text/attribute escaper shared by web/html.c and `policy show --format html`. */
#include "base/escape.h"

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
