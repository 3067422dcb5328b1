/* load-registers: registers with their typed fields, lifecycle states and actions. */
#include <stdio.h>
#include <string.h>

#include "base/cleanup.h"
#include "policy/load-internal.h"

/* Field type names, in the order of enum policy_field_type. */
static const char *const field_type_names[] = { "text", "integer", "bool",    "date",   "datetime",
	                                        "enum", "level",   "section", "user",   "ref",
	                                        "set",  "grants",  "system",  "clause", "entries" };

static int field_type(const char *s, enum policy_field_type *ret)
{
	for (size_t i = 0; i < ARRAY_SIZE(field_type_names); i++)
		if (!strcmp(s, field_type_names[i])) {
			*ret = (enum policy_field_type)i;
			return 0;
		}
	return -1;
}

const char *policy_field_type_name(enum policy_field_type t)
{
	return (size_t)t < ARRAY_SIZE(field_type_names) ? field_type_names[t] : "?";
}

static bool has_values(enum policy_field_type t)
{
	return t == FIELD_ENUM || t == FIELD_SET;
}

/* `value_clauses`: value → the clauses that value carries (enum and set fields). */
static void load_value_clauses(struct loader *L, const struct ynode *v, struct policy_field *f)
{
	const struct ynode *x = ymap_get(v, "value_clauses");
	struct policy_clauses *vc;

	if (!x)
		return;
	if (!has_values(f->type)) {
		load_err(L, x, "'value_clauses' is only for enum and set fields; field '%s' is %s",
		         f->id, policy_field_type_name(f->type));
		return;
	}
	if (!load_want(L, x, Y_MAP, "'value_clauses'"))
		return;
	vc = arena_array(L->a, f->n_values ? f->n_values : 1, sizeof(*vc));
	for (unsigned i = 0; i < x->n; i++) {
		const struct ynode *k = x->kids[2 * i];
		unsigned vi = 0;

		while (vi < f->n_values && strcmp(f->values[vi], k->str))
			vi++;
		if (vi == f->n_values)
			load_unknown(L, k, "value", k->str, f->values, f->n_values);
		else
			load_clause_list(L, x->kids[2 * i + 1], &vc[vi]);
	}
	f->value_clauses = vc;
}

/* `values` of an enum or set field: required there, an error on any other type. */
static int load_field_values(struct loader *L, const struct ynode *v, struct policy_field *f,
                             const char *type)
{
	const struct ynode *x = ymap_get(v, "values");
	const struct ynode **nodes;

	if (!has_values(f->type)) {
		if (x)
			load_err(L, x, "'values' is only for enum and set fields; field '%s' is %s",
			         f->id, type);
		return 0;
	}
	if (!x) {
		load_err(L, v, "%s field '%s' needs 'values'", type, f->id);
		return -1;
	}
	if (load_str_list(L, x, "an enum value", &f->values, &f->n_values, &nodes) < 0)
		return -1;
	if (f->n_values > POLICY_MAX_VALUES) {
		load_err(L, x, "at most %d values", POLICY_MAX_VALUES);
		return -1;
	}
	for (unsigned a = 0; a < f->n_values; a++) {
		for (unsigned b = 0; b < a; b++)
			if (!strcmp(f->values[a], f->values[b]))
				load_err(L, nodes[a], "value '%s' is listed twice", f->values[a]);
		if (f->type == FIELD_SET && strchr(f->values[a], ','))
			load_err(L, nodes[a], "a value of set field '%s' may not hold ','", f->id);
	}
	load_value_clauses(L, v, f);
	return 0;
}

/* `all` (set fields: every value must be given) and `as` (grants: the role conferred). */
static int load_field_kind_keys(struct loader *L, const struct ynode *v, struct policy_field *f,
                                const char *type)
{
	const struct ynode *x;

	if ((x = ymap_get(v, "all"))) {
		if (f->type != FIELD_SET)
			load_err(L, x, "'all' is only for set fields; field '%s' is %s", f->id,
			         type);
		else
			load_boolean(L, x, "'all'", &f->all_values);
	}
	x = ymap_get(v, "as");
	if (f->type != FIELD_GRANTS) {
		if (x)
			load_err(L, x, "'as' is only for grants fields; field '%s' is %s", f->id,
			         type);
		return 0;
	}
	if (!x) {
		load_err(L, v,
		         "grants field '%s' needs 'as' (the role a grant confers at the record)",
		         f->id);
		return -1;
	}
	if (load_str(L, x, "'as'") && (f->grants_as = load_role_ref(L, x, x->str)) &&
	    f->grants_as->scope == SCOPE_ORG)
		load_err(L, x,
		         "'as' names role '%s' of scope org; a grant confers a role at the "
		         "record's section or system",
		         f->grants_as->id);
	return f->grants_as ? 0 : -1;
}

