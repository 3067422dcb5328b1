/* load-separation: separation-of-duty constraints, one loader per constraint kind. */
#include <stdio.h>
#include <string.h>

#include "base/cleanup.h"
#include "policy/load-internal.h"

static void load_fallback_value(struct loader *L, const struct ynode *n, struct policy_fallback *f)
{
	const char *s = load_str(L, n, "a fallback");

	if (!s)
		return;
	if (!strcmp(s, "exception")) {
		f->kind = FALLBACK_EXCEPTION;
		return;
	}
	f->route = load_role_ref(L, n, s);
	if (f->route)
		f->kind = FALLBACK_ROUTE;
}

/* `fallback`: exception, a role, or a mapping approver role → either, with `default`. */
static void load_fallback(struct loader *L, const struct ynode *v, struct policy_separation *s)
{
	const struct ynode *x = ymap_get(v, "fallback");

	if (x && (s->kind == SEP_EXCLUSIVE_ROLES || s->kind == SEP_INDEPENDENT ||
	          s->kind == SEP_AT_LEAST)) {
		load_err(L, x, "%s has no fallback: the act is refused",
		         s->kind == SEP_INDEPENDENT ? "independent"
		         : s->kind == SEP_AT_LEAST  ? "at_least"
		                                    : "exclusive_roles");
	} else if (x && x->type == Y_MAP) {
		struct policy_fallback_entry *fe = arena_array(L->a, x->n ? x->n : 1, sizeof(*fe));

		for (unsigned j = 0; j < x->n; j++) {
			const struct ynode *fk = x->kids[2 * j], *fv = x->kids[2 * j + 1];
			struct policy_fallback_entry *e = &fe[s->n_fallbacks];

			if (strcmp(fk->str, "default")) {
				e->approver = load_role_ref(L, fk, fk->str);
				if (!e->approver)
					continue;
			}
			load_fallback_value(L, fv, &e->fallback);
			if (e->fallback.kind != FALLBACK_NONE)
				s->n_fallbacks++;
		}
		s->fallbacks = fe;
	} else if (x) {
		struct policy_fallback_entry *fe = arena_alloc(L->a, sizeof(*fe));

		load_fallback_value(L, x, &fe->fallback);
		if (fe->fallback.kind != FALLBACK_NONE)
			s->n_fallbacks = 1;
		s->fallbacks = fe;
	}
}

/* applicant_not_approver: `actions` is `all` or a list of actions. */
static void load_applicant_not_approver(struct loader *L, const struct ynode *v,
                                        struct policy_separation *s)
{
	const struct ynode *x = ymap_get(v, "actions");
	const char **ids;
	const struct ynode **nodes;
	unsigned cnt;
	const struct policy_action **acts;

	if (!x) {
		load_err(L, v, "applicant_not_approver needs 'actions' (all, or a list)");
		return;
	}
	if (x->type == Y_SCALAR && !strcmp(x->str, "all")) {
		s->all_actions = true;
		return;
	}
	if (load_str_list(L, x, "an action", &ids, &cnt, &nodes) < 0)
		return;
	acts = arena_array(L->a, cnt ? cnt : 1, sizeof(*acts));
	for (unsigned j = 0; j < cnt; j++) {
		const struct policy_action *a =
		    stable_get(&L->priv->actions, ids[j], strlen(ids[j]));

		if (!a)
			load_unknown(L, nodes[j], "action", ids[j], L->action_names,
			             L->p->n_actions);
		else
			acts[s->n_actions++] = a;
	}
	s->actions = acts;
}

/* One `register.field` of a distinct_persons constraint: a user field of a known register. */
static const struct policy_field *person_field(struct loader *L, const struct ynode *n,
                                               const char *id,
                                               const struct policy_register **ret_reg)
{
	const char *dot = strchr(id, '.');
	const struct policy_register *r =
	    dot ? stable_get(&L->priv->registers, id, (size_t)(dot - id)) : NULL;
	const struct policy_field *f;

	if (!r) {
		load_err(L, n, "'%s' must be register.field with a known register", id);
		return NULL;
	}
	f = policy_register_field(r, dot + 1);
	for (unsigned a = 0; !f && a < r->n_actions; a++)
		f = policy_action_field(r->actions[a], dot + 1);
	if (!f) {
		load_err(L, n, "register '%s' has no field '%s'", r->id, dot + 1);
		return NULL;
	}
	if (f->type != FIELD_USER) {
		load_err(L, n, "field '%s' is %s, not user", id, policy_field_type_name(f->type));
		return NULL;
	}
	*ret_reg = r;
	return f;
}

