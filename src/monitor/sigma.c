/* sigma: analysis rules in a documented subset of Sigma, with Mamori's register-aware extensions.
 */
#include <errno.h>
#include <libfyaml.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/cleanup.h"
#include "base/parse.h"
#include "monitor/anyof.h"
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

/*
 * Matching compares the text lowercased once per condition (cond_match: `low`), so the
 * values, lowercased when loaded, meet it with memcmp and memmem: a rule with six
 * `|contains` values over a 256-byte message costs six memmem calls, not six byte-by-byte
 * scans each lowering every byte again.
 */

/* Glob with * and ?, both pattern and text already lowercase. */
static bool glob_match(const char *p, size_t pn, const char *t, size_t tn)
{
	size_t pi = 0, ti = 0, star = (size_t)-1, mark = 0;

	while (ti < tn) {
		if (pi < pn && (p[pi] == '?' || p[pi] == t[ti])) {
			pi++;
			ti++;
		} else if (pi < pn && p[pi] == '*') {
			star = pi++;
			mark = ti;
		} else if (star != (size_t)-1) {
			pi = star + 1;
			ti = ++mark;
		} else {
			return false;
		}
	}
	while (pi < pn && p[pi] == '*')
		pi++;
	return pi == pn;
}

/* t lowercased into low (ASCII letters only, as the values were). */
static const char *lower_into(struct strbuf *low, const char *t, size_t tn)
{
	static const char az[] = "abcdefghijklmnopqrstuvwxyz";
	size_t i = 0;
	char *d;

	strbuf_reset(low);
	strbuf_grow(low, tn + 1);
	d = low->buf;
	/* Eight bytes at a time: a byte gets 0x20 where it is 'A'..'Z' (bit 7 clear, at least
	 * 'A', not past 'Z'); bytes of UTF-8 sequences keep bit 7 and stay as they are. */
	for (; i + 8 <= tn; i += 8) {
		uint64_t x, low7, ge_a, gt_z;
		memcpy(&x, t + i, 8);
		low7 = x & 0x7f7f7f7f7f7f7f7fULL;
		ge_a = low7 + 0x3f3f3f3f3f3f3f3fULL; /* bit 7: at least 'A' (0x41) */
		gt_z = low7 + 0x2525252525252525ULL; /* bit 7: past 'Z' (0x5a) */
		x |= ((ge_a ^ gt_z) & ~x & 0x8080808080808080ULL) >> 2;
		memcpy(d + i, &x, 8);
	}
	for (; i < tn; i++) {
		char c = t[i];
		if (c >= 'A' && c <= 'Z')
			c = az[c - 'A'];
		d[i] = c;
	}
	d[tn] = '\0';
	low->len = tn;
	return d;
}

/*
 * Fields of the message being matched, fetched and lowercased once for every rule and
 * condition that looks at them (the Minato rules look at `message` in several rules: each
 * lowered all of it again). A field not kept here (more than SIGMA_CACHE_FIELDS) is fetched
 * again each time.
 */
#define SIGMA_CACHE_FIELDS 8

struct cached_field {
	const char *name;
	bool present;       /* the message has it */
	bool lowered;       /* low holds it lowercased */
	struct strbuf text; /* parts of a message: personal data (wiped) */
	struct strbuf low;
};

struct sigma_cache {
	struct cached_field f[SIGMA_CACHE_FIELDS];
	unsigned n;
	struct strbuf buf, low; /* for a field not kept */
};

struct sigma_cache *sigma_cache_new(void)
{
	struct sigma_cache *c = xcalloc(1, sizeof(*c));

	for (unsigned i = 0; i < SIGMA_CACHE_FIELDS; i++) {
		strbuf_init_secret(&c->f[i].text, 0);
		strbuf_init_secret(&c->f[i].low, 0);
	}
	strbuf_init_secret(&c->buf, 0);
	strbuf_init_secret(&c->low, 0);
	return c;
}

static void wipe(struct strbuf *sb)
{
	if (sb->len)
		explicit_bzero(sb->buf, sb->len);
	strbuf_reset(sb);
}

void sigma_cache_reset(struct sigma_cache *c)
{
	for (unsigned i = 0; i < c->n; i++) {
		wipe(&c->f[i].text);
		wipe(&c->f[i].low);
	}
	c->n = 0;
	wipe(&c->buf);
	wipe(&c->low);
}

void sigma_cache_free(struct sigma_cache *c)
{
	if (!c)
		return;
	for (unsigned i = 0; i < SIGMA_CACHE_FIELDS; i++) {
		strbuf_release_secret(&c->f[i].text);
		strbuf_release_secret(&c->f[i].low);
	}
	strbuf_release_secret(&c->buf);
	strbuf_release_secret(&c->low);
	free(c);
}

/*
 * The field `name` of the message: *t as it is, and *lt lowercased when want_low (else
 * NULL); a field the message lacks is "" and false is returned. Both stay valid until the
 * next call for another field not kept.
 */
