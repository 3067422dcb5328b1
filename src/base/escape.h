/* escape: the HTML text/attribute escaper shared by web/html.c and `policy show --format html`. */
#ifndef MAMORI_BASE_ESCAPE_H
#define MAMORI_BASE_ESCAPE_H

#include <stdbool.h>
#include <stddef.h>

#include "base/strbuf.h"

/*
 * Appends s[0..len) with & < > " ' written as entities, so the result is safe both as
 * element text and inside a quoted attribute value; a NUL byte becomes U+FFFD.
 * HTML is written by web/html.c (the page writer) and, for the printed policy, by
 * policy/show.c: both escape through this one function.
 */
void html_escape(struct strbuf *out, const char *s, size_t len);

/*
 * Appends s[0..len) for a terminal: control characters but LF and TAB become "\x1b", C1 controls
 * (U+0080..U+009F, such as U+009B, the 8-bit CSI) and bidirectional controls (U+202E ...) become
 * "\u009b", invalid UTF-8 bytes "\xff"; the rest is copied. Everything the CLI prints goes
 * through it (cli_print, cli_error), so stored text cannot drive the terminal.
 */
void term_escape(struct strbuf *out, const char *s, size_t len);
/*
 * Appends s[0..len) as one line of text the door takes (records' text fields and names: valid
 * UTF-8, no control characters, nothing text_spoofs flags), at most max bytes of it: each byte
 * that starts no UTF-8 character becomes "\x83", control characters (LF and TAB too) "\x0a",
 * C1, bidirectional and zero-width characters "\u200b", a backslash "\\"; text beyond max
 * bytes is cut before a character (never inside an escape) and "…" added. One to one (but for
 * the cut): two texts cleaned alike were the same. For text read from collected messages (the
 * log analysis's alert summaries), which a sender chooses.
 */
void text_clean(struct strbuf *out, const char *s, size_t len, size_t max);
/*
 * True when s has characters that make text look like other text: C1 controls, bidirectional
 * controls, zero-width characters (U+200B..U+200D, U+2060, U+FEFF) or invalid UTF-8. Names,
 * titles and logins refuse them when stored.
 */
bool text_spoofs(const char *s);

#endif
