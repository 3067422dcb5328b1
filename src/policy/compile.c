/* compile: a profile's rules compiled into per-action indexes (policy_compile), which decide.c
 * reads: each rule's record conditions resolved to fields and values, its states to bits. */
#include <string.h>

#include "base/cleanup.h"
#include "policy/policy-internal.h"

static bool pattern_matches(const char *pat, const struct policy_action *a)
{
	const char *dot = strchr(pat, '.');
	size_t rl;

	if (!dot)
		return false;
	rl = (size_t)(dot - pat);
	if (rl == 1 && pat[0] == '*')
		return !strcmp(dot + 1, a->id);
	if (strlen(a->reg->id) != rl || memcmp(a->reg->id, pat, rl))
		return false;
	return !strcmp(dot + 1, "*") || !strcmp(dot + 1, a->id);
}

bool policy_rule_on(const struct policy_rule *r, const struct policy_action *a)
{
	for (unsigned i = 0; i < r->n_on; i++)
		if (pattern_matches(r->on[i], a))
			return true;
	return false;
}

/* Record conditions name register fields: resolve them for the action's register. */
static struct cond_rec *resolve_rec(struct arena *ar, const struct cond *c,
                                    const struct policy_action *a, const struct policy_rule *r,
                                    unsigned *ret_n, struct policy_diags *d)
{
	struct cond_rec *out;
	unsigned n = 0;

	*ret_n = 0;
	if (!c->n_rec)
		return NULL;
	out = arena_array(ar, c->n_rec, sizeof(*out));
	for (unsigned i = 0; i < c->n_rec; i++) {
		const struct cond_rec_raw *rr = &c->rec[i];
		const struct policy_field *f = policy_register_field(a->reg, rr->field);

		if (!f) {
			const char *cands[128];
			unsigned nc = 0;
			struct strbuf sb = STRBUF_INIT;

			for (unsigned j = 0; j < a->reg->n_fields && nc < ARRAY_SIZE(cands); j++)
				cands[nc++] = a->reg->fields[j].id;
			strbuf_addf(&sb,
			            "rule '%s' tests field '%s', which register '%s' does not have",
			            r->id, rr->field, a->reg->id);
			suggest_append(&sb, rr->field, cands, nc);
			diag_add(d, DIAG_ERROR, rr->pos, "%s", sb.buf);
			strbuf_release(&sb);
			continue;
		}
		if (f->type != FIELD_ENUM && f->type != FIELD_BOOL) {
			diag_add(d, DIAG_ERROR, rr->pos,
			         "rule '%s' tests field '%s' of type %s; rules test enum or bool "
			         "fields only",
			         r->id, f->id, policy_field_type_name(f->type));
			continue;
		}
		out[n].field = f;
		for (unsigned v = 0; v < rr->n_values; v++) {
			int bit = -1;

			if (f->type == FIELD_BOOL) {
				if (!strcmp(rr->values[v], "true"))
					bit = 1;
				else if (!strcmp(rr->values[v], "false"))
					bit = 0;
			} else {
				for (unsigned j = 0; j < f->n_values; j++)
					if (!strcmp(f->values[j], rr->values[v]))
						bit = (int)j;
			}
			if (bit < 0) {
				struct strbuf sb = STRBUF_INIT;
				static const char *const tf[] = { "true", "false" };

				strbuf_addf(&sb, "field '%s' of register '%s' has no value '%s'",
				            f->id, a->reg->id, rr->values[v]);
				if (f->type == FIELD_BOOL)
					suggest_append(&sb, rr->values[v], tf, 2);
				else
					suggest_append(&sb, rr->values[v], f->values, f->n_values);
				diag_add(d, DIAG_ERROR, rr->pos, "%s", sb.buf);
				strbuf_release(&sb);
				continue;
			}
			out[n].values |= 1ULL << bit;
		}
		n++;
	}
	*ret_n = n;
	return out;
}

static uint64_t resolve_states(const struct cond *c, const struct policy_action *a,
                               const struct policy_rule *r, struct policy_diags *d)
{
	uint64_t m = 0;

	for (unsigned i = 0; i < c->n_states; i++) {
		const struct policy_state *s = policy_register_state(a->reg, c->states[i]);

		if (!s) {
			const char *cands[POLICY_MAX_STATES];
			struct strbuf sb = STRBUF_INIT;

			for (unsigned j = 0; j < a->reg->n_states; j++)
				cands[j] = a->reg->states[j].id;
			strbuf_addf(&sb,
			            "rule '%s' tests state '%s', which register '%s' does not have",
			            r->id, c->states[i], a->reg->id);
			suggest_append(&sb, c->states[i], cands, a->reg->n_states);
			diag_add(d, DIAG_ERROR, c->pos, "%s", sb.buf);
			strbuf_release(&sb);
			continue;
		}
		m |= 1ULL << s->index;
	}
	return m;
}

