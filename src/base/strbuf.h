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
	/*
	 * A secret (password, key, token, sealed personal data): every copy it leaves behind is
	 * wiped: the old buffer when it grows (never realloc'd in place of a copy) and the buffer
	 * when released. Stays set across strbuf_release and strbuf_reset.
	 */
	_Bool secret;
};

extern char strbuf_empty[];
#define STRBUF_INIT                                                                                \
	{                                                                                          \
		.buf = strbuf_empty, .len = 0, .alloc = 0                                          \
	}
/* A buffer for a secret: struct strbuf pw = STRBUF_INIT_SECRET; */
#define STRBUF_INIT_SECRET                                                                         \
	{                                                                                          \
		.buf = strbuf_empty, .len = 0, .alloc = 0, .secret = 1                             \
	}

void strbuf_init(struct strbuf *sb, size_t hint);
/* strbuf_init for a secret (see .secret); set before anything is added. */
void strbuf_init_secret(struct strbuf *sb, size_t hint);
void strbuf_release(struct strbuf *sb);
/* Wipes the contents before freeing (whether or not sb is marked secret). */
void strbuf_release_secret(struct strbuf *sb);
/* The buffer, now the caller's (who wipes it when sb was secret); sb is left empty. */
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
void error_vset(struct strbuf *err, const char *fmt, va_list ap)
    __attribute__((format(printf, 2, 0)));
/*
 * Keeping an error's message id: between error_capture_begin and error_capture_end, this
 * thread's error_set calls also keep their format and arguments (base/fmtargs.h), so that a
 * front end can say the error in its reader's language. error_capture_end returns the format of
 * the last one when err still holds exactly what it wrote (NULL when err was changed since, or
 * was set by "%s" from a message made elsewhere), and moves its arguments into *ret_args.
 */
struct fmtargs;
void error_capture_begin(void);
const char *error_capture_end(const struct strbuf *err, struct fmtargs *ret_args);
/*
 * Captures nest (the CLI keeps one open for the whole command, the door opens its own for each
 * act): the outer one keeps the last errors after an inner one ends. error_captured returns the
 * format of one of this thread's last four captured errors when msg is exactly what it wrote,
 * the newest first (copying its arguments into *ret_args, emptied first), else NULL; the
 * capture goes on. So an error said inside another's message ("…: %s", why.buf) is found
 * again when that argument is said.
 */
const char *error_captured(const char *msg, struct fmtargs *ret_args);

#endif
