/* load-duties: periodic duties, retention periods and how long requests wait. */
#include <stdio.h>
#include <string.h>

#include "base/cleanup.h"
#include "policy/load-internal.h"

static const struct policy_action *evidence_action(struct loader *L, const struct ynode *x)
{
	const struct policy_action *a;

	if (!load_str(L, x, "'action' of the evidence"))
		return NULL;
	a = stable_get(&L->priv->actions, x->str, x->len);
	if (!a)
		load_unknown(L, x, "action", x->str, L->action_names, L->p->n_actions);
	return a;
}

/* A field of the evidence action or of its register, by id. */
static const struct policy_field *evidence_field(struct loader *L, const struct policy_action *a,
                                                 const struct ynode *k)
{
	const struct policy_field *f = policy_action_field(a, k->str);

	if (!f)
		f = policy_register_field(a->reg, k->str);
	if (!f)
		load_err(L, k, "neither action '%s' nor register '%s' has a field '%s'",
		         a->full_name, a->reg->id, k->str);
	return f;
}

static bool evidence_value_ok(struct loader *L, const struct policy_field *f, const struct ynode *n,
                              const char *s)
{
	struct strbuf sb = STRBUF_INIT;
	bool ok = false;

	if (f->type == FIELD_BOOL)
		ok = !strcmp(s, "true") || !strcmp(s, "false");
	else
		for (unsigned j = 0; j < f->n_values && !ok; j++)
			ok = !strcmp(f->values[j], s);
	if (ok)
		return true;
	strbuf_addf(&sb, "field '%s' has no value '%s'", f->id, s);
	if (f->type == FIELD_ENUM)
		suggest_append(&sb, s, f->values, f->n_values);
	load_err(L, n, "%s", sb.buf);
	strbuf_release(&sb);
	return false;
}

/*
 * `fields`: field: value (or a list: any of them), for enum and bool fields; the values make
 * an act of the action this duty's evidence.
 */
static void load_evidence_values(struct loader *L, const struct ynode *x, struct policy_duty *du)
{
	struct policy_evidence_value *ev;

	if (!load_want(L, x, Y_MAP, "'fields' of the evidence"))
		return;
	ev = arena_array(L->a, x->n ? x->n : 1, sizeof(*ev));
	for (unsigned i = 0; i < x->n; i++) {
		const struct ynode *k = x->kids[2 * i], *v = x->kids[2 * i + 1];
		const struct policy_field *f = evidence_field(L, du->evidence, k);
		struct policy_evidence_value *e = &ev[du->n_evidence_values];
		const struct ynode **nodes;
		bool ok = true;

		if (!f)
			continue;
		if (f->type != FIELD_BOOL && f->type != FIELD_ENUM) {
			load_err(L, k,
			         "evidence field '%s' is %s; evidence values are for enum and bool "
			         "fields",
			         f->id, policy_field_type_name(f->type));
			continue;
		}
		if (load_str_list(L, v, "an evidence value", &e->values, &e->n_values, &nodes) < 0)
			continue;
		for (unsigned j = 0; j < e->n_values; j++)
			ok &= evidence_value_ok(L, f, nodes[j], e->values[j]);
		if (!ok)
			continue;
		e->field = f;
		du->n_evidence_values++;
	}
	du->evidence_values = ev;
}

/*
 * `evidence`: an action ("device.inspect"), or {action, fields: {field: value or [values]},
 * date: field, at: record}:
 * the act of that action with those values, done on that date (not in the future), on a
 * record of the duty's scope.
 */
static void load_evidence(struct loader *L, const struct ynode *x, struct policy_duty *du)
{
	static const char *const keys[] = { "action", "fields", "date", "at", NULL };
	const struct ynode *y;

	if (x->type == Y_SCALAR) {
		du->evidence = evidence_action(L, x);
		return;
	}
	if (!load_want(L, x, Y_MAP, "'evidence'"))
		return;
	load_check_keys(L, x, keys, "'evidence'");
	if (!load_require(L, x, "action", "'evidence'"))
		return;
	if (!(du->evidence = evidence_action(L, ymap_get(x, "action"))))
		return;
	if ((y = ymap_get(x, "fields")))
		load_evidence_values(L, y, du);
	if ((y = ymap_get(x, "at")) && load_str(L, y, "'at' of the evidence")) {
		if (strcmp(y->str, "record"))
			load_err(L, y,
			         "evidence 'at' is '%s'; the only value is 'record' (the act's "
			         "record lies at the duty's scope)",
			         y->str);
		else if (du->role && du->role->scope == SCOPE_ORG)
			load_err(L, y,
			         "evidence 'at: record' needs a role held at a section or "
			         "system, not '%s' (held at org)",
			         du->role->id);
		else
			du->evidence_at_record = true;
	}
	if ((y = ymap_get(x, "date")) && load_str(L, y, "'date' of the evidence")) {
		du->evidence_date = evidence_field(L, du->evidence, y);
		if (du->evidence_date && du->evidence_date->type != FIELD_DATE &&
		    du->evidence_date->type != FIELD_DATETIME) {
			load_err(L, y, "evidence date '%s' is %s, not date or datetime", y->str,
			         policy_field_type_name(du->evidence_date->type));
			du->evidence_date = NULL;
		}
	}
}

