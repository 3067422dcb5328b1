/* decide: the decision itself over the compiled indexes (compile.c): pure, no allocation. */
#include <errno.h>
#include <string.h>

#include "base/cleanup.h"
#include "policy/policy-internal.h"

/* ---- deciding ---------------------------------------------------------------------------- */

/* The request, reduced to bit masks once, so each rule is a handful of AND/compare. */
struct prepared {
	uint64_t roles_any, roles_record, roles_actor, roles_org;
	uint64_t level;      /* one bit, or 0 when the request names no level */
	uint64_t employment; /* one bit, or 0 */
	bool same_section;
	bool has_state;
	uint64_t state;
	int ctx[POLICY_MAX_CONTEXT_KEYS]; /* value index; -1 absent; -2 unknown value */
	uint64_t opened;                  /* bit per opening that opens the record */
	const struct decide_request *req;
	const struct policy_register *reg;
};

static bool nonempty(const char *s)
{
	return s && *s;
}

/* Adds one "role@scope" of the subject to the masks. */
static void add_role(const struct profile *p, struct prepared *pr, const char *spec,
                     const struct policy_role **ret_role, const char **ret_scope)
{
	const struct decide_request *q = pr->req;
	const char *at = strchr(spec, '@');
	size_t rl = at ? (size_t)(at - spec) : strlen(spec);
	const struct policy_role *r = policy_role_n(p, spec, rl);
	const char *scope = at ? at + 1 : "org";
	uint64_t m;

	*ret_role = NULL;
	if (!r)
		return;
	m = r->implied;
	if (r->scope == SCOPE_ORG) {
		if (strcmp(scope, "org"))
			return;
		pr->roles_any |= m;
		pr->roles_record |= m;
		pr->roles_actor |= m;
		pr->roles_org |= m;
	} else if (r->scope == SCOPE_SECTION) {
		const char *v;

		if (strncmp(scope, "section:", 8))
			return;
		v = scope + 8;
		pr->roles_any |= m;
		if (nonempty(q->section) && !strcmp(v, q->section))
			pr->roles_record |= m;
		if (nonempty(q->subject_section) && !strcmp(v, q->subject_section))
			pr->roles_actor |= m;
	} else {
		const char *v;

		if (strncmp(scope, "system:", 7))
			return;
		v = scope + 7;
		pr->roles_any |= m;
		if (nonempty(q->system) && !strcmp(v, q->system))
			pr->roles_record |= m;
	}
	*ret_role = r;
	*ret_scope = scope;
}

/* A granted subject holds the grants field's role at the record, as its own section would. */
static void add_granted(struct prepared *pr, const struct policy_register *reg)
{
	for (unsigned i = 0; i < reg->n_fields; i++) {
		const struct policy_role *as = reg->fields[i].grants_as;

		if (reg->fields[i].type != FIELD_GRANTS || !as)
			continue;
		pr->roles_any |= as->implied;
		pr->roles_record |= as->implied;
	}
}

/*
 * Completes the request's context for the action: a key it leaves out is taken from the
 * session for a read, else (unless the action requires it) from the key's default; a key the
 * action requires or its rules read that has neither, or that the request gives a value the
 * profile does not know, is missing. Keys the
 * action's rules do not read stay as they are: they never matter. Returns the missing keys.
 */
static uint64_t fill_context(const struct profile *p, const struct policy_action *a,
                             const struct caction *ca, struct prepared *pr, uint64_t *defaulted)
{
	uint64_t need = a->context_required | ca->ctx_read, missing = 0;

	*defaulted = 0;
	for (unsigned k = 0; k < p->n_context_keys; k++) {
		const struct policy_context_key *c = &p->context_keys[k];
		int v = -1;

		if (!((need >> k) & 1) || pr->ctx[k] >= 0)
			continue;
		if (pr->ctx[k] == -2) {
			missing |= 1ULL << k; /* a value the profile does not know says nothing */
			continue;
		}
		if (a->read && p->session_values && p->session_values[k] >= 0)
			v = p->session_values[k];
		else if (!((a->context_required >> k) & 1) && c->default_value >= 0)
			v = c->default_value;
		if (v < 0) {
			missing |= 1ULL << k;
			continue;
		}
		pr->ctx[k] = v;
		*defaulted |= 1ULL << k;
	}
	return missing;
}

