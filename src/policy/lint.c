/* lint: checks on the whole model (rules that never apply or conflict, uncarried clauses) and
 * coverage. */
#include <string.h>

#include "base/cleanup.h"
#include "policy/policy-internal.h"

/* ---- rule analysis ------------------------------------------------------------------------ */

static bool at_implies(enum policy_at a, enum policy_at b)
{
	return a == b || b == AT_ANY;
}

/*
 * Whether condition a implies condition b for the compiled rules ra and rb of
 * one action: whenever a holds, b holds. Conservative: false when unsure.
 * The "when" sides are compared; `unless` is handled by the caller.
 */
static bool cond_implies(const struct profile *p, const struct cond *a, const struct cond_rec *ar,
                         unsigned anr, uint64_t astates, const struct cond *b,
                         const struct cond_rec *br, unsigned bnr, uint64_t bstates)
{
	if (b->has_levels && (!a->has_levels || (a->levels & ~b->levels)))
		return false;
	if (b->has_roles) {
		if (!a->has_roles || !at_implies(a->role_at, b->role_at))
			return false;
		for (unsigned i = 0; i < p->n_roles; i++)
			if (((a->roles >> i) & 1) && !(p->roles[i].implied & b->roles))
				return false;
	}
	if (b->has_employment && (!a->has_employment || (a->employment & ~b->employment)))
		return false;
	if (b->section != SECTION_ANY && a->section != b->section)
		return false;
	if (b->has_states && (!a->has_states || (astates & ~bstates)))
		return false;
	for (unsigned i = 0; i < b->n_ctx; i++) {
		bool ok = false;

		for (unsigned j = 0; j < a->n_ctx && !ok; j++)
			ok = a->ctx[j].key == b->ctx[i].key &&
			     !(a->ctx[j].values & ~b->ctx[i].values);
		if (!ok)
			return false;
	}
	for (unsigned i = 0; i < bnr; i++) {
		bool ok = false;

		for (unsigned j = 0; j < anr && !ok; j++)
			ok = ar[j].field == br[i].field && !(ar[j].values & ~br[i].values);
		if (!ok)
			return false;
	}
	return true;
}

static bool when_implies(const struct profile *p, const struct crule *a, const struct crule *b)
{
	return cond_implies(p, a->when, a->rec_when, a->n_rec_when, a->states_when, b->when,
	                    b->rec_when, b->n_rec_when, b->states_when);
}

static int strength(enum policy_effect e)
{
	switch (e) {
	case EFFECT_DENY:
		return 3;
	case EFFECT_APPROVAL:
		return 2;
	case EFFECT_ALLOW:
		return 1;
	case EFFECT_NONE:
		return 0;
	}
	return 0;
}

/* Rules that can never apply: no level satisfies them, or they name no action (reported). */
static void dead_rules(const struct profile *p, bool *dead, struct policy_diags *d)
{
	for (unsigned ri = 0; ri < p->n_rules; ri++) {
		const struct policy_rule *r = &p->rules[ri];
		const struct rule_priv *rp = &p->priv->rule_priv[ri];
		bool applies = false;

		if (rp->when.has_levels && !rp->when.levels) {
			diag_add(
			    d, DIAG_ERROR, rp->when.level_pos,
			    "rule '%s' can never apply: no level satisfies its level conditions",
			    r->id);
			dead[ri] = true;
		}
		for (unsigned ai = 0; ai < p->n_actions; ai++)
			applies |= policy_rule_on(r, p->actions[ai]);
		if (!applies && r->n_on)
			dead[ri] = true; /* already reported: unknown action */
	}
}

/* The pairs of rules one action has: a is unreachable beside b, in conflict, or repeated. */
struct rule_pairs {
	const struct profile *p;
	const struct policy_action *action;
	bool *reported; /* n_rules × n_rules, both ways */
	struct policy_diags *d;
};

static void pair_reported(struct rule_pairs *rp, unsigned ri, unsigned rj)
{
	unsigned nr = rp->p->n_rules;

	rp->reported[(size_t)ri * nr + rj] = true;
	rp->reported[(size_t)rj * nr + ri] = true;
}

