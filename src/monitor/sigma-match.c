/* sigma: matching a message against a loaded rule (the field cache, selections, conditions).
 */
#include <stdlib.h>
#include <string.h>

#include "base/cleanup.h"
#include "monitor/anyof.h"
#include "monitor/sigma-internal.h"
#include "monitor/sigma.h"

/*
 * The values are lowercased when loaded. A `contains` list that suits one pass (anyof.h) and
 * the prefilter's exact values fold the text's ASCII capitals as they compare, so the text
 * is not lowered for them; the other conditions compare the text lowercased once per field
 * and message (field_of) with memcmp and memmem.
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
	bool present;  /* the message has it */
	bool lowered;  /* low holds it lowercased */
	const char *p; /* the value: the message's own bytes, or text */
	size_t pn;
	struct strbuf text; /* a value built in the field function's buffer, copied (wiped) */
	struct strbuf low;  /* parts of a message: personal data (wiped) */
};

struct sigma_cache {
	struct cached_field f[SIGMA_CACHE_FIELDS];
	unsigned n;
	struct strbuf buf, low; /* for a field not kept */
	/*
	 * The prefilter's answer for this message: the rules it may match, those whose slot holds
	 * `gen` (counted up for each message, so cand needs no clearing: a memset of a few bytes
	 * before each message's first test of it, stored with a mask by glibc's AVX-512 memset,
	 * could not be forwarded to that load, which then waited for the store to be done).
	 */
	const struct sigma_prefilter *pre; /* NULL: not asked since the reset */
	uint32_t *cand, gen;
	size_t ncand;
	unsigned *idx; /* sigma_candidates: the rules it may match, ascending */
	size_t nidx, alloc_idx;
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

/* (an empty buffer is left alone: wiping each message's fields twice, most of them empty,
 * cost a call to strbuf_setlen for each) */
static void wipe(struct strbuf *sb)
{
	if (sb->len) {
		explicit_bzero(sb->buf, sb->len);
		strbuf_reset(sb);
	}
}

void sigma_cache_reset(struct sigma_cache *c)
{
	for (unsigned i = 0; i < c->n; i++) {
		wipe(&c->f[i].text);
		wipe(&c->f[i].low);
	}
	c->n = 0;
	c->pre = NULL;
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
	free(c->cand);
	free(c->idx);
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
		f->p = v ? v : "";
		f->pn = v ? len : 0;
		/* a value built in buf is copied (buf serves the next field); any other is the
		 * message's own bytes, valid until the reset: copying it cost as much as lowering
		 */
		if (v && c->buf.alloc && (uintptr_t)v >= (uintptr_t)c->buf.buf &&
		    (uintptr_t)v < (uintptr_t)c->buf.buf + c->buf.alloc) {
			strbuf_add(&f->text, v, len);
			f->p = f->text.buf;
		}
	}
	if (f) {
		*t = f->p;
		*n = f->pn;
		if (want_low && !f->lowered) {
			lower_into(&f->low, f->p, f->pn);
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

	/* (anyof folds capitals itself: the text need not be lowercased) */
	(void)field_of(cache, field, ctx, c->key, c->op != SIGMA_RE && !c->any, &t, &lt, &n);
	if (c->any)
		return anyof_find(c->any, t, n);
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
		if (!field_of(cache, field, ctx, "raw", !s->kw_any, &t, &lt, &n))
			return false;
		if (s->kw_any)
			return anyof_find(s->kw_any, t, n);
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

/* ---- the prefilter ------------------------------------------------------------------- */

/*
 * A test a rule cannot match without: its field equals one of the values (SIGMA_EQ: each
 * lowercased, no wildcard, not null), as cond_match tests such a condition; or contains one of
 * them (SIGMA_CONTAINS, not null), tested with every other `contains` on that field at once.
 */
struct pre_any {
	struct anyof *a; /* NULL: memmem for each literal */
	const char **lit;
	size_t *len;
	unsigned n;
};

struct pre_test {
	const char *key; /* the field, interned */
	enum sigma_op op;
	const struct sigma_value *v;
	unsigned nv;
	unsigned slot;             /* the rule's */
	const struct pre_any *any; /* SIGMA_CONTAINS: every literal contained on this field */
};

struct sigma_prefilter {
	struct pre_test *t; /* by field: every test of one field together */
	size_t n, alloc;
	struct pre_any **any;
	size_t nany, alloc_any;
	size_t nslots;
	bool on;
	/* detection rules in force (sigma_candidates), ascending: those always evaluated (not
	 * in the prefilter), and all of them (the prefilter off) */
	unsigned *always, *detect;
	size_t nalways, ndetect;
};

/* 2: a test of an exact value, 1: of contained text, 0: not a test for the prefilter. */
static int pre_usable(const struct sigma_cond *c)
{
	if ((c->op != SIGMA_EQ && c->op != SIGMA_CONTAINS) || !c->nv)
		return 0;
	for (unsigned i = 0; i < c->nv; i++)
		if (!c->v[i].s || (c->op == SIGMA_EQ && c->v[i].glob))
			return 0;
	return c->op == SIGMA_EQ ? 2 : 1;
}

struct pre_list {
	const struct sigma_cond **c;
	size_t n, alloc;
};

static void pre_add(struct pre_list *l, const struct sigma_cond *c)
{
	ALLOC_GROW(l->c, l->n + 1, l->alloc);
	l->c[l->n++] = c;
}

static bool pre_of_expr(const struct sigma_rule *r, const struct sigma_expr *x, struct pre_list *l);

/*
 * Selection i holds only if one of the conditions added to l holds (one of each of its maps,
 * an exact value rather than contained text); false: no such list.
 */
static bool pre_of_sel(const struct sigma_rule *r, unsigned i, struct pre_list *l)
{
	const struct sigma_sel *s = &r->sels[i];

	if (s->nkw || !s->nmaps)
		return false;
	for (unsigned m = 0; m < s->nmaps; m++) {
		const struct sigma_cond *best = NULL;
		int score = 0;
		for (unsigned k = 0; k < s->nconds[m]; k++) {
			int u = pre_usable(&s->maps[m][k]);
			if (u > score) {
				score = u;
				best = &s->maps[m][k];
			}
		}
		if (!best)
			return false; /* this map holds without any such test */
		pre_add(l, best);
	}
	return true;
}

/*
 * x holds only if one of the conditions added to l holds (an `or` needs one of each side's;
 * an `and` either side's); false when there is no such list (`not`, keywords, `1 of` ...
 * matching no selection, a selection with a map of no such test).
 */
static bool pre_of_expr(const struct sigma_rule *r, const struct sigma_expr *x, struct pre_list *l)
{
	size_t mark = l->n;

	switch (x->op) {
	case EX_SEL:
		return pre_of_sel(r, x->sel, l);
	case EX_AND:
		if (pre_of_expr(r, x->a, l))
			return true;
		l->n = mark;
		return pre_of_expr(r, x->b, l);
	case EX_OR:
		return pre_of_expr(r, x->a, l) && pre_of_expr(r, x->b, l);
	case EX_ONE_OF: {
		bool any = false;
		for (unsigned i = 0; i < r->nsels; i++) {
			if (x->pattern && !name_matches(x->pattern, r->sels[i].name))
				continue;
			if (!pre_of_sel(r, i, l))
				return false;
			any = true;
		}
		return any;
	}
	case EX_ALL_OF:
		for (unsigned i = 0; i < r->nsels; i++) {
			if (x->pattern && !name_matches(x->pattern, r->sels[i].name))
				continue;
			if (pre_of_sel(r, i, l))
				return true;
			l->n = mark;
		}
		return false;
	case EX_NOT:
		return false;
	}
	return false;
}

void sigma_prefilter_free(struct sigma_set *set)
{
	struct sigma_prefilter *p = set->pre;

	if (!p)
		return;
	for (size_t i = 0; i < set->nr; i++)
		set->rules[i].pre = NULL;
	for (size_t i = 0; i < p->nany; i++) {
		anyof_free(p->any[i]->a);
		free(p->any[i]->lit);
		free(p->any[i]->len);
		free(p->any[i]);
	}
	free(p->any);
	free(p->t);
	free(p->always);
	free(p->detect);
	free(p);
	set->pre = NULL;
}

/* Tests [b, e) of one field: their contained text, all in one matcher. */
static void pre_any_build(struct sigma_prefilter *p, size_t b, size_t e)
{
	struct pre_any *a = NULL;

	for (size_t i = b; i < e; i++) {
		struct pre_test *x = &p->t[i];
		if (x->op != SIGMA_CONTAINS)
			continue;
		if (!a) {
			a = xcalloc(1, sizeof(*a));
			ALLOC_GROW(p->any, p->nany + 1, p->alloc_any);
			p->any[p->nany++] = a;
		}
		a->lit = xrealloc(a->lit, (a->n + x->nv) * sizeof(*a->lit));
		a->len = xrealloc(a->len, (a->n + x->nv) * sizeof(*a->len));
		for (unsigned k = 0; k < x->nv; k++) {
			a->lit[a->n] = x->v[k].s;
			a->len[a->n++] = x->v[k].n;
		}
		x->any = a;
	}
	if (a)
		a->a = anyof_new(a->lit, a->len, a->n);
}

void sigma_prefilter_build(struct sigma_set *set)
{
	struct sigma_prefilter *p = xcalloc(1, sizeof(*p));
	struct pre_list l = { 0 };

	sigma_prefilter_free(set);
	p->on = true;
	p->nslots = set->nr;
	for (size_t i = 0; i < set->nr; i++) {
		struct sigma_rule *r = &set->rules[i];
		if (r->correlation || !r->cond || r->disabled)
			continue;
		l.n = 0;
		p->detect = xrealloc(p->detect, (p->ndetect + 1) * sizeof(*p->detect));
		p->detect[p->ndetect++] = (unsigned)i;
		if (!pre_of_expr(r, r->cond, &l)) {
			p->always = xrealloc(p->always, (p->nalways + 1) * sizeof(*p->always));
			p->always[p->nalways++] = (unsigned)i;
			continue; /* always evaluated */
		}
		for (size_t k = 0; k < l.n; k++) {
			ALLOC_GROW(p->t, p->n + 1, p->alloc);
			p->t[p->n++] = (struct pre_test){ .key = l.c[k]->key,
				                          .op = l.c[k]->op,
				                          .v = l.c[k]->v,
				                          .nv = l.c[k]->nv,
				                          .slot = (unsigned)i };
		}
		r->pre = p;
		r->pre_slot = (unsigned)i;
	}
	free(l.c);
	/* every test of one field together, exact values first (a set has a few dozen) */
	for (size_t i = 1; i < p->n; i++) {
		struct pre_test t = p->t[i];
		size_t k = i;
		for (; k > 0 && ((uintptr_t)p->t[k - 1].key > (uintptr_t)t.key ||
		                 (p->t[k - 1].key == t.key && p->t[k - 1].op > t.op));
		     k--)
			p->t[k] = p->t[k - 1];
		p->t[k] = t;
	}
	for (size_t b = 0, e; b < p->n; b = e) {
		for (e = b + 1; e < p->n && p->t[e].key == p->t[b].key; e++)
			;
		pre_any_build(p, b, e);
	}
	set->pre = p;
}

void sigma_set_prefilter(struct sigma_set *set, bool on)
{
	if (set->pre)
		set->pre->on = on;
}

/* Whether the n bytes at t are the lowercase value s, ASCII capitals folded. */
static bool same_folded(const char *t, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)t[i];
		if ((unsigned char)(c - 'A') < 26)
			c |= 0x20;
		if (c != (unsigned char)s[i])
			return false;
	}
	return true;
}

/* t as it is for the one-pass matcher, lt lowercased for memmem */
static bool pre_any_find(const struct pre_any *a, const char *t, const char *lt, size_t n)
{
	if (a->a)
		return anyof_find(a->a, t, n);
	for (unsigned k = 0; k < a->n; k++)
		if (a->len[k] == 0 || (n >= a->len[k] && memmem(lt, n, a->lit[k], a->len[k])))
			return true;
	return false;
}

/* The rules the message may match (cache->cand), once per message and prefilter. */
static void pre_run(const struct sigma_prefilter *p, sigma_field_fn field, const void *ctx,
                    struct sigma_cache *cache)
{
	const char *key = NULL, *t = NULL, *lt = NULL;
	size_t n = 0;
	int found = -1; /* the field's contained text: -1 not looked for yet */

