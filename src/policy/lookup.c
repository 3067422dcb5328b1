/* lookup: the model's lookups by id, separation queries and the names of enum values. */
#include <string.h>

#include "base/cleanup.h"
#include "policy/policy-internal.h"

const struct policy_clause *policy_clause(const struct profile *p, const char *id)
{
	return stable_get(&p->priv->clauses, id, strlen(id));
}

uint64_t policy_rule_actor_roles(const struct profile *p, const struct policy_rule *r)
{
	const struct cond *w = &p->priv->rule_priv[r->index].when;

	return w->present && w->has_roles ? w->roles : 0;
}

const struct policy_level *policy_level(const struct profile *p, const char *id)
{
	return stable_get(&p->priv->levels, id, strlen(id));
}

const struct policy_role *policy_role(const struct profile *p, const char *id)
{
	return stable_get(&p->priv->roles, id, strlen(id));
}

const struct policy_role *policy_role_n(const struct profile *p, const char *id, size_t len)
{
	return stable_get(&p->priv->roles, id, len);
}

const struct policy_employment *policy_employment_kind(const struct profile *p, const char *id)
{
	return stable_get(&p->priv->employment, id, strlen(id));
}

const struct policy_context_key *policy_context_key(const struct profile *p, const char *id)
{
	return stable_get(&p->priv->context, id, strlen(id));
}

const struct policy_register *policy_register(const struct profile *p, const char *id)
{
	return stable_get(&p->priv->registers, id, strlen(id));
}

const struct policy_action *policy_action(const struct profile *p, const char *full_name)
{
	return stable_get(&p->priv->actions, full_name, strlen(full_name));
}

const struct policy_action *policy_register_action(const struct policy_register *r, const char *id)
{
	for (unsigned i = 0; i < r->n_actions; i++)
		if (!strcmp(r->actions[i]->id, id))
			return r->actions[i];
	return NULL;
}

const struct policy_field *policy_register_field(const struct policy_register *r, const char *id)
{
	for (unsigned i = 0; i < r->n_fields; i++)
		if (!strcmp(r->fields[i].id, id))
			return &r->fields[i];
	return NULL;
}

const struct policy_field *policy_action_field(const struct policy_action *a, const char *id)
{
	for (unsigned i = 0; i < a->n_fields; i++)
		if (!strcmp(a->fields[i].id, id))
			return &a->fields[i];
	return NULL;
}

const struct policy_state *policy_register_state(const struct policy_register *r, const char *id)
{
	for (unsigned i = 0; i < r->n_states; i++)
		if (!strcmp(r->states[i].id, id))
			return &r->states[i];
	return NULL;
}

const struct policy_rule *policy_rule(const struct profile *p, const char *id)
{
	return stable_get(&p->priv->rules, id, strlen(id));
}

const struct policy_duty *policy_duty(const struct profile *p, const char *id)
{
	return stable_get(&p->priv->duties, id, strlen(id));
}

const struct policy_opening *policy_opening(const struct profile *p, const char *id)
{
	for (unsigned i = 0; id && i < p->n_openings; i++)
		if (!strcmp(p->openings[i].id, id))
			return &p->openings[i];
	return NULL;
}

const struct policy_retention *policy_retention_for(const struct profile *p,
                                                    const struct policy_register *r)
{
	for (unsigned i = 0; i < p->n_retention; i++)
		if (p->retention[i].reg == r)
			return &p->retention[i];
	return NULL;
}

const struct policy_separation *policy_separation_for_action(const struct profile *p,
                                                             const struct policy_action *a)
{
	return p->priv->cactions ? p->priv->cactions[a->index].sep : NULL;
}

struct policy_fallback policy_separation_fallback(const struct policy_separation *s,
                                                  const struct policy_role *r)
{
	struct policy_fallback none = { FALLBACK_NONE, NULL };

	if (!s)
		return none;
	for (unsigned i = 0; i < s->n_fallbacks; i++)
		if (s->fallbacks[i].approver == r)
			return s->fallbacks[i].fallback;
	for (unsigned i = 0; i < s->n_fallbacks; i++)
		if (!s->fallbacks[i].approver)
			return s->fallbacks[i].fallback;
	return none;
}

