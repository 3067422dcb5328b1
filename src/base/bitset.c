/* bitset: a growable set of non-negative integers (record ids), one bit each. */
#include <string.h>

#include "base/bitset.h"
#include "base/cleanup.h"

void bitset_put(struct bitset *s, int64_t i, bool on)
{
	size_t w;
	uint64_t m;

	if (i < 0)
		return;
	w = (size_t)(i >> 6);
	m = 1ULL << (i & 63);
	if (w >= s->nwords) {
		size_t n;
		if (!on)
			return;
		n = s->nwords ? s->nwords : 16;
		while (n <= w)
			n *= 2;
		s->words = xrealloc(s->words, n * sizeof(*s->words));
		memset(s->words + s->nwords, 0, (n - s->nwords) * sizeof(*s->words));
		s->nwords = n;
	}
	if (on && !(s->words[w] & m)) {
		s->words[w] |= m;
		s->count++;
	} else if (!on && (s->words[w] & m)) {
		s->words[w] &= ~m;
		s->count--;
	}
}

void bitset_release(struct bitset *s)
{
	free(s->words);
	memset(s, 0, sizeof(*s));
}
