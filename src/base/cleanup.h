/* cleanup: scope-bound release of memory and resources (GCC/Clang attribute). */
#ifndef MAMORI_BASE_CLEANUP_H
#define MAMORI_BASE_CLEANUP_H

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "base/strbuf.h"

#define _cleanup_(f) __attribute__((cleanup(f)))

static inline void freep(void *p)
{
	free(*(void **)p);
}
static inline void fclosep(FILE **f)
{
	if (*f)
		(void)fclose(*f); /* a stream read to its end: nothing to lose on close */
}
static inline void closep(int *fd)
{
	if (*fd >= 0)
		close(*fd);
}

#define _cleanup_free_   _cleanup_(freep)
#define _cleanup_fclose_ _cleanup_(fclosep)
#define _cleanup_close_  _cleanup_(closep)
#define _cleanup_strbuf_ _cleanup_(strbuf_release)

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

void *xmalloc(size_t n);
void *xcalloc(size_t nmemb, size_t size);
void *xrealloc(void *p, size_t n);
/* xreallocarray: overflow-checked nmemb*size. */
void *xreallocarray(void *p, size_t nmemb, size_t size);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);

/* Grows an array (p, nr, alloc) so that index nr is valid. */
#define ALLOC_GROW(p, nr, alloc)                                                                   \
	do {                                                                                       \
		if ((nr) >= (alloc)) {                                                             \
			(alloc) = (alloc) ? (alloc)*2 : 8;                                         \
			if ((alloc) <= (nr))                                                       \
				(alloc) = (nr) + 1;                                                \
			(p) = xreallocarray((p), (alloc), sizeof(*(p)));                           \
		}                                                                                  \
	} while (0)

#endif
