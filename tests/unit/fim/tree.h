/* tree: what the fim unit tests share: a scratch tree under $TMPDIR (tmpdir.h), its
 * configuration, a signing key, baselines and comparisons of it. */
#ifndef MAMORI_TEST_FIM_TREE_H
#define MAMORI_TEST_FIM_TREE_H

#include <stdint.h>

#include "fim/compare.h"

extern char root[];         /* the tree: a fresh directory made by tree_setup */
extern struct fim_key *key; /* a signing key beside it */

/* root/rel into buf */
void path(char *buf, size_t n, const char *rel);
void write_file(const char *rel, const char *content);
void append_file(const char *rel, const char *content);
void mk(const char *rel);
/* A configuration whose every "ROOT" is root. */
struct fim_config *config(const char *body);
/* Baseline of the tree under c at file b; returns its SHA-256 in sha. */
void baseline(const struct fim_config *c, const char *b, uint8_t sha[32]);
void compare(const struct fim_config *c, const char *b, const uint8_t *sha, struct fim_report *rep);
/* The report as fim check prints it, without root (free it). */
char *report_text(const struct fim_report *rep);

/* cmocka group setup and teardown: the tree and the key, made and removed. */
int tree_setup(void **state);
int tree_teardown(void **state);

#endif