/* distinct_persons: `fields` lists user fields of one register (at least two). */
static void load_distinct_persons(struct loader *L, const struct ynode *v,
                                  struct policy_separation *s)
{
	const struct ynode *x = ymap_get(v, "fields");
	const char **ids;
	const struct ynode **nodes;
	unsigned cnt;
	const struct policy_field **fs;
	const struct policy_register **rs;

	if (!x) {
		load_err(L, v, "distinct_persons needs 'fields' (register.field of type user)");
		return;
	}
	if (load_str_list(L, x, "a field", &ids, &cnt, &nodes) < 0)
		return;
	fs = arena_array(L->a, cnt ? cnt : 1, sizeof(*fs));
	rs = arena_array(L->a, cnt ? cnt : 1, sizeof(*rs));
	if (cnt < 2)
		load_err(L, x, "distinct_persons needs at least two fields");
	for (unsigned j = 0; j < cnt; j++) {
		const struct policy_register *r = NULL;
		const struct policy_field *f = person_field(L, nodes[j], ids[j], &r);

		if (!f)
			continue;
		if (s->n_fields && rs[0] != r) {
			load_err(L, nodes[j],
			         "the fields of one constraint belong to one register");
			continue;
		}
		fs[s->n_fields] = f;
		rs[s->n_fields++] = r;
	}
	s->fields = fs;
	s->field_regs = rs;
}

/* One `register.field` of an independent constraint: a field of one of the types allowed. */
static const struct policy_field *typed_field(struct loader *L, const struct ynode *n,
                                              const char *id, unsigned types, const char *want,
                                              const struct policy_register **ret_reg)
{
	const char *dot = strchr(id, '.');
	const struct policy_register *r =
	    dot ? stable_get(&L->priv->registers, id, (size_t)(dot - id)) : NULL;
	const struct policy_field *f;

	if (!r) {
		load_err(L, n, "'%s' must be register.field with a known register", id);
		return NULL;
	}
	f = policy_register_field(r, dot + 1);
	if (!f) {
		load_err(L, n, "register '%s' has no field '%s'", r->id, dot + 1);
		return NULL;
	}
	if (!((types >> f->type) & 1)) {
		load_err(L, n, "field '%s' is %s, not %s", id, policy_field_type_name(f->type),
		         want);
		return NULL;
	}
	*ret_reg = r;
	return f;
}

/* `persons` or `of` of an independent constraint: fields of the register *reg (set by the
 * first one). */
static void independent_list(struct loader *L, const struct ynode *v, const char *key,
                             unsigned types, const char *want, const struct policy_register **reg,
                             const struct policy_field ***ret, unsigned *ret_n)
{
	const struct ynode *x = ymap_get(v, key);
	const char **ids;
	const struct ynode **nodes;
	unsigned cnt;
	const struct policy_field **fs;

	*ret = NULL;
	*ret_n = 0;
	if (!x) {
		load_err(L, v, "%s needs '%s' (register.field, %s)",
		         strcmp(key, "counted") && strcmp(key, "per") ? "independent" : "at_least",
		         key, want);
		return;
	}
	if (load_str_list(L, x, "a field", &ids, &cnt, &nodes) < 0)
		return;
	fs = arena_array(L->a, cnt ? cnt : 1, sizeof(*fs));
	for (unsigned j = 0; j < cnt; j++) {
		const struct policy_register *r = NULL;
		const struct policy_field *f = typed_field(L, nodes[j], ids[j], types, want, &r);

		if (!f)
			continue;
		if (*reg && *reg != r) {
			load_err(L, nodes[j],
			         "the fields of one constraint belong to one register");
			continue;
		}
		*reg = r;
		fs[(*ret_n)++] = f;
	}
	*ret = fs;
}

/*
 * independent: `persons` (user fields) and `of` (section and system fields) of one register: the
 * people named hold no place in what the record names (an audit team and the audited, MIN-9-1-3).
 */
