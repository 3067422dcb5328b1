/* coverage: the profile's coverage of its text, with the detectors that run in the ward. */
#ifndef MAMORI_CORE_COVERAGE_H
#define MAMORI_CORE_COVERAGE_H

#include "base/strbuf.h"
#include "core/fim.h"
#include "monitor/sigma.h"
#include "policy/policy.h"

struct store;

/* The ward's detectors and the clauses they watch for (see coverage_compute). */
struct coverage_watches {
	struct policy_watch *items;
	unsigned nr, alloc;
	struct sigma_set rules;
	struct fim_config_rows fims;
	char **names; /* owned names of the file-integrity watches */
	unsigned n_names, alloc_names;
	const char **fim_clauses; /* the clauses of the profile's register fim */
	unsigned n_fim, alloc_fim;
};
int coverage_watches_load(const struct profile *p, const char *dir, struct store *st,
                          struct coverage_watches *ret, struct strbuf *err);
void coverage_watches_release(struct coverage_watches *w);
/* For policy_diags.watches (policy lint): ctx is a struct coverage_watches, the shipped rules. */
void coverage_watches_fn(const struct profile *p, void *ctx, const struct policy_watch **ret,
                         unsigned *ret_n);

/*
 * policy_coverage_compute_watched with the ward's detectors (docs/profile-format.md,
 * "Coverage"): every log analysis rule in force (the profile's shipped rules, then
 * the .yml files of DIR/rules) carries the clauses of its mamori.ID tags, monitored if it alerts (a
 * rule with status deprecated or unsupported only notes them; a detection rule that only a
 * correlation counts leaves them to the correlation); every file-integrity configuration
 * of the ward (st's fim_configs) with a baseline carries the clauses of the profile's
 * register fim. dir and st may be NULL: the shipped rules alone, no file-integrity check.
 * Returns 0, or -EINVAL when a rules file of dir cannot be read (err says which).
 */
int coverage_compute(const struct profile *p, const char *dir, struct store *st,
                     struct policy_coverage *ret, struct strbuf *err);

#endif