/* `to` of a ref field, resolved once every register is known (load_registers). */
static int load_field_ref(struct loader *L, const struct ynode *v, struct policy_field *f,
                          const char *type)
{
	const struct ynode *x = ymap_get(v, "to");

	if (f->type != FIELD_REF) {
		if (x)
			load_err(L, x, "'to' is only for ref fields; field '%s' is %s", f->id,
			         type);
		return 0;
	}
	if (!x) {
		load_err(L, v, "ref field '%s' needs 'to' (the register it refers to)", f->id);
		return -1;
	}
	ALLOC_GROW(L->refs, L->n_refs, L->alloc_refs);
	L->refs[L->n_refs].field = f;
	L->refs[L->n_refs].to = x;
	L->n_refs++;
	return 0;
}

/* The shorthand form of a field: "text", "text!" (required). */
static bool load_field_shorthand(struct loader *L, const struct ynode *v, struct policy_field *f)
{
	char *s = arena_strndup(L->a, v->str, v->len);
	size_t l = strlen(s);

	if (l && s[l - 1] == '!') {
		f->required = true;
		s[l - 1] = '\0';
	}
	if (field_type(s, &f->type) < 0) {
		load_unknown(L, v, "field type", s, field_type_names, ARRAY_SIZE(field_type_names));
		return false;
	}
	if (has_values(f->type) || f->type == FIELD_REF || f->type == FIELD_GRANTS) {
		load_err(L, v, "field '%s' of type %s needs the mapping form with '%s'", f->id, s,
		         has_values(f->type)    ? "values"
		         : f->type == FIELD_REF ? "to"
		                                : "as");
		return false;
	}
	return true;
}

/* 'due' (date fields), then 'keeps_level', 'same_section' and 'ref_states' (ref fields). */
static bool load_field_due_ref_keys(struct loader *L, const struct ynode *v, struct policy_field *f)
{
	const struct ynode *x;

	if ((x = ymap_get(v, "due"))) {
		load_boolean(L, x, "'due'", &f->due);
		if (f->due && f->type != FIELD_DATE) {
			load_err(L, x,
			         "field '%s': 'due' marks a date field (the day it is due back)",
			         f->id);
			return false;
		}
	}
	if ((x = ymap_get(v, "keeps_level"))) {
		load_boolean(L, x, "'keeps_level'", &f->keeps_level);
		if (f->keeps_level && f->type != FIELD_REF) {
			load_err(L, x, "field '%s': 'keeps_level' is for ref fields (the original)",
			         f->id);
			return false;
		}
	}
	if ((x = ymap_get(v, "same_section"))) {
		load_boolean(L, x, "'same_section'", &f->same_section);
		if (f->same_section && f->type != FIELD_REF) {
			load_err(L, x, "field '%s': 'same_section' is for ref fields", f->id);
			return false;
		}
	}
	if ((x = ymap_get(v, "ref_states"))) {
		if (f->type != FIELD_REF) {
			load_err(L, x, "field '%s': 'ref_states' is for ref fields", f->id);
			return false;
		}
		if (load_str_list(L, x, "a state id", &f->ref_states, &f->n_ref_states, NULL) < 0)
			return false;
		ALLOC_GROW(L->ref_states, L->n_ref_states, L->alloc_ref_states);
		L->ref_states[L->n_ref_states].field = f;
		L->ref_states[L->n_ref_states].x = x;
		L->n_ref_states++;
	}
	return true;
}

/* 'unique' (text and integer fields), 'holds' (user fields), 'many' (user, section, system and
 * clause fields) and 'within' (clause fields). */