static bool field_of(struct sigma_cache *c, sigma_field_fn field, const void *ctx, const char *name,
                     bool want_low, const char **t, const char **lt, size_t *n)
{
	struct cached_field *f = NULL;
	const char *v;

	/* conditions name their fields by interned addresses (intern): found by address */
	for (unsigned i = 0; i < c->n; i++)
		if (c->f[i].name == name) {
			f = &c->f[i];
			break;
		}
	for (unsigned i = 0; !f && i < c->n; i++)
		if (c->f[i].name[0] == name[0] && !strcmp(c->f[i].name, name))
			f = &c->f[i];
	if (!f && c->n < SIGMA_CACHE_FIELDS) {
		size_t len = 0;
		f = &c->f[c->n++];
		f->name = name;
		f->lowered = false;
		wipe(&c->buf);
		v = field(ctx, name, &c->buf, &len);
		f->present = v != NULL;
		strbuf_add(&f->text, v ? v : "", v ? len : 0);
	}
	if (f) {
		*t = f->text.buf;
		*n = f->text.len;
		if (want_low && !f->lowered) {
			lower_into(&f->low, f->text.buf, f->text.len);
			f->lowered = true;
		}
		*lt = want_low ? f->low.buf : NULL;
		return f->present;
	}
	/* not kept: fetched (and lowered) for this use only */
	wipe(&c->buf);
	*n = 0;
	v = field(ctx, name, &c->buf, n);
	*t = v ? v : "";
	if (!v)
		*n = 0;
	*lt = want_low ? lower_into(&c->low, *t, *n) : NULL;
	return v != NULL;
}

/*
 * One value against the text t (as it is, for regular expressions) and lt (the same text
 * lowercased, for every other operator).
 */
static bool value_match(const struct sigma_value *v, enum sigma_op op, const char *t,
                        const char *lt, size_t tn)
{
	if (!v->s)
		return tn == 0;
	switch (op) {
	case SIGMA_EQ:
		return v->glob ? glob_match(v->s, v->n, lt, tn)
		               : tn == v->n && !memcmp(v->s, lt, tn);
	case SIGMA_CONTAINS:
		return v->n == 0 || (tn >= v->n && memmem(lt, tn, v->s, v->n) != NULL);
	case SIGMA_STARTS:
		return tn >= v->n && !memcmp(v->s, lt, v->n);
	case SIGMA_ENDS:
		return tn >= v->n && !memcmp(v->s, lt + tn - v->n, v->n);
	case SIGMA_RE: {
		/* regexec needs a NUL-terminated string. */
		char stack[512], *s = tn < sizeof(stack) ? stack : xmalloc(tn + 1);
		bool m;
		memcpy(s, t, tn);
		s[tn] = '\0';
		m = regexec(v->re, s, 0, NULL, 0) == 0;
		if (s != stack)
			free(s);
		return m;
	}
	}
	return false;
}

/* ---- matching ------------------------------------------------------------------------ */

static bool cond_match(const struct sigma_cond *c, sigma_field_fn field, const void *ctx,
                       struct sigma_cache *cache)
{
	size_t n = 0;
	const char *t, *lt;

	(void)field_of(cache, field, ctx, c->key, c->op != SIGMA_RE, &t, &lt, &n);
	if (c->any)
		return anyof_find(c->any, lt, n);
	if (c->op == SIGMA_RE)
		lt = t;
	for (unsigned i = 0; i < c->nv; i++) {
		bool m = value_match(&c->v[i], c->op, t, lt, n);
		if (c->all && !m)
			return false;
		if (!c->all && m)
			return true;
	}
	return c->all;
}

static bool sel_match(const struct sigma_sel *s, sigma_field_fn field, const void *ctx,
                      struct sigma_cache *cache)
{
	if (s->nkw) {
		size_t n = 0;
		const char *t, *lt;
		if (!field_of(cache, field, ctx, "raw", true, &t, &lt, &n))
			return false;
		if (s->kw_any)
			return anyof_find(s->kw_any, lt, n);
		for (unsigned i = 0; i < s->nkw; i++)
			if (value_match(&s->keywords[i],
			                s->keywords[i].glob ? SIGMA_EQ : SIGMA_CONTAINS, t, lt, n))
				return true;
		return false;
	}
	for (unsigned m = 0; m < s->nmaps; m++) {
		bool all = true;
		for (unsigned i = 0; all && i < s->nconds[m]; i++)
			all = cond_match(&s->maps[m][i], field, ctx, cache);
		if (all)
			return true;
	}
	return false;
}

static bool name_matches(const char *pattern, const char *name)
{
	size_t n = strlen(pattern);

	if (n && pattern[n - 1] == '*')
		return !strncmp(pattern, name, n - 1);
	return !strcmp(pattern, name);
}

