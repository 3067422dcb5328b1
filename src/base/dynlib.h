/* dynlib: a shared library loaded when a command first needs it (dlopen). */
#ifndef MAMORI_BASE_DYNLIB_H
#define MAMORI_BASE_DYNLIB_H

#include <stddef.h>

#include "base/strbuf.h"

/*
 * What few commands use (the PDF report's cairo and pango, the mail client's libcurl) is
 * loaded by them alone: linked, every process would map and relocate it at start, several
 * MB of memory for `mamori fim check` or the agent that never draw a page or send a mail.
 */
struct dynlib_sym {
	const char *name;
	void *slot; /* the address of the function pointer to set */
};

/*
 * Opens soname (RTLD_NOW | RTLD_LOCAL; never closed) and sets each symbol's pointer, looked
 * up in it and the libraries it needs. Returns 0, or -1 with err naming what is missing and
 * the Debian package that gives it (package).
 */
int dynlib_load(const char *soname, const char *package, const struct dynlib_sym *syms, size_t nr,
                struct strbuf *err);

#endif
