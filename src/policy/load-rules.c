/* load-rules: rules: their `on` patterns, conditions, effects, approvers and obligations. */
#include <stdio.h>
#include <string.h>

#include "base/cleanup.h"
#include "policy/load-internal.h"

static int parse_at(const char *s, enum policy_at *ret)
{
	if (!strcmp(s, "record"))
		*ret = AT_RECORD;
	else if (!strcmp(s, "actor"))
		*ret = AT_ACTOR;
	else if (!strcmp(s, "any"))
		*ret = AT_ANY;
	else if (!strcmp(s, "org"))
		*ret = AT_ORG;
	else
		return -1;
	return 0;
}

/* "role", "role@record", "role@actor", "role@org" → a reference; for approvers and witnesses. */
static int role_spec(struct loader *L, const struct ynode *n, struct policy_role_ref *ret)
{
	const char *s = load_str(L, n, "a role");
	const char *at;
	char id[80];
	const struct policy_role *r;

	if (!s)
		return -1;
	at = strchr(s, '@');
	if ((at ? (size_t)(at - s) : strlen(s)) >= sizeof(id)) {
		load_err(L, n, "role '%s' is too long", s);
		return -1;
	}
	snprintf(id, sizeof(id), "%.*s", (int)(at ? (size_t)(at - s) : strlen(s)), s);
	if (!(r = load_role_ref(L, n, id)))
		return -1;
	ret->role = r;
	ret->at = r->scope == SCOPE_ORG ? AT_ORG : AT_RECORD;
	if (at) {
		static const char *const ats[] = { "record", "actor", "org" };
		enum policy_at a;

		if (parse_at(at + 1, &a) < 0 || a == AT_ANY) {
			load_unknown(L, n, "scope", at + 1, ats, ARRAY_SIZE(ats));
			return -1;
		}
		if (a == AT_ORG && r->scope != SCOPE_ORG) {
			load_err(L, n, "role '%s' has scope %s: it cannot be '@org'", r->id,
			         policy_scope_kind_name(r->scope));
			return -1;
		}
		if (a == AT_ACTOR && r->scope == SCOPE_SYSTEM) {
			load_err(
			    L, n,
			    "role '%s' has scope system: '@actor' names a section; use '@record'",
			    r->id);
			return -1;
		}
		if (r->scope != SCOPE_ORG)
			ret->at = a;
	}
	return 0;
}

static uint64_t levels_mask(struct loader *L, const struct ynode *n, const char *what)
{
	const char **ids;
	const struct ynode **nodes;
	unsigned cnt;
	uint64_t m = 0;

	if (load_str_list(L, n, what, &ids, &cnt, &nodes) < 0)
		return 0;
	for (unsigned i = 0; i < cnt; i++) {
		const struct policy_level *lv =
		    stable_get(&L->priv->levels, ids[i], strlen(ids[i]));

		if (!lv)
			load_unknown(L, nodes[i], "level", ids[i], L->level_ids, L->p->n_levels);
		else
			m |= 1ULL << lv->rank;
	}
	return m;
}

static const struct policy_level *one_level(struct loader *L, const struct ynode *n)
{
	const char *s = load_str(L, n, "a level");
	const struct policy_level *lv;

	if (!s)
		return NULL;
	if (!(lv = stable_get(&L->priv->levels, s, strlen(s))))
		load_unknown(L, n, "level", s, L->level_ids, L->p->n_levels);
	return lv;
}

