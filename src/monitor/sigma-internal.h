/* sigma-internal: what the rule loader's files (sigma.c, sigma-detect.c) share. Not for callers
 * outside src/monitor/sigma*.c: they use sigma.h.
 */
#ifndef MAMORI_MONITOR_SIGMA_INTERNAL_H
#define MAMORI_MONITOR_SIGMA_INTERNAL_H

#include <libfyaml.h>
#include <stdbool.h>
#include <stddef.h>

#include "base/strbuf.h"
#include "monitor/sigma.h"

struct loader {
	const char *file;
	struct strbuf *err;
	int line;
};

/* sigma.c: reading the YAML of a rule file. */
int sigma_node_line(struct fy_node *n);
int sigma_lfail(struct loader *l, struct fy_node *n, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
const char *sigma_scalar(struct fy_node *n, size_t *len);
char *sigma_scalar_dup(struct fy_node *n);

/* sigma-detect.c: a rule's detection and the parts rule_release frees. */
int sigma_detection(struct loader *l, struct fy_node *d, struct sigma_rule *r);
void sigma_value_release(struct sigma_value *v);
void sigma_expr_free(struct sigma_expr *x);

/* sigma-match.c: the set's prefilter (sigma.h), built when the set is linked, and freed. */
void sigma_prefilter_build(struct sigma_set *set);
void sigma_prefilter_free(struct sigma_set *set);

#endif
