/* strbuf: a growable, always NUL-terminated byte buffer. */
#ifndef MAMORI_BASE_STRBUF_H
#define MAMORI_BASE_STRBUF_H

#include <stdarg.h>
#include <stddef.h>

/*
 * Invariants: buf is never NULL (it points at a shared empty string until
 * the first growth), buf[len] == '\0', len < alloc whenever alloc > 0.
 * Out of memory aborts the program: there is no sensible recovery for a
 * security tool that cannot allocate a few bytes.
 */
struct strbuf {
	char *buf;
	size_t len;
	size_t alloc;
};

extern char strbuf_empty[];
#define STRBUF_INIT                                                                                \
	{                                                                                          \
		.buf = strbuf_empty, .len = 0, .alloc = 0                                          \
	}

void strbuf_init(struct strbuf *sb, size_t hint);
void strbuf_release(struct strbuf *sb);
/* Wipes the contents before freeing: for passwords, keys, tokens. */
void strbuf_release_secret(struct strbuf *sb);
char *strbuf_detach(struct strbuf *sb, size_t *ret_len);
void strbuf_grow(struct strbuf *sb, size_t extra);
void strbuf_reset(struct strbuf *sb);
void strbuf_setlen(struct strbuf *sb, size_t len);
void strbuf_add(struct strbuf *sb, const void *data, size_t len);
void strbuf_addstr(struct strbuf *sb, const char *s);
void strbuf_addch(struct strbuf *sb, int c);
void strbuf_addf(struct strbuf *sb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void strbuf_vaddf(struct strbuf *sb, const char *fmt, va_list ap)
    __attribute__((format(printf, 2, 0)));
void strbuf_addhex(struct strbuf *sb, const unsigned char *data, size_t len);
void strbuf_rtrim(struct strbuf *sb);
/* Reads the whole file (or stdin for "-") into sb; returns 0 or -errno. */
int strbuf_read_file(struct strbuf *sb, const char *path, size_t limit);
/* Reads one line without its '\n' (and '\r'); returns 0, or EOF (-1) at end. */
int strbuf_getline(struct strbuf *sb, void *fp);

/* Sets err (if not NULL) to a formatted message, replacing what it held. */
void error_set(struct strbuf *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