static void load_actor(struct loader *L, const struct ynode *n, struct cond *c)
{
	static const char *const keys[] = { "role", "at", "employment", "section", NULL };
	const struct ynode *x;

	if (!load_want(L, n, Y_MAP, "'actor'"))
		return;
	load_check_keys(L, n, keys, "'actor'");
	c->role_at = AT_RECORD;
	if ((x = ymap_get(n, "role"))) {
		const char **ids;
		const struct ynode **nodes;
		unsigned cnt;

		c->has_roles = true;
		c->roles_pos = x->pos;
		if (load_str_list(L, x, "a role id", &ids, &cnt, &nodes) == 0)
			for (unsigned i = 0; i < cnt; i++) {
				const struct policy_role *r = load_role_ref(L, nodes[i], ids[i]);

				if (r)
					c->roles |= 1ULL << r->index;
			}
	}
	if ((x = ymap_get(n, "at"))) {
		static const char *const ats[] = { "record", "actor", "any", "org" };
		const char *s = load_str(L, x, "'at'");

		if (!ymap_get(n, "role"))
			load_err(L, x, "'at' says where a role is held: it needs 'role'");
		if (s && parse_at(s, &c->role_at) < 0)
			load_unknown(L, x, "place", s, ats, ARRAY_SIZE(ats));
	}
	if ((x = ymap_get(n, "employment"))) {
		const char **ids;
		const struct ynode **nodes;
		unsigned cnt;

		c->has_employment = true;
		if (!L->p->n_employment)
			load_err(
			    L, x,
			    "'employment' needs the kinds listed under top-level 'employment'");
		else if (load_str_list(L, x, "an employment kind", &ids, &cnt, &nodes) == 0)
			for (unsigned i = 0; i < cnt; i++) {
				const struct policy_employment *e =
				    stable_get(&L->priv->employment, ids[i], strlen(ids[i]));

				if (!e)
					load_unknown(L, nodes[i], "employment", ids[i],
					             L->employment_ids, L->p->n_employment);
				else
					c->employment |= 1ULL << e->index;
			}
	}
	if ((x = ymap_get(n, "section"))) {
		const char *s = load_str(L, x, "'section'");

		if (s && !strcmp(s, "same"))
			c->section = SECTION_SAME;
		else if (s && !strcmp(s, "other"))
			c->section = SECTION_OTHER;
		else if (s)
			load_err(L, x, "actor 'section' must be same or other, not '%s'", s);
	}
}

/* `context`: key: value or list; each key and value in the profile's vocabulary. */
static void load_cond_context(struct loader *L, const struct ynode *x, struct cond *c)
{
	c->ctx = arena_array(L->a, x->n ? x->n : 1, sizeof(*c->ctx));
	for (unsigned i = 0; i < x->n; i++) {
		const struct ynode *k = x->kids[2 * i], *v = x->kids[2 * i + 1];
		const struct policy_context_key *ck = stable_get(&L->priv->context, k->str, k->len);
		const char **vals;
		const struct ynode **nodes;
		unsigned cnt;

		if (!ck) {
			load_unknown(L, k, "context key", k->str, L->context_ids,
			             L->p->n_context_keys);
			continue;
		}
		c->ctx[c->n_ctx].key = ck->index;
		if (load_str_list(L, v, "a context value", &vals, &cnt, &nodes) < 0)
			continue;
		for (unsigned j = 0; j < cnt; j++) {
			unsigned vi = 0;

			while (vi < ck->n_values && strcmp(ck->values[vi], vals[j]))
				vi++;
			if (vi == ck->n_values) {
				struct strbuf sb = STRBUF_INIT;

				strbuf_addf(&sb, "unknown value '%s' of context key '%s'", vals[j],
				            ck->id);
				suggest_append(&sb, vals[j], ck->values, ck->n_values);
				load_err(L, nodes[j], "%s", sb.buf);
				strbuf_release(&sb);
				continue;
			}
			c->ctx[c->n_ctx].values |= 1ULL << vi;
		}
		c->n_ctx++;
	}
}

/* `level`, `level_at_least` and `level_below`: one mask, the conditions together. */
static void load_cond_levels(struct loader *L, const struct ynode *n, struct cond *c)
{
	const struct ynode *x;

	if ((x = ymap_get(n, "level"))) {
		c->has_levels = true;
		c->levels = levels_mask(L, x, "a level");
		c->level_pos = x->pos;
	}
	if ((x = ymap_get(n, "level_at_least"))) {
		const struct policy_level *lv = one_level(L, x);
		uint64_t m = lv ? (lv->rank == 63 ? ~0ULL : (2ULL << lv->rank) - 1) : 0;

		c->levels = c->has_levels ? c->levels & m : m;
		c->has_levels = true;
		c->level_pos = x->pos;
	}
	if ((x = ymap_get(n, "level_below"))) {
		const struct policy_level *lv = one_level(L, x);
		uint64_t all = L->p->n_levels == 64 ? ~0ULL : (1ULL << L->p->n_levels) - 1;
		uint64_t m = lv ? all & ~(lv->rank == 63 ? ~0ULL : (2ULL << lv->rank) - 1) : 0;

		c->levels = c->has_levels ? c->levels & m : m;
		c->has_levels = true;
		c->level_pos = x->pos;
	}
}

