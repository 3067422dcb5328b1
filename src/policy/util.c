/* util: the profile's arena, string tables, diagnostics and "did you mean" suggestions. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "base/cleanup.h"
#include "policy/policy-internal.h"

struct arena_block {
	struct arena_block *next;
	size_t used, size;
	_Alignas(16) unsigned char data[];
};

#define ARENA_BLOCK (64 * 1024)

void *arena_alloc(struct arena *a, size_t n)
{
	struct arena_block *b = a->head;
	void *p;

	n = (n + 15) & ~(size_t)15;
	if (!n)
		n = 16;
	if (!b || b->size - b->used < n) {
		size_t size = n > ARENA_BLOCK / 4 ? n : ARENA_BLOCK;

		b = xmalloc(sizeof(*b) + size);
		b->used = 0;
		b->size = size;
		if (size == n && a->head) {
			/* A large object gets its own block behind the current one. */
			b->next = a->head->next;
			a->head->next = b;
		} else {
			b->next = a->head;
			a->head = b;
		}
	}
	p = b->data + b->used;
	b->used += n;
	memset(p, 0, n);
	return p;
}

void *arena_array(struct arena *a, size_t nmemb, size_t size)
{
	if (size && nmemb > SIZE_MAX / size)
		abort();
	return arena_alloc(a, nmemb * size);
}

