/* core: small helpers every file of src/core shares (string vectors, identifiers, dates). */
#ifndef MAMORI_CORE_CORE_H
#define MAMORI_CORE_CORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/strbuf.h"

/* A growable array of owned strings. */
struct strv {
	char **items;
	size_t nr, alloc;
};
#define STRV_INIT                                                                                  \
	{                                                                                          \
		NULL, 0, 0                                                                         \
	}
void strv_push(struct strv *v, const char *s);
void strv_pushf(struct strv *v, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Appends s unless an equal string is already there. */
void strv_push_unique(struct strv *v, const char *s);
bool strv_has(const struct strv *v, const char *s);
void strv_release(struct strv *v);

/* A formatted, owned string. */
char *xstrfmt(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* "asset/12", or "asset/new" for id 0: how acts name their subject in the ledger. */
char *core_subject(const char *register_id, int64_t id);

/* Limits on what a caller may hand the core (STYLE.md: every size a client controls). */
#define CORE_MAX_ID      64          /* section, system, login ids, bytes */
#define CORE_MAX_NAME    200         /* display names, bytes */
#define CORE_MAX_DN      1024        /* a directory entry's DN, bytes */
#define CORE_MAX_FIELD   (64 * 1024) /* one field value, bytes */
#define CORE_MAX_FIELDS  128         /* fields in one act */
#define CORE_MAX_COMMENT 2000        /* comments, reasons, evidence: characters */
#define CORE_MAX_EMAIL   254         /* e-mail addresses (RFC 5321 path limit) */

/*
 * Section and system ids: ASCII, a lowercase letter, then lowercase letters, digits, '_' or
 * '-', at most CORE_MAX_ID bytes. Logins also allow '.' and may start with a digit.
 */
bool core_valid_id(const char *s);
bool core_valid_login(const char *s);
/* Non-empty valid UTF-8 without control characters, at most max bytes. */
bool core_valid_text(const char *s, size_t max);
/* The same, at most max_chars characters (code points: what people count and forms say). */
bool core_valid_chars(const char *s, size_t max_chars);
/* A name or title: valid text on one line without characters that spoof (base/escape.h
 * text_spoofs: bidi overrides, zero-width characters, C1 controls). */
bool core_valid_name(const char *s, size_t max);

/* An e-mail address: local@domain.tld, printable ASCII without spaces, at most CORE_MAX_EMAIL. */
bool core_valid_email(const char *s);

/* "YYYY-MM-DD" as midnight in Tokyo (JST), in ms since the epoch. 0 or -EINVAL. */
int core_parse_local_date(const char *s, int64_t *ret_ms);
/* Appends ms as a local date "YYYY-MM-DD" (JST). */
void core_format_local_date(struct strbuf *sb, int64_t ms);

/* Lowercase hex SHA-256 of data (65 bytes with the NUL). */
void core_sha256_hex(const void *data, size_t len, char ret[65]);

#endif
