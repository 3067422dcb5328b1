/* sigma: loading a rule's detection (values, field conditions, selections, the condition).
 */
#include <errno.h>
#include <libfyaml.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "base/cleanup.h"
#include "base/parse.h"
#include "monitor/anyof.h"
#include "monitor/sigma-internal.h"
#include "monitor/sigma.h"

#define SIGMA_MAX_VALUES 1024 /* values of one field condition */

/* ---- small helpers --------------------------------------------------------------------- */

static char lower(char c)
{
	return ascii_lower(c);
}

static char *lower_dup(const char *s, size_t n)
{
	char *d = xmalloc(n + 1);

	for (size_t i = 0; i < n; i++)
		d[i] = lower(s[i]);
	d[n] = '\0';
	return d;
}

static bool is_null(struct fy_node *n)
{
	size_t len;
	const char *s;

	if (!n)
		return true;
	s = sigma_scalar(n, &len);
	return s && fy_node_get_style(n) == FYNS_PLAIN &&
	       ((len == 4 && !memcmp(s, "null", 4)) || (len == 1 && s[0] == '~') || len == 0);
}

static int value_init(struct loader *l, struct fy_node *n, enum sigma_op op, struct sigma_value *v)
{
	size_t len;
	const char *s;

	memset(v, 0, sizeof(*v));
	if (is_null(n))
		return 0; /* the null value */
	s = sigma_scalar(n, &len);
	if (!s)
		return sigma_lfail(l, n, "a value must be text, a number or null");
	if (op == SIGMA_RE) {
		char *pat = xstrndup(s, len);
		v->re = xmalloc(sizeof(*v->re));
		if (regcomp(v->re, pat, REG_EXTENDED | REG_NOSUB) != 0) {
			free(v->re);
			v->re = NULL;
			free(pat);
			return sigma_lfail(
			    l, n, "not a regular expression (POSIX extended): '%.*s'", (int)len, s);
		}
		v->s = pat;
		v->n = len;
		return 0;
	}
	v->s = lower_dup(s, len);
	v->n = len;
	v->glob = op == SIGMA_EQ && (memchr(s, '*', len) || memchr(s, '?', len));
	return 0;
}

void sigma_value_release(struct sigma_value *v)
{
	if (v->re) {
		regfree(v->re);
		free(v->re);
	}
	free(v->s);
}

/*
 * Field names interned for the life of the process: every condition naming a field keeps the
 * same address (sigma_cond.key), which the message's field cache compares instead of the
 * text. Rules are few; their distinct field names fewer.
 */
static pthread_mutex_t intern_mu = PTHREAD_MUTEX_INITIALIZER;
static char **interned;
static size_t n_interned, alloc_interned;

static const char *intern(const char *s)
{
	const char *r = NULL;

	pthread_mutex_lock(&intern_mu);
	for (size_t i = 0; i < n_interned && !r; i++)
		if (!strcmp(interned[i], s))
			r = interned[i];
	if (!r) {
		ALLOC_GROW(interned, n_interned + 1, alloc_interned);
		r = interned[n_interned++] = xstrdup(s);
	}
	pthread_mutex_unlock(&intern_mu);
	return r;
}

/*
 * Literal values any of which may occur (`contains` without `all`, or keywords without
 * wildcards) matched in one pass; NULL when they do not suit it (anyof.h).
 */
static struct anyof *values_anyof(const struct sigma_value *v, unsigned nv)
{
	const char **lit;
	size_t *len;
	struct anyof *a;

	for (unsigned i = 0; i < nv; i++)
		if (!v[i].s || v[i].glob)
			return NULL;
	lit = xcalloc(nv ? nv : 1, sizeof(*lit));
	len = xcalloc(nv ? nv : 1, sizeof(*len));
	for (unsigned i = 0; i < nv; i++) {
		lit[i] = v[i].s;
		len[i] = v[i].n;
	}
	a = anyof_new(lit, len, nv);
	free(lit);
	free(len);
	return a;
}

/* "field|contains|all" */
static int cond_init(struct loader *l, struct fy_node *key, struct fy_node *val,
                     struct sigma_cond *c)
{
	size_t len;
	const char *k = sigma_scalar(key, &len);
	char *spec, *bar, *mod;
	unsigned nv = 0;

