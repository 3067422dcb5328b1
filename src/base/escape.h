/* escape: the HTML text/attribute escaper shared by web/html.c and `policy show --format html`. */
#ifndef MAMORI_BASE_ESCAPE_H
#define MAMORI_BASE_ESCAPE_H

#include <stddef.h>

#include "base/strbuf.h"

/*
 * Appends s[0..len) with & < > " ' written as entities, so the result is safe both as
 * element text and inside a quoted attribute value; a NUL byte becomes U+FFFD.
 * HTML is written by web/html.c (the page writer) and, for the printed policy, by
 * policy/show.c: both escape through this one function.
 */
void html_escape(struct strbuf *out, const char *s, size_t len);

#endif