const char *policy_context_assumed(const struct decision *d, unsigned k)
{
	const struct profile *p = d->profile;
	const struct policy_context_key *c;
	int v;

	if (k >= p->n_context_keys || !((d->defaulted >> k) & 1))
		return NULL;
	c = &p->context_keys[k];
	v = d->action->read && p->session_values && p->session_values[k] >= 0 ? p->session_values[k]
	                                                                      : c->default_value;
	return v >= 0 ? c->values[v] : NULL;
}

uint64_t policy_action_context_read(const struct profile *p, const struct policy_action *a)
{
	return p->priv->cactions ? p->priv->cactions[a->index].ctx_read : 0;
}

static bool eval_cond(const struct cond *c, const struct cond_rec *rec, unsigned n_rec,
                      uint64_t states, const struct prepared *pr)
{
	if (c->has_levels && !(c->levels & pr->level))
		return false;
	if (c->has_roles) {
		uint64_t held = 0;

		switch (c->role_at) {
		case AT_RECORD:
			held = pr->roles_record;
			break;
		case AT_ACTOR:
			held = pr->roles_actor;
			break;
		case AT_ANY:
			held = pr->roles_any;
			break;
		case AT_ORG:
			held = pr->roles_org;
			break;
		}
		if (!(c->roles & held))
			return false;
	}
	if (c->has_employment && !(c->employment & pr->employment))
		return false;
	if (c->section == SECTION_SAME && !pr->same_section)
		return false;
	if (c->section == SECTION_OTHER && pr->same_section)
		return false;
	if (c->has_states && !(pr->has_state && (states & pr->state)))
		return false;
	if (c->has_opened && !(c->opened & pr->opened))
		return false;
	for (unsigned i = 0; i < c->n_ctx; i++) {
		int v = pr->ctx[c->ctx[i].key];

		if (v < 0 || !((c->ctx[i].values >> v) & 1))
			return false;
	}
	for (unsigned i = 0; i < n_rec; i++) {
		const struct policy_field *f = rec[i].field;
		const char *val = NULL;
		int bit = -1;

		for (size_t k = 0; k < pr->req->n_attrs; k++)
			if (pr->req->attrs[k].key && !strcmp(pr->req->attrs[k].key, f->id)) {
				val = pr->req->attrs[k].value;
				break;
			}
		if (!val)
			return false;
		if (f->type == FIELD_BOOL) {
			bit = !strcmp(val, "true") ? 1 : !strcmp(val, "false") ? 0 : -1;
		} else {
			for (unsigned j = 0; j < f->n_values; j++)
				if (!strcmp(f->values[j], val)) {
					bit = (int)j;
					break;
				}
		}
		if (bit < 0 || !((rec[i].values >> bit) & 1))
			return false;
	}
	return true;
}

static bool rule_matches(const struct crule *cr, const struct prepared *pr)
{
	if (!eval_cond(cr->when, cr->rec_when, cr->n_rec_when, cr->states_when, pr))
		return false;
	if (cr->unless->present &&
	    eval_cond(cr->unless, cr->rec_unless, cr->n_rec_unless, cr->states_unless, pr))
		return false;
	return true;
}

