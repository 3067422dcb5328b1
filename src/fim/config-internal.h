/* config-internal: what the configuration parser's files share (config*.c). */
#ifndef MAMORI_FIM_CONFIG_INTERNAL_H
#define MAMORI_FIM_CONFIG_INTERNAL_H

#include <openssl/evp.h>

#include "fim/config.h"

struct fim_group {
	char *name;
	uint32_t attrs;
};

struct var {
	char *name, *value;
};

/* One open @@if: whether its lines are used, and whether an @@else was seen. */
struct cond {
	bool active, taken, parent_active, seen_else;
	unsigned line;
};

struct parser {
	unsigned flags;
	struct fim_diags *diags;
	struct strbuf *err;
	struct fim_config *c;
	struct var *vars;
	size_t nr_vars, alloc_vars;
	size_t alloc_rules;
	EVP_MD_CTX *sha;
	int depth; /* include nesting */
	size_t files;
	bool warned_hash;
	char host[256];
	/* the file being read */
	const char *file;
	unsigned line;
	struct cond *conds;
	size_t nr_conds, alloc_conds;
	unsigned rule_order;
	unsigned *orders; /* file order of each rule, for sorting */
};

void diag(struct parser *p, bool error, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
bool has_error(const struct parser *p);

/* config-attrs.c: attribute expressions and groups. */
int parse_attrs(struct parser *p, const char *s, uint32_t *ret);
void group_set(struct fim_config *c, const char *name, size_t len, uint32_t attrs);
void add_predefined_groups(struct fim_config *c);

/* config-macro.c: @@ lines, variables, conditions and includes. */
int var_set(struct parser *p, const char *name, const char *value);
void vars_release(struct parser *p);
int substitute(struct parser *p, const char *line, struct strbuf *out);
bool cond_active(const struct parser *p);
int macro(struct parser *p, char *line);
size_t tokenize(char *line, char **tok, size_t max);
/* config.c */
int parse_text(struct parser *p, const char *name, const char *buf, size_t len);

#endif