static void load_independent(struct loader *L, const struct ynode *v, struct policy_separation *s)
{
	const struct policy_register *reg = NULL;
	const struct policy_register **rs;

	independent_list(L, v, "persons", 1u << FIELD_USER, "a user field", &reg, &s->fields,
	                 &s->n_fields);
	independent_list(L, v, "of", (1u << FIELD_SECTION) | (1u << FIELD_SYSTEM),
	                 "a section or system field", &reg, &s->of, &s->n_of);
	rs = arena_array(L->a, s->n_fields ? s->n_fields : 1, sizeof(*rs));
	for (unsigned i = 0; i < s->n_fields; i++)
		rs[i] = reg;
	s->field_regs = rs;
}

/* exclusive_roles: `roles` lists at least two roles one person may not hold together. */
static void load_exclusive_roles(struct loader *L, const struct ynode *v,
                                 struct policy_separation *s)
{
	const struct ynode *x = ymap_get(v, "roles");
	const char **ids;
	const struct ynode **nodes;
	unsigned cnt;
	const struct policy_role **rs;

	if (!x) {
		load_err(L, v, "exclusive_roles needs 'roles'");
		return;
	}
	if (load_str_list(L, x, "a role", &ids, &cnt, &nodes) < 0)
		return;
	rs = arena_array(L->a, cnt ? cnt : 1, sizeof(*rs));
	if (cnt < 2)
		load_err(L, x, "exclusive_roles needs at least two roles");
	for (unsigned j = 0; j < cnt; j++) {
		const struct policy_role *r = load_role_ref(L, nodes[j], ids[j]);

		if (r)
			rs[s->n_roles++] = r;
	}
	s->roles = rs;
}

/* `only: {field: [values]}` of an at_least constraint: an enum field of reg and its values. */
static void load_only(struct loader *L, const struct ynode *x, const struct policy_register *reg,
                      struct policy_separation *s)
{
	const struct ynode **nodes;
	const struct ynode *k;

	if (!load_want(L, x, Y_MAP, "'only'"))
		return;
	if (x->n != 1) {
		load_err(L, x, "'only' names one field: {field: [values]}");
		return;
	}
	k = x->kids[0];
	s->only = policy_register_field(reg, k->str);
	if (!s->only || s->only->type != FIELD_ENUM) {
		load_err(L, k, "'only' names an enum field of register '%s', not '%s'", reg->id,
		         k->str);
		s->only = NULL;
		return;
	}
	if (load_str_list(L, x->kids[1], "a value", &s->only_values, &s->n_only_values, &nodes) < 0)
		return;
	for (unsigned i = 0; i < s->n_only_values; i++) {
		bool known = false;

		for (unsigned v = 0; v < s->only->n_values && !known; v++)
			known = !strcmp(s->only->values[v], s->only_values[i]);
		if (!known)
			load_err(L, nodes[i], "'%s' is not a value of field '%s'",
			         s->only_values[i], s->only->id);
	}
}

/* The number of an at_least constraint: 2 or more (one person is no constraint). */
static void load_count(struct loader *L, const struct ynode *x, struct policy_separation *s)
{
	char *end;
	long long v;

	if (!load_str(L, x, "'count'"))
		return;
	v = strtoll(x->str, &end, 10);
	if (end == x->str || *end || v < 2 || v > 100) {
		load_err(L, x, "'count' must be a whole number from 2 to 100, not '%s'", x->str);
		return;
	}
	s->count = v;
}

/*
 * at_least: `count` people or more hold a duty together. `counted` is a user field
 * (register.field), `per` the fields of the same register whose values make a group, `state`
 * the state a record must be in to count, and `only` ({field: [values]}) the groups counted.
 */
static void load_at_least(struct loader *L, const struct ynode *v, struct policy_separation *s)
{
	const struct policy_register *reg = NULL;
	const struct policy_register **rs;
	const struct ynode *x;

	load_count(L, ymap_get(v, "count"), s);
	independent_list(L, v, "counted", 1u << FIELD_USER, "a user field", &reg, &s->fields,
	                 &s->n_fields);
	if (s->n_fields != 1) {
		load_err(L, v, "at_least counts the people of one user field ('counted')");
		return;
	}
	independent_list(L, v, "per",
	                 (1u << FIELD_ENUM) | (1u << FIELD_TEXT) | (1u << FIELD_SECTION) |
	                     (1u << FIELD_SYSTEM),
	                 "an enum, text, section or system field", &reg, &s->of, &s->n_of);
	rs = arena_alloc(L->a, sizeof(*rs));
	rs[0] = reg;
	s->field_regs = rs;
	if (load_require(L, v, "state", "an at_least constraint") &&
	    (s->state = load_opt_str(L, v, "state", "an at_least constraint")) &&
	    !policy_register_state(reg, s->state))
		load_err(L, ymap_get(v, "state"), "register '%s' has no state '%s'", reg->id,
		         s->state);
	if ((x = ymap_get(v, "only")))
		load_only(L, x, reg, s);
}