/* A rule's `record` obligations name fields of the action or its register. */
static void check_record_obligations(const struct policy_rule *r, const struct policy_action *a,
                                     struct policy_diags *d)
{
	for (unsigned oi = 0; oi < r->n_obligations; oi++) {
		const struct policy_obligation *o = &r->obligations[oi];

		if (o->kind != OBLIGATION_RECORD)
			continue;
		for (unsigned k = 0; k < o->n_items; k++) {
			const struct policy_field *f = policy_action_field(a, o->items[k]);

			if (!f)
				f = policy_register_field(a->reg, o->items[k]);
			if (!f)
				diag_add(
				    d, DIAG_ERROR, o->pos,
				    "rule '%s' obliges recording '%s', which is neither a field of "
				    "action '%s' nor of register '%s'",
				    r->id, o->items[k], a->full_name, a->reg->id);
		}
	}
}

/* Rule ri, which applies to action a, compiled into c; returns how many approvers it names. */
static unsigned compile_rule(struct profile *p, unsigned ri, const struct policy_action *a,
                             struct caction *c, struct policy_diags *d)
{
	struct arena *ar = &p->priv->arena;
	const struct policy_rule *r = &p->rules[ri];
	const struct rule_priv *rp = &p->priv->rule_priv[ri];
	uint64_t bit = 1ULL << c->n;
	struct crule *cr = &c->rules[c->n++];

	cr->rule = r;
	cr->when = &rp->when;
	cr->unless = &rp->unless;
	cr->rec_when = resolve_rec(ar, &rp->when, a, r, &cr->n_rec_when, d);
	cr->rec_unless = resolve_rec(ar, &rp->unless, a, r, &cr->n_rec_unless, d);
	cr->states_when = resolve_states(&rp->when, a, r, d);
	cr->states_unless = resolve_states(&rp->unless, a, r, d);
	for (unsigned k = 0; k < rp->when.n_ctx; k++)
		c->ctx_read |= 1ULL << rp->when.ctx[k].key;
	for (unsigned k = 0; k < rp->unless.n_ctx; k++)
		c->ctx_read |= 1ULL << rp->unless.ctx[k].key;
	switch (r->effect) {
	case EFFECT_ALLOW:
		c->allow |= bit;
		break;
	case EFFECT_APPROVAL:
		c->approval |= bit;
		break;
	case EFFECT_DENY:
		c->deny |= bit;
		break;
	case EFFECT_NONE:
		c->none |= bit;
		break;
	}
	/* obligations to record fields: the fields must exist for this action */
	check_record_obligations(r, a, d);
	return r->effect == EFFECT_APPROVAL ? r->n_approvers : 0;
}

/* The applicant≠approver constraint that covers action a, or NULL. */
static const struct policy_separation *action_separation(const struct profile *p,
                                                         const struct policy_action *a)
{
	const struct policy_separation *sep = NULL;

	for (unsigned si = 0; si < p->n_separation && !sep; si++) {
		const struct policy_separation *s = &p->separation[si];

		if (s->kind != SEP_APPLICANT_NOT_APPROVER)
			continue;
		if (s->all_actions)
			sep = s;
		for (unsigned k = 0; k < s->n_actions; k++)
			if (s->actions[k] == a)
				sep = s;
	}
	return sep;
}

/* The action's required fields, as one obligation listed first. */
static void required_obligation(struct arena *ar, const struct policy_action *a, struct caction *c)
{
	unsigned nreq = 0;
	const char **items, **names;

	for (unsigned k = 0; k < a->n_fields; k++)
		nreq += a->fields[k].required;
	if (!nreq)
		return;
	items = arena_array(ar, nreq, sizeof(*items));
	names = arena_array(ar, nreq, sizeof(*names));
	c->required.kind = OBLIGATION_RECORD;
	for (unsigned k = 0; k < a->n_fields; k++)
		if (a->fields[k].required) {
			items[c->required.n_items] = a->fields[k].id;
			names[c->required.n_items++] = a->fields[k].name;
		}
	c->required.items = items;
	c->required.item_names = names;
	c->required.clauses = a->clauses;
	c->required.pos = a->pos;
	c->has_required = true;
}

void policy_compile(struct profile *p, struct policy_diags *d)
{
	struct profile_private *priv = p->priv;
	struct arena *ar = &priv->arena;
	struct caction *ca = arena_array(ar, p->n_actions ? p->n_actions : 1, sizeof(*ca));

	for (unsigned ai = 0; ai < p->n_actions; ai++) {
		const struct policy_action *a = p->actions[ai];
		struct caction *c = &ca[ai];
		unsigned n = 0, approvers = 0;

		for (unsigned ri = 0; ri < p->n_rules; ri++)
			n += policy_rule_on(&p->rules[ri], a);
		if (n > POLICY_MAX_RULES_PER_ACTION) {
			diag_add(d, DIAG_ERROR, a->pos, "more than %d rules apply to action '%s'",
			         POLICY_MAX_RULES_PER_ACTION, a->full_name);
			continue;
		}
		c->rules = arena_array(ar, n ? n : 1, sizeof(*c->rules));
		for (unsigned ri = 0; ri < p->n_rules; ri++)
			if (policy_rule_on(&p->rules[ri], a))
				approvers += compile_rule(p, ri, a, c, d);
		if (approvers > POLICY_MAX_APPROVERS)
			diag_add(d, DIAG_ERROR, a->pos,
			         "the approval rules of action '%s' name %u approvers; at most %d",
			         a->full_name, approvers, POLICY_MAX_APPROVERS);
		c->sep = action_separation(p, a);
		required_obligation(ar, a, c);
	}
	priv->cactions = ca;
}