	memset(c, 0, sizeof(*c));
	if (!k || len == 0)
		return sigma_lfail(l, key, "a field name must be text");
	spec = xstrndup(k, len);
	bar = strchr(spec, '|');
	c->field = xstrndup(spec, bar ? (size_t)(bar - spec) : len);
	c->key = intern(c->field);
	for (mod = bar ? bar + 1 : NULL; mod;) {
		char *next = strchr(mod, '|');
		if (next)
			*next++ = '\0';
		if (!strcmp(mod, "contains"))
			c->op = SIGMA_CONTAINS;
		else if (!strcmp(mod, "startswith"))
			c->op = SIGMA_STARTS;
		else if (!strcmp(mod, "endswith"))
			c->op = SIGMA_ENDS;
		else if (!strcmp(mod, "re"))
			c->op = SIGMA_RE;
		else if (!strcmp(mod, "all"))
			c->all = true;
		else {
			sigma_lfail(
			    l, key,
			    "unknown modifier '%s' (contains, startswith, endswith, re, all)", mod);
			free(spec);
			return -EINVAL;
		}
		mod = next;
	}
	free(spec);
	if (fy_node_get_type(val) == FYNT_SEQUENCE) {
		void *it = NULL;
		struct fy_node *item;
		int n = fy_node_sequence_item_count(val);
		if (n <= 0 || n > SIGMA_MAX_VALUES)
			return sigma_lfail(l, val, "a list of 1 to %d values", SIGMA_MAX_VALUES);
		c->v = xcalloc((size_t)n, sizeof(*c->v));
		while ((item = fy_node_sequence_iterate(val, &it))) {
			if (value_init(l, item, c->op, &c->v[nv]) < 0)
				return -EINVAL;
			c->nv = ++nv;
		}
	} else if (fy_node_get_type(val) == FYNT_MAPPING) {
		return sigma_lfail(l, val, "a field's value is a value or a list of values");
	} else {
		c->v = xcalloc(1, sizeof(*c->v));
		if (value_init(l, val, c->op, &c->v[0]) < 0)
			return -EINVAL;
		c->nv = 1;
	}
	if (c->op == SIGMA_CONTAINS && !c->all)
		c->any = values_anyof(c->v, c->nv);
	return 0;
}

static int map_init(struct loader *l, struct fy_node *map, struct sigma_cond **ret, unsigned *ret_n)
{
	int n = fy_node_mapping_item_count(map);
	void *it = NULL;
	struct fy_node_pair *p;
	unsigned i = 0;

	if (n <= 0)
		return sigma_lfail(l, map, "an empty selection");
	*ret = xcalloc((size_t)n, sizeof(**ret));
	*ret_n = 0;
	while ((p = fy_node_mapping_iterate(map, &it))) {
		if (cond_init(l, fy_node_pair_key(p), fy_node_pair_value(p), &(*ret)[i]) < 0) {
			*ret_n = i + 1;
			return -EINVAL;
		}
		*ret_n = ++i;
	}
	return 0;
}

static int sel_init(struct loader *l, const char *name, struct fy_node *v, struct sigma_sel *s)
{
	memset(s, 0, sizeof(*s));
	s->name = xstrdup(name);
	if (fy_node_get_type(v) == FYNT_MAPPING) {
		s->maps = xcalloc(1, sizeof(*s->maps));
		s->nconds = xcalloc(1, sizeof(*s->nconds));
		s->nmaps = 1;
		return map_init(l, v, &s->maps[0], &s->nconds[0]);
	}
	if (fy_node_get_type(v) == FYNT_SEQUENCE) {
		int n = fy_node_sequence_item_count(v);
		void *it = NULL;
		struct fy_node *item;
		bool maps;
		unsigned i = 0;
		if (n <= 0)
			return sigma_lfail(l, v, "selection '%s' is an empty list", name);
		maps = fy_node_get_type(fy_node_sequence_get_by_index(v, 0)) == FYNT_MAPPING;
		if (maps) {
			s->maps = xcalloc((size_t)n, sizeof(*s->maps));
			s->nconds = xcalloc((size_t)n, sizeof(*s->nconds));
		} else {
			s->keywords = xcalloc((size_t)n, sizeof(*s->keywords));
		}
		while ((item = fy_node_sequence_iterate(v, &it))) {
			if (maps) {
				if (fy_node_get_type(item) != FYNT_MAPPING)
					return sigma_lfail(l, item,
					                   "selection '%s': a list of maps, or of "
					                   "keywords, not both",
					                   name);
				s->nmaps = i + 1;
				if (map_init(l, item, &s->maps[i], &s->nconds[i]) < 0)
					return -EINVAL;
			} else {
				if (!sigma_scalar(item, NULL) || is_null(item))
					return sigma_lfail(
					    l, item, "selection '%s': a keyword is text", name);
				s->nkw = i + 1;
				if (value_init(l, item, SIGMA_EQ, &s->keywords[i]) < 0)
					return -EINVAL;
			}
			i++;
		}
		if (!maps)
			s->kw_any = values_anyof(s->keywords, s->nkw);
		return 0;
	}
	return sigma_lfail(l, v, "selection '%s' must be a map or a list", name);
}