/* `record: {field: value or [values]}` (resolved per action when compiling). */
static void load_cond_record(struct loader *L, const struct ynode *x, struct cond *c)
{
	c->rec = arena_array(L->a, x->n ? x->n : 1, sizeof(*c->rec));
	for (unsigned i = 0; i < x->n; i++) {
		const struct ynode *k = x->kids[2 * i], *v = x->kids[2 * i + 1];
		struct cond_rec_raw *rr = &c->rec[c->n_rec];

		rr->field = k->str;
		rr->pos = k->pos;
		if (load_str_list(L, v, "a field value", &rr->values, &rr->n_values, NULL) < 0)
			continue;
		c->n_rec++;
	}
}

/* `opened_by: [openings]`: the record is opened to the subject by one of them. */
static void load_cond_opened(struct loader *L, const struct ynode *x, struct cond *c)
{
	const char **ids;
	const struct ynode **nodes;
	unsigned cnt;

	c->has_opened = true;
	if (load_str_list(L, x, "an opening", &ids, &cnt, &nodes) < 0)
		return;
	for (unsigned i = 0; i < cnt; i++) {
		const struct policy_opening *o = policy_opening(L->p, ids[i]);
		const char *cands[POLICY_MAX_OPENINGS];

		if (o) {
			c->opened |= 1ULL << o->index;
			continue;
		}
		for (unsigned j = 0; j < L->p->n_openings; j++)
			cands[j] = L->p->openings[j].id;
		load_unknown(L, nodes[i], "opening", ids[i], cands, L->p->n_openings);
	}
}

static void load_cond(struct loader *L, const struct ynode *n, struct cond *c, const char *what)
{
	static const char *const keys[] = { "level", "level_at_least", "level_below",
		                            "actor", "context",        "record",
		                            "state", "opened_by",      NULL };
	const struct ynode *x;

	memset(c, 0, sizeof(*c));
	if (!n)
		return;
	c->present = true;
	c->pos = n->pos;
	if (!load_want(L, n, Y_MAP, what))
		return;
	load_check_keys(L, n, keys, what);
	if (!n->n)
		load_err(L, n, "%s is empty; remove it or add a condition", what);
	load_cond_levels(L, n, c);
	if ((x = ymap_get(n, "actor")))
		load_actor(L, x, c);
	if ((x = ymap_get(n, "context")) && load_want(L, x, Y_MAP, "'context'"))
		load_cond_context(L, x, c);
	if ((x = ymap_get(n, "record")) && load_want(L, x, Y_MAP, "'record'"))
		load_cond_record(L, x, c);
	if ((x = ymap_get(n, "state"))) {
		c->has_states = true;
		load_str_list(L, x, "a state", &c->states, &c->n_states, NULL);
	}
	if ((x = ymap_get(n, "opened_by")))
		load_cond_opened(L, x, c);
}