static bool load_field_value_keys(struct loader *L, const struct ynode *v, struct policy_field *f)
{
	const struct ynode *x;

	if ((x = ymap_get(v, "unique"))) {
		load_boolean(L, x, "'unique'", &f->unique);
		if (f->unique && f->type != FIELD_TEXT && f->type != FIELD_INTEGER) {
			load_err(L, x,
			         "field '%s': 'unique' is for text and integer fields (a number)",
			         f->id);
			return false;
		}
	}
	if ((x = ymap_get(v, "holds"))) {
		if (f->type != FIELD_USER) {
			load_err(L, x,
			         "field '%s': 'holds' is for user fields (the role they hold)",
			         f->id);
			return false;
		}
		if (!load_str(L, x, "'holds'") || !(f->holds = load_role_ref(L, x, x->str)))
			return false;
	}
	if ((x = ymap_get(v, "many"))) {
		load_boolean(L, x, "'many'", &f->many);
		if (f->many && f->type != FIELD_USER && f->type != FIELD_SECTION &&
		    f->type != FIELD_SYSTEM && f->type != FIELD_CLAUSE) {
			load_err(L, x,
			         "field '%s': 'many' is only for user, section, system and clause "
			         "fields",
			         f->id);
			return false;
		}
	}
	if ((x = ymap_get(v, "within"))) {
		if (f->type != FIELD_CLAUSE) {
			load_err(L, x, "field '%s': 'within' is for clause fields", f->id);
			return false;
		}
		ALLOC_GROW(L->withins, L->n_withins, L->alloc_withins);
		L->withins[L->n_withins].field = f;
		L->withins[L->n_withins].x = x;
		L->n_withins++;
	}
	return true;
}

static bool load_field(struct loader *L, const struct ynode *k, const struct ynode *v,
                       struct policy_field *f)
{
	static const char *const keys[] = {
		"type",  "name",        "required",    "clause",        "clauses",    "values",
		"to",    "note",        "ward_choice", "value_clauses", "all",        "as",
		"due",   "keeps_level", "many",        "same_section",  "ref_states", "unique",
		"holds", "within",      NULL
	};
	const struct ynode *t = v, *x;
	const char *ts;

	if (!load_is_ident(k->str)) {
		load_err(
		    L, k,
		    "field id '%s' must be lowercase letters, digits, '_' or '-', starting with a "
		    "letter",
		    k->str);
		return false;
	}
	f->id = k->str;
	f->name = k->str;
	f->pos = k->pos;
	if (v->type == Y_SCALAR)
		return load_field_shorthand(L, v, f);
	if (!load_want(L, v, Y_MAP, "a field"))
		return false;
	load_check_keys(L, v, keys, "a field");
	if (!load_require(L, v, "type", "a field"))
		return false;
	t = ymap_get(v, "type");
	if (!(ts = load_str(L, t, "'type'")))
		return false;
	if (field_type(ts, &f->type) < 0) {
		load_unknown(L, t, "field type", ts, field_type_names,
		             ARRAY_SIZE(field_type_names));
		return false;
	}
	if ((x = ymap_get(v, "name")))
		f->name = load_str(L, x, "'name'");
	if (!f->name)
		f->name = f->id;
	f->note = load_opt_str(L, v, "note", "a field");
	f->ward_choice = load_opt_str(L, v, "ward_choice", "a field");
	if ((x = ymap_get(v, "required")))
		load_boolean(L, x, "'required'", &f->required);
	if (!load_field_due_ref_keys(L, v, f) || !load_field_value_keys(L, v, f))
		return false;
	load_clause_refs(L, v, &f->clauses, false, "a field");
	return load_field_values(L, v, f, ts) == 0 && load_field_ref(L, v, f, ts) == 0 &&
	       load_field_kind_keys(L, v, f, ts) == 0;
}

static void load_fields(struct loader *L, const struct ynode *n, const char *what,
                        const struct policy_field **ret, unsigned *ret_n)
{
	struct policy_field *fields;
	unsigned cnt = 0;

	*ret = NULL;
	*ret_n = 0;
	if (!n || !load_want(L, n, Y_MAP, what))
		return;
	fields = arena_array(L->a, n->n ? n->n : 1, sizeof(*fields));
	for (unsigned i = 0; i < n->n; i++) {
		struct policy_field *f = &fields[cnt];

		if (!load_field(L, n->kids[2 * i], n->kids[2 * i + 1], f))
			continue;
		f->index = cnt++;
	}
	*ret = fields;
	*ret_n = cnt;
}

static const struct policy_state *load_state_ref(struct loader *L, const struct policy_register *r,
                                                 const struct ynode *n, const char *id)
{
	const struct policy_state *s = policy_register_state(r, id);

	if (!s) {
		const char *cands[POLICY_MAX_STATES];

		for (unsigned i = 0; i < r->n_states; i++)
			cands[i] = r->states[i].id;
		load_unknown(L, n, "state", id, cands, r->n_states);
	}
	return s;
}