/* ---- the condition grammar ----------------------------------------------------------- */

struct cparse {
	const char *p;
	struct sigma_rule *r;
	const char *error;
};

static void skip_ws(struct cparse *c)
{
	while (*c->p == ' ' || *c->p == '\t')
		c->p++;
}

/* A word: letters, digits, '_', '-', '.', '*'. */
static size_t word_len(const char *p)
{
	size_t n = 0;

	while ((p[n] >= 'a' && p[n] <= 'z') || (p[n] >= 'A' && p[n] <= 'Z') ||
	       (p[n] >= '0' && p[n] <= '9') || p[n] == '_' || p[n] == '-' || p[n] == '.' ||
	       p[n] == '*')
		n++;
	return n;
}

static bool take_word(struct cparse *c, const char *w)
{
	size_t n = strlen(w);

	skip_ws(c);
	if (!strncmp(c->p, w, n) && word_len(c->p) == n) {
		c->p += n;
		return true;
	}
	return false;
}

static struct sigma_expr *expr_new(enum sigma_expr_op op)
{
	struct sigma_expr *x = xcalloc(1, sizeof(*x));

	x->op = op;
	return x;
}

void sigma_expr_free(struct sigma_expr *x)
{
	if (!x)
		return;
	sigma_expr_free(x->a);
	sigma_expr_free(x->b);
	free(x->pattern);
	free(x);
}

static struct sigma_expr *parse_or(struct cparse *c, int depth);

static struct sigma_expr *parse_primary(struct cparse *c, int depth)
{
	struct sigma_expr *x;
	size_t n;

	if (depth > 32) {
		c->error = "the condition is nested too deep";
		return NULL;
	}
	skip_ws(c);
	if (*c->p == '(') {
		c->p++;
		x = parse_or(c, depth + 1);
		skip_ws(c);
		if (!x || *c->p != ')') {
			if (!c->error)
				c->error = "a '(' without its ')'";
			sigma_expr_free(x);
			return NULL;
		}
		c->p++;
		return x;
	}
	if (take_word(c, "not")) {
		x = expr_new(EX_NOT);
		x->a = parse_primary(c, depth + 1);
		if (!x->a) {
			sigma_expr_free(x);
			return NULL;
		}
		return x;
	}
	if (take_word(c, "1") || take_word(c, "all")) {
		bool all = c->p[-1] == 'l';
		x = expr_new(all ? EX_ALL_OF : EX_ONE_OF);
		if (!take_word(c, "of")) {
			c->error = "write '1 of NAME*' or 'all of them'";
			sigma_expr_free(x);
			return NULL;
		}
		skip_ws(c);
		n = word_len(c->p);
		if (n == 0) {
			c->error = "'of' needs selection names or 'them'";
			sigma_expr_free(x);
			return NULL;
		}
		if (!(n == 4 && !strncmp(c->p, "them", 4)))
			x->pattern = xstrndup(c->p, n);
		c->p += n;
		return x;
	}
	n = word_len(c->p);
	if (n == 0) {
		c->error = "a selection name is missing";
		return NULL;
	}
	for (unsigned i = 0; i < c->r->nsels; i++) {
		if (strlen(c->r->sels[i].name) == n && !strncmp(c->r->sels[i].name, c->p, n)) {
			x = expr_new(EX_SEL);
			x->sel = i;
			c->p += n;
			return x;
		}
	}
	c->error = "the condition names a selection that detection does not have";
	return NULL;
}

