/* bitset: a growable set of non-negative integers (record ids), one bit each. */
#ifndef MAMORI_BASE_BITSET_H
#define MAMORI_BASE_BITSET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct bitset {
	uint64_t *words;
	size_t nwords; /* holds 0 .. nwords * 64 - 1 */
	size_t count;  /* bits set */
};
#define BITSET_INIT                                                                                \
	{                                                                                          \
		NULL, 0, 0                                                                         \
	}

/* Sets or clears bit i (grows as needed; negative i is ignored). */
void bitset_put(struct bitset *s, int64_t i, bool on);
static inline bool bitset_has(const struct bitset *s, int64_t i)
{
	return i >= 0 && (size_t)(i >> 6) < s->nwords && ((s->words[i >> 6] >> (i & 63)) & 1);
}
void bitset_release(struct bitset *s);

#endif
