/* anyof: whether any of several literals occurs in a text, in one pass over it. */
#ifndef MAMORI_MONITOR_ANYOF_H
#define MAMORI_MONITOR_ANYOF_H

#include <stdbool.h>
#include <stddef.h>

/*
 * A rule's `message|contains: [six phrases]` asked memmem six times per message, each call
 * setting up its own tables: a quarter of the analysis's time. anyof_new builds the tables
 * once, when the rule is loaded; anyof_find then looks at a pair of the text's bytes every
 * shortest literal's length less one, comparing literals only where that pair may begin
 * one (anyof.c).
 *
 * The literals' bytes (lit[i], len[i] of them) are referenced, not copied: they must outlive
 * the matcher. They are lowercase (as a rule's values are), and the text is matched with its
 * ASCII capitals folded, so it is passed as it is: lowering a whole message first cost as much
 * as the search itself. NULL when they do not suit one pass (fewer than two, one shorter than
 * two bytes, or one with an ASCII capital): the caller then tests each with memmem on the
 * text lowercased.
 */
struct anyof;
struct anyof *anyof_new(const char *const *lit, const size_t *len, unsigned n);
bool anyof_find(const struct anyof *a, const char *t, size_t tn);
void anyof_free(struct anyof *a);

#endif
