/* anyof: whether any of several literals occurs in a text, in one pass over it (Wu-Manber). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/cleanup.h"
#include "monitor/anyof.h"

#define ANYOF_BITS  12
#define ANYOF_TABLE (1u << ANYOF_BITS)
#define ANYOF_M_MAX 255 /* shifts fit a byte */

/*
 * The text is read in windows of m bytes (m: the shortest literal's length, at most 255),
 * judged by the two bytes at the window's end, hashed: shift[h] is how far the window may move
 * before those two bytes could end the first m bytes of a literal; 0 when they may end them
 * here, and then the literals in h's chain (head, next) are compared whole at the window's
 * start. Hash collisions only shorten shifts and lengthen chains.
 */
struct anyof {
	size_t m;
	unsigned n;
	struct anyof_lit {
		const char *s;
		size_t n;
	} * lit;
	uint8_t shift[ANYOF_TABLE];
	uint16_t head[ANYOF_TABLE]; /* 1 + the first literal of the chain, 0: none */
	uint16_t *next;             /* 1 + the next literal of the same chain, 0: none */
};

static unsigned hash2(unsigned char a, unsigned char b)
{
	return ((unsigned)a << 5 ^ b) & (ANYOF_TABLE - 1);
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
	memset(a->shift, (int)(m - 1), sizeof(a->shift));
	for (unsigned i = 0; i < n; i++) {
		const unsigned char *p = (const unsigned char *)lit[i];
		a->lit[i] = (struct anyof_lit){ lit[i], len[i] };
		/* the pair ending at j + 1 of the first m bytes may move the window m - 2 - j */
		for (size_t j = 0; j + 1 < m; j++) {
			unsigned h = hash2(p[j], p[j + 1]);
			if (a->shift[h] > m - 2 - j)
				a->shift[h] = (uint8_t)(m - 2 - j);
		}
		unsigned h = hash2(p[m - 2], p[m - 1]);
		a->next[i] = a->head[h];
		a->head[h] = (uint16_t)(i + 1);
	}
	return a;
}

bool anyof_find(const struct anyof *a, const char *t, size_t tn)
{
	const unsigned char *u = (const unsigned char *)t;
	size_t m = a->m;

	if (tn < m)
		return false;
	for (size_t end = m - 1; end < tn;) {
		unsigned h = hash2(u[end - 1], u[end]);
		size_t start = end + 1 - m;
		if (a->shift[h]) {
			end += a->shift[h];
			continue;
		}
		for (unsigned k = a->head[h]; k; k = a->next[k - 1]) {
			const struct anyof_lit *l = &a->lit[k - 1];
			if (l->n <= tn - start && !memcmp(t + start, l->s, l->n))
				return true;
		}
		end++;
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