	if (cache->ncand < p->nslots || cache->gen == UINT32_MAX) {
		free(cache->cand);
		cache->cand = xcalloc(p->nslots, sizeof(*cache->cand));
		cache->ncand = p->nslots;
		cache->gen = 0;
	}
	if (cache->alloc_idx < p->nslots) {
		free(cache->idx);
		cache->idx = xmalloc((p->nslots + 1) * sizeof(*cache->idx));
		cache->alloc_idx = p->nslots + 1;
	}
	cache->gen++;
	cache->nidx = 0;
	for (size_t i = 0; i < p->n; i++) {
		const struct pre_test *x = &p->t[i];
		if (cache->cand[x->slot] == cache->gen)
			continue;
		/* lowered only for memmem: a one-pass matcher and exact values fold capitals
		 * themselves (lowering each whole message cost as much as the search) */
		bool low = x->op == SIGMA_CONTAINS && !x->any->a;
		if (x->key != key) {
			key = x->key;
			found = -1;
			(void)field_of(cache, field, ctx, key, low, &t, &lt, &n);
		} else if (low && !lt) {
			(void)field_of(cache, field, ctx, key, true, &t, &lt, &n);
		}
		if (x->op == SIGMA_CONTAINS) {
			if (found < 0)
				found = pre_any_find(x->any, t, lt, n);
			if (found) {
				cache->cand[x->slot] = cache->gen;
				cache->idx[cache->nidx++] = x->slot;
			}
			continue;
		}
		for (unsigned k = 0; k < x->nv; k++)
			if (n == x->v[k].n && same_folded(t, x->v[k].s, n)) {
				cache->cand[x->slot] = cache->gen;
				cache->idx[cache->nidx++] = x->slot;
				break;
			}
	}
	/* ascending, with the rules always evaluated (few: most messages have none of either) */
	for (size_t k = 0; k < p->nalways; k++)
		cache->idx[cache->nidx++] = p->always[k];
	for (size_t i = 1; i < cache->nidx; i++) {
		unsigned v = cache->idx[i];
		size_t k = i;
		for (; k > 0 && cache->idx[k - 1] > v; k--)
			cache->idx[k] = cache->idx[k - 1];
		cache->idx[k] = v;
	}
	cache->pre = p;
}

bool sigma_candidate(const struct sigma_rule *r, sigma_field_fn field, const void *ctx,
                     struct sigma_cache *cache)
{
	if (!r->pre || !r->pre->on)
		return true;
	if (cache->pre != r->pre)
		pre_run(r->pre, field, ctx, cache);
	return cache->cand[r->pre_slot] == cache->gen;
}

size_t sigma_candidates(const struct sigma_set *set, sigma_field_fn field, const void *ctx,
                        struct sigma_cache *cache, const unsigned **ret)
{
	const struct sigma_prefilter *p = set->pre;

	if (p && !p->on) {
		*ret = p->detect;
		return p->ndetect;
	}
	if (p) {
		if (cache->pre != p)
			pre_run(p, field, ctx, cache);
		*ret = cache->idx;
		return cache->nidx;
	}
	/* no prefilter (the set was not linked since its last load): every rule in force */
	if (cache->alloc_idx < set->nr) {
		free(cache->idx);
		cache->idx = xmalloc((set->nr + 1) * sizeof(*cache->idx));
		cache->alloc_idx = set->nr + 1;
	}
	cache->nidx = 0;
	for (size_t i = 0; i < set->nr; i++) {
		const struct sigma_rule *r = &set->rules[i];
		if (!r->correlation && r->cond && !r->disabled)
			cache->idx[cache->nidx++] = (unsigned)i;
	}
	*ret = cache->idx;
	return cache->nidx;
}

bool sigma_match_cached(const struct sigma_rule *r, sigma_field_fn field, const void *ctx,
                        struct sigma_cache *cache)
{
	struct eval e = { .r = r, .field = field, .ctx = ctx, .cache = cache };

	if (!r->cond || r->disabled)
		return false;
	if (!sigma_candidate(r, field, ctx, cache))
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