struct eval {
	const struct sigma_rule *r;
	sigma_field_fn field;
	const void *ctx;
	struct sigma_cache *cache;
	signed char memo[64]; /* per selection: -1 unknown, 0, 1 */
};

static bool sel_value(struct eval *e, unsigned i)
{
	if (i < sizeof(e->memo) && e->memo[i] >= 0)
		return e->memo[i];
	bool v = sel_match(&e->r->sels[i], e->field, e->ctx, e->cache);
	if (i < sizeof(e->memo))
		e->memo[i] = (signed char)(v ? 1 : 0);
	return v;
}

static bool expr_eval(struct eval *e, const struct sigma_expr *x)
{
	switch (x->op) {
	case EX_SEL:
		return sel_value(e, x->sel);
	case EX_AND:
		return expr_eval(e, x->a) && expr_eval(e, x->b);
	case EX_OR:
		return expr_eval(e, x->a) || expr_eval(e, x->b);
	case EX_NOT:
		return !expr_eval(e, x->a);
	case EX_ONE_OF:
	case EX_ALL_OF: {
		bool any = false;
		for (unsigned i = 0; i < e->r->nsels; i++) {
			if (x->pattern && !name_matches(x->pattern, e->r->sels[i].name))
				continue;
			bool v = sel_value(e, i);
			if (x->op == EX_ONE_OF && v)
				return true;
			if (x->op == EX_ALL_OF && !v)
				return false;
			any = true;
		}
		return x->op == EX_ALL_OF && any;
	}
	}
	return false;
}

bool sigma_match_cached(const struct sigma_rule *r, sigma_field_fn field, const void *ctx,
                        struct sigma_cache *cache)
{
	struct eval e = { .r = r, .field = field, .ctx = ctx, .cache = cache };

	if (!r->cond || r->disabled)
		return false;
	if (r->guard && !cond_match(r->guard, field, ctx, cache))
		return false;
	memset(e.memo, -1, r->nsels < sizeof(e.memo) ? r->nsels : sizeof(e.memo));
	return expr_eval(&e, r->cond);
}

bool sigma_match(const struct sigma_rule *r, sigma_field_fn field, const void *ctx)
{
	struct sigma_cache *cache = sigma_cache_new();
	bool m = sigma_match_cached(r, field, ctx, cache);

	sigma_cache_free(cache); /* parts of a message: personal data, wiped */
	return m;
}

/* ---- loading ------------------------------------------------------------------------- */

struct loader {
	const char *file;
	struct strbuf *err;
	int line;
};

/* The 1-based line of a node (libfyaml keeps positions on scalars: the first one inside). */
static int node_line(struct fy_node *n)
{
	for (int depth = 0; n && depth < 64; depth++) {
		void *it = NULL;
		if (fy_node_get_type(n) == FYNT_SCALAR) {
			struct fy_token *t = fy_node_get_scalar_token(n);
			const struct fy_mark *m = t ? fy_token_start_mark(t) : NULL;
			return m ? m->line + 1 : 0;
		}
		if (fy_node_get_type(n) == FYNT_MAPPING) {
			struct fy_node_pair *p = fy_node_mapping_iterate(n, &it);
			n = p ? fy_node_pair_key(p) : NULL;
		} else {
			n = fy_node_sequence_iterate(n, &it);
		}
	}
	return 0;
}