static const struct policy_action *find_action(const struct profile *p,
                                               const struct decide_request *q,
                                               const struct policy_register **ret_reg,
                                               int *ret_code, struct strbuf *err)
{
	const char *name = q->action;
	const struct policy_action *a;

	*ret_code = -EINVAL;
	if (!nonempty(name)) {
		error_set(err, "the request names no action");
		return NULL;
	}
	if (strchr(name, '.')) {
		a = policy_action(p, name);
		if (!a) {
			*ret_code = -ENOENT;
			error_set(err, "unknown action '%s' in profile '%s'", name, p->id);
			return NULL;
		}
		*ret_reg = a->reg;
		return a;
	}
	/* "copy" with resource type "asset": the register comes from the resource */
	if (!nonempty(q->resource_type)) {
		error_set(err, "action '%s' needs a resource type, or write it register.action",
		          name);
		return NULL;
	}
	for (unsigned i = 0; i < p->n_registers; i++) {
		const struct policy_register *r = &p->registers[i];
		bool match = !strcmp(r->id, q->resource_type);

		for (unsigned t = 0; !match && t < r->n_types; t++)
			match = !strcmp(r->types[t], q->resource_type);
		if (match && (a = policy_register_action(r, name))) {
			*ret_reg = r;
			return a;
		}
	}
	*ret_code = -ENOENT;
	error_set(err, "unknown action '%s' for resource type '%s' in profile '%s'", name,
	          q->resource_type, p->id);
	return NULL;
}

static void add_approver(struct decision *d, const struct policy_role_ref *ref,
                         const struct prepared *pr)
{
	const struct decide_request *q = pr->req;
	struct policy_approver ap = { 0 };

	ap.role = ref->role;
	ap.scope = ref->role->scope;
	switch (ref->role->scope) {
	case SCOPE_ORG:
		ap.scope_value = NULL;
		ap.applicant_holds = (pr->roles_org >> ref->role->index) & 1;
		break;
	case SCOPE_SECTION:
		if (ref->at == AT_ACTOR) {
			ap.scope_value = nonempty(q->subject_section) ? q->subject_section : NULL;
			ap.applicant_holds = (pr->roles_actor >> ref->role->index) & 1;
		} else {
			ap.scope_value = nonempty(q->section) ? q->section : NULL;
			ap.applicant_holds = (pr->roles_record >> ref->role->index) & 1;
		}
		break;
	case SCOPE_SYSTEM:
		ap.scope_value = nonempty(q->system) ? q->system : NULL;
		ap.applicant_holds = (pr->roles_record >> ref->role->index) & 1;
		break;
	}
	for (unsigned i = 0; i < d->n_approvers; i++) {
		const struct policy_approver *x = &d->approvers[i];

		if (x->role == ap.role && x->scope == ap.scope &&
		    (x->scope_value == ap.scope_value ||
		     (x->scope_value && ap.scope_value && !strcmp(x->scope_value, ap.scope_value))))
			return;
	}
	ap.fallback = policy_separation_fallback(d->separation, ap.role);
	/* policy_compile bounds the approvers of one action by POLICY_MAX_APPROVERS */
	if (d->n_approvers < POLICY_MAX_APPROVERS)
		d->approvers[d->n_approvers++] = ap;
}

/* The request's level, state, employment and section as bits; -EINVAL for an unknown one. */
static int prepare_attrs(const struct profile *p, const struct decide_request *q,
                         const struct policy_action *a, struct prepared *pr, struct strbuf *err)
{
	if (nonempty(q->level)) {
		const struct policy_level *lv = policy_level(p, q->level);

		if (!lv) {
			error_set(err, "unknown level '%s' in profile '%s'", q->level, p->id);
			return -EINVAL;
		}
		pr->level = 1ULL << lv->rank;
	}
	if (nonempty(q->state)) {
		const struct policy_state *s = policy_register_state(a->reg, q->state);

		if (!s) {
			error_set(err, "unknown state '%s' of register '%s'", q->state, a->reg->id);
			return -EINVAL;
		}
		pr->has_state = true;
		pr->state = 1ULL << s->index;
	}
	if (nonempty(q->employment)) {
		const struct policy_employment *e = policy_employment_kind(p, q->employment);

		if (e)
			pr->employment = 1ULL << e->index;
	}
	pr->same_section = nonempty(q->subject_section) && nonempty(q->section) &&
	                   !strcmp(q->subject_section, q->section);
	return 0;
}