/*
 * A state's value: its name, or {name, former: true} for a state kept so that records made
 * under an earlier version of the profile stay readable; no action may lead to it.
 */
static void load_state_value(struct loader *L, const struct ynode *v, struct policy_state *s)
{
	static const char *const keys[] = { "name", "former", NULL };
	const struct ynode *x;

	if (v->type == Y_MAP) {
		load_check_keys(L, v, keys, "a state");
		s->name = load_opt_str(L, v, "name", "a state");
		if ((x = ymap_get(v, "former")))
			load_boolean(L, x, "'former'", &s->former);
	} else {
		s->name = load_str(L, v, "a state's name");
	}
	if (!s->name)
		s->name = s->id;
}

static void load_action(struct loader *L, struct policy_register *r, const struct ynode *k,
                        const struct ynode *v, struct policy_action *a)
{
	static const char *const keys[] = { "name",        "from",    "to",       "create",
		                            "fields",      "clause",  "clauses",  "note",
		                            "ward_choice", "context", "actor_in", NULL };
	const struct ynode *x;
	char *full;
	size_t l;

	a->id = k->str;
	a->pos = k->pos;
	a->reg = r;
	l = strlen(r->id) + 1 + strlen(a->id);
	full = arena_alloc(L->a, l + 1);
	snprintf(full, l + 1, "%s.%s", r->id, a->id);
	a->full_name = full;
	if (!load_want(L, v, Y_MAP, "an action"))
		return;
	load_check_keys(L, v, keys, "an action");
	if (load_require(L, v, "name", "an action"))
		a->name = load_opt_str(L, v, "name", "an action");
	a->note = load_opt_str(L, v, "note", "an action");
	a->ward_choice = load_opt_str(L, v, "ward_choice", "an action");
	a->read = !strcmp(a->id, "read");
	if ((x = ymap_get(v, "context")))
		load_action_context(L, x, a);
	if ((x = ymap_get(v, "create")))
		load_boolean(L, x, "'create'", &a->create);
	if ((x = ymap_get(v, "actor_in"))) {
		ALLOC_GROW(L->actor_ins, L->n_actor_ins, L->alloc_actor_ins);
		L->actor_ins[L->n_actor_ins].action = a;
		L->actor_ins[L->n_actor_ins].x = x;
		L->n_actor_ins++;
	}
	if ((x = ymap_get(v, "from"))) {
		const char **ids;
		const struct ynode **nodes;
		unsigned cnt;

		if (a->create)
			load_err(L, x, "action '%s' creates its record: it has no 'from'",
			         a->full_name);
		else if (load_str_list(L, x, "a state", &ids, &cnt, &nodes) == 0)
			for (unsigned i = 0; i < cnt; i++) {
				const struct policy_state *s =
				    load_state_ref(L, r, nodes[i], ids[i]);

				if (s)
					a->from |= 1ULL << s->index;
			}
	}
	if ((x = ymap_get(v, "to"))) {
		const char *s = load_str(L, x, "'to'");

		if (s)
			a->to = load_state_ref(L, r, x, s);
		if (a->to && a->to->former)
			load_err(L, x,
			         "state '%s' is a former state (kept for old records): no action "
			         "may lead to it",
			         a->to->id);
	}
	load_fields(L, ymap_get(v, "fields"), "'fields' of an action", &a->fields, &a->n_fields);
	/* an action may set a register field: then it is the same field, of the same type */
	for (unsigned i = 0; i < a->n_fields; i++) {
		const struct policy_field *rf = policy_register_field(r, a->fields[i].id);

		if (rf && rf->type != a->fields[i].type)
			diag_add(L->d, DIAG_ERROR, a->fields[i].pos,
			         "field '%s' of action '%s' is %s, but register '%s' has it as %s",
			         a->fields[i].id, a->full_name,
			         policy_field_type_name(a->fields[i].type), r->id,
			         policy_field_type_name(rf->type));
	}
	load_clause_refs(L, v, &a->clauses, false, "an action");
}

static void load_register(struct loader *L, const struct ynode *k, const struct ynode *v,
                          struct policy_register *r)
{
	static const char *const keys[] = { "name",   "clause",  "clauses", "types", "fields",
		                            "states", "initial", "actions", "opens", NULL };
	const struct ynode *x;
	struct policy_state *states;
	const struct policy_action **acts;

