/* load-duties: periodic duties, retention periods and how long requests wait. */
#include <stdio.h>
#include <string.h>

#include "base/cleanup.h"
#include "policy/load-internal.h"

void load_duties(struct loader *L, const struct ynode *n)
{
	static const char *const keys[] = { "id",     "name",    "role", "every", "evidence",
		                            "clause", "clauses", "note", NULL };
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
		x = ymap_get(v, "role");
		if (load_str(L, x, "'role'"))
			du->role = load_role_ref(L, x, x->str);
		load_duration(L, ymap_get(v, "every"), "'every'", &du->every_seconds);
		x = ymap_get(v, "evidence");
		if (load_str(L, x, "'evidence'") &&
		    !(du->evidence = stable_get(&L->priv->actions, x->str, x->len)))
			load_unknown(L, x, "action", x->str, L->action_names, p->n_actions);
		load_clause_refs(L, v, &du->clauses, true, "a duty");
	}
	p->duties = duties;
}

void load_retention(struct loader *L, const struct ynode *n)
{
	static const char *const keys[] = { "keep", "clause", "clauses", "note", NULL };
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
		load_clause_refs(L, v, &r->clauses, false, "a retention entry");
		p->n_retention++;
	}
	p->retention = ret;
}

/* requests: {expire: 14d, note: ...}: the ward's choice; the texts set no period. */
void load_requests(struct loader *L, const struct ynode *n)
{
	static const char *const keys[] = { "expire", "note", NULL };
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
}