static bool value_in(const struct policy_evidence_value *e, const char *v)
{
	for (unsigned i = 0; i < e->n_values; i++)
		if (!strcmp(e->values[i], v))
			return true;
	return false;
}

/* Whether one act could be the evidence of both duties: same action, no field they tell apart. */
static bool evidence_overlaps(const struct policy_duty *a, const struct policy_duty *b)
{
	if (a->evidence != b->evidence)
		return false;
	for (unsigned i = 0; i < a->n_evidence_values; i++)
		for (unsigned k = 0; k < b->n_evidence_values; k++) {
			const struct policy_evidence_value *x = &a->evidence_values[i];
			const struct policy_evidence_value *y = &b->evidence_values[k];
			bool common = false;

			if (x->field != y->field)
				continue;
			for (unsigned j = 0; j < x->n_values && !common; j++)
				common = value_in(y, x->values[j]);
			if (!common)
				return false; /* no value satisfies both */
		}
	return true;
}

bool policy_duty_typed(const struct profile *p, const struct policy_duty *du)
{
	if (!du->evidence)
		return false;
	for (unsigned i = 0; i < p->n_duties; i++)
		if (&p->duties[i] != du && evidence_overlaps(du, &p->duties[i]))
			return false;
	return true;
}

bool policy_duty_evidence_matches(const struct policy_duty *du, const struct policy_attr *vals,
                                  size_t n)
{
	for (unsigned i = 0; i < du->n_evidence_values; i++) {
		const struct policy_evidence_value *ev = &du->evidence_values[i];
		bool ok = false;

		for (size_t k = 0; k < n && !ok; k++)
			ok = vals[k].key && vals[k].value && !strcmp(vals[k].key, ev->field->id) &&
			     value_in(ev, vals[k].value);
		if (!ok)
			return false;
	}
	return true;
}

bool policy_roles_exclusive(const struct profile *p, const struct policy_role *a,
                            const struct policy_role *b, const struct policy_separation **ret_sep)
{
	for (unsigned i = 0; i < p->n_separation; i++) {
		const struct policy_separation *s = &p->separation[i];
		bool ha = false, hb = false;

		if (s->kind != SEP_EXCLUSIVE_ROLES)
			continue;
		for (unsigned j = 0; j < s->n_roles; j++) {
			/* holding a role means holding what it includes too */
			ha |= (a->implied >> s->roles[j]->index) & 1;
			hb |= (b->implied >> s->roles[j]->index) & 1;
		}
		if (ha && hb && a != b) {
			bool same_only = true;

			/* both must hit different roles of the list */
			for (unsigned j = 0; j < s->n_roles; j++)
				for (unsigned k = 0; k < s->n_roles; k++)
					if (j != k && ((a->implied >> s->roles[j]->index) & 1) &&
					    ((b->implied >> s->roles[k]->index) & 1))
						same_only = false;
			if (same_only)
				continue;
			if (ret_sep)
				*ret_sep = s;
			return true;
		}
	}
	return false;
}

const char *policy_scope_kind_name(enum policy_scope_kind k)
{
	switch (k) {
	case SCOPE_ORG:
		return "org";
	case SCOPE_SECTION:
		return "section";
	case SCOPE_SYSTEM:
		return "system";
	}
	return "?";
}

const char *policy_effect_name(enum policy_effect e)
{
	switch (e) {
	case EFFECT_NONE:
		return "obligations";
	case EFFECT_ALLOW:
		return "allow";
	case EFFECT_APPROVAL:
		return "approval";
	case EFFECT_DENY:
		return "deny";
	}
	return "?";
}

const char *policy_obligation_kind_name(enum policy_obligation_kind k)
{
	static const char *const names[] = { "record",   "dispose", "witness", "encrypt",
		                             "measures", "notify",  "note" };

	return (size_t)k < ARRAY_SIZE(names) ? names[k] : "?";
}

const char *policy_clause_kind_name(enum policy_clause_kind k)
{
	static const char *const names[] = { "E", "R", "M", "H" };

	return (size_t)k < ARRAY_SIZE(names) ? names[k] : "?";
}
