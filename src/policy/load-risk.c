/* load-risk: the `risk` section: the threat catalogue, the scales, the acceptance threshold and
 * how far a measure lowers the likelihood (docs/profile-format.md `risk`). */
#include <stdlib.h>
#include <string.h>

#include "base/cleanup.h"
#include "policy/load-internal.h"

/* What core/risk.h reads and writes on every risk: field id and type. */
static const struct {
	const char *id;
	enum policy_field_type type;
} risk_fields[] = {
	{ "target", FIELD_INTEGER }, { "threat", FIELD_TEXT },      { "likelihood", FIELD_INTEGER },
	{ "impact", FIELD_INTEGER }, { "inherent", FIELD_INTEGER }, { "residual", FIELD_INTEGER },
	{ "measures", FIELD_TEXT },  { "band", FIELD_ENUM },        { "section", FIELD_SECTION },
};

static const char *const risk_actions[] = { "assess", "reassess", "accept" };

static void check_register(struct loader *L, const struct ynode *n,
                           const struct policy_register *reg)
{
	for (size_t i = 0; i < ARRAY_SIZE(risk_fields); i++) {
		const struct policy_field *f = policy_register_field(reg, risk_fields[i].id);
		if (!f || f->type != risk_fields[i].type)
			load_err(L, n, "register '%s' needs a %s field '%s' for its risks", reg->id,
			         policy_field_type_name(risk_fields[i].type), risk_fields[i].id);
	}
	for (size_t i = 0; i < ARRAY_SIZE(risk_actions); i++)
		if (!policy_register_action(reg, risk_actions[i]))
			load_err(L, n, "register '%s' needs an action '%s' for its risks", reg->id,
			         risk_actions[i]);
	{
		const struct policy_field *band = policy_register_field(reg, "band");
		if (band && band->type == FIELD_ENUM && band->n_values != 2)
			load_err(L, n,
			         "field '%s.band' needs two values: within the acceptance "
			         "threshold, then above it",
			         reg->id);
	}
}

/* A whole number from lo to hi, or an error at n. */
static void load_number(struct loader *L, const struct ynode *n, const char *what, int64_t lo,
                        int64_t hi, int64_t *ret)
{
	char *end;
	long long v;

	if (!load_str(L, n, what))
		return;
	v = strtoll(n->str, &end, 10);
	if (end == n->str || *end || v < lo || v > hi) {
		load_err(L, n, "%s must be a whole number from %lld to %lld, not '%s'", what,
		         (long long)lo, (long long)hi, n->str);
		return;
	}
	*ret = v;
}

static void load_threats(struct loader *L, const struct ynode *n, struct policy_risk *rk)
{
	static const char *const keys[] = { "id",   "name",        "clause", "clauses",
		                            "note", "ward_choice", NULL };
	struct policy_threat *ts;

	if (!load_want(L, n, Y_SEQ, "'threats'"))
		return;
	if (!n->n) {
		load_err(L, n, "'threats' lists at least one threat");
		return;
	}
	ts = arena_array(L->a, n->n, sizeof(*ts));
	for (unsigned i = 0; i < n->n; i++) {
		const struct ynode *t = n->kids[i];
		struct policy_threat *th = &ts[rk->n_threats];
		const struct ynode *id;

		if (!load_want(L, t, Y_MAP, "a threat"))
			continue;
		load_check_keys(L, t, keys, "a threat");
		if (!load_require(L, t, "id", "a threat") ||
		    !load_require(L, t, "name", "a threat"))
			continue;
		id = ymap_get(t, "id");
		if (!load_str(L, id, "a threat id"))
			continue;
		if (!load_is_ident(id->str)) {
			load_err(L, id, "threat id '%s' is not an identifier", id->str);
			continue;
		}
		for (unsigned k = 0; k < rk->n_threats; k++)
			if (!strcmp(ts[k].id, id->str))
				load_err(L, id, "threat '%s' is listed twice", id->str);
		th->id = id->str;
		th->name = load_opt_str(L, t, "name", "a threat");
		th->note = load_opt_str(L, t, "note", "a threat");
		th->ward_choice = load_opt_str(L, t, "ward_choice", "a threat");
		th->pos = t->pos;
		/* a threat of the text names its clause; a ward's own says it is the ward's */
		load_clause_refs(L, t, &th->clauses, !th->ward_choice, "a threat");
		rk->n_threats++;
	}
	rk->threats = ts;
}

static void load_reduce(struct loader *L, const struct ynode *n, struct policy_risk *rk)
{
	static const char *const keys[] = { "enforced", "recorded", "monitored", NULL };
	const struct ynode *x;

	if (!load_want(L, n, Y_MAP, "'reduce'"))
		return;
	load_check_keys(L, n, keys, "'reduce'");
	if ((x = ymap_get(n, "enforced")))
		load_number(L, x, "'reduce: enforced'", 0, rk->likelihood_max,
		            &rk->reduce_enforced);
	if ((x = ymap_get(n, "recorded")))
		load_number(L, x, "'reduce: recorded'", 0, rk->likelihood_max,
		            &rk->reduce_recorded);
	if ((x = ymap_get(n, "monitored")))
		load_number(L, x, "'reduce: monitored'", 0, rk->likelihood_max,
		            &rk->reduce_monitored);
}

void load_risk(struct loader *L, const struct ynode *n)
{
	static const char *const keys[] = { "register",     "threats", "likelihood",  "impact",
		                            "accept_up_to", "reduce",  "ward_choice", "clause",
		                            "clauses",      NULL };
	struct policy_risk *rk = &L->p->risk;
	const struct ynode *x;

	if (!n || !load_want(L, n, Y_MAP, "'risk'"))
		return;
	load_check_keys(L, n, keys, "'risk'");
	rk->pos = n->pos;
	rk->likelihood_max = 5;
	rk->impact_max = 5;
	rk->accept_up_to = 15;
	rk->reduce_enforced = 2;
	rk->reduce_recorded = 1;
	rk->reduce_monitored = 1;
	if ((x = ymap_get(n, "likelihood")))
		load_number(L, x, "'likelihood' (the top of its scale)", 2, 10,
		            &rk->likelihood_max);
	if ((x = ymap_get(n, "impact")))
		load_number(L, x, "'impact' (the top of its scale)", 2, 10, &rk->impact_max);
	if ((x = ymap_get(n, "accept_up_to")))
		load_number(L, x, "'accept_up_to'", 1, rk->likelihood_max * rk->impact_max,
		            &rk->accept_up_to);
	if ((x = ymap_get(n, "reduce")))
		load_reduce(L, x, rk);
	rk->ward_choice = load_opt_str(L, n, "ward_choice", "'risk'");
	load_clause_refs(L, n, &rk->clauses, true, "'risk'");
	if (load_require(L, n, "threats", "'risk'"))
		load_threats(L, ymap_get(n, "threats"), rk);
	if (!load_require(L, n, "register", "'risk'"))
		return;
	x = ymap_get(n, "register");
	if (!load_str(L, x, "'register'"))
		return;
	rk->reg = stable_get(&L->priv->registers, x->str, x->len);
	if (!rk->reg) {
		load_unknown(L, x, "register", x->str, L->register_ids, L->p->n_registers);
		return;
	}
	check_register(L, x, rk->reg);
}

/* The threat of the profile with this id, or NULL. */
const struct policy_threat *policy_threat(const struct profile *p, const char *id)
{
	for (unsigned i = 0; i < p->risk.n_threats; i++)
		if (!strcmp(p->risk.threats[i].id, id))
			return &p->risk.threats[i];
	return NULL;
}