static struct sigma_expr *parse_and(struct cparse *c, int depth)
{
	struct sigma_expr *x = parse_primary(c, depth);

	while (x && take_word(c, "and")) {
		struct sigma_expr *y = expr_new(EX_AND);
		y->a = x;
		y->b = parse_primary(c, depth);
		x = y;
		if (!x->b) {
			sigma_expr_free(x);
			return NULL;
		}
	}
	return x;
}

static struct sigma_expr *parse_or(struct cparse *c, int depth)
{
	struct sigma_expr *x = parse_and(c, depth);

	while (x && take_word(c, "or")) {
		struct sigma_expr *y = expr_new(EX_OR);
		y->a = x;
		y->b = parse_and(c, depth);
		x = y;
		if (!x->b) {
			sigma_expr_free(x);
			return NULL;
		}
	}
	return x;
}

/*
 * A field condition x cannot hold without: a selection of one map (every condition of it
 * must hold: its first), or either side of an `and`; NULL when there is none (or, not, 1 of,
 * keywords, a list of maps).
 */
static const struct sigma_cond *necessary(const struct sigma_rule *r, const struct sigma_expr *x)
{
	const struct sigma_cond *c;

	switch (x->op) {
	case EX_SEL: {
		const struct sigma_sel *s = &r->sels[x->sel];
		return !s->nkw && s->nmaps == 1 && s->nconds[0] ? &s->maps[0][0] : NULL;
	}
	case EX_AND:
		c = necessary(r, x->a);
		return c ? c : necessary(r, x->b);
	default:
		return NULL;
	}
}

static int parse_condition(struct loader *l, struct fy_node *n, struct sigma_rule *r)
{
	struct cparse c = { .r = r };
	size_t len;
	const char *s = sigma_scalar(n, &len);
	char *text;

	if (!s)
		return sigma_lfail(l, n, "detection's condition must be one line of text");
	text = xstrndup(s, len);
	c.p = text;
	r->cond = parse_or(&c, 0);
	skip_ws(&c);
	if (r->cond && *c.p) {
		c.error = "unexpected text in the condition";
		sigma_expr_free(r->cond);
		r->cond = NULL;
	}
	if (!r->cond) {
		int ret =
		    sigma_lfail(l, n, "%s: '%s'", c.error ? c.error : "invalid condition", text);
		free(text);
		return ret;
	}
	free(text);
	r->guard = necessary(r, r->cond);
	return 0;
}

/* ---- a rule document ------------------------------------------------------------------- */

int sigma_detection(struct loader *l, struct fy_node *d, struct sigma_rule *r)
{
	void *it = NULL;
	struct fy_node_pair *p;
	struct fy_node *cond = NULL;
	int n = fy_node_mapping_item_count(d);

	if (fy_node_get_type(d) != FYNT_MAPPING)
		return sigma_lfail(l, d, "detection must be a map of selections and a condition");
	r->sels = xcalloc((size_t)(n > 0 ? n : 1), sizeof(*r->sels));
	while ((p = fy_node_mapping_iterate(d, &it))) {
		size_t len;
		const char *k = sigma_scalar(fy_node_pair_key(p), &len);
		char *name;
		if (!k)
			return sigma_lfail(l, fy_node_pair_key(p), "a selection name must be text");
		if (len == 9 && !memcmp(k, "condition", 9)) {
			cond = fy_node_pair_value(p);
			continue;
		}
		if (len == 9 && !memcmp(k, "timeframe", 9))
			return sigma_lfail(l, fy_node_pair_key(p),
			                   "timeframe is not supported: write a correlation rule");
		name = xstrndup(k, len);
		r->nsels++;
		if (sel_init(l, name, fy_node_pair_value(p), &r->sels[r->nsels - 1]) < 0) {
			free(name);
			return -EINVAL;
		}
		free(name);
	}
	if (!cond)
		return sigma_lfail(l, d, "detection needs a condition");
	if (r->nsels == 0)
		return sigma_lfail(l, d, "detection needs at least one selection");
	return parse_condition(l, cond, r);
}
