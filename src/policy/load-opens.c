/* load-opens: a register's `opens`: its records open other records, or themselves, to people. */
#include <string.h>

#include "base/cleanup.h"
#include "policy/load-internal.h"

/* One field of the opening register, of one of the types allowed (a bit per field type). */
static const struct policy_field *opening_field(struct loader *L, const struct ynode *n,
                                                const struct policy_register *r, const char *key,
                                                unsigned types, const char *want)
{
	const char *id = load_str(L, n, key);
	const struct policy_field *f;
	const char *cands[128];
	unsigned nc = 0;

	if (!id)
		return NULL;
	f = policy_register_field(r, id);
	if (!f) {
		for (unsigned i = 0; i < r->n_fields && nc < ARRAY_SIZE(cands); i++)
			cands[nc++] = r->fields[i].id;
		load_unknown(L, n, "field", id, cands, nc);
		return NULL;
	}
	if (!((types >> f->type) & 1)) {
		load_err(L, n, "'%s' of an opening must be %s; field '%s' of register '%s' is %s",
		         key, want, f->id, r->id, policy_field_type_name(f->type));
		return NULL;
	}
	return f;
}

static void opening_fields(struct loader *L, const struct ynode *map, const char *key,
                           const struct policy_register *r, unsigned types, const char *want,
                           const struct policy_field ***ret, unsigned *ret_n)
{
	const struct ynode *x = ymap_get(map, key);
	const struct ynode *items[1];
	const struct ynode *const *list = items;
	const struct policy_field **out;
	unsigned n;

	*ret = NULL;
	*ret_n = 0;
	if (!x)
		return;
	if (x->type == Y_SCALAR) {
		items[0] = x;
		n = 1;
	} else if (load_want(L, x, Y_SEQ, key)) {
		list = (const struct ynode *const *)x->kids;
		n = x->n;
	} else {
		return;
	}
	out = arena_array(L->a, n ? n : 1, sizeof(*out));
	for (unsigned i = 0; i < n; i++) {
		const struct policy_field *f = opening_field(L, list[i], r, key, types, want);
		if (f)
			out[(*ret_n)++] = f;
	}
	*ret = out;
}

static void load_opening(struct loader *L, const struct ynode *n, struct policy_register *r,
                         struct policy_opening *o)
{
	static const char *const keys[] = { "id",        "name",     "to",     "records",
		                            "registers", "sections", "self",   "from",
		                            "until",     "states",   "clause", "clauses",
		                            "systems",   NULL };
	static const char *const to_keys[] = { "field", "role", NULL };
	const struct ynode *x;

	o->reg = r;
	o->pos = n->pos;
	if (!load_want(L, n, Y_MAP, "an opening"))
		return;
	load_check_keys(L, n, keys, "an opening");
	load_require(L, n, "id", "an opening");
	load_require(L, n, "to", "an opening");
	if ((x = ymap_get(n, "id")) && (o->id = load_str(L, x, "'id'")) && !load_is_ident(o->id))
		load_err(L, x, "opening id '%s' must be an identifier", o->id);
	o->name = load_opt_str(L, n, "name", "'name'");
	if ((x = ymap_get(n, "to")) && load_want(L, x, Y_MAP, "'to'")) {
		const struct ynode *f = ymap_get(x, "field"), *ro = ymap_get(x, "role");
		load_check_keys(L, x, to_keys, "'to'");
		if (!!f == !!ro)
			load_err(L, x, "'to' names either a user field (field:) or a role (role:)");
		else if (f)
			o->to_field =
			    opening_field(L, f, r, "field", 1u << FIELD_USER, "a user field");
		else {
			const char *id = load_str(L, ro, "'role'");
			o->to_role = id ? load_role_ref(L, ro, id) : NULL;
		}
	}
	opening_fields(L, n, "records", r, (1u << FIELD_REF) | (1u << FIELD_TEXT),
	               "a ref or text field", &o->records, &o->n_records);
	opening_fields(L, n, "registers", r,
	               (1u << FIELD_TEXT) | (1u << FIELD_ENUM) | (1u << FIELD_SET),
	               "a text, enum or set field", &o->registers, &o->n_registers);
	opening_fields(L, n, "sections", r, 1u << FIELD_SECTION, "a section field", &o->sections,
	               &o->n_sections);
	opening_fields(L, n, "systems", r, 1u << FIELD_SYSTEM, "a system field", &o->systems,
	               &o->n_systems);
	if ((x = ymap_get(n, "self")))
		load_boolean(L, x, "'self'", &o->self);
	if ((x = ymap_get(n, "from")))
		o->from = opening_field(L, x, r, "from", 1u << FIELD_DATE, "a date field");
	if ((x = ymap_get(n, "until")))
		o->until = opening_field(L, x, r, "until", 1u << FIELD_DATE, "a date field");
	if ((x = ymap_get(n, "states"))) {
		const char **names;
		const struct ynode **nodes;
		unsigned cnt;
		if (load_str_list(L, x, "a state", &names, &cnt, &nodes) == 0)
			for (unsigned i = 0; i < cnt; i++) {
				const struct policy_state *st = policy_register_state(r, names[i]);
				if (st) {
					o->states |= 1ULL << st->index;
				} else {
					const char *cands[POLICY_MAX_STATES];
					for (unsigned j = 0; j < r->n_states; j++)
						cands[j] = r->states[j].id;
					load_unknown(L, nodes[i], "state", names[i], cands,
					             r->n_states);
				}
			}
	}
	if (!o->self && !o->n_records && !o->n_registers && !o->n_sections && !o->n_systems)
		load_err(L, n,
		         "opening '%s' opens nothing: give self, records, registers, "
		         "sections or systems",
		         o->id ? o->id : "");
	load_clause_refs(L, n, &o->clauses, true, "an opening");
}

void load_openings(struct loader *L, const struct ynode *n)
{
	struct profile *p = L->p;
	struct policy_opening *all;
	unsigned total = 0, k = 0;

	for (unsigned i = 0; n && n->type == Y_MAP && i < n->n; i++) {
		const struct ynode *x = ymap_get(n->kids[2 * i + 1], "opens");
		if (x && x->type == Y_SEQ)
			total += x->n;
	}
	all = arena_array(L->a, total ? total : 1, sizeof(*all));
	for (unsigned i = 0; n && n->type == Y_MAP && i < n->n; i++) {
		const struct ynode *v = n->kids[2 * i + 1], *x = ymap_get(v, "opens");
		struct policy_register *r = NULL;

		for (unsigned m = 0; m < p->n_registers && !r; m++)
			if (!strcmp(L->regs[m].id, n->kids[2 * i]->str))
				r = &L->regs[m];

		if (!x || !r)
			continue;
		if (!load_want(L, x, Y_SEQ, "'opens'"))
			continue;
		for (unsigned j = 0; j < x->n; j++) {
			struct policy_opening *o = &all[k];
			load_opening(L, x->kids[j], r, o);
			if (!o->id)
				continue;
			for (unsigned m = 0; m < k; m++)
				if (!strcmp(all[m].id, o->id))
					load_err(L, x->kids[j], "opening '%s' is defined twice",
					         o->id);
			if (k == POLICY_MAX_OPENINGS) {
				load_err(L, x->kids[j], "more than %d openings",
				         POLICY_MAX_OPENINGS);
				break;
			}
			o->index = k++;
		}
	}
	p->openings = all;
	p->n_openings = k;
}