char *arena_strndup(struct arena *a, const char *s, size_t n)
{
	char *p = arena_alloc(a, n + 1);

	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

void arena_release(struct arena *a)
{
	struct arena_block *b = a->head;

	while (b) {
		struct arena_block *next = b->next;

		free(b);
		b = next;
	}
	a->head = NULL;
}

/* FNV-1a: short keys, and a few hundred of them at most. */
static uint32_t hash_str(const char *s, size_t len)
{
	uint32_t h = 2166136261u;

	for (size_t i = 0; i < len; i++) {
		h ^= (unsigned char)s[i];
		h *= 16777619u;
	}
	return h;
}

void stable_init(struct stable *t, struct arena *a, size_t expected)
{
	uint32_t size = 8;

	while (size < expected * 2 + 1)
		size *= 2;
	t->slots = arena_array(a, size, sizeof(*t->slots));
	t->mask = size - 1;
	t->nr = 0;
}

const void *stable_put(struct stable *t, const char *key, size_t len, const void *val)
{
	uint32_t h = hash_str(key, len);

	for (uint32_t i = h & t->mask;; i = (i + 1) & t->mask) {
		struct stable_slot *s = &t->slots[i];

		if (!s->key) {
			/* stable_init sized the table for the expected count; never full. */
			if (t->nr + 1 > t->mask)
				abort();
			s->key = key;
			s->len = (uint32_t)len;
			s->hash = h;
			s->val = val;
			t->nr++;
			return NULL;
		}
		if (s->hash == h && s->len == len && !memcmp(s->key, key, len))
			return s->val;
	}
}

const void *stable_get(const struct stable *t, const char *key, size_t len)
{
	uint32_t h;

	if (!t->slots)
		return NULL;
	h = hash_str(key, len);
	for (uint32_t i = h & t->mask;; i = (i + 1) & t->mask) {
		const struct stable_slot *s = &t->slots[i];

		if (!s->key)
			return NULL;
		if (s->hash == h && s->len == len && !memcmp(s->key, key, len))
			return s->val;
	}
}

void diag_vadd(struct policy_diags *d, enum policy_severity s, struct policy_pos pos,
               const char *fmt, va_list ap)
{
	struct strbuf sb = STRBUF_INIT;
	struct policy_diag *x;

	strbuf_vaddf(&sb, fmt, ap);
	ALLOC_GROW(d->items, d->nr, d->alloc);
	x = &d->items[d->nr++];
	x->severity = s;
	x->pos = pos;
	x->msg = strbuf_detach(&sb, NULL);
	if (s == DIAG_ERROR)
		d->errors++;
	else
		d->warnings++;
}

void diag_add(struct policy_diags *d, enum policy_severity s, struct policy_pos pos,
              const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	diag_vadd(d, s, pos, fmt, ap);
	va_end(ap);
}

static int diag_cmp(const void *a, const void *b)
{
	const struct policy_diag *x = a, *y = b;

	if (x->pos.line != y->pos.line)
		return x->pos.line < y->pos.line ? -1 : 1;
	if (x->pos.col != y->pos.col)
		return x->pos.col < y->pos.col ? -1 : 1;
	/* qsort is not stable: fall back on the message pointers' order of creation */
	return 0;
}

void diag_sort(struct policy_diags *d)
{
	/* Insertion sort keeps equal positions in the order they were found. */
	for (size_t i = 1; i < d->nr; i++) {
		struct policy_diag t = d->items[i];
		size_t j = i;

		while (j > 0 && diag_cmp(&d->items[j - 1], &t) > 0) {
			d->items[j] = d->items[j - 1];
			j--;
		}
		d->items[j] = t;
	}
}

void policy_diags_release(struct policy_diags *d)
{
	for (size_t i = 0; i < d->nr; i++)
		free(d->items[i].msg);
	free(d->items);
	memset(d, 0, sizeof(*d));
}

void policy_diags_format(const struct policy_diags *d, const char *file, struct strbuf *out)
{
	for (size_t i = 0; i < d->nr; i++) {
		const struct policy_diag *x = &d->items[i];

		strbuf_addf(out, "%s:%u:%u: %s: %s\n", file, x->pos.line, x->pos.col,
		            x->severity == DIAG_ERROR ? "error" : "warning", x->msg);
	}
}

/* Optimal string alignment distance (Damerau-Levenshtein with adjacent swaps), bytes. */
static size_t edit_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	size_t *rows, *r0, *r1, *r2, d;

	if (la > 128 || lb > 128)
		return SIZE_MAX;
	rows = xcalloc(3 * (lb + 1), sizeof(size_t));
	r0 = rows;
	r1 = rows + lb + 1;
	r2 = rows + 2 * (lb + 1);
	for (size_t j = 0; j <= lb; j++)
		r1[j] = j;
	for (size_t i = 1; i <= la; i++) {
		size_t *t;

		r2[0] = i;
		for (size_t j = 1; j <= lb; j++) {
			size_t cost = a[i - 1] != b[j - 1];
			size_t v = r1[j] + 1;

			if (r2[j - 1] + 1 < v)
				v = r2[j - 1] + 1;
			if (r1[j - 1] + cost < v)
				v = r1[j - 1] + cost;
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
			    r0[j - 2] + 1 < v)
				v = r0[j - 2] + 1;
			r2[j] = v;
		}
		t = r0;
		r0 = r1;
		r1 = r2;
		r2 = t;
	}
	d = r1[lb];
	free(rows);
	return d;
}

const char *suggest(const char *word, const char *const *candidates, size_t n)
{
	size_t best = SIZE_MAX, wl = strlen(word), limit;
	const char *found = NULL;

	/* One edit for short words, a third of the length for longer ones. */
	limit = wl < 6 ? 1 : wl / 3;
	if (limit < 2 && wl >= 4)
		limit = 2;
	if (wl <= 2)
		limit = 0; /* "2" is one edit from every one-character id: no use suggesting */
	for (size_t i = 0; i < n; i++) {
		size_t d;

		if (!candidates[i])
			continue;
		d = edit_distance(word, candidates[i]);
		if (d < best) {
			best = d;
			found = candidates[i];
		}
	}
	/* A case-only difference is always worth suggesting. */
	if (found && best > limit && strcasecmp(word, found))
		return NULL;
	return best == 0 ? NULL : found;
}

void suggest_append(struct strbuf *sb, const char *word, const char *const *candidates, size_t n)
{
	const char *s = suggest(word, candidates, n);

	if (s)
		strbuf_addf(sb, " (did you mean '%s'?)", s);
}
