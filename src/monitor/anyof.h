/* anyof: whether any of several literals occurs in a text, in one pass over it (Wu-Manber). */
#ifndef MAMORI_MONITOR_ANYOF_H
#define MAMORI_MONITOR_ANYOF_H

#include <stdbool.h>
#include <stddef.h>

/*
 * A rule's `message|contains: [six phrases]` asked memmem six times per message, each call
 * setting up its own tables: a quarter of the analysis's time. anyof_new builds the tables
 * once, when the rule is loaded; anyof_find then steps through the text by up to the
 * shortest literal's length, testing literals only where one may end.
 *
 * The literals' bytes (lit[i], len[i] of them) are referenced, not copied: they must outlive
 * the matcher. NULL when they do not suit one pass (fewer than two, or one shorter than two
 * bytes): the caller then tests each with memmem.
 */
struct anyof;
struct anyof *anyof_new(const char *const *lit, const size_t *len, unsigned n);
bool anyof_find(const struct anyof *a, const char *t, size_t tn);
void anyof_free(struct anyof *a);

#endif
