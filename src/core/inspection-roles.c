/* inspection-roles: a role's self-inspection checklist, derived from the profile (docs/audits.md
 * "Checklists by role"): the items (H and R clauses) the text makes the role carry out (a
 * clause's `actor`), those its duties cite, those of the rules that let it act or make it
 * approve, notice or witness, and of the actions those rules give it; the items no role is
 * given fall to the role that signs a section's inspection off (MIN-9-2-1: the section head
 * inspects the section). And who holds a role at a section, to answer its items. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/cleanup.h"
#include "core/inspections.h"
#include "core/org.h"

typedef void (*reach_fn)(void *ctx, const struct policy_clause *c, enum inspection_why why,
                         const char *id, const char *name);

static void reach_all(const struct policy_clauses *cs, reach_fn fn, void *ctx,
                      enum inspection_why why, const char *id, const char *name)
{
	for (unsigned i = 0; i < cs->nr; i++)
		fn(ctx, cs->items[i], why, id, name);
}

/* The rule's own clauses and its obligations'. */
static void reach_rule(const struct policy_rule *r, reach_fn fn, void *ctx, enum inspection_why why)
{
	reach_all(&r->clauses, fn, ctx, why, r->id, r->note);
	for (unsigned k = 0; k < r->n_obligations; k++)
		reach_all(&r->obligations[k].clauses, fn, ctx, why, r->id, r->note);
}

/* Every clause the profile gives role: fn once per (clause, reason). */
static void reach(const struct profile *p, const struct policy_role *role, reach_fn fn, void *ctx)
{
	uint64_t bit = 1ULL << role->index;

	for (unsigned i = 0; i < p->n_clauses; i++)
		for (unsigned k = 0; k < p->clauses[i].n_actors; k++)
			if (p->clauses[i].actors[k] == role)
				fn(ctx, &p->clauses[i], INSPECTION_WHY_ACTOR, NULL, NULL);
	for (unsigned i = 0; i < p->n_duties; i++)
		if (p->duties[i].role == role)
			reach_all(&p->duties[i].clauses, fn, ctx, INSPECTION_WHY_DUTY,
			          p->duties[i].id, p->duties[i].name);
	for (unsigned i = 0; i < p->n_rules; i++) {
		const struct policy_rule *r = &p->rules[i];

		if (r->effect != EFFECT_DENY && (policy_rule_actor_roles(p, r) & bit)) {
			reach_rule(r, fn, ctx, INSPECTION_WHY_RULE);
			for (unsigned a = 0; a < p->n_actions; a++)
				if (!p->actions[a]->read && policy_rule_on(r, p->actions[a]))
					reach_all(&p->actions[a]->clauses, fn, ctx,
					          INSPECTION_WHY_ACTION, p->actions[a]->full_name,
					          p->actions[a]->name);
		}
		for (unsigned k = 0; k < r->n_approvers; k++)
			if (r->approvers[k].role == role)
				reach_rule(r, fn, ctx, INSPECTION_WHY_APPROVAL);
		for (unsigned k = 0; k < r->n_obligations; k++)
			if (r->obligations[k].role.role == role)
				reach_all(&r->obligations[k].clauses, fn, ctx,
				          INSPECTION_WHY_OBLIGATION, r->id, r->note);
	}
}

static void mark(void *ctx, const struct policy_clause *c, enum inspection_why why, const char *id,
                 const char *name)
{
	bool *reached = ctx;

	(void)why;
	(void)id;
	(void)name;
	reached[c->index] = true;
}

bool inspection_role_signs_off(const struct profile *p, const struct policy_role *role)
{
	const struct policy_action *a = policy_action(p, SELF_INSPECTION_REGISTER ".sign_off");

	for (unsigned i = 0; a && i < p->n_rules; i++)
		if (p->rules[i].effect == EFFECT_ALLOW && policy_rule_on(&p->rules[i], a) &&
		    (policy_rule_actor_roles(p, &p->rules[i]) & (1ULL << role->index)))
			return true;
	return false;
}

struct collect {
	const struct inspection_checklist *c;
	struct inspection_role_item *by_clause; /* per clause index */
};

static void collect(void *ctx, const struct policy_clause *c, enum inspection_why why,
                    const char *id, const char *name)
{
	struct collect *cx = ctx;
	struct inspection_role_item *it = &cx->by_clause[c->index];

	if (!it->item && !(it->item = inspection_checklist_find(cx->c, c->id)))
		return; /* not an item: E and M clauses are not asked */
	for (size_t i = 0; i < it->n_because; i++)
		if (it->because[i].why == why &&
		    ((!id && !it->because[i].id) ||
		     (id && it->because[i].id && !strcmp(id, it->because[i].id))))
			return;
	ALLOC_GROW(it->because, it->n_because + 1, it->alloc_because);
	it->because[it->n_because++] = (struct inspection_because){ why, id, name };
}

