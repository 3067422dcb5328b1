/* coverage: the profile's coverage of its text, with the detectors that run in the ward. */
#include <string.h>

#include "base/cleanup.h"
#include "core/coverage.h"
#include "core/fim.h"
#include "monitor/monitor.h"

static void watch_add(struct coverage_watches *w, enum policy_carrier_kind kind, const char *name,
                      const char *const *clauses, unsigned n, bool runs)
{
	ALLOC_GROW(w->items, w->nr, w->alloc);
	w->items[w->nr++] = (struct policy_watch){ kind, name, clauses, n, runs };
}

/*
 * A rule watches when it is loaded and alerts: not deprecated, and not a detection rule
 * whose matches only a correlation counts (the correlation carries the clauses then).
 */
static void rule_watches(struct coverage_watches *w, const struct sigma_set *rules)
{
	for (size_t i = 0; i < rules->nr; i++) {
		const struct sigma_rule *r = &rules->rules[i];

		if (!r->nclauses || (r->referenced && !r->disabled))
			continue;
		watch_add(w, CARRIER_LOG_RULE, r->id, (const char *const *)r->clauses, r->nclauses,
		          !r->disabled);
	}
}

static void fim_clause(struct coverage_watches *w, const struct policy_clauses *cl)
{
	for (unsigned i = 0; i < cl->nr; i++) {
		bool seen = false;

		for (unsigned k = 0; k < w->n_fim && !seen; k++)
			seen = !strcmp(w->fim_clauses[k], cl->items[i]->id);
		if (seen)
			continue;
		ALLOC_GROW(w->fim_clauses, w->n_fim, w->alloc_fim);
		w->fim_clauses[w->n_fim++] = cl->items[i]->id;
	}
}

/* Every configuration with a baseline is checked (fim check, the agents). */
static int fim_watches(struct coverage_watches *w, const struct profile *p, struct store *st,
                       struct fim_config_rows *rows, struct strbuf *err)
{
	const struct policy_register *reg = policy_register(p, "fim");
	int r;

	if (!reg || !st)
		return 0;
	fim_clause(w, &reg->clauses);
	for (unsigned k = 0; k < reg->n_actions; k++)
		fim_clause(w, &reg->actions[k]->clauses);
	if (!w->n_fim)
		return 0;
	r = fim_configs_read(st, rows, err);
	if (r < 0)
		return r;
	for (size_t i = 0; i < rows->nr; i++) {
		struct strbuf sb = STRBUF_INIT;

		strbuf_addf(&sb, "%s:%s", rows->items[i].host, rows->items[i].path);
		ALLOC_GROW(w->names, w->n_names, w->alloc_names);
		w->names[w->n_names++] = strbuf_detach(&sb, NULL);
		watch_add(w, CARRIER_FIM, w->names[w->n_names - 1], w->fim_clauses, w->n_fim,
		          rows->items[i].generation > 0);
	}
	return 0;
}

int coverage_watches_load(const struct profile *p, const char *dir, struct store *st,
                          struct coverage_watches *w, struct strbuf *err)
{
	int r;

	coverage_watches_release(w);
	r = monitor_rules_load(p->id, dir, &w->rules, err);
	if (r == 0) {
		rule_watches(w, &w->rules);
		r = fim_watches(w, p, st, &w->fims, err);
	}
	if (r < 0)
		coverage_watches_release(w);
	return r;
}

void coverage_watches_release(struct coverage_watches *w)
{
	sigma_set_release(&w->rules);
	fim_config_rows_release(&w->fims);
	for (unsigned i = 0; i < w->n_names; i++)
		free(w->names[i]);
	free(w->names);
	free(w->fim_clauses);
	free(w->items);
	memset(w, 0, sizeof(*w));
}

void coverage_watches_fn(const struct profile *p, void *ctx, const struct policy_watch **ret,
                         unsigned *ret_n)
{
	struct coverage_watches *w = ctx;
	struct strbuf err = STRBUF_INIT;

	/* the shipped rules: they are built in and read when the binary is built */
	if (coverage_watches_load(p, NULL, NULL, w, &err) < 0)
		coverage_watches_release(w);
	strbuf_release(&err);
	*ret = w->items;
	*ret_n = w->nr;
}

int coverage_compute(const struct profile *p, const char *dir, struct store *st,
                     struct policy_coverage *ret, struct strbuf *err)
{
	struct coverage_watches w = { 0 };
	int r = coverage_watches_load(p, dir, st, &w, err);

	if (r == 0)
		policy_coverage_compute_watched(p, w.items, w.nr, ret);
	else
		memset(ret, 0, sizeof(*ret));
	coverage_watches_release(&w);
	return r;
}