static void lint_pair(struct rule_pairs *rp, const struct crule *a, const struct crule *b)
{
	const struct profile *p = rp->p;
	unsigned ri = a->rule->index, rj = b->rule->index;
	bool same;

	if (rp->reported[(size_t)ri * p->n_rules + rj] || !when_implies(p, a, b))
		return;
	same = when_implies(p, b, a) && !a->unless->present;
	if (strength(b->rule->effect) > strength(a->rule->effect)) {
		if (same)
			diag_add(
			    rp->d, DIAG_ERROR, a->rule->pos,
			    "rules '%s' (%s) and '%s' (%s) are in conflict: same conditions on "
			    "'%s', different effects",
			    a->rule->id, policy_effect_name(a->rule->effect), b->rule->id,
			    policy_effect_name(b->rule->effect), rp->action->full_name);
		else
			diag_add(rp->d, DIAG_ERROR, a->rule->pos,
			         "rule '%s' (%s) is unreachable on '%s': rule '%s' (%s) applies "
			         "whenever it does",
			         a->rule->id, policy_effect_name(a->rule->effect),
			         rp->action->full_name, b->rule->id,
			         policy_effect_name(b->rule->effect));
		pair_reported(rp, ri, rj);
	} else if (same && b->rule->effect == a->rule->effect && ri < rj &&
	           a->rule->effect != EFFECT_APPROVAL) {
		/* two approvals with the same conditions ask two approvers */
		diag_add(rp->d, DIAG_WARNING, b->rule->pos,
		         "rule '%s' repeats rule '%s' on '%s' (same conditions, same effect)",
		         b->rule->id, a->rule->id, rp->action->full_name);
		pair_reported(rp, ri, rj);
	}
}

/* Rule a of action ca: an unless that holds whenever its when does, then its pairs. */
static void lint_action_rule(struct rule_pairs *rp, const struct caction *ca, unsigned i,
                             bool *dead)
{
	const struct crule *a = &ca->rules[i];
	unsigned ri = a->rule->index;

	if (a->unless->present &&
	    cond_implies(rp->p, a->when, a->rec_when, a->n_rec_when, a->states_when, a->unless,
	                 a->rec_unless, a->n_rec_unless, a->states_unless)) {
		diag_add(rp->d, DIAG_ERROR, a->unless->pos,
		         "rule '%s' can never apply: its 'unless' holds whenever its 'when' does",
		         a->rule->id);
		dead[ri] = true;
		return;
	}
	if (a->rule->effect == EFFECT_NONE)
		return;
	for (unsigned j = 0; j < ca->n; j++) {
		const struct crule *b = &ca->rules[j];

		if (i == j || dead[b->rule->index] || b->unless->present ||
		    b->rule->effect == EFFECT_NONE)
			continue;
		lint_pair(rp, a, b);
	}
}

static void lint_rules(const struct profile *p, struct policy_diags *d)
{
	unsigned nr = p->n_rules;
	bool *reported = xcalloc(nr ? (size_t)nr * nr : 1, 1);
	bool *dead = xcalloc(nr ? nr : 1, 1);
	struct rule_pairs rp = { p, NULL, reported, d };

	dead_rules(p, dead, d);
	for (unsigned ai = 0; ai < p->n_actions; ai++) {
		const struct caction *ca = &p->priv->cactions[ai];

		rp.action = p->actions[ai];
		for (unsigned i = 0; i < ca->n; i++)
			if (!dead[ca->rules[i].rule->index])
				lint_action_rule(&rp, ca, i, dead);
	}
	free(reported);
	free(dead);
}

/* States no action leads to, starting from the initial state. */
static void lint_states(const struct profile *p, struct policy_diags *d)
{
	for (unsigned i = 0; i < p->n_registers; i++) {
		const struct policy_register *r = &p->registers[i];
		uint64_t reach = 0, before;

		if (!r->n_states)
			continue;
		if (r->initial)
			reach |= 1ULL << r->initial->index;
		for (unsigned k = 0; k < r->n_actions; k++)
			if (r->actions[k]->create && r->actions[k]->to)
				reach |= 1ULL << r->actions[k]->to->index;
		do {
			before = reach;
			for (unsigned k = 0; k < r->n_actions; k++) {
				const struct policy_action *a = r->actions[k];

				if (a->to && (!a->from || (a->from & reach)))
					reach |= 1ULL << a->to->index;
			}
		} while (reach != before);
		for (unsigned s = 0; s < r->n_states; s++)
			if (!((reach >> s) & 1) && !r->states[s].former)
				diag_add(d, DIAG_WARNING, r->states[s].pos,
				         "state '%s' of register '%s' is never reached: no action "
				         "leads to it",
				         r->states[s].id, r->id);
	}
}

static bool cond_reads(const struct cond *c, unsigned key)
{
	for (unsigned i = 0; i < c->n_ctx; i++)
		if (c->ctx[i].key == key)
			return true;
	return false;
}

/*
 * A decision never depends on what the request did not say: every context key a rule reads
 * is required by the action, or has a default (the ward's choice), or, for a read, is given
 * by the session. A read never asks, so what it requires the session must give.
 */
