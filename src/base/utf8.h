/* utf8: validation, decoding and terminal display width of UTF-8 text. */
#ifndef MAMORI_BASE_UTF8_H
#define MAMORI_BASE_UTF8_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/strbuf.h"

/* True when s[0..len) is well-formed UTF-8 (no overlongs, surrogates, > U+10FFFF). */
bool utf8_valid(const char *s, size_t len);
/*
 * Decodes one code point at s (at most len bytes). Returns the number of
 * bytes consumed (>= 1) and stores the code point, or returns -1 for an
 * invalid sequence (then one byte should be skipped).
 */
int utf8_decode(const char *s, size_t len, uint32_t *ret_cp);
/* Appends the UTF-8 encoding of cp; returns bytes written (0 if cp invalid). */
int utf8_encode(struct strbuf *sb, uint32_t cp);
/* Columns one code point takes on a terminal: 0, 1 or 2 (East Asian Wide/Fullwidth = 2). */
int codepoint_width(uint32_t cp);
/* Display width of a UTF-8 string; invalid bytes count one column each. */
size_t utf8_width(const char *s, size_t len);
size_t utf8_strwidth(const char *s);
/* Characters (code points) in a NUL-terminated UTF-8 string: what a form's limit counts. */
size_t utf8_length(const char *s);
/* True when s holds nothing but spaces (ASCII white space, U+3000 全角スペース, U+00A0): what
 * a person typed into a field is then empty. True for "" too. */
bool utf8_blank(const char *s);
/* Appends s, then spaces until it takes `width` columns (no truncation). */
void strbuf_add_padded(struct strbuf *sb, const char *s, size_t width);

#endif
