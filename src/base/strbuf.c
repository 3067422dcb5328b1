/* strbuf: a growable, always NUL-terminated byte buffer. */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/cleanup.h"
#include "base/fmtargs.h"
#include "base/strbuf.h"

char strbuf_empty[1];

static _Noreturn void die_oom(size_t n)
{
	fprintf(stderr, "mamori: out of memory allocating %zu bytes\n", n);
	abort();
}

void *xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);
	if (!p)
		die_oom(n);
	return p;
}

void *xcalloc(size_t nmemb, size_t size)
{
	void *p = calloc(nmemb ? nmemb : 1, size ? size : 1);
	if (!p)
		die_oom(nmemb * size);
	return p;
}

void *xrealloc(void *p, size_t n)
{
	void *q = realloc(p, n ? n : 1);
	if (!q)
		die_oom(n);
	return q;
}

void *xreallocarray(void *p, size_t nmemb, size_t size)
{
	if (size && nmemb > SIZE_MAX / size)
		die_oom(SIZE_MAX);
	return xrealloc(p, nmemb * size);
}

char *xstrdup(const char *s)
{
	return xstrndup(s, strlen(s));
}

char *xstrndup(const char *s, size_t n)
{
	size_t len = strnlen(s, n);
	char *p = xmalloc(len + 1);
	memcpy(p, s, len);
	p[len] = '\0';
	return p;
}

void strbuf_init(struct strbuf *sb, size_t hint)
{
	sb->buf = strbuf_empty;
	sb->len = 0;
	sb->alloc = 0;
	sb->secret = 0;
	if (hint)
		strbuf_grow(sb, hint);
}

void strbuf_init_secret(struct strbuf *sb, size_t hint)
{
	strbuf_init(sb, 0);
	sb->secret = 1;
	if (hint)
		strbuf_grow(sb, hint);
}

/* Back to the empty buffer, keeping whether it is a secret. */
static void strbuf_empty_out(struct strbuf *sb)
{
	sb->buf = strbuf_empty;
	sb->len = 0;
	sb->alloc = 0;
}

void strbuf_release(struct strbuf *sb)
{
	if (sb->alloc) {
		if (sb->secret)
			explicit_bzero(sb->buf, sb->alloc);
		free(sb->buf);
	}
	strbuf_empty_out(sb);
}

void strbuf_release_secret(struct strbuf *sb)
{
	if (sb->alloc)
		explicit_bzero(sb->buf, sb->alloc);
	strbuf_release(sb);
}

char *strbuf_detach(struct strbuf *sb, size_t *ret_len)
{
	char *p;

	if (!sb->alloc)
		strbuf_grow(sb, 0);
	p = sb->buf;
	if (ret_len)
		*ret_len = sb->len;
	strbuf_empty_out(sb);
	return p;
}

void strbuf_grow(struct strbuf *sb, size_t extra)
{
	size_t want;

	if (extra > SIZE_MAX - sb->len - 1)
		die_oom(SIZE_MAX);
	want = sb->len + extra + 1;
	if (want <= sb->alloc)
		return;
	size_t n = sb->alloc ? sb->alloc : 64;
	while (n < want)
		n = n > SIZE_MAX / 2 ? want : n * 2;
	if (sb->alloc && sb->secret) {
		/* realloc could leave the old copy in freed memory: copy, wipe, free. */
		char *p = xmalloc(n);
		memcpy(p, sb->buf, sb->len + 1);
		explicit_bzero(sb->buf, sb->alloc);
		free(sb->buf);
		sb->buf = p;
	} else if (sb->alloc) {
		sb->buf = xrealloc(sb->buf, n);
	} else {
		sb->buf = xmalloc(n);
		sb->buf[0] = '\0';
	}
	sb->alloc = n;
}

void strbuf_reset(struct strbuf *sb)
{
	strbuf_setlen(sb, 0);
}

void strbuf_setlen(struct strbuf *sb, size_t len)
{
	if (!sb->alloc)
		return; /* only 0 is valid for the shared empty buffer */
	if (len >= sb->alloc)
		len = sb->alloc - 1;
	sb->len = len;
	sb->buf[len] = '\0';
}

void strbuf_add(struct strbuf *sb, const void *data, size_t len)
{
	if (!len)
		return;
	/* room already (the common case: pages add many small pieces): no call */
	if (len >= sb->alloc - sb->len)
		strbuf_grow(sb, len);
	memcpy(sb->buf + sb->len, data, len);
	sb->len += len;
	sb->buf[sb->len] = '\0';
}

void strbuf_addstr(struct strbuf *sb, const char *s)
{
	strbuf_add(sb, s, strlen(s));
}

void strbuf_addch(struct strbuf *sb, int c)
{
	if (sb->len + 1 >= sb->alloc)
		strbuf_grow(sb, 1);
	sb->buf[sb->len++] = (char)c;
	sb->buf[sb->len] = '\0';
}

void strbuf_vaddf(struct strbuf *sb, const char *fmt, va_list ap)
{
	va_list cp;
	int n;

	strbuf_grow(sb, 64);
	va_copy(cp, ap);
	n = vsnprintf(sb->buf + sb->len, sb->alloc - sb->len, fmt, cp);
	va_end(cp);
	if (n < 0)
		return;
	if ((size_t)n >= sb->alloc - sb->len) {
		strbuf_grow(sb, (size_t)n);
		n = vsnprintf(sb->buf + sb->len, sb->alloc - sb->len, fmt, ap);
	}
	sb->len += (size_t)n;
}

void strbuf_addf(struct strbuf *sb, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	strbuf_vaddf(sb, fmt, ap);
	va_end(ap);
}