/* The request's context values as indexes; returns its acting_for (or NULL). */
static const char *prepare_context(const struct profile *p, const struct decide_request *q,
                                   struct prepared *pr)
{
	const char *acting_for = NULL;

	for (unsigned i = 0; i < POLICY_MAX_CONTEXT_KEYS; i++)
		pr->ctx[i] = -1;
	for (size_t i = 0; i < q->n_context; i++) {
		const struct policy_attr *c = &q->context[i];
		const struct policy_context_key *k;

		if (!c->key || !c->value)
			continue;
		if (!strcmp(c->key, "acting_for")) {
			acting_for = c->value;
			continue;
		}
		if (!(k = policy_context_key(p, c->key)))
			continue;
		pr->ctx[k->index] = -2;
		for (unsigned v = 0; v < k->n_values; v++)
			if (!strcmp(k->values[v], c->value)) {
				pr->ctx[k->index] = (int)v;
				break;
			}
	}
	return acting_for;
}

/* The subject's roles; acting_for lets a deputy act as the role it stands in for. */
static void prepare_roles(const struct profile *p, const struct decide_request *q,
                          const char *acting_for, struct prepared *pr, struct decision *d)
{
	const struct policy_role *target = nonempty(acting_for) ? policy_role(p, acting_for) : NULL;

	for (size_t i = 0; i < q->n_roles; i++) {
		const struct policy_role *r = NULL;
		const char *scope = NULL;

		if (!q->roles[i])
			continue;
		add_role(p, pr, q->roles[i], &r, &scope);
		if (r && target && target->deputy == r) {
			/* the deputy holds the target where it holds its own role */
			struct prepared save = *pr;
			uint64_t m = target->implied;

			if (target->scope == SCOPE_ORG) {
				pr->roles_any |= m;
				pr->roles_record |= m;
				pr->roles_actor |= m;
				pr->roles_org |= m;
			} else {
				pr->roles_any |= m;
				if (save.roles_record & (1ULL << r->index))
					pr->roles_record |= m;
				if (save.roles_actor & (1ULL << r->index))
					pr->roles_actor |= m;
			}
			d->acting_as_deputy = true;
			d->deputy_for = target;
		}
	}
}

/* Denials before any rule: a resource of another type, a state the action does not start
 * from, context the action's rules need and the request left out. Whether one decided. */
static bool deny_early(const struct profile *p, const struct decide_request *q,
                       const struct policy_register *reg, const struct policy_action *a,
                       const struct caction *ca, struct prepared *pr, struct decision *d)
{
	if (nonempty(q->resource_type) && strcmp(q->resource_type, reg->id)) {
		bool ok = false;

		for (unsigned t = 0; !ok && t < reg->n_types; t++)
			ok = !strcmp(reg->types[t], q->resource_type);
		if (!ok) {
			d->effect = EFFECT_DENY;
			d->reason = REASON_TYPE_MISMATCH;
			return true;
		}
	}
	if (pr->has_state && a->from && !(a->from & pr->state)) {
		d->effect = EFFECT_DENY;
		d->reason = REASON_STATE;
		return true;
	}
	d->missing = fill_context(p, a, ca, pr, &d->defaulted);
	if (d->missing) {
		/* never decide on what the request did not say */
		d->effect = EFFECT_DENY;
		d->reason = REASON_MISSING_CONTEXT;
		return true;
	}
	return false;
}

