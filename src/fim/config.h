/* config: AIDE's configuration syntax (aide.conf 0.18) for Mamori's file integrity checks. */
#ifndef MAMORI_FIM_CONFIG_H
#define MAMORI_FIM_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/fmtargs.h"
#include "base/strbuf.h"
#include "fim/fim.h"

/*
 * What is read (docs/fim.md has the whole syntax):
 *   comments and blank lines; backslash escapes '\ ', '\@', '\\'
 *   macro lines @@define, @@undef, @@if (not, defined, hostname, exists), @@ifdef, @@ifndef,
 *     @@ifhost, @@ifnhost, @@else, @@endif, @@include FILE | DIR REGEX [PREFIX], @@{VAR}
 *   options name=value: num_workers and report_ignore_changed_attrs are used, AIDE's
 *     database and report options are accepted and ignored
 *   groups Name = p+u+g+sha256 (AIDE's R, L, >, H, X, E and Mamori's ReadOnly, Log,
 *     GrowingLog, Critical are predefined)
 *   rules: /regex [types] Group, =/regex [types] Group, !/regex [types], -/regex [types]
 * Every hash name AIDE knows (md5, sha512 ...) is checked as SHA-256, with a warning.
 */

enum fim_rule_kind {
	FIM_RULE_SELECT,   /* /regex attrs: matching paths are checked, and everything below */
	FIM_RULE_EQUALS,   /* =/regex attrs: matching paths, children only when it ends in '/' */
	FIM_RULE_NEGATIVE, /* !/regex: matching paths are not checked (children still looked at) */
	FIM_RULE_PRUNE,    /* -/regex: matching paths are not checked and not entered (AIDE 0.19) */
};

struct fim_rule {
	enum fim_rule_kind kind;
	char *regex;     /* as written, after macro substitution and %XX decoding */
	void *re;        /* compiled (PCRE2, anchored at the start) */
	uint32_t attrs;  /* FIM_BIT(FIM_ATTR_*) */
	uint16_t types;  /* restriction: bit (1 << fim_type); 0 = every type */
	char *node;      /* AIDE's rule tree node: the regex's literal directory */
	size_t node_len; /* 0 for "/" */
	char *file;      /* where it was written */
	unsigned line;
};

struct fim_diag {
	char *file;
	unsigned line;
	bool error; /* else a warning */
	char *message;
	/* message as its English format (a string of the parser's, never freed; NULL when it
	 * could not be kept) and arguments, for a front end to say in its reader's language */
	const char *fmt;
	struct fmtargs args;
};

struct fim_diags {
	struct fim_diag *items;
	size_t nr, alloc;
	size_t errors;
};
void fim_diags_release(struct fim_diags *d);
/* "FILE:LINE: error: message\n" for each; warnings say "warning". */
void fim_diags_format(const struct fim_diags *d, struct strbuf *out);

struct fim_group;

struct fim_config {
	struct fim_rule *rules; /* in evaluation order: deepest node first, see fim_config_select */
	size_t nr_rules;
	struct fim_group *groups;
	size_t nr_groups, alloc_groups;
	int workers;             /* num_workers; 0 when the file does not say */
	uint32_t ignore_changed; /* report_ignore_changed_attrs */
	uint8_t sha256[32];      /* of every byte read: the file and what it includes */
	bool growing;            /* some rule has the growing attribute */
};

enum fim_config_flags {
	FIM_CONFIG_NO_INCLUDE = 1 << 0, /* @@include is an error (fuzzing, text from a client) */
	FIM_CONFIG_NO_JIT = 1 << 1,     /* interpret regexes (fuzzing: compiling costs more) */
	FIM_CONFIG_NO_FS = 1 << 2,      /* "@@if exists" is false: nothing of the host is read */
};

/* Limits on a configuration (every one is an error with the line). */
#define FIM_CONFIG_MAX_BYTES   (1u << 20) /* per file */
#define FIM_CONFIG_MAX_LINE    8192       /* bytes of a line after macro substitution */
#define FIM_CONFIG_MAX_RULES   10000
#define FIM_CONFIG_MAX_GROUPS  1000
#define FIM_CONFIG_MAX_VARS    1000
#define FIM_CONFIG_MAX_INCLUDE 16 /* nested includes, as AIDE */
#define FIM_CONFIG_MAX_FILES   256

/*
 * Parses a configuration. Every problem goes into diags (file:line, error or warning); the
 * call returns 0 with *ret set when there was no error, else -EINVAL (or -ENOENT, -EIO,
 * -EFBIG for the file itself) with err holding the first error and *ret untouched.
 */
int fim_config_load(const char *path, unsigned flags, struct fim_config **ret,
                    struct fim_diags *diags, struct strbuf *err);
int fim_config_parse(const char *name, const char *buf, size_t len, unsigned flags,
                     struct fim_config **ret, struct fim_diags *diags, struct strbuf *err);
void fim_config_free(struct fim_config *c);

/* Scratch space for matching; one per thread. */
struct fim_matcher;
struct fim_matcher *fim_matcher_new(void);
void fim_matcher_free(struct fim_matcher *m);

/*
 * Whether path (of fim_type type) is checked, and with which rule: AIDE's algorithm. The
 * nodes that are path or its ancestors are tried deepest first; within a node the negative
 * rules, then the equals rules, then the selection rules, each in file order; the first
 * rule that matches decides. Returns the rule, or NULL when the path is not checked.
 */
const struct fim_rule *fim_config_select(const struct fim_config *c, struct fim_matcher *m,
                                         const char *path, size_t len, unsigned type);
/*
 * Whether a directory must be entered: some selection or equals rule could match a path
 * below it, and no prune rule (-/regex) matches it.
 */
bool fim_config_descend(const struct fim_config *c, struct fim_matcher *m, const char *path,
                        size_t len);

/* Appends an attribute mask as AIDE's expression ("p+u+g+sha256"). */
void fim_attrs_format(struct strbuf *sb, uint32_t attrs);

#endif