static int lfail(struct loader *l, struct fy_node *n, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int lfail(struct loader *l, struct fy_node *n, const char *fmt, ...)
{
	int line = n ? node_line(n) : 0;
	struct strbuf msg = STRBUF_INIT;
	va_list ap;

	va_start(ap, fmt);
	strbuf_vaddf(&msg, fmt, ap);
	va_end(ap);
	error_set(l->err, "%s:%d: %s", l->file, line ? line : l->line, msg.buf);
	strbuf_release(&msg);
	return -EINVAL;
}

static const char *scalar(struct fy_node *n, size_t *len)
{
	size_t dummy;

	if (!n || fy_node_get_type(n) != FYNT_SCALAR)
		return NULL;
	return fy_node_get_scalar(n, len ? len : &dummy);
}

static char *scalar_dup(struct fy_node *n)
{
	size_t len;
	const char *s = scalar(n, &len);

	return s ? xstrndup(s, len) : NULL;
}

static bool is_null(struct fy_node *n)
{
	size_t len;
	const char *s;

	if (!n)
		return true;
	s = scalar(n, &len);
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
	s = scalar(n, &len);
	if (!s)
		return lfail(l, n, "a value must be text, a number or null");
	if (op == SIGMA_RE) {
		char *pat = xstrndup(s, len);
		v->re = xmalloc(sizeof(*v->re));
		if (regcomp(v->re, pat, REG_EXTENDED | REG_NOSUB) != 0) {
			free(v->re);
			v->re = NULL;
			free(pat);
			return lfail(l, n, "not a regular expression (POSIX extended): '%.*s'",
			             (int)len, s);
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

static void value_release(struct sigma_value *v)
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
	const char *k = scalar(key, &len);
	char *spec, *bar, *mod;
	unsigned nv = 0;

	memset(c, 0, sizeof(*c));
	if (!k || len == 0)
		return lfail(l, key, "a field name must be text");
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
			lfail(l, key,
			      "unknown modifier '%s' (contains, startswith, endswith, re, all)",
			      mod);
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
			return lfail(l, val, "a list of 1 to %d values", SIGMA_MAX_VALUES);
		c->v = xcalloc((size_t)n, sizeof(*c->v));
		while ((item = fy_node_sequence_iterate(val, &it))) {
			if (value_init(l, item, c->op, &c->v[nv]) < 0)
				return -EINVAL;
			c->nv = ++nv;
		}
	} else if (fy_node_get_type(val) == FYNT_MAPPING) {
		return lfail(l, val, "a field's value is a value or a list of values");
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
		return lfail(l, map, "an empty selection");
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
			return lfail(l, v, "selection '%s' is an empty list", name);
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
					return lfail(l, item,
					             "selection '%s': a list of maps, or of "
					             "keywords, not both",
					             name);
				s->nmaps = i + 1;
				if (map_init(l, item, &s->maps[i], &s->nconds[i]) < 0)
					return -EINVAL;
			} else {
				if (!scalar(item, NULL) || is_null(item))
					return lfail(l, item, "selection '%s': a keyword is text",
					             name);
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
	return lfail(l, v, "selection '%s' must be a map or a list", name);
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

static void expr_free(struct sigma_expr *x)
{
	if (!x)
		return;
	expr_free(x->a);
	expr_free(x->b);
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
			expr_free(x);
			return NULL;
		}
		c->p++;
		return x;
	}
	if (take_word(c, "not")) {
		x = expr_new(EX_NOT);
		x->a = parse_primary(c, depth + 1);
		if (!x->a) {
			expr_free(x);
			return NULL;
		}
		return x;
	}
	if (take_word(c, "1") || take_word(c, "all")) {
		bool all = c->p[-1] == 'l';
		x = expr_new(all ? EX_ALL_OF : EX_ONE_OF);
		if (!take_word(c, "of")) {
			c->error = "write '1 of NAME*' or 'all of them'";
			expr_free(x);
			return NULL;
		}
		skip_ws(c);
		n = word_len(c->p);
		if (n == 0) {
			c->error = "'of' needs selection names or 'them'";
			expr_free(x);
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
			expr_free(x);
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
			expr_free(x);
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
	const char *s = scalar(n, &len);
	char *text;

	if (!s)
		return lfail(l, n, "detection's condition must be one line of text");
	text = xstrndup(s, len);
	c.p = text;
	r->cond = parse_or(&c, 0);
	skip_ws(&c);
	if (r->cond && *c.p) {
		c.error = "unexpected text in the condition";
		expr_free(r->cond);
		r->cond = NULL;
	}
	if (!r->cond) {
		int ret = lfail(l, n, "%s: '%s'", c.error ? c.error : "invalid condition", text);
		free(text);
		return ret;
	}
	free(text);
	r->guard = necessary(r, r->cond);
	return 0;
}

/* ---- a rule document ------------------------------------------------------------------- */

static int detection(struct loader *l, struct fy_node *d, struct sigma_rule *r)
{
	void *it = NULL;
	struct fy_node_pair *p;
	struct fy_node *cond = NULL;
	int n = fy_node_mapping_item_count(d);

	if (fy_node_get_type(d) != FYNT_MAPPING)
		return lfail(l, d, "detection must be a map of selections and a condition");
	r->sels = xcalloc((size_t)(n > 0 ? n : 1), sizeof(*r->sels));
	while ((p = fy_node_mapping_iterate(d, &it))) {
		size_t len;
		const char *k = scalar(fy_node_pair_key(p), &len);
		char *name;
		if (!k)
			return lfail(l, fy_node_pair_key(p), "a selection name must be text");
		if (len == 9 && !memcmp(k, "condition", 9)) {
			cond = fy_node_pair_value(p);
			continue;
		}
		if (len == 9 && !memcmp(k, "timeframe", 9))
			return lfail(l, fy_node_pair_key(p),
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
		return lfail(l, d, "detection needs a condition");
	if (r->nsels == 0)
		return lfail(l, d, "detection needs at least one selection");
	return parse_condition(l, cond, r);
}

static int duration_ms(struct loader *l, struct fy_node *n, int64_t *ret)
{
	char *s = scalar_dup(n);
	int64_t secs;
	int r = s && parse_duration(s, &secs) == 0 && secs > 0 && secs <= 366LL * 86400 ? 0 : -1;

	free(s);
	if (r < 0)
		return lfail(l, n, "a duration such as 60s, 10m or 1h is needed");
	*ret = secs * 1000;
	return 0;
}

static int string_list(struct loader *l, struct fy_node *n, char ***ret, unsigned *ret_n)
{
	void *it = NULL;
	struct fy_node *item;

	if (scalar(n, NULL)) {
		*ret = xcalloc(1, sizeof(char *));
		(*ret)[0] = scalar_dup(n);
		*ret_n = 1;
		return 0;
	}
	if (fy_node_get_type(n) != FYNT_SEQUENCE)
		return lfail(l, n, "a list of names is needed");
	*ret = xcalloc((size_t)fy_node_sequence_item_count(n) + 1, sizeof(char *));
	*ret_n = 0;
	while ((item = fy_node_sequence_iterate(n, &it))) {
		if (!scalar(item, NULL))
			return lfail(l, item, "a name must be text");
		(*ret)[(*ret_n)++] = scalar_dup(item);
	}
	return 0;
}

static int correlation(struct loader *l, struct fy_node *c, struct sigma_rule *r)
{
	struct fy_node *type = fy_node_mapping_lookup_by_string(c, "type", -1);
	struct fy_node *rules = fy_node_mapping_lookup_by_string(c, "rules", -1);
	struct fy_node *group = fy_node_mapping_lookup_by_string(c, "group-by", -1);
	struct fy_node *span = fy_node_mapping_lookup_by_string(c, "timespan", -1);
	struct fy_node *cond = fy_node_mapping_lookup_by_string(c, "condition", -1);
	struct fy_node *gen = fy_node_mapping_lookup_by_string(c, "generate", -1);
	static const char *const cmps[] = { "gte", "gt" };
	size_t len;
	const char *t = scalar(type, &len);
	bool found = false, value = false;

	if (fy_node_get_type(c) != FYNT_MAPPING)
		return lfail(l, c, "correlation must be a map");
	r->correlation = true;
	if (t && len == 11 && !memcmp(t, "value_count", 11))
		value = true;
	else if (!t || len != 11 || memcmp(t, "event_count", 11))
		return lfail(l, type ? type : c,
		             "the correlation type is event_count or value_count");
	if (!rules || string_list(l, rules, &r->rules, &r->nrules) < 0 || r->nrules == 0)
		return rules ? -EINVAL : lfail(l, c, "correlation needs rules");
	if (group && string_list(l, group, &r->group_by, &r->ngroup) < 0)
		return -EINVAL;
	if (!span)
		return lfail(l, c, "correlation needs a timespan");
	if (duration_ms(l, span, &r->timespan_ms) < 0)
		return -EINVAL;
	if (!cond || fy_node_get_type(cond) != FYNT_MAPPING ||
	    fy_node_mapping_item_count(cond) != (value ? 2 : 1))
		return lfail(l, cond ? cond : c,
		             value ? "value_count needs a condition such as {gte: 3, field: host}"
		                   : "correlation needs a condition such as {gte: 5}");
	if (value) {
		struct fy_node *f = fy_node_mapping_lookup_by_string(cond, "field", -1);

		r->value_field = f ? scalar_dup(f) : NULL;
		if (!r->value_field || !*r->value_field)
			return lfail(l, f ? f : cond,
			             "value_count counts the distinct values of a field: "
			             "{gte: 3, field: host}");
	}
	for (unsigned i = 0; i < ARRAY_SIZE(cmps); i++) {
		struct fy_node *v = fy_node_mapping_lookup_by_string(cond, cmps[i], -1);
		char *s;
		if (!v)
			continue;
		s = scalar_dup(v);
		if (!s || parse_int64(s, 1, 1000000, &r->count) < 0) {
			free(s);
			return lfail(l, v, "the count must be a whole number");
		}
		free(s);
		r->cmp = (enum sigma_cmp)i;
		found = true;
	}
	if (!found)
		return lfail(l, cond,
		             "the condition is gte or gt: an alert when the count reaches it "
		             "(counts below a threshold are not supported)");
	if (gen) {
		const char *g = scalar(gen, &len);
		r->generate = g && len == 4 && !memcmp(g, "true", 4);
	}
	return 0;
}

static int parse_days(struct loader *l, struct fy_node *n, unsigned *ret)
{
	static const char *const names[] = { "sun", "mon", "tue", "wed", "thu", "fri", "sat" };
	char **days = NULL;
	unsigned nd = 0;
	int r = string_list(l, n, &days, &nd);

	*ret = 0;
	for (unsigned i = 0; r == 0 && i < nd; i++) {
		unsigned k;
		for (k = 0; k < 7 && strcmp(days[i], names[k]); k++)
			;
		if (k == 7)
			r = lfail(l, n, "days are sun, mon, tue, wed, thu, fri, sat");
		else
			*ret |= 1u << k;
	}
	for (unsigned i = 0; i < nd; i++)
		free(days[i]);
	free(days);
	return r;
}

static int hhmm(struct loader *l, struct fy_node *n, int *ret)
{
	size_t len;
	const char *s = scalar(n, &len);

	if (!s || len != 5 || s[2] != ':' || s[0] < '0' || s[0] > '2' || s[1] < '0' || s[1] > '9' ||
	    s[3] < '0' || s[3] > '5' || s[4] < '0' || s[4] > '9' ||
	    (s[0] - '0') * 10 + (s[1] - '0') > 24)
		return lfail(l, n, "a time of day is written HH:MM, such as \"08:30\"");
	*ret = ((s[0] - '0') * 10 + (s[1] - '0')) * 60 + (s[3] - '0') * 10 + (s[4] - '0');
	return 0;
}

static int mamori_ext(struct loader *l, struct fy_node *m, struct sigma_rule *r)
{
	void *it = NULL;
	struct fy_node_pair *p;

	if (fy_node_get_type(m) != FYNT_MAPPING)
		return lfail(l, m, "mamori must be a map");
	while ((p = fy_node_mapping_iterate(m, &it))) {
		struct fy_node *k = fy_node_pair_key(p), *v = fy_node_pair_value(p);
		size_t len;
		const char *key = scalar(k, &len);
		char *s;
		if (!key)
			return lfail(l, k, "a key must be text");
		if (len == 11 && !memcmp(key, "user_status", 11)) {
			char **st = NULL;
			unsigned ns = 0;
			int rr = string_list(l, v, &st, &ns);
			for (unsigned i = 0; rr == 0 && i < ns; i++) {
				if (!strcmp(st[i], "retired"))
					r->user_status |= SIGMA_USER_RETIRED;
				else if (!strcmp(st[i], "suspended"))
					r->user_status |= SIGMA_USER_SUSPENDED;
				else
					rr = lfail(l, v, "user_status is retired or suspended");
			}
			for (unsigned i = 0; i < ns; i++)
				free(st[i]);
			free(st);
			if (rr < 0)
				return rr;
		} else if (len == 14 && !memcmp(key, "level_at_least", 14)) {
			r->level_at_least = scalar_dup(v);
			if (!r->level_at_least)
				return lfail(l, v, "level_at_least names a level of the profile");
		} else if (len == 13 && !memcmp(key, "outside_hours", 13)) {
			struct fy_node *days = fy_node_mapping_lookup_by_string(v, "days", -1);
			struct fy_node *from = fy_node_mapping_lookup_by_string(v, "from", -1);
			struct fy_node *to = fy_node_mapping_lookup_by_string(v, "to", -1);
			if (fy_node_get_type(v) != FYNT_MAPPING || !days || !from || !to)
				return lfail(
				    l, v, "outside_hours is {days: [...], from: HH:MM, to: HH:MM}");
			r->outside_hours = xcalloc(1, sizeof(*r->outside_hours));
			if (parse_days(l, days, &r->outside_hours->days) < 0 ||
			    hhmm(l, from, &r->outside_hours->from_min) < 0 ||
			    hhmm(l, to, &r->outside_hours->to_min) < 0)
				return -EINVAL;
		} else if (len == 15 && !memcmp(key, "no_admin_record", 15)) {
			s = scalar_dup(v);
			r->no_admin_record = s && !strcmp(s, "true");
			free(s);
		} else if (len == 7 && !memcmp(key, "log_gap", 7)) {
			if (duration_ms(l, v, &r->log_gap_ms) < 0)
				return -EINVAL;
		} else {
			return lfail(
			    l, k,
			    "unknown key '%.*s' under mamori (user_status, level_at_least, "
			    "outside_hours, no_admin_record, log_gap)",
			    (int)len, key);
		}
	}
	return 0;
}

static bool valid_id(const char *s)
{
	size_t n = s ? strlen(s) : 0;

	if (n == 0 || n > 64)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '-' ||
		      s[i] == '_' || (s[i] >= 'A' && s[i] <= 'Z')))
			return false;
	return true;
}

static void rule_release(struct sigma_rule *r);

/*
 * tags: kept as Sigma has them; those of the form mamori.CLAUSE-ID name the clauses of the
 * ward's text the rule watches for (policy coverage counts them as monitored).
 */
static int rule_tags(struct loader *l, struct fy_node *tags, struct sigma_rule *r)
{
	static const char prefix[] = "mamori.";
	void *it = NULL;
	struct fy_node *t;

	if (!tags)
		return 0;
	if (fy_node_get_type(tags) != FYNT_SEQUENCE)
		return lfail(l, tags, "rule '%s': tags is a list ([mamori.MIN-5-5-7-3, ...])",
		             r->id);
	while ((t = fy_node_sequence_iterate(tags, &it))) {
		size_t len;
		const char *s = scalar(t, &len);

		if (!s)
			return lfail(l, t, "rule '%s': a tag is a word, not a list or a map",
			             r->id);
		if (len <= sizeof(prefix) - 1 || memcmp(s, prefix, sizeof(prefix) - 1))
			continue;
		if (len - (sizeof(prefix) - 1) > 64)
			return lfail(l, t, "rule '%s': a clause id is at most 64 bytes", r->id);
		ALLOC_GROW(r->clauses, r->nclauses, r->alloc_clauses);
		r->clauses[r->nclauses++] =
		    xstrndup(s + sizeof(prefix) - 1, len - (sizeof(prefix) - 1));
	}
	return 0;
}

static int rule_from_doc(struct loader *l, struct fy_node *root, struct sigma_rule *r)
{
	static const char *const known[] = {
		"title",  "id",         "status",      "description", "level",    "logsource",
		"tags",   "references", "author",      "date",        "modified", "falsepositives",
		"fields", "detection",  "correlation", "mamori",      "related",  "license",
		"name",   "taxonomy",   NULL,
	};
	void *it = NULL;
	struct fy_node_pair *p;
	struct fy_node *det, *corr, *mam;

	memset(r, 0, sizeof(*r));
	if (!root || fy_node_get_type(root) != FYNT_MAPPING)
		return lfail(l, root, "a rule is a map (title, id, detection ...)");
	r->line = node_line(root);
	l->line = r->line;
	while ((p = fy_node_mapping_iterate(root, &it))) {
		size_t len;
		const char *k = scalar(fy_node_pair_key(p), &len);
		bool ok = false;
		for (unsigned i = 0; k && known[i]; i++)
			ok = ok || (strlen(known[i]) == len && !memcmp(known[i], k, len));
		if (!ok)
			return lfail(l, fy_node_pair_key(p), "unknown key '%.*s' in a rule",
			             k ? (int)len : 0, k ? k : "");
	}
	r->id = scalar_dup(fy_node_mapping_lookup_by_string(root, "id", -1));
	r->title = scalar_dup(fy_node_mapping_lookup_by_string(root, "title", -1));
	r->description = scalar_dup(fy_node_mapping_lookup_by_string(root, "description", -1));
	r->level = scalar_dup(fy_node_mapping_lookup_by_string(root, "level", -1));
	r->status = scalar_dup(fy_node_mapping_lookup_by_string(root, "status", -1));
	r->file = xstrdup(l->file);
	if (!valid_id(r->id))
		return lfail(l, root,
		             "a rule needs an id of letters, digits, '-' and '_' (at most 64)");
	if (!r->title)
		return lfail(l, root, "rule '%s' needs a title", r->id);
	if (r->level && !sigma_level_name(r->level))
		return lfail(l, fy_node_mapping_lookup_by_string(root, "level", -1),
		             "level is informational, low, medium, high or critical");
	r->disabled =
	    r->status && (!strcmp(r->status, "deprecated") || !strcmp(r->status, "unsupported"));
	det = fy_node_mapping_lookup_by_string(root, "detection", -1);
	corr = fy_node_mapping_lookup_by_string(root, "correlation", -1);
	mam = fy_node_mapping_lookup_by_string(root, "mamori", -1);
	if (rule_tags(l, fy_node_mapping_lookup_by_string(root, "tags", -1), r) < 0)
		return -EINVAL;
	if (det && corr)
		return lfail(l, root, "rule '%s': detection or correlation, not both", r->id);
	if (det && detection(l, det, r) < 0)
		return -EINVAL;
	if (corr && correlation(l, corr, r) < 0)
		return -EINVAL;
	if (mam && mamori_ext(l, mam, r) < 0)
		return -EINVAL;
	if (!det && !corr && !r->log_gap_ms)
		return lfail(l, root, "rule '%s' needs detection, correlation or mamori: log_gap",
		             r->id);
	if (r->log_gap_ms && (det || corr))
		return lfail(l, root, "rule '%s': log_gap stands alone", r->id);
	return 0;
}

int sigma_load(struct sigma_set *set, const char *file, const char *data, size_t len,
               struct strbuf *err)
{
	struct fy_parse_cfg cfg = { .flags = FYPCF_QUIET | FYPCF_DISABLE_RECYCLING };
	struct loader l = { .file = file, .err = err };
	struct fy_parser *fyp = fy_parser_create(&cfg);
	struct fy_document *doc;
	struct sigma_set add = { 0 };
	int r = 0;

	if (!fyp || fy_parser_set_string(fyp, data, len) != 0) {
		fy_parser_destroy(fyp);
		error_set(err, "%s: cannot read it as YAML", file);
		return -EINVAL;
	}
	while (r == 0 && (doc = fy_parse_load_document(fyp))) {
		struct fy_node *root = fy_document_root(doc);
		if (root) {
			ALLOC_GROW(add.rules, add.nr + 1, add.alloc);
			r = rule_from_doc(&l, root, &add.rules[add.nr]);
			add.nr++;
			for (size_t i = 0; r == 0 && i + 1 < add.nr; i++)
				if (!strcmp(add.rules[i].id, add.rules[add.nr - 1].id))
					r = lfail(&l, root,
					          "rule id '%s' is used twice in this file",
					          add.rules[i].id);
		}
		fy_parse_document_destroy(fyp, doc);
	}
	if (r == 0 && fy_parser_get_stream_error(fyp)) {
		error_set(err, "%s: not valid YAML", file);
		r = -EINVAL;
	}
	fy_parser_destroy(fyp);
	if (r < 0) {
		sigma_set_release(&add);
		return r;
	}
	for (size_t i = 0; i < add.nr; i++) {
		size_t k;
		for (k = 0; k < set->nr && strcmp(set->rules[k].id, add.rules[i].id); k++)
			;
		if (k < set->nr) {
			rule_release(&set->rules[k]);
			set->rules[k] = add.rules[i];
		} else {
			ALLOC_GROW(set->rules, set->nr + 1, set->alloc);
			set->rules[set->nr++] = add.rules[i];
		}
	}
	free(add.rules);
	return 0;
}

int sigma_link(struct sigma_set *set, struct strbuf *err)
{
	for (size_t i = 0; i < set->nr; i++)
		set->rules[i].referenced = false;
	for (size_t i = 0; i < set->nr; i++) {
		struct sigma_rule *r = &set->rules[i];
		if (!r->correlation)
			continue;
		free(r->rule_idx);
		r->rule_idx = xcalloc(r->nrules, sizeof(*r->rule_idx));
		for (unsigned k = 0; k < r->nrules; k++) {
			size_t j;
			for (j = 0; j < set->nr && strcmp(set->rules[j].id, r->rules[k]); j++)
				;
			if (j < set->nr && set->rules[j].disabled && !set->rules[j].correlation) {
				/* It counts a rule the ward stopped: it is stopped with it. */
				r->disabled = true;
				r->rule_idx[k] = (unsigned)j;
				continue;
			}
			if (j == set->nr || set->rules[j].correlation || !set->rules[j].cond) {
				error_set(
				    err,
				    "%s:%d: correlation '%s' counts rule '%s', which is not a "
				    "detection rule here",
				    r->file, r->line, r->id, r->rules[k]);
				return -EINVAL;
			}
			r->rule_idx[k] = (unsigned)j;
		}
	}
	/* Only a running correlation keeps its counted rules from alerting themselves. */
	for (size_t i = 0; i < set->nr; i++) {
		const struct sigma_rule *r = &set->rules[i];

		for (unsigned k = 0;
		     r->correlation && !r->generate && !r->disabled && k < r->nrules; k++)
			set->rules[r->rule_idx[k]].referenced = true;
	}
	return 0;
}

static void rule_release(struct sigma_rule *r)
{
	for (unsigned i = 0; i < r->nsels; i++) {
		struct sigma_sel *s = &r->sels[i];
		for (unsigned m = 0; m < s->nmaps; m++) {
			for (unsigned c = 0; s->maps[m] && c < s->nconds[m]; c++) {
				for (unsigned v = 0; v < s->maps[m][c].nv; v++)
					value_release(&s->maps[m][c].v[v]);
				free(s->maps[m][c].v);
				free(s->maps[m][c].field);
				anyof_free(s->maps[m][c].any);
			}
			free(s->maps[m]);
		}
		for (unsigned k = 0; k < s->nkw; k++)
			value_release(&s->keywords[k]);
		anyof_free(s->kw_any);
		free(s->keywords);
		free(s->maps);
		free(s->nconds);
		free(s->name);
	}
	free(r->sels);
	expr_free(r->cond);
	for (unsigned i = 0; i < r->nrules; i++)
		free(r->rules[i]);
	free(r->rules);
	free(r->rule_idx);
	for (unsigned i = 0; i < r->ngroup; i++)
		free(r->group_by[i]);
	free(r->group_by);
	free(r->value_field);
	free(r->outside_hours);
	free(r->level_at_least);
	for (unsigned i = 0; i < r->nclauses; i++)
		free(r->clauses[i]);
	free(r->clauses);
	free(r->id);
	free(r->title);
	free(r->description);
	free(r->level);
	free(r->status);
	free(r->file);
	memset(r, 0, sizeof(*r));
}

void sigma_set_release(struct sigma_set *set)
{
	for (size_t i = 0; i < set->nr; i++)
		rule_release(&set->rules[i]);
	free(set->rules);
	memset(set, 0, sizeof(*set));
}

const char *sigma_level_name(const char *level)
{
	static const char *const levels[] = { "informational", "low", "medium", "high",
		                              "critical" };

	for (size_t i = 0; level && i < ARRAY_SIZE(levels); i++)
		if (!strcmp(level, levels[i]))
			return levels[i];
	return NULL;
}
