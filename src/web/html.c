/* html: the only writer of HTML in Mamori: elements, and one escaper per context. */
#include <stdarg.h>
#include <string.h>
#include <strings.h>

#include "base/cleanup.h"
#include "base/escape.h"
#include "base/utf8.h"
#include "web/html.h"

void html_text_len(struct strbuf *out, const char *s, size_t len)
{
	html_escape(out, s, len);
}

void html_text(struct strbuf *out, const char *s)
{
	if (s)
		html_text_len(out, s, strlen(s));
}

void html_textf(struct strbuf *out, const char *fmt, ...)
{
	struct strbuf tmp = STRBUF_INIT;
	va_list ap;

	va_start(ap, fmt);
	strbuf_vaddf(&tmp, fmt, ap);
	va_end(ap);
	html_text_len(out, tmp.buf, tmp.len);
	strbuf_release(&tmp);
}

bool html_url_safe(const char *url)
{
	if (!url)
		return false;
	/* Control characters and backslashes make browsers guess: refuse them. */
	for (const char *p = url; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == '\\' || *p == 0x7f)
			return false;
	if (url[0] == '/')
		return url[1] != '/'; /* "//host" leaves the site */
	if (url[0] == '?' || url[0] == '#')
		return true;
	return !strncasecmp(url, "https://", 8) || !strncasecmp(url, "http://", 7);
}

static bool is_url_attr(const char *name)
{
	return !strcmp(name, "href") || !strcmp(name, "src") || !strcmp(name, "action") ||
	       !strcmp(name, "formaction");
}

static void attrs(struct strbuf *out, va_list ap)
{
	const char *name;

	while ((name = va_arg(ap, const char *))) {
		const char *value = va_arg(ap, const char *);

		if (!value)
			continue;
		strbuf_addch(out, ' ');
		strbuf_addstr(out, name);
		strbuf_addstr(out, "=\"");
		if (is_url_attr(name) && !html_url_safe(value))
			value = "#";
		html_text(out, value);
		strbuf_addch(out, '"');
	}
}

void html_open(struct strbuf *out, const char *tag, ...)
{
	va_list ap;

	strbuf_addch(out, '<');
	strbuf_addstr(out, tag);
	va_start(ap, tag);
	attrs(out, ap);
	va_end(ap);
	strbuf_addch(out, '>');
}

void html_void(struct strbuf *out, const char *tag, ...)
{
	va_list ap;

	strbuf_addch(out, '<');
	strbuf_addstr(out, tag);
	va_start(ap, tag);
	attrs(out, ap);
	va_end(ap);
	strbuf_addch(out, '>');
}

void html_close(struct strbuf *out, const char *tag)
{
	strbuf_addstr(out, "</");
	strbuf_addstr(out, tag);
	strbuf_addch(out, '>');
}

void html_elem(struct strbuf *out, const char *tag, const char *text, ...)
{
	va_list ap;

	strbuf_addch(out, '<');
	strbuf_addstr(out, tag);
	va_start(ap, text);
	attrs(out, ap);
	va_end(ap);
	strbuf_addch(out, '>');
	html_text(out, text);
	html_close(out, tag);
}

void html_document_begin(struct strbuf *out, const char *lang, const char *title,
                         const char *stylesheet)
{
	strbuf_addstr(out, "<!DOCTYPE html>\n");
	html_open(out, "html", "lang", lang, HTML_END);
	html_open(out, "head", HTML_END);
	html_void(out, "meta", "charset", "utf-8", HTML_END);
	html_void(out, "meta", "name", "viewport", "content", "width=device-width, initial-scale=1",
	          HTML_END);
	html_elem(out, "title", title, HTML_END);
	html_void(out, "link", "rel", "stylesheet", "href", stylesheet, HTML_END);
	html_close(out, "head");
	strbuf_addch(out, '\n');
	html_open(out, "body", HTML_END);
}

void html_document_end(struct strbuf *out)
{
	html_close(out, "body");
	html_close(out, "html");
	strbuf_addch(out, '\n');
}

void html_url_encode(struct strbuf *url, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";

	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || *p == '-' || *p == '.' || *p == '_' || *p == '~') {
			strbuf_addch(url, *p);
		} else {
			strbuf_addch(url, '%');
			strbuf_addch(url, hex[*p >> 4]);
			strbuf_addch(url, hex[*p & 15]);
		}
	}
}

void html_url_segment(struct strbuf *url, const char *seg)
{
	strbuf_addch(url, '/');
	html_url_encode(url, seg);
}

void html_url_query(struct strbuf *url, const char *key, const char *value)
{
	strbuf_addch(url, memchr(url->buf, '?', url->len) ? '&' : '?');
	html_url_encode(url, key);
	strbuf_addch(url, '=');
	html_url_encode(url, value);
}