void inspection_role_checklist_make(const struct profile *p, const struct inspection_checklist *c,
                                    const struct policy_role *role,
                                    struct inspection_role_checklist *ret)
{
	struct collect cx = { c, xcalloc(p->n_clauses ? p->n_clauses : 1,
		                         sizeof(struct inspection_role_item)) };

	memset(ret, 0, sizeof(*ret));
	ret->role = role;
	reach(p, role, collect, &cx);
	ret->rest = inspection_role_signs_off(p, role);
	if (ret->rest) {
		bool *reached = xcalloc(p->n_clauses ? p->n_clauses : 1, sizeof(*reached));

		for (unsigned i = 0; i < p->n_roles; i++)
			reach(p, &p->roles[i], mark, reached);
		for (size_t i = 0; i < c->nr; i++)
			if (!reached[c->items[i].clause->index])
				collect(&cx, c->items[i].clause, INSPECTION_WHY_REST, NULL, NULL);
		free(reached);
	}
	ret->items = xcalloc(c->nr ? c->nr : 1, sizeof(*ret->items));
	for (size_t i = 0; i < c->nr; i++) {
		struct inspection_role_item *it = &cx.by_clause[c->items[i].clause->index];

		if (it->item)
			ret->items[ret->nr++] = *it;
	}
	free(cx.by_clause);
}

void inspection_role_checklist_release(struct inspection_role_checklist *rc)
{
	for (size_t i = 0; i < rc->nr; i++)
		free(rc->items[i].because);
	free(rc->items);
	memset(rc, 0, sizeof(*rc));
}

void inspection_role_items(const struct inspection_role_checklist *rc, struct strbuf *out)
{
	for (size_t i = 0; i < rc->nr; i++)
		strbuf_addf(out, "%s%s", i ? "," : "", rc->items[i].item->clause->id);
}

void inspection_because_text(const struct inspection_because *b, struct strbuf *out)
{
	switch (b->why) {
	case INSPECTION_WHY_ACTOR:
		strbuf_addstr(out, "本文がこの役割の事務とする");
		break;
	case INSPECTION_WHY_DUTY:
		strbuf_addf(out, "義務「%s」（%s）", b->name ? b->name : b->id, b->id);
		break;
	case INSPECTION_WHY_RULE:
		strbuf_addf(out, "規則 %s でこの役割が行う", b->id);
		break;
	case INSPECTION_WHY_ACTION:
		strbuf_addf(out, "この役割が行う「%s」（%s）", b->name ? b->name : b->id, b->id);
		break;
	case INSPECTION_WHY_APPROVAL:
		strbuf_addf(out, "規則 %s でこの役割が承認する", b->id);
		break;
	case INSPECTION_WHY_OBLIGATION:
		strbuf_addf(out, "規則 %s でこの役割が通知を受け、又は立ち会う", b->id);
		break;
	case INSPECTION_WHY_REST:
		strbuf_addstr(out, "どの役割にも当たらない項目：課等の点検を確認する役割が答える");
		break;
	}
}

const char *inspection_why_name(enum inspection_why why)
{
	static const char *const names[] = { "actor",    "duty",       "rule", "action",
		                             "approval", "obligation", "rest" };

	return names[why];
}

/* The scopes at which holding role counts at section: "section:S", its systems', or "org". */
static int scopes_at(struct store *st, const struct policy_role *role, const char *section,
                     struct strv *ret, struct strbuf *err)
{
	struct org_systems sys = { 0 };
	int r;

	if (role->scope == SCOPE_ORG) {
		strv_push(ret, "org");
		return 0;
	}
	if (role->scope == SCOPE_SECTION) {
		strv_pushf(ret, "section:%s", section);
		return 0;
	}
	r = org_systems_list(st, &sys, err);
	for (size_t i = 0; r == 0 && i < sys.nr; i++)
		if (sys.items[i].section && !strcmp(sys.items[i].section, section))
			strv_pushf(ret, "system:%s", sys.items[i].id);
	org_systems_release(&sys);
	return r;
}

int inspection_role_holders(struct store *st, const struct policy_role *role, const char *section,
                            int64_t now_ms, struct strv *ret, struct strbuf *err)
{
	struct strv scopes = STRV_INIT;
	int r = scopes_at(st, role, section, &scopes, err);

	for (size_t i = 0; r == 0 && i < scopes.nr; i++) {
		int64_t *ids = NULL;
		size_t n = 0;

		r = org_holders(st, role->id, scopes.items[i], now_ms, &ids, &n, err);
		for (size_t k = 0; r == 0 && k < n; k++) {
			struct org_user u = { 0 };

			if (org_user_get_id(st, ids[k], &u, NULL) == 0 && u.login &&
			    !strv_has(ret, u.login))
				strv_push(ret, u.login);
			org_user_release(&u);
		}
		free(ids);
	}
	strv_release(&scopes);
	return r;
}