static void load_obligation(struct loader *L, const struct ynode *n, struct policy_obligation *o)
{
	static const char *const kinds[] = { "record",   "dispose", "witness", "encrypt",
		                             "measures", "notify",  "note",    NULL };
	static const char *const keys[] = { "record", "dispose", "witness", "encrypt", "measures",
		                            "notify", "note",    "clause",  "clauses", NULL };
	const struct ynode *x = NULL;
	unsigned found = 0;

	o->pos = n->pos;
	if (!load_want(L, n, Y_MAP, "an obligation"))
		return;
	load_check_keys(L, n, keys, "an obligation");
	for (unsigned i = 0; kinds[i]; i++)
		if (ymap_get(n, kinds[i])) {
			found++;
			o->kind = (enum policy_obligation_kind)i;
			x = ymap_get(n, kinds[i]);
		}
	if (found != 1) {
		load_err(
		    L, n,
		    "an obligation has exactly one of record, dispose, witness, encrypt, measures, "
		    "notify or note");
		return;
	}
	load_clause_refs(L, n, &o->clauses, false, "an obligation");
	switch (o->kind) {
	case OBLIGATION_RECORD:
	case OBLIGATION_DISPOSE:
	case OBLIGATION_MEASURES:
		load_str_list(L, x, "an obligation item", &o->items, &o->n_items, NULL);
		break;
	case OBLIGATION_WITNESS:
	case OBLIGATION_NOTIFY:
		role_spec(L, x, &o->role);
		break;
	case OBLIGATION_ENCRYPT: {
		bool b = false;

		if (load_boolean(L, x, "'encrypt'", &b) == 0 && !b)
			load_err(L, x, "'encrypt: false' obliges nothing; remove it");
		break;
	}
	case OBLIGATION_NOTE:
		o->text = load_str(L, x, "'note'");
		break;
	}
}

static bool on_pattern_ok(struct loader *L, const struct ynode *n, const char *s)
{
	const char *dot = strchr(s, '.');
	struct profile *p = L->p;

	if (!dot || strchr(dot + 1, '.')) {
		load_err(L, n,
		         "action '%s' must be written register.action (or register.*, *.action)",
		         s);
		return false;
	}
	if (!strcmp(dot + 1, "*")) {
		const struct policy_register *r =
		    stable_get(&L->priv->registers, s, (size_t)(dot - s));

		if (!r) {
			char id[80];

			snprintf(id, sizeof(id), "%.*s", (int)(dot - s), s);
			load_unknown(L, n, "register", id, L->register_ids, p->n_registers);
			return false;
		}
		if (!r->n_actions) {
			load_err(L, n, "register '%s' has no actions", r->id);
			return false;
		}
		return true;
	}
	if (dot == s + 1 && s[0] == '*') {
		for (unsigned i = 0; i < p->n_actions; i++)
			if (!strcmp(p->actions[i]->id, dot + 1))
				return true;
		load_err(L, n, "no register has an action '%s'", dot + 1);
		return false;
	}
	if (!stable_get(&L->priv->actions, s, strlen(s))) {
		load_unknown(L, n, "action", s, L->action_names, p->n_actions);
		return false;
	}
	return true;
}

/* Record obligations show the fields' Japanese names: take them from the first action. */
static void record_names(struct loader *L, const struct policy_rule *r,
                         struct policy_obligation *os)
{
	const struct policy_action *first = NULL;

	for (unsigned i = 0; i < L->p->n_actions && !first; i++)
		if (policy_rule_on(r, L->p->actions[i]))
			first = L->p->actions[i];
	for (unsigned i = 0; first && i < r->n_obligations; i++) {
		struct policy_obligation *o = &os[i];
		const char **names;

		if (o->kind != OBLIGATION_RECORD)
			continue;
		names = arena_array(L->a, o->n_items ? o->n_items : 1, sizeof(*names));
		for (unsigned k = 0; k < o->n_items; k++) {
			const struct policy_field *f = policy_action_field(first, o->items[k]);

			if (!f)
				f = policy_register_field(first->reg, o->items[k]);
			names[k] = f ? f->name : o->items[k];
		}
		o->item_names = names;
	}
}

/* `approver`: role@scope or a list of them; only for the approval effect. */
static void load_approvers(struct loader *L, const struct ynode *x, struct policy_rule *r)
{
	unsigned cnt = x->type == Y_SEQ ? x->n : 1;
	struct policy_role_ref *refs = arena_array(L->a, cnt ? cnt : 1, sizeof(*refs));

	if (r->effect != EFFECT_APPROVAL)
		load_err(L, x, "rule '%s' has an approver but its effect is not approval", r->id);
	if (x->type == Y_MAP) {
		load_err(L, x, "'approver' must be role@scope or a list of them");
	} else {
		for (unsigned j = 0; j < cnt; j++)
			if (role_spec(L, x->type == Y_SEQ ? x->kids[j] : x,
			              &refs[r->n_approvers]) == 0)
				r->n_approvers++;
		if (r->n_approvers > POLICY_MAX_APPROVERS)
			load_err(L, x, "at most %d approvers", POLICY_MAX_APPROVERS);
	}
	r->approvers = refs;
}

