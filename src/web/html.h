/* html: the only writer of HTML in Mamori: elements, and one escaper per context. */
#ifndef MAMORI_WEB_HTML_H
#define MAMORI_WEB_HTML_H

#include <stdbool.h>
#include <stddef.h>

#include "base/strbuf.h"

/*
 * Pages are C code calling these functions (cgit's html.c is the model).
 * Tag and attribute names are always string literals in the code; every
 * value that may come from data passes through the escaper of its context:
 *
 *   text       html_text: & < > " ' become entities
 *   attribute  html_open/html_void values: the same escaping, always quoted
 *   URL        href, src, action, formaction values must be relative
 *              ("/...", "?...", "#...") or http(s); anything else
 *              (javascript:, data:, "//evil") is replaced by "#".
 *              Build URLs with html_url_* so each path segment and query
 *              value is percent-encoded first.
 *
 * Attribute lists are name/value pairs ending with NULL; a pair whose value
 * is NULL is left out (for optional attributes such as "selected").
 */

/* Ends every attribute list (a typed null pointer: a bare NULL may be an int in varargs). */
#define HTML_END ((const char *)NULL)

void html_text(struct strbuf *out, const char *s);
void html_text_len(struct strbuf *out, const char *s, size_t len);
/* Formats, then escapes the result as text. */
void html_textf(struct strbuf *out, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* <tag name="value" ...> */
void html_open(struct strbuf *out, const char *tag, ...) __attribute__((sentinel));
/* <tag name="value" ...> for void elements (input, meta, link, br): no closing tag. */
void html_void(struct strbuf *out, const char *tag, ...) __attribute__((sentinel));
/* </tag> */
void html_close(struct strbuf *out, const char *tag);
/* <tag attrs...>text</tag> */
void html_elem(struct strbuf *out, const char *tag, const char *text, ...)
    __attribute__((sentinel));

/* The document start: doctype, <html lang>, head with title and the stylesheet. */
void html_document_begin(struct strbuf *out, const char *lang, const char *title,
                         const char *stylesheet);
void html_document_end(struct strbuf *out);

/* True when url may be used in href/src/action (see above). */
bool html_url_safe(const char *url);

/* Appends s percent-encoded for one path segment or query value (RFC 3986 unreserved kept). */
void html_url_encode(struct strbuf *url, const char *s);
/* Appends "/seg" with seg encoded. */
void html_url_segment(struct strbuf *url, const char *seg);
/* Appends "?k=v" or "&k=v" (whichever fits), both encoded. */
void html_url_query(struct strbuf *url, const char *key, const char *value);

#endif