static void lint_context(const struct profile *p, struct policy_diags *d)
{
	const struct profile_private *priv = p->priv;
	size_t nk = p->n_context_keys ? p->n_context_keys : 1;
	bool *reported = xcalloc(p->n_rules ? (size_t)p->n_rules * nk : 1, 1);

	for (unsigned ai = 0; ai < p->n_actions; ai++) {
		const struct policy_action *a = p->actions[ai];
		const struct caction *ca = &priv->cactions[ai];

		for (unsigned k = 0; k < p->n_context_keys; k++) {
			const struct policy_context_key *c = &p->context_keys[k];
			bool session = a->read && p->session_values[k] >= 0;

			if (((a->context_required >> k) & 1) && a->read && !session)
				diag_add(d, DIAG_ERROR, a->pos,
				         "action '%s' is a read and requires context '%s': a read "
				         "never asks, so give it under session.context",
				         a->full_name, c->id);
			if (!((ca->ctx_read >> k) & 1) || ((a->context_required >> k) & 1) ||
			    c->default_value >= 0 || session)
				continue;
			for (unsigned i = 0; i < ca->n; i++) {
				const struct policy_rule *r = ca->rules[i].rule;

				if (reported[(size_t)r->index * nk + k] ||
				    (!cond_reads(ca->rules[i].when, k) &&
				     !cond_reads(ca->rules[i].unless, k)))
					continue;
				reported[(size_t)r->index * nk + k] = true;
				diag_add(
				    d, DIAG_ERROR, r->pos,
				    "rule '%s' reads context '%s' on '%s', which neither requires "
				    "it (context: [%s] on the action) nor has a default (default "
				    "and ward_choice on context key '%s'): a decision must not "
				    "depend on what the request did not say",
				    r->id, c->id, a->full_name, c->id, c->id);
			}
		}
	}
	free(reported);
}

/* The carrier that gives a clause its strength, for messages. */
static const struct policy_carrier *best_carrier(const struct policy_coverage_entry *e)
{
	const struct policy_carrier *best = NULL;

	for (unsigned k = 0; k < e->nr; k++)
		if (!best || e->carriers[k].strength > best->strength)
			best = &e->carriers[k];
	return best;
}

/* An R clause whose fields nobody keeps: name them, and what would keep them. */
static void lint_unkept(struct policy_diags *d, const struct policy_coverage_entry *e)
{
	struct strbuf sb = STRBUF_INIT;

	for (unsigned k = 0; k < e->nr; k++)
		if (e->carriers[k].kind == CARRIER_FIELD)
			strbuf_addf(&sb, "%s%s", sb.len ? ", " : "", e->carriers[k].name);
	diag_add(d, DIAG_WARNING, e->clause->pos,
	         "clause '%s' (kind R) is a gap: what it says to keep (%s) is optional and read by "
	         "no rule; make it required (or required by an action), read it in a rule, or cite "
	         "the clause where it is kept",
	         e->clause->id, sb.buf);
	strbuf_release(&sb);
}

/*
 * An E, R or M clause that nothing carries and that has no reason is an error (E) or a
 * warning; every other gap — carried below what its kind needs, or only with a reason — is
 * a warning, so `make check` shows how many honest gaps each profile has.
 */
static void lint_coverage(const struct profile *p, struct policy_diags *d)
{
	const struct policy_watch *w = NULL;
	struct policy_coverage cov;
	unsigned nw = 0;

	if (d->watches)
		d->watches(p, d->watches_ctx, &w, &nw);
	policy_coverage_compute_watched(p, w, nw, &cov);
	for (unsigned i = 0; i < cov.nr; i++) {
		const struct policy_coverage_entry *e = &cov.entries[i];
		const struct policy_clause *c = e->clause;
		const struct policy_carrier *best = best_carrier(e);

		if (c->kind == CLAUSE_H || !e->gap)
			continue;
		if (!e->nr && !c->reason && c->kind == CLAUSE_E)
			diag_add(
			    d, DIAG_ERROR, c->pos,
			    "clause '%s' (kind E) is enforced by nothing: cite it from a rule, "
			    "an action, a field, a separation constraint or a role, or give a "
			    "'reason'",
			    c->id);
		else if (!e->nr && !c->reason)
			diag_add(
			    d, DIAG_WARNING, c->pos,
			    "clause '%s' (kind %s) is carried by nothing: cite it from a rule, "
			    "register, field, action or duty, or give a 'reason'",
			    c->id, policy_clause_kind_name(c->kind));
		else if (!e->nr)
			diag_add(d, DIAG_WARNING, c->pos,
			         "clause '%s' (kind %s) is a gap: nothing carries it (reason: %s)",
			         c->id, policy_clause_kind_name(c->kind), c->reason);
		else if (e->unkept)
			lint_unkept(d, e);
		else
			diag_add(
			    d, DIAG_WARNING, c->pos,
			    "clause '%s' (kind %s) is a gap: it needs %s, its best carrier %s is "
			    "%s",
			    c->id, policy_clause_kind_name(c->kind),
			    policy_strength_name(policy_strength_needed(c->kind)), best->name,
			    policy_strength_name(best->strength));
	}
	policy_coverage_release(&cov);
}

void policy_lint_model(const struct profile *p, struct policy_diags *d)
{
	lint_rules(p, d);
	lint_states(p, d);
	lint_context(p, d);
	lint_coverage(p, d);
}