/* The kind-specific keys: each belongs to one kind and is an error on the others. */
static const struct sep_kind {
	const char *name;
	enum policy_sep_kind kind;
	const char *key;
	void (*load)(struct loader *L, const struct ynode *v, struct policy_separation *s);
} sep_kinds[] = {
	{ "applicant_not_approver", SEP_APPLICANT_NOT_APPROVER, "actions",
	  load_applicant_not_approver },
	{ "distinct_persons", SEP_DISTINCT_PERSONS, "fields", load_distinct_persons },
	{ "exclusive_roles", SEP_EXCLUSIVE_ROLES, "roles", load_exclusive_roles },
	{ "independent", SEP_INDEPENDENT, "persons", load_independent },
	{ "at_least", SEP_AT_LEAST, "count", load_at_least },
};

/* id, kind and clauses; false when the constraint cannot be loaded further. */
static bool load_constraint_head(struct loader *L, const struct ynode *v,
                                 struct policy_separation *s, const struct sep_kind **ret_kind)
{
	static const char *const kinds[] = { "applicant_not_approver", "distinct_persons",
		                             "exclusive_roles", "independent", "at_least" };
	const struct ynode *x;
	const char *k;

	s->pos = v->pos;
	if (!load_require(L, v, "id", "a separation constraint") ||
	    !load_require(L, v, "kind", "a separation constraint"))
		return false;
	if (!(s->id = load_opt_str(L, v, "id", "a separation constraint")))
		return false;
	if (!load_is_ident(s->id)) {
		load_err(L, ymap_get(v, "id"), "constraint id '%s' must be an identifier", s->id);
		return false;
	}
	if (stable_put(&L->priv->separation, s->id, strlen(s->id), s)) {
		load_err(L, ymap_get(v, "id"), "constraint '%s' is defined twice", s->id);
		return false;
	}
	s->index = L->p->n_separation++;
	s->note = load_opt_str(L, v, "note", "a separation constraint");
	s->ward_choice = load_opt_str(L, v, "ward_choice", "a separation constraint");
	load_clause_refs(L, v, &s->clauses, true, "a separation constraint");
	x = ymap_get(v, "kind");
	if (!(k = load_str(L, x, "'kind'")))
		return false;
	for (size_t i = 0; i < ARRAY_SIZE(sep_kinds); i++)
		if (!strcmp(k, sep_kinds[i].name)) {
			s->kind = sep_kinds[i].kind;
			*ret_kind = &sep_kinds[i];
			return true;
		}
	load_unknown(L, x, "constraint kind", k, kinds, ARRAY_SIZE(kinds));
	return false;
}

void load_separation(struct loader *L, const struct ynode *n)
{
	static const char *const keys[] = { "id",      "kind",        "clause",  "clauses",
		                            "actions", "fields",      "roles",   "fallback",
		                            "note",    "ward_choice", "persons", "of",
		                            "count",   "counted",     "per",     "state",
		                            "only",    NULL };
	struct profile *p = L->p;
	struct policy_separation *seps;

	stable_init(&L->priv->separation, L->a, n && n->type == Y_SEQ ? n->n : 0);
	if (!n || !load_want(L, n, Y_SEQ, "'separation'"))
		return;
	seps = arena_array(L->a, n->n ? n->n : 1, sizeof(*seps));
	for (unsigned i = 0; i < n->n; i++) {
		const struct ynode *v = n->kids[i];
		struct policy_separation *s = &seps[p->n_separation];
		const struct sep_kind *kind = NULL;

		if (!load_want(L, v, Y_MAP, "a separation constraint"))
			continue;
		load_check_keys(L, v, keys, "a separation constraint");
		if (!load_constraint_head(L, v, s, &kind))
			continue;
		for (size_t k = 0; k < ARRAY_SIZE(sep_kinds); k++) {
			const struct ynode *x = ymap_get(v, sep_kinds[k].key);

			if (x && &sep_kinds[k] != kind)
				load_err(L, x, "'%s' is only for %s", sep_kinds[k].key,
				         sep_kinds[k].name);
		}
		kind->load(L, v, s);
		load_fallback(L, v, s);
	}
	p->separation = seps;
}