	r->id = k->str;
	r->pos = k->pos;
	load_check_keys(L, v, keys, "a register");
	if (load_require(L, v, "name", "a register"))
		r->name = load_opt_str(L, v, "name", "a register");
	load_clause_refs(L, v, &r->clauses, false, "a register");
	if ((x = ymap_get(v, "types"))) {
		const struct ynode **nodes;

		if (load_str_list(L, x, "a resource type", &r->types, &r->n_types, &nodes) == 0)
			for (unsigned i = 0; i < r->n_types; i++)
				if (!load_is_ident(r->types[i]))
					load_err(L, nodes[i],
					         "resource type '%s' must be an identifier",
					         r->types[i]);
	}
	load_fields(L, ymap_get(v, "fields"), "'fields'", &r->fields, &r->n_fields);
	if ((x = ymap_get(v, "states")) && load_want(L, x, Y_MAP, "'states'")) {
		if (x->n > POLICY_MAX_STATES) {
			load_err(L, x, "at most %d states", POLICY_MAX_STATES);
		} else {
			states = arena_array(L->a, x->n ? x->n : 1, sizeof(*states));
			for (unsigned i = 0; i < x->n; i++) {
				const struct ynode *sk = x->kids[2 * i], *sv = x->kids[2 * i + 1];
				struct policy_state *s = &states[r->n_states];

				if (!load_is_ident(sk->str)) {
					load_err(L, sk, "state id '%s' must be an identifier",
					         sk->str);
					continue;
				}
				s->id = sk->str;
				s->pos = sk->pos;
				load_state_value(L, sv, s);
				s->index = r->n_states++;
			}
			r->states = states;
		}
	}
	if ((x = ymap_get(v, "initial"))) {
		const char *s = load_str(L, x, "'initial'");

		if (s)
			r->initial = load_state_ref(L, r, x, s);
	} else if (r->n_states) {
		r->initial = &r->states[0];
	}
	if ((x = ymap_get(v, "actions")) && load_want(L, x, Y_MAP, "'actions'")) {
		acts = arena_array(L->a, x->n ? x->n : 1, sizeof(*acts));
		for (unsigned i = 0; i < x->n; i++) {
			const struct ynode *ak = x->kids[2 * i], *av = x->kids[2 * i + 1];
			struct policy_action *a;

			if (!load_is_ident(ak->str)) {
				load_err(L, ak, "action id '%s' must be an identifier", ak->str);
				continue;
			}
			a = arena_alloc(L->a, sizeof(*a));
			a->index = L->n_actions++;
			load_action(L, r, ak, av, a);
			acts[r->n_actions++] = a;
		}
		r->actions = acts;
	}
}

/*
 * `actor_in: REF.USERS` of an action: REF a ref field of its register (or of the action), USERS a
 * user field of the register REF refers to. Resolved once every register is known.
 */
static void load_actor_in(struct loader *L, const struct ynode *x, struct policy_action *a)
{
	const char *s = load_str(L, x, "'actor_in'");
	const char *dot = s ? strchr(s, '.') : NULL;
	char *ref_id;
	const struct policy_field *ref, *users = NULL;

	if (!s)
		return;
	if (!dot) {
		load_err(L, x,
		         "'actor_in' is REF.FIELD: a ref field of '%s' and a user field of "
		         "the register it refers to",
		         a->reg->id);
		return;
	}
	ref_id = arena_strndup(L->a, s, (size_t)(dot - s));
	ref = policy_register_field(a->reg, ref_id);
	if (!ref)
		ref = policy_action_field(a, ref_id);
	if (!ref || ref->type != FIELD_REF || !ref->ref) {
		load_err(L, x, "'actor_in': '%s' is not a ref field of register '%s'", ref_id,
		         a->reg->id);
		return;
	}
	users = policy_register_field(ref->ref, dot + 1);
	if (!users || users->type != FIELD_USER) {
		load_err(L, x, "'actor_in': register '%s' has no user field '%s'", ref->ref->id,
		         dot + 1);
		return;
	}
	a->actor_in_ref = ref;
	a->actor_in_users = users;
}

/*
 * `within: REF.CLAUSES` of a register's clause field f: REF a ref field of the same register,
 * CLAUSES a clause field of the register REF refers to.
 */
