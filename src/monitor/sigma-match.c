/* sigma: matching a message against a loaded rule (the field cache, selections, conditions).
 */
#include <stdlib.h>
#include <string.h>

#include "base/cleanup.h"
#include "monitor/anyof.h"
#include "monitor/sigma.h"

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
