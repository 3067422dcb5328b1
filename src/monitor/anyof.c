/* anyof: whether any of several literals occurs in a text, in one pass over it. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/cleanup.h"
#include "monitor/anyof.h"

#define ANYOF_BITS  12
#define ANYOF_TABLE (1u << ANYOF_BITS)
#define ANYOF_M_MAX 33 /* a pair's places in the window fit 32 bits */

/*
 * m is the shortest literal's length, at most ANYOF_M_MAX: every literal's first m bytes
 * (its window) hold m - 1 pairs of bytes, and at[h] has bit j set when the pair hashed to h
 * is bytes j, j + 1 of some literal's window. Any occurrence of a literal covers m - 1
 * consecutive pair positions of the text, so exactly one of them is a multiple of m - 1: the
 * text's pairs are looked up there only, every m - 1 bytes, and where bit j is set the
 * literals whose windows end with the pair ending the text's window at that position less j
 * (head, next: chained by the hash of their window's last two bytes) are compared whole.
 * Hash collisions only add places compared.
 *
 * The lookups do not depend on each other, so they overlap in the processor; Wu-Manber's
 * shifts, used before, each waited for the last (two loads and the hash, 19 in a row for a
 * 200-byte message when the shortest literal is 11 bytes): 4-5 ns a shift, a sixth of the
 * analysis of a message.
 *
 * ASCII letters are folded: the hash takes each byte with bit 5 set (a letter and its
 * capital then hash alike; so do a few other pairs, such as '@' and '`', which only adds
 * collisions), and the comparison folds the text's capitals. So the text need not be
 * lowercased first (lowering each message's text cost as much as the search).
 */
struct anyof {
	size_t m;
	unsigned n;
	struct anyof_lit {
		const char *s;
		size_t n;
	} * lit;
	uint32_t at[ANYOF_TABLE];
	uint16_t head[ANYOF_TABLE]; /* 1 + the first literal of the chain, 0: none */
	uint16_t *next;             /* 1 + the next literal of the same chain, 0: none */
};

static unsigned hash2(unsigned char a, unsigned char b)
{
	return ((unsigned)(a | 0x20) << 5 ^ (b | 0x20)) & (ANYOF_TABLE - 1);
}

/* Whether the text's n bytes at t are the lowercase literal s, ASCII letters folded. */
static bool same_folded(const unsigned char *t, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char c = t[i];
		if ((unsigned char)(c - 'A') < 26)
			c |= 0x20;
		if (c != (unsigned char)s[i])
			return false;
	}
	return true;
}

struct anyof *anyof_new(const char *const *lit, const size_t *len, unsigned n)
{
	struct anyof *a;
	size_t m = SIZE_MAX;

	if (n < 2 || n > UINT16_MAX - 1)
		return NULL;
	for (unsigned i = 0; i < n; i++) {
		if (!lit[i] || len[i] < 2)
			return NULL;
		for (size_t j = 0; j < len[i]; j++)
			if ((unsigned char)(lit[i][j] - 'A') < 26)
				return NULL; /* not lowercase: what is folded could not equal it */
		if (len[i] < m)
			m = len[i];
	}
	if (m > ANYOF_M_MAX)
		m = ANYOF_M_MAX;
	a = xcalloc(1, sizeof(*a));
	a->m = m;
	a->n = n;
	a->lit = xcalloc(n, sizeof(*a->lit));
	a->next = xcalloc(n, sizeof(*a->next));
	for (unsigned i = 0; i < n; i++) {
		const unsigned char *p = (const unsigned char *)lit[i];
		a->lit[i] = (struct anyof_lit){ lit[i], len[i] };
		for (size_t j = 0; j + 1 < m; j++)
			a->at[hash2(p[j], p[j + 1])] |= (uint32_t)1 << j;
		unsigned h = hash2(p[m - 2], p[m - 1]);
		a->next[i] = a->head[h];
		a->head[h] = (uint16_t)(i + 1);
	}
	return a;
}

/* Whether a literal starts at start (start + m <= tn). */
static bool found_at(const struct anyof *a, const unsigned char *u, size_t tn, size_t start)
{
	size_t end = start + a->m - 1;

	for (unsigned k = a->head[hash2(u[end - 1], u[end])]; k; k = a->next[k - 1]) {
		const struct anyof_lit *l = &a->lit[k - 1];
		if (l->n <= tn - start && same_folded(u + start, l->s, l->n))
			return true;
	}
	return false;
}

bool anyof_find(const struct anyof *a, const char *t, size_t tn)
{
	const unsigned char *u = (const unsigned char *)t;
	size_t m = a->m, step = m - 1;

	if (tn < m)
		return false;
	for (size_t c = 0; c + 1 < tn; c += step) {
		uint32_t bits = a->at[hash2(u[c], u[c + 1])];
		/* bit j: a window may start at c - j (the lower j first: the later start) */
		for (; bits; bits &= bits - 1) {
			size_t j = (size_t)__builtin_ctz(bits);
			if (j > c)
				break;
			if (c - j + m <= tn && found_at(a, u, tn, c - j))
				return true;
		}
	}
	return false;
}

void anyof_free(struct anyof *a)
{
	if (!a)
		return;
	free(a->lit);
	free(a->next);
	free(a);
}
