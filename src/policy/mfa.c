/* mfa: the roles a ward should make log in with a second factor (mamori doctor). */
#include "policy/policy-internal.h"
#include "policy/policy.h"

/*
 * Ward-wide roles (scope org) and the approvers of the most protected level: every role an
 * approval rule names when the rule can apply to that level (it names the level, or no level
 * at all). Mamori's own administrators are not a role of the profile; the caller adds them.
 */
uint64_t policy_roles_second_factor(const struct profile *p)
{
	uint64_t mask = 0;
	unsigned top = 0;

	for (unsigned i = 0; i < p->n_roles && i < 64; i++)
		if (p->roles[i].scope == SCOPE_ORG)
			mask |= 1ULL << i;
	for (unsigned i = 0; i < p->n_levels; i++)
		if (p->levels[i].rank == 0)
			top = i;
	for (unsigned i = 0; i < p->n_rules; i++) {
		const struct policy_rule *ru = &p->rules[i];
		const struct cond *w = &p->priv->rule_priv[i].when;
		if (ru->effect != EFFECT_APPROVAL)
			continue;
		if (w->has_levels && !(w->levels & (1ULL << top)))
			continue;
		for (unsigned a = 0; a < ru->n_approvers; a++)
			if (ru->approvers[a].role && ru->approvers[a].role->index < 64)
				mask |= 1ULL << ru->approvers[a].role->index;
	}
	return mask;
}