/* The matching rules combined: deny over approval over allow, else no rule allows. */
static void combine(const struct caction *ca, const struct prepared *pr, struct decision *d)
{
	uint64_t matched = 0;
	bool needs_level = false;

	for (unsigned i = 0; i < ca->n; i++) {
		if (rule_matches(&ca->rules[i], pr))
			matched |= 1ULL << i;
		else if (!pr->level && ca->rules[i].when->has_levels)
			needs_level = true;
	}
	if (matched & ca->deny) {
		d->effect = EFFECT_DENY;
		d->rules = matched & ca->deny;
	} else if (matched & ca->approval) {
		d->effect = EFFECT_APPROVAL;
		d->rules = matched & (ca->approval | ca->none);
	} else if (matched & ca->allow) {
		d->effect = EFFECT_ALLOW;
		d->rules = matched & (ca->allow | ca->none);
	} else {
		d->effect = EFFECT_DENY;
		d->reason = needs_level ? REASON_MISSING_LEVEL : REASON_NO_RULE;
	}
	if (d->effect != EFFECT_DENY)
		d->obligation_rules = d->rules;
	if (d->effect == EFFECT_APPROVAL) {
		uint64_t m = d->rules & ca->approval;

		d->separation = ca->sep; /* before add_approver: it reads the fallbacks */
		for (unsigned i = 0; i < ca->n; i++) {
			const struct policy_rule *r;

			if (!((m >> i) & 1))
				continue;
			r = ca->rules[i].rule;
			for (unsigned k = 0; k < r->n_approvers; k++)
				add_approver(d, &r->approvers[k], pr);
		}
	}
}

int policy_decide(const struct profile *p, const struct decide_request *q, struct decision *ret,
                  struct strbuf *err)
{
	const struct policy_register *reg = NULL;
	int code = 0;
	const struct policy_action *a = find_action(p, q, &reg, &code, err);
	const struct caction *ca;
	struct prepared pr;
	struct decision d;
	int r;

	if (!a)
		return code;
	memset(&d, 0, sizeof(d));
	d.profile = p;
	d.action = a;
	d.reason = REASON_RULES;
	ca = &p->priv->cactions[a->index];

	memset(&pr, 0, sizeof(pr));
	pr.req = q;
	pr.reg = reg;
	r = prepare_attrs(p, q, a, &pr, err);
	if (r < 0)
		return r;
	prepare_roles(p, q, prepare_context(p, q, &pr), &pr, &d);
	if (q->granted)
		add_granted(&pr, reg);
	for (size_t i = 0; i < q->n_opened; i++) {
		const struct policy_opening *o =
		    q->opened[i] ? policy_opening(p, q->opened[i]) : NULL;
		if (o)
			pr.opened |= 1ULL << o->index;
	}
	if (!deny_early(p, q, reg, a, ca, &pr, &d))
		combine(ca, &pr, &d);
	*ret = d;
	return 0;
}

unsigned policy_action_tested_fields(const struct profile *p, const struct policy_action *a,
                                     const struct policy_field **out, unsigned max)
{
	const struct caction *ca = &p->priv->cactions[a->index];
	unsigned n = 0;

	for (unsigned i = 0; i < ca->n; i++) {
		const struct crule *cr = &ca->rules[i];

		for (unsigned k = 0; k < cr->n_rec_when + cr->n_rec_unless; k++) {
			const struct policy_field *f =
			    k < cr->n_rec_when ? cr->rec_when[k].field
			                       : cr->rec_unless[k - cr->n_rec_when].field;
			bool seen = false;

			for (unsigned j = 0; j < n && j < max; j++)
				seen |= out[j] == f;
			if (seen)
				continue;
			if (n < max)
				out[n] = f;
			n++;
		}
	}
	return n;
}

const struct policy_rule *policy_decision_rule(const struct decision *d, unsigned i)
{
	const struct caction *ca = &d->profile->priv->cactions[d->action->index];

	return i < ca->n ? ca->rules[i].rule : NULL;
}

/*
 * Clause iteration: *iter encodes (rule bit, clause index) as bit * 65536 + k,
 * then, past the rules, the deputy role's clauses. Duplicates are skipped by
 * looking back over what came before: a decision has a handful of clauses.
 */
static bool clause_seen_before(const struct decision *d, const struct policy_clause *c,
                               unsigned upto_bit, unsigned upto_k)
{
	const struct caction *ca = &d->profile->priv->cactions[d->action->index];

	for (unsigned b = 0; b <= upto_bit && b < ca->n; b++) {
		const struct policy_rule *r;

		if (!((d->rules >> b) & 1))
			continue;
		r = ca->rules[b].rule;
		for (unsigned k = 0; k < r->clauses.nr; k++) {
			if (b == upto_bit && k >= upto_k)
				break;
			if (r->clauses.items[k] == c)
				return true;
		}
	}
	return false;
}

