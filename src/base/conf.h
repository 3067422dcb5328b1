/* conf: the data directory's one configuration file, DIR/mamori.conf (docs/config.md). */
#ifndef MAMORI_BASE_CONF_H
#define MAMORI_BASE_CONF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/strbuf.h"

#define CONF_FILE      "mamori.conf"
#define CONF_MAX_BYTES (256 * 1024) /* the whole file */
#define CONF_MAX_LINE  4096         /* one line, in bytes */

/* A key may be given more than once (each value is kept, in file order). */
#define CONF_MULTI 1u

/*
 * Every key Mamori reads from mamori.conf, in one table (conf.c, conf_keys[]), so the one
 * parser can refuse a misspelt key with a suggestion instead of ignoring it. A module that
 * needs a setting adds a row there and a paragraph to docs/config.md.
 */
struct conf_key {
	const char *section; /* "totp", "ldap", "smtp": the [section] it lives in */
	const char *name;    /* the key: lowercase letters, digits and '_' */
	unsigned flags;      /* CONF_MULTI */
	const char *what;    /* one line for people (mamori doctor, docs) */
};
extern const struct conf_key conf_keys[];
extern const size_t conf_keys_nr;

struct conf_entry {
	char *section, *key, *value;
	unsigned line; /* where it was written, for messages: mamori.conf:12 */
};

/* The parsed file: entries in file order. An absent file is an empty configuration. */
struct conf {
	char *name; /* for messages: the file's path */
	struct conf_entry *entries;
	size_t nr, alloc;
};
#define CONF_INIT                                                                                  \
	{                                                                                          \
		0                                                                                  \
	}

/*
 * Reads DIR/mamori.conf. A missing file is no error (every setting has its default); an
 * unreadable, oversized or malformed one is -EINVAL or the errno, with the first problem in
 * err as "DIR/mamori.conf:LINE: ...". The file is UTF-8 text (see conf_parse).
 */
int conf_load(const char *dir, struct conf *ret, struct strbuf *err);
/*
 * Parses text: '#' starts a comment line; "[section]" opens a section; "key = value" sets a
 * key of the section (whitespace around '=' and at the ends is dropped; a value in double
 * quotes keeps its spaces and understands \" and \\). Refused: keys outside conf_keys[], a
 * key outside a section, a single-valued key given twice, NUL or control characters, invalid
 * UTF-8, lines over CONF_MAX_LINE, text over CONF_MAX_BYTES.
 */
int conf_parse(const char *name, const char *data, size_t len, struct conf *ret,
               struct strbuf *err);
void conf_release(struct conf *c);

/* The value of a single-valued key, or NULL when not set. */
const char *conf_get(const struct conf *c, const char *section, const char *key);
/* The next entry of section.key after *it (start with *it = 0), or NULL at the end. */
const struct conf_entry *conf_next(const struct conf *c, const char *section, const char *key,
                                   size_t *it);
/*
 * Typed reads of a single-valued key: the default when not set; -EINVAL with
 * "mamori.conf:LINE: [section] key: ..." when the text is not of the type.
 * Booleans are yes/no, true/false, on/off, 1/0. Lists are comma-separated, items trimmed.
 */
int conf_get_bool(const struct conf *c, const char *section, const char *key, bool def, bool *ret,
                  struct strbuf *err);
int conf_get_int(const struct conf *c, const char *section, const char *key, int64_t min,
                 int64_t max, int64_t def, int64_t *ret, struct strbuf *err);
/* Splits a comma-separated value into ret (items trimmed, empty items dropped); the caller
 * frees ret[i] and ret. */
int conf_split_list(const char *value, char ***ret, size_t *ret_nr);

#endif