void strbuf_addhex(struct strbuf *sb, const unsigned char *data, size_t len)
{
	static const char hex[] = "0123456789abcdef";

	strbuf_grow(sb, len * 2);
	for (size_t i = 0; i < len; i++) {
		sb->buf[sb->len++] = hex[data[i] >> 4];
		sb->buf[sb->len++] = hex[data[i] & 15];
	}
	sb->buf[sb->len] = '\0';
}

void strbuf_rtrim(struct strbuf *sb)
{
	while (sb->len && (sb->buf[sb->len - 1] == ' ' || sb->buf[sb->len - 1] == '\t' ||
	                   sb->buf[sb->len - 1] == '\n' || sb->buf[sb->len - 1] == '\r'))
		sb->len--;
	if (sb->alloc)
		sb->buf[sb->len] = '\0';
}

int strbuf_read_file(struct strbuf *sb, const char *path, size_t limit)
{
	FILE *f = strcmp(path, "-") ? fopen(path, "rb") : stdin;
	char chunk[65536];
	size_t n;
	int ret = 0;

	if (!f)
		return -errno;
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0) {
		if (limit && sb->len + n > limit) {
			ret = -EFBIG;
			break;
		}
		strbuf_add(sb, chunk, n);
	}
	if (!ret && ferror(f))
		ret = -EIO;
	if (f != stdin)
		(void)fclose(f); /* read only: a failed close loses nothing */
	return ret;
}

int strbuf_getline(struct strbuf *sb, void *fp)
{
	char *line = NULL;
	size_t cap = 0;
	ssize_t n = getline(&line, &cap, (FILE *)fp);

	strbuf_reset(sb);
	if (n < 0) {
		free(line);
		return EOF;
	}
	if (n && line[n - 1] == '\n')
		n--;
	if (n && line[n - 1] == '\r')
		n--;
	strbuf_add(sb, line, (size_t)n);
	free(line);
	return 0;
}

/*
 * The last errors error_set made on this thread while a caller captures (error_capture_begin):
 * each one's format (a string of the program's, never freed) and arguments, the newest at
 * kept[(next - 1) % CAPTURE_KEPT]. More than the last one: an error said inside another's
 * message ("…: %s", why.buf) is found again when that argument is said (error_captured).
 * Thread-local: the door runs each act on one thread, and other threads' errors are not its
 * act's.
 */
#define CAPTURE_KEPT 4
static _Thread_local struct {
	int depth; /* captures begun and not ended: a front end's around the door's */
	unsigned next;
	struct {
		const char *fmt;
		struct fmtargs args;
	} kept[CAPTURE_KEPT];
} capture;

static void capture_forget(void)
{
	for (unsigned i = 0; i < CAPTURE_KEPT; i++) {
		fmtargs_release(&capture.kept[i].args);
		capture.kept[i].fmt = NULL;
	}
	capture.next = 0;
}

/* The slot the next captured error goes into, emptied. */
static unsigned capture_slot(void)
{
	unsigned i = capture.next++ % CAPTURE_KEPT;

	fmtargs_release(&capture.kept[i].args);
	capture.kept[i].fmt = NULL;
	return i;
}

void error_vset(struct strbuf *err, const char *fmt, va_list ap)
{
	if (!err)
		return;
	strbuf_reset(err);
	if (capture.depth > 0 && strcmp(fmt, "%s")) { /* "%s" passes on a message made before */
		unsigned i = capture_slot();
		va_list aq;

		va_copy(aq, ap);
		if (fmtargs_capture(&capture.kept[i].args, fmt, aq) == 0)
			capture.kept[i].fmt = fmt;
		va_end(aq);
	}
	strbuf_vaddf(err, fmt, ap);
}

void error_set(struct strbuf *err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	error_vset(err, fmt, ap);
	va_end(ap);
}

void error_set_captured(struct strbuf *err, const char *fmt, const struct fmtargs *args)
{
	if (!err)
		return;
	strbuf_reset(err);
	fmtargs_render(err, fmt, args, NULL, NULL);
	if (capture.depth > 0) {
		unsigned i = capture_slot();

		fmtargs_copy(&capture.kept[i].args, args);
		capture.kept[i].fmt = fmt;
	}
}

void error_capture_begin(void)
{
	/* An outer capture's errors stay known until errors replace them: the CLI says a
	 * password's refusal that was set before the door's act began. */
	if (!capture.depth)
		capture_forget();
	capture.depth++;
}

const char *error_captured(const char *msg, struct fmtargs *ret_args)
{
	struct strbuf again = STRBUF_INIT;

	if (!msg)
		return NULL;
	/* the newest first: the last error, else one said inside it */
	for (unsigned k = 1; k <= CAPTURE_KEPT; k++) {
		unsigned i = (capture.next - k) % CAPTURE_KEPT;
		const char *fmt = capture.kept[i].fmt;

		if (!fmt)
			continue;
		strbuf_reset(&again);
		fmtargs_render(&again, fmt, &capture.kept[i].args, NULL, NULL);
		if (strcmp(again.buf, msg))
			continue; /* another message, or this one changed since */
		strbuf_release(&again);
		if (ret_args) {
			fmtargs_release(ret_args);
			fmtargs_copy(ret_args, &capture.kept[i].args);
		}
		return fmt;
	}
	strbuf_release(&again);
	return NULL;
}

const char *error_capture_end(const struct strbuf *err, struct fmtargs *ret_args)
{
	const char *fmt = err && ret_args ? error_captured(err->buf, ret_args) : NULL;

	if (capture.depth > 0)
		capture.depth--;
	if (!capture.depth)
		capture_forget();
	return fmt;
}