const struct policy_clause *policy_decision_next_clause(const struct decision *d, unsigned *iter)
{
	const struct caction *ca = &d->profile->priv->cactions[d->action->index];

	for (;;) {
		unsigned b = *iter >> 16, k = *iter & 0xffff;

		if (b < ca->n) {
			const struct policy_rule *r = ca->rules[b].rule;

			if (!((d->rules >> b) & 1) || k >= r->clauses.nr) {
				*iter = (b + 1) << 16;
				continue;
			}
			(*iter)++;
			if (!clause_seen_before(d, r->clauses.items[k], b, k))
				return r->clauses.items[k];
			continue;
		}
		if (b == ca->n && d->acting_as_deputy && d->deputy_for && d->deputy_for->deputy) {
			const struct policy_role *dep = d->deputy_for->deputy;

			if (k < dep->clauses.nr) {
				(*iter)++;
				if (!clause_seen_before(d, dep->clauses.items[k], ca->n, 0))
					return dep->clauses.items[k];
				continue;
			}
		}
		return NULL;
	}
}

static bool obligation_equal(const struct policy_obligation *a, const struct policy_obligation *b)
{
	if (a->kind != b->kind || a->n_items != b->n_items || a->role.role != b->role.role ||
	    a->role.at != b->role.at)
		return false;
	if ((a->text == NULL) != (b->text == NULL) || (a->text && strcmp(a->text, b->text)))
		return false;
	for (unsigned i = 0; i < a->n_items; i++)
		if (strcmp(a->items[i], b->items[i]))
			return false;
	return true;
}

/* *iter: 0 = the action's required fields; then (rule bit + 1) * 65536 + obligation index. */
const struct policy_obligation *policy_decision_next_obligation(const struct decision *d,
                                                                unsigned *iter)
{
	const struct caction *ca = &d->profile->priv->cactions[d->action->index];

	if (d->effect == EFFECT_DENY)
		return NULL;
	if (*iter == 0) {
		*iter = 1 << 16;
		if (ca->has_required)
			return &ca->required;
	}
	for (;;) {
		unsigned b = (*iter >> 16) - 1, k = *iter & 0xffff;
		const struct policy_rule *r;
		const struct policy_obligation *o;
		bool dup = false;

		if (b >= ca->n)
			return NULL;
		r = ca->rules[b].rule;
		if (!((d->obligation_rules >> b) & 1) || k >= r->n_obligations) {
			*iter = (b + 2) << 16;
			continue;
		}
		(*iter)++;
		o = &r->obligations[k];
		if (ca->has_required && obligation_equal(o, &ca->required))
			dup = true;
		for (unsigned bb = 0; bb <= b && !dup; bb++) {
			const struct policy_rule *rr;

			if (!((d->obligation_rules >> bb) & 1))
				continue;
			rr = ca->rules[bb].rule;
			for (unsigned kk = 0; kk < rr->n_obligations && !dup; kk++) {
				if (bb == b && kk >= k)
					break;
				dup = obligation_equal(&rr->obligations[kk], o);
			}
		}
		if (!dup)
			return o;
	}
}

const char *policy_reason_text(const struct decision *d)
{
	switch (d->reason) {
	case REASON_RULES:
		return NULL;
	case REASON_NO_RULE:
		return "no rule allows this action for this request";
	case REASON_TYPE_MISMATCH:
		return "the resource type is not the action's register";
	case REASON_STATE:
		return "the action cannot start from the record's state";
	case REASON_MISSING_LEVEL:
		return "the request gives no level and the rules need one";
	case REASON_MISSING_CONTEXT:
		return "the request leaves out context the action needs (see missing)";
	}
	return NULL;
}