static void load_within(struct loader *L, const struct ynode *x, struct policy_field *f)
{
	const char *s = load_str(L, x, "'within'");
	const char *dot = s ? strchr(s, '.') : NULL;
	const struct policy_register *reg = NULL;
	const struct policy_field *ref = NULL, *scope = NULL;

	for (unsigned i = 0; i < L->p->n_registers && !reg; i++)
		for (unsigned k = 0; k < L->regs[i].n_fields && !reg; k++)
			if (&L->regs[i].fields[k] == f)
				reg = &L->regs[i];
	if (!s)
		return;
	if (!reg || !dot) {
		load_err(L, x,
		         "'within' is REF.FIELD on a register's clause field: a ref field of the "
		         "register and a clause field of the register it refers to");
		return;
	}
	ref = policy_register_field(reg, arena_strndup(L->a, s, (size_t)(dot - s)));
	if (!ref || ref->type != FIELD_REF || !ref->ref) {
		load_err(L, x, "'within': '%.*s' is not a ref field of register '%s'",
		         (int)(dot - s), s, reg->id);
		return;
	}
	scope = policy_register_field(ref->ref, dot + 1);
	if (!scope || scope->type != FIELD_CLAUSE) {
		load_err(L, x, "'within': register '%s' has no clause field '%s'", ref->ref->id,
		         dot + 1);
		return;
	}
	f->within_ref = ref;
	f->within = scope;
}

void load_registers(struct loader *L, const struct ynode *n)
{
	struct profile *p = L->p;
	unsigned total = 0;
	const struct policy_action **all;

	stable_init(&L->priv->registers, L->a, n && n->type == Y_MAP ? n->n : 0);
	if (!n || !load_want(L, n, Y_MAP, "'registers'")) {
		stable_init(&L->priv->actions, L->a, 0);
		return;
	}
	L->regs = arena_array(L->a, n->n ? n->n : 1, sizeof(*L->regs));
	L->register_ids = arena_array(L->a, n->n ? n->n : 1, sizeof(*L->register_ids));
	for (unsigned i = 0; i < n->n; i++) {
		const struct ynode *k = n->kids[2 * i], *v = n->kids[2 * i + 1];
		struct policy_register *r = &L->regs[p->n_registers];

		if (!load_is_ident(k->str)) {
			load_err(L, k, "register id '%s' must be an identifier", k->str);
			continue;
		}
		if (!load_want(L, v, Y_MAP, "a register"))
			continue;
		load_register(L, k, v, r);
		r->index = p->n_registers;
		stable_put(&L->priv->registers, r->id, strlen(r->id), r);
		L->register_ids[p->n_registers++] = r->id;
		total += r->n_actions;
	}
	p->registers = L->regs;
	for (size_t i = 0; i < L->n_refs; i++) {
		const char *s = load_str(L, L->refs[i].to, "'to'");
		const struct policy_register *r;

		if (!s)
			continue;
		r = stable_get(&L->priv->registers, s, strlen(s));
		if (!r)
			load_unknown(L, L->refs[i].to, "register", s, L->register_ids,
			             p->n_registers);
		L->refs[i].field->ref = r;
	}
	/* `ref_states`: states of the register referred to */
	for (size_t i = 0; i < L->n_ref_states; i++) {
		const struct policy_field *f = L->ref_states[i].field;

		for (unsigned k = 0; f->ref && k < f->n_ref_states; k++)
			if (!policy_register_state(f->ref, f->ref_states[k]))
				load_err(L, L->ref_states[i].x,
				         "field '%s': register '%s' has no state '%s'", f->id,
				         f->ref->id, f->ref_states[k]);
	}
	for (size_t i = 0; i < L->n_withins; i++)
		load_within(L, L->withins[i].x, L->withins[i].field);
	/* the global action table: "register.action" */
	stable_init(&L->priv->actions, L->a, total);
	all = arena_array(L->a, total ? total : 1, sizeof(*all));
	L->action_names = arena_array(L->a, total ? total : 1, sizeof(*L->action_names));
	for (unsigned i = 0; i < p->n_registers; i++)
		for (unsigned j = 0; j < L->regs[i].n_actions; j++) {
			const struct policy_action *a = L->regs[i].actions[j];

			stable_put(&L->priv->actions, a->full_name, strlen(a->full_name), a);
			L->action_names[p->n_actions] = a->full_name;
			all[p->n_actions++] = a;
		}
	p->actions = all;
	for (size_t i = 0; i < L->n_actor_ins; i++)
		load_actor_in(L, L->actor_ins[i].x, L->actor_ins[i].action);
	load_openings(L, n);
}
