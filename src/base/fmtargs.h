/* fmtargs: the arguments of a printf-style message, each rendered on its own, so that the
 * message can be said again in another language: a front end looks the format up in its
 * catalogue (the format is the message id) and puts the same arguments into the translation. */
#ifndef MAMORI_BASE_FMTARGS_H
#define MAMORI_BASE_FMTARGS_H

#include <stdarg.h>
#include <stddef.h>

#include "base/strbuf.h"

struct fmtargs {
	char **v; /* each argument as printf would have shown it (%.12s keeps 12 bytes; a number's
	           * zeros, %04o or 0x%02x, too; a width of spaces, %5d, lays out a table: not) */
	size_t n;
};

/*
 * Renders each argument that fmt consumes from ap, in order, into ret (emptied first).
 * Returns 0, or -1 when fmt uses what a message does not need (%n, positional %1$s): ret is
 * then empty.
 */
int fmtargs_capture(struct fmtargs *ret, const char *fmt, va_list ap)
    __attribute__((format(printf, 2, 0)));
/*
 * Appends fmt to out with each conversion replaced by its argument: in order, or by position
 * (%2$s), the way a translation reorders them; %% is one %. Flags, width and precision of fmt
 * are not applied again (the arguments were rendered with the original's), except that %.0s
 * leaves its argument out (a translation that does not repeat an id: "%1$.0s項目「%2$s」").
 * An argument missing from a is left out. map (may be NULL) may give another text for an argument
 * (a name for an id): it returns it, or NULL to keep the argument.
 */
void fmtargs_render(struct strbuf *out, const char *fmt, const struct fmtargs *a,
                    const char *(*map)(void *ctx, const char *arg), void *ctx);
/* The number of conversions in fmt (%% not counted), or -1 as for fmtargs_capture. */
int fmtargs_count(const char *fmt);
void fmtargs_copy(struct fmtargs *dst, const struct fmtargs *src);
void fmtargs_release(struct fmtargs *a);
/*
 * Sets err to an error another thread captured (its format and arguments, error_capture_end's
 * there), as error_set with them would: this thread's capture keeps it, so a front end says it
 * in its reader's language (base/strbuf.c).
 */
void error_set_captured(struct strbuf *err, const char *fmt, const struct fmtargs *args);

#endif