void load_rules(struct loader *L, const struct ynode *n)
{
	static const char *const keys[] = { "id",      "on",       "when",        "unless",
		                            "effect",  "approver", "obligations", "clause",
		                            "clauses", "note",     "ward_choice", NULL };
	struct profile *p = L->p;
	struct rule_priv *rp;

	stable_init(&L->priv->rules, L->a, n && n->type == Y_SEQ ? n->n : 0);
	if (!n || !load_want(L, n, Y_SEQ, "'rules'"))
		return;
	L->rules = arena_array(L->a, n->n ? n->n : 1, sizeof(*L->rules));
	rp = arena_array(L->a, n->n ? n->n : 1, sizeof(*rp));
	L->priv->rule_priv = rp;
	for (unsigned i = 0; i < n->n; i++) {
		const struct ynode *v = n->kids[i], *x;
		struct policy_rule *r = &L->rules[p->n_rules];
		const struct ynode **nodes;

		if (!load_want(L, v, Y_MAP, "a rule"))
			continue;
		load_check_keys(L, v, keys, "a rule");
		r->pos = v->pos;
		if (!load_require(L, v, "id", "a rule") ||
		    !(r->id = load_opt_str(L, v, "id", "a rule")))
			continue;
		if (!load_is_ident(r->id)) {
			load_err(L, ymap_get(v, "id"), "rule id '%s' must be an identifier", r->id);
			continue;
		}
		if (stable_put(&L->priv->rules, r->id, strlen(r->id), r)) {
			load_err(L, ymap_get(v, "id"), "rule '%s' is defined twice", r->id);
			continue;
		}
		r->index = p->n_rules++;
		r->note = load_opt_str(L, v, "note", "a rule");
		r->ward_choice = load_opt_str(L, v, "ward_choice", "a rule");
		if (load_require(L, v, "on", "a rule") &&
		    load_str_list(L, ymap_get(v, "on"), "an action", &r->on, &r->n_on, &nodes) == 0)
			for (unsigned j = 0; j < r->n_on; j++)
				on_pattern_ok(L, nodes[j], r->on[j]);
		load_cond(L, ymap_get(v, "when"), &rp[r->index].when, "'when'");
		load_cond(L, ymap_get(v, "unless"), &rp[r->index].unless, "'unless'");
		if ((x = ymap_get(v, "effect"))) {
			const char *s = load_str(L, x, "'effect'");
			static const char *const effects[] = { "allow", "approval", "deny" };

			if (s && !strcmp(s, "allow"))
				r->effect = EFFECT_ALLOW;
			else if (s && !strcmp(s, "approval"))
				r->effect = EFFECT_APPROVAL;
			else if (s && !strcmp(s, "deny"))
				r->effect = EFFECT_DENY;
			else if (s)
				load_unknown(L, x, "effect", s, effects, ARRAY_SIZE(effects));
		}
		if ((x = ymap_get(v, "approver"))) {
			load_approvers(L, x, r);
		} else if (r->effect == EFFECT_APPROVAL) {
			load_err(L, v, "rule '%s' needs 'approver' (who approves: role@record)",
			         r->id);
		}
		if ((x = ymap_get(v, "obligations")) && load_want(L, x, Y_SEQ, "'obligations'")) {
			struct policy_obligation *os =
			    arena_array(L->a, x->n ? x->n : 1, sizeof(*os));

			for (unsigned j = 0; j < x->n; j++)
				load_obligation(L, x->kids[j], &os[j]);
			r->obligations = os;
			r->n_obligations = x->n;
			record_names(L, r, os);
		}
		if (!ymap_get(v, "effect") && !r->n_obligations)
			load_err(L, v,
			         "rule '%s' has no effect and no obligations: it does nothing",
			         r->id);
		load_clause_refs(L, v, &r->clauses, true, "a rule");
	}
	p->rules = L->rules;
}