void load_duties(struct loader *L, const struct ynode *n)
{
	static const char *const keys[] = { "id",     "name",    "role", "every",       "evidence",
		                            "clause", "clauses", "note", "ward_choice", NULL };
	struct profile *p = L->p;
	struct policy_duty *duties;

	stable_init(&L->priv->duties, L->a, n && n->type == Y_SEQ ? n->n : 0);
	if (!n || !load_want(L, n, Y_SEQ, "'duties'"))
		return;
	duties = arena_array(L->a, n->n ? n->n : 1, sizeof(*duties));
	for (unsigned i = 0; i < n->n; i++) {
		const struct ynode *v = n->kids[i], *x;
		struct policy_duty *du = &duties[p->n_duties];
		bool ok = true;

		if (!load_want(L, v, Y_MAP, "a duty"))
			continue;
		load_check_keys(L, v, keys, "a duty");
		du->pos = v->pos;
		for (const char *const *k = keys; k < keys + 5; k++)
			ok &= load_require(L, v, *k, "a duty");
		if (!ok || !(du->id = load_opt_str(L, v, "id", "a duty")))
			continue;
		if (!load_is_ident(du->id)) {
			load_err(L, ymap_get(v, "id"), "duty id '%s' must be an identifier",
			         du->id);
			continue;
		}
		if (stable_put(&L->priv->duties, du->id, strlen(du->id), du)) {
			load_err(L, ymap_get(v, "id"), "duty '%s' is defined twice", du->id);
			continue;
		}
		du->index = p->n_duties++;
		du->name = load_opt_str(L, v, "name", "a duty");
		du->note = load_opt_str(L, v, "note", "a duty");
		du->ward_choice = load_opt_str(L, v, "ward_choice", "a duty");
		x = ymap_get(v, "role");
		if (load_str(L, x, "'role'"))
			du->role = load_role_ref(L, x, x->str);
		load_duration(L, ymap_get(v, "every"), "'every'", &du->every_seconds);
		load_evidence(L, ymap_get(v, "evidence"), du);
		load_clause_refs(L, v, &du->clauses, true, "a duty");
	}
	p->duties = duties;
}

void load_retention(struct loader *L, const struct ynode *n)
{
	static const char *const keys[] = {
		"keep", "clause", "clauses", "note", "ward_choice", NULL
	};
	struct profile *p = L->p;
	struct policy_retention *ret;

	if (!n || !load_want(L, n, Y_MAP, "'retention'"))
		return;
	ret = arena_array(L->a, n->n ? n->n : 1, sizeof(*ret));
	for (unsigned i = 0; i < n->n; i++) {
		const struct ynode *k = n->kids[2 * i], *v = n->kids[2 * i + 1];
		struct policy_retention *r = &ret[p->n_retention];

		r->reg = stable_get(&L->priv->registers, k->str, k->len);
		if (!r->reg) {
			load_unknown(L, k, "register", k->str, L->register_ids, p->n_registers);
			continue;
		}
		if (!load_want(L, v, Y_MAP, "a retention entry"))
			continue;
		load_check_keys(L, v, keys, "a retention entry");
		r->pos = k->pos;
		if (!load_require(L, v, "keep", "a retention entry"))
			continue;
		if (load_duration(L, ymap_get(v, "keep"), "'keep'", &r->keep_seconds) < 0)
			continue;
		r->note = load_opt_str(L, v, "note", "a retention entry");
		r->ward_choice = load_opt_str(L, v, "ward_choice", "a retention entry");
		load_clause_refs(L, v, &r->clauses, false, "a retention entry");
		p->n_retention++;
	}
	p->retention = ret;
}

/* requests: {expire: 14d, note: ...}: the ward's choice; the texts set no period. */
void load_requests(struct loader *L, const struct ynode *n)
{
	static const char *const keys[] = { "expire", "note", "ward_choice", NULL };
	struct profile *p = L->p;

	if (!n || !load_want(L, n, Y_MAP, "'requests'"))
		return;
	load_check_keys(L, n, keys, "'requests'");
	if (!load_require(L, n, "expire", "'requests'"))
		return;
	if (load_duration(L, ymap_get(n, "expire"), "'expire'", &p->request_expire_seconds) < 0) {
		p->request_expire_seconds = 0;
	} else if (p->request_expire_seconds > 10LL * 365 * 86400) {
		load_err(L, ymap_get(n, "expire"), "'expire' is at most 10y");
		p->request_expire_seconds = 0;
	}
	p->request_note = load_opt_str(L, n, "note", "'requests'");
	p->request_ward_choice = load_opt_str(L, n, "ward_choice", "'requests'");
}