int inspection_role_held(struct store *st, const struct policy_role *role, const char *section,
                         const char *login, int64_t now_ms, struct strbuf *err)
{
	struct strv holders = STRV_INIT;
	int r = inspection_role_holders(st, role, section, now_ms, &holders, err);

	if (r == 0)
		r = strv_has(&holders, login) ? 1 : 0;
	strv_release(&holders);
	return r;
}

/* Each item of list is an item of c (and of rc, when given); else an error naming it. */
static int items_within(const struct inspection_checklist *c,
                        const struct inspection_role_checklist *rc, const char *list,
                        struct strbuf *err)
{
	const char *cur = list, *b;
	size_t len;
	int r = 0;

	while (r == 0 && policy_list_next(&cur, &b, &len)) {
		char *id = xstrndup(b, len);
		bool in_role = !rc;

		for (size_t i = 0; rc && i < rc->nr; i++)
			in_role = in_role || !strcmp(rc->items[i].item->clause->id, id);
		if (!inspection_checklist_find(c, id)) {
			error_set(err,
			          "'%s' is not an item of the checklist (see 'mamori inspection "
			          "checklist')",
			          id);
			r = -EINVAL;
		} else if (!in_role) {
			error_set(err,
			          "'%s' is not an item of %s's checklist (see 'mamori inspection "
			          "checklist --role %s')",
			          id, rc->role->id, rc->role->id);
			r = -EINVAL;
		}
		free(id);
	}
	return r;
}

int inspection_open_items(const struct profile *p, const char *role, const char *given,
                          struct strbuf *ret, struct strbuf *err)
{
	const struct policy_role *ro = role && *role ? policy_role(p, role) : NULL;
	struct inspection_checklist c = { 0 };
	struct inspection_role_checklist rc = { 0 };
	int r;

	if (role && *role && !ro) {
		error_set(err, "'%s' is not a role of the profile", role);
		return -EINVAL;
	}
	inspection_checklist_make(p, NULL, &c);
	if (ro)
		inspection_role_checklist_make(p, &c, ro, &rc);
	r = given && *given ? items_within(&c, ro ? &rc : NULL, given, err) : 0;
	if (r == 0 && given && *given)
		strbuf_addstr(ret, given);
	else if (r == 0 && ro && !rc.nr) {
		error_set(err, "the profile gives role '%s' no item to answer", role);
		r = -EINVAL;
	} else if (r == 0 && ro) {
		inspection_role_items(&rc, ret);
	}
	inspection_role_checklist_release(&rc);
	inspection_checklist_release(&c);
	return r;
}

int inspection_may_answer(struct store *st, const struct profile *p, const struct record *insp,
                          const char *login, int64_t now_ms, struct strbuf *err)
{
	const char *id = record_field(insp, "role");
	const char *section = insp->section ? insp->section : record_field(insp, "section");
	const struct policy_role *role;
	struct strv holders = STRV_INIT;
	int r;

	if (!id || !*id)
		return 0; /* the section's whole checklist: the door says who answers */
	if (!(role = policy_role(p, id))) {
		error_set(err,
		          "self-inspection %" PRId64 " is for role '%s', which the profile in "
		          "force no longer has: open it again for a role it has",
		          insp->id, id);
		return -EPERM;
	}
	r = inspection_role_holders(st, role, section ? section : "", now_ms, &holders, err);
	if (r == 0 && !strv_has(&holders, login)) {
		struct strbuf names = STRBUF_INIT;

		for (size_t i = 0; i < holders.nr; i++)
			strbuf_addf(&names, "%s%s", i ? ", " : "", holders.items[i]);
		error_set(err,
		          "self-inspection %" PRId64 " is the checklist of %s (%s): %s does not "
		          "hold that role at %s; it is answered by %s",
		          insp->id, role->name, role->id, login, section ? section : "-",
		          names.len ? names.buf : "nobody yet (grant the role first)");
		strbuf_release(&names);
		r = -EPERM;
	}
	strv_release(&holders);
	return r;
}

void inspection_open_act(struct act_input *in, struct act_attr f[INSPECTION_OPEN_FIELDS],
                         const char *round, const char *section, const char *due, const char *role,
                         const char *items)
{
	size_t n = 0;

	f[n++] = (struct act_attr){ "round", round };
	f[n++] = (struct act_attr){ "section", section };
	f[n++] = (struct act_attr){ "due", due };
	if (items && *items)
		f[n++] = (struct act_attr){ "items", items };
	if (role)
		f[n++] = (struct act_attr){ "role", role };
	*in = (struct act_input){ .kind = ACT_RECORD,
		                  .register_id = SELF_INSPECTION_REGISTER,
		                  .action = SELF_INSPECTION_REGISTER ".open",
		                  .fields = f,
		                  .n_fields = n };
}
