/* load-org: the profile's identity, clause catalog, levels, employment, context and roles. */
#include <stdio.h>
#include <string.h>

#include "base/cleanup.h"
#include "base/timeutil.h"
#include "policy/load-internal.h"

static bool is_clause_id(const char *s)
{
	size_t n = 0;

	for (; s[n]; n++) {
		char c = s[n];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '-' || c == '_' || c == '.'))
			return false;
	}
	return n > 0 && n <= 64;
}

/* A short UTF-8 id such as a level "3A" or an employment kind "職員": no controls, no spaces. */
static bool is_label(const char *s)
{
	size_t n = strlen(s);

	if (!n || n > 64)
		return false;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] <= ' ' || s[i] == '@' || s[i] == ':')
			return false;
	return true;
}

/* ---- profile and clauses ----------------------------------------------------------- */

void load_identity(struct loader *L, const struct ynode *n)
{
	static const char *const keys[] = { "id",   "title", "municipality", "source", "effective",
		                            "note", NULL };
	static const char *const src_keys[] = { "document", "revision", NULL };
	const struct ynode *src, *eff;
	struct profile *p = L->p;

	if (!load_want(L, n, Y_MAP, "'profile'"))
		return;
	load_check_keys(L, n, keys, "'profile'");
	load_require(L, n, "id", "'profile'");
	load_require(L, n, "title", "'profile'");
	load_require(L, n, "municipality", "'profile'");
	p->id = load_opt_str(L, n, "id", "'profile'");
	if (p->id && !load_is_ident(p->id))
		load_err(L, ymap_get(n, "id"),
		         "profile id '%s' must be lowercase letters, digits, '_' or '-', starting "
		         "with a letter",
		         p->id);
	p->title = load_opt_str(L, n, "title", "'profile'");
	p->municipality = load_opt_str(L, n, "municipality", "'profile'");
	p->note = load_opt_str(L, n, "note", "'profile'");
	if ((src = ymap_get(n, "source")) && load_want(L, src, Y_MAP, "'source'")) {
		load_check_keys(L, src, src_keys, "'source'");
		p->source_document = load_opt_str(L, src, "document", "'source'");
		p->source_revision = load_opt_str(L, src, "revision", "'source'");
	}
	if ((eff = ymap_get(n, "effective"))) {
		int64_t ms;

		p->effective = load_str(L, eff, "'effective'");
		if (p->effective && time_parse_date(p->effective, &ms) < 0)
			load_err(L, eff, "'effective' must be a date YYYY-MM-DD, not '%s'",
			         p->effective);
	}
}

/* A clause's Annex A controls (v: the clause's map): 'iso27001' (reviewed) or
 * 'iso27001_derived', each an ISO/IEC 27001:2022 control. */
static void clause_annex(struct loader *L, const struct ynode *v, struct policy_clause *c)
{
	const struct ynode *x = ymap_get(v, "iso27001");

	if (ymap_get(v, "iso27001_derived")) {
		if (x)
			load_err(L, ymap_get(v, "iso27001_derived"),
			         "clause '%s' gives both 'iso27001' (reviewed) and "
			         "'iso27001_derived'; keep one",
			         c->id);
		x = ymap_get(v, "iso27001_derived");
		c->annex_derived = true;
	}
	if (x) {
		const struct ynode **nodes = NULL;

		if (load_str_list(L, x, "an Annex A control", &c->annex, &c->n_annex, &nodes) == 0)
			for (unsigned a = 0; a < c->n_annex; a++)
				if (!policy_annex_control(c->annex[a]))
					load_err(L, nodes[a],
					         "'%s' is not an ISO/IEC 27001:2022 Annex A "
					         "control (5.1 .. 8.34)",
					         c->annex[a]);
	}
}

void load_clauses(struct loader *L, const struct ynode *n)
{
	static const char *const keys[] = { "cite",  "kind",   "text",     "quote",
		                            "law",   "reason", "iso27001", "iso27001_derived",
		                            "actor", NULL };
	struct profile *p = L->p;

	stable_init(&L->priv->clauses, L->a, n && n->type == Y_MAP ? n->n : 0);
	if (!n)
		return;
	if (!load_want(L, n, Y_MAP, "'clauses'"))
		return;
	L->clauses = arena_array(L->a, n->n ? n->n : 1, sizeof(*L->clauses));
	L->clause_ids = arena_array(L->a, n->n ? n->n : 1, sizeof(*L->clause_ids));
	for (unsigned i = 0; i < n->n; i++) {
		const struct ynode *k = n->kids[2 * i], *v = n->kids[2 * i + 1], *kind;
		struct policy_clause *c = &L->clauses[p->n_clauses];

		if (!is_clause_id(k->str)) {
			load_err(L, k,
			         "clause id '%s' may only hold letters, digits, '-', '_' and '.'",
			         k->str);
			continue;
		}
		if (!load_want(L, v, Y_MAP, "a clause"))
			continue;
		load_check_keys(L, v, keys, "a clause");
		c->id = k->str;
		c->pos = k->pos;
		c->index = p->n_clauses;
		if (load_require(L, v, "cite", "a clause"))
			c->cite = load_opt_str(L, v, "cite", "a clause");
		if (load_require(L, v, "text", "a clause"))
			c->text = load_opt_str(L, v, "text", "a clause");
		c->reason = load_opt_str(L, v, "reason", "a clause");
		c->quote = load_opt_str(L, v, "quote", "a clause");
		c->law = load_opt_str(L, v, "law", "a clause");
		if (c->law && c->quote)
			load_err(
			    L, ymap_get(v, "law"),
			    "clause '%s' is a law's ('law') and quotes the standard ('quote'); "
			    "a clause the standard does not hold has no quote from it",
			    k->str);
		clause_annex(L, v, c);
		c->kind = CLAUSE_H;
		if (load_require(L, v, "kind", "a clause") && (kind = ymap_get(v, "kind"))) {
			const char *s = load_str(L, kind, "'kind'");

			if (s && !strcmp(s, "E"))
				c->kind = CLAUSE_E;
			else if (s && !strcmp(s, "R"))
				c->kind = CLAUSE_R;
			else if (s && !strcmp(s, "M"))
				c->kind = CLAUSE_M;
			else if (s && !strcmp(s, "H"))
				c->kind = CLAUSE_H;
			else if (s)
				load_err(L, kind, "clause kind must be E, R, M or H, not '%s'", s);
		}
		stable_put(&L->priv->clauses, c->id, strlen(c->id), c);
		L->clause_ids[p->n_clauses] = c->id;
		p->n_clauses++;
	}
	p->clauses = L->clauses;
}

/* Each clause's `actor`: the roles the text names as carrying it out (after the roles). */
void load_clause_actors(struct loader *L, const struct ynode *n)
{
	if (!n || n->type != Y_MAP)
		return;
	for (unsigned i = 0, ci = 0; i < n->n; i++) {
		const struct ynode *k = n->kids[2 * i], *v = n->kids[2 * i + 1], *x;
		const struct ynode **nodes = NULL;
		struct policy_clause *c;
		const char **ids = NULL;
		unsigned nr = 0;

		if (!is_clause_id(k->str) || v->type != Y_MAP)
			continue;
		c = &L->clauses[ci++];
		if (!(x = ymap_get(v, "actor")) ||
		    load_str_list(L, x, "a role", &ids, &nr, &nodes) < 0 || !nr)
			continue;
		c->actors = arena_array(L->a, nr, sizeof(*c->actors));
		for (unsigned a = 0; a < nr; a++) {
			const struct policy_role *r = load_role_ref(L, nodes[a], ids[a]);
			bool dup = false;

			for (unsigned b = 0; r && b < c->n_actors; b++)
				dup = dup || c->actors[b] == r;
			if (dup)
				load_err(L, nodes[a],
				         "clause '%s' names role '%s' twice in 'actor'", c->id,
				         ids[a]);
			else if (r)
				c->actors[c->n_actors++] = r;
		}
	}
}

/* ---- levels, employment, context ------------------------------------------------------ */

void load_levels(struct loader *L, const struct ynode *n)
{
	static const char *const keys[] = { "id",      "name",     "definition", "clause",
		                            "clauses", "criteria", NULL };
	static const char *const ckeys[] = { "id", "text", NULL };
	struct profile *p = L->p;

	stable_init(&L->priv->levels, L->a, n && n->type == Y_SEQ ? n->n : 0);
	if (!n || !load_want(L, n, Y_SEQ, "'levels'"))
		return;
	if (n->n > POLICY_MAX_LEVELS) {
		load_err(L, n, "at most %d levels", POLICY_MAX_LEVELS);
		return;
	}
	L->levels = arena_array(L->a, n->n ? n->n : 1, sizeof(*L->levels));
	L->level_ids = arena_array(L->a, n->n ? n->n : 1, sizeof(*L->level_ids));
	for (unsigned i = 0; i < n->n; i++) {
		const struct ynode *v = n->kids[i], *crit;
		struct policy_level *lv = &L->levels[p->n_levels];

		if (!load_want(L, v, Y_MAP, "a level"))
			continue;
		load_check_keys(L, v, keys, "a level");
		if (!load_require(L, v, "id", "a level") || !load_require(L, v, "name", "a level"))
			continue;
		lv->id = load_opt_str(L, v, "id", "a level");
		lv->name = load_opt_str(L, v, "name", "a level");
		lv->definition = load_opt_str(L, v, "definition", "a level");
		lv->pos = v->pos;
		if (!lv->id || !lv->name)
			continue;
		if (!is_label(lv->id)) {
			load_err(L, ymap_get(v, "id"),
			         "level id '%s' must be short text without spaces, '@' or ':'",
			         lv->id);
			continue;
		}
		load_clause_refs(L, v, &lv->clauses, false, "a level");
		if ((crit = ymap_get(v, "criteria")) && load_want(L, crit, Y_SEQ, "'criteria'")) {
			struct policy_criterion *cs =
			    arena_array(L->a, crit->n ? crit->n : 1, sizeof(*cs));

			for (unsigned j = 0; j < crit->n; j++) {
				const struct ynode *c = crit->kids[j];

				if (!load_want(L, c, Y_MAP, "a criterion"))
					continue;
				load_check_keys(L, c, ckeys, "a criterion");
				load_require(L, c, "id", "a criterion");
				load_require(L, c, "text", "a criterion");
				cs[lv->n_criteria].id = load_opt_str(L, c, "id", "a criterion");
				cs[lv->n_criteria].text = load_opt_str(L, c, "text", "a criterion");
				lv->n_criteria++;
			}
			lv->criteria = cs;
		}
		lv->rank = p->n_levels;
		if (stable_put(&L->priv->levels, lv->id, strlen(lv->id), lv)) {
			load_err(L, ymap_get(v, "id"), "level '%s' is defined twice", lv->id);
			continue;
		}
		L->level_ids[p->n_levels] = lv->id;
		p->n_levels++;
	}
	p->levels = L->levels;
}

void load_employment(struct loader *L, const struct ynode *n)
{
	static const char *const keys[] = { "id", "name", NULL };
	struct profile *p = L->p;

	stable_init(&L->priv->employment, L->a, n && n->type == Y_SEQ ? n->n : 0);
	if (!n || !load_want(L, n, Y_SEQ, "'employment'"))
		return;
	if (n->n > POLICY_MAX_EMPLOYMENT) {
		load_err(L, n, "at most %d kinds of employment", POLICY_MAX_EMPLOYMENT);
		return;
	}
	L->employment = arena_array(L->a, n->n ? n->n : 1, sizeof(*L->employment));
	L->employment_ids = arena_array(L->a, n->n ? n->n : 1, sizeof(*L->employment_ids));
	for (unsigned i = 0; i < n->n; i++) {
		const struct ynode *v = n->kids[i];
		struct policy_employment *e = &L->employment[p->n_employment];

		if (!load_want(L, v, Y_MAP, "an employment kind"))
			continue;
		load_check_keys(L, v, keys, "an employment kind");
		if (!load_require(L, v, "id", "an employment kind"))
			continue;
		e->id = load_opt_str(L, v, "id", "an employment kind");
		e->name = load_opt_str(L, v, "name", "an employment kind");
		e->pos = v->pos;
		if (!e->id)
			continue;
		if (!is_label(e->id)) {
			load_err(L, ymap_get(v, "id"),
			         "employment id '%s' must be short text without spaces", e->id);
			continue;
		}
		if (!e->name)
			e->name = e->id;
		e->index = p->n_employment;
		if (stable_put(&L->priv->employment, e->id, strlen(e->id), e)) {
			load_err(L, ymap_get(v, "id"), "employment '%s' is defined twice", e->id);
			continue;
		}
		L->employment_ids[p->n_employment++] = e->id;
	}
	p->employment = L->employment;
}

/* ---- roles -------------------------------------------------------------------------- */

static int scope_kind(const char *s, enum policy_scope_kind *ret)
{
	if (!strcmp(s, "org"))
		*ret = SCOPE_ORG;
	else if (!strcmp(s, "section"))
		*ret = SCOPE_SECTION;
	else if (!strcmp(s, "system"))
		*ret = SCOPE_SYSTEM;
	else
		return -1;
	return 0;
}

const struct policy_role *load_role_ref(struct loader *L, const struct ynode *n, const char *id)
{
	const struct policy_role *r = stable_get(&L->priv->roles, id, strlen(id));

	if (!r)
		load_unknown(L, n, "role", id, L->role_ids, L->p->n_roles);
	return r;
}

static bool includes_cycle(const struct policy_role *start, const struct policy_role *r,
                           unsigned depth)
{
	if (depth > POLICY_MAX_ROLES)
		return true;
	for (unsigned i = 0; i < r->n_includes; i++)
		if (r->includes[i] == start || includes_cycle(start, r->includes[i], depth + 1))
			return true;
	return false;
}

static uint64_t implied_closure(const struct policy_role *r, unsigned depth)
{
	uint64_t m = 1ULL << r->index;

	if (depth > POLICY_MAX_ROLES)
		return m;
	for (unsigned i = 0; i < r->n_includes; i++)
		m |= implied_closure(r->includes[i], depth + 1);
	return m;
}

/* Pass 1 for one role: id, name, holder, scope, clauses. Returns false for a bad scope. */
static bool load_role_head(struct loader *L, const struct ynode *v, struct policy_role *r)
{
	static const char *const keys[] = { "name",    "scope",       "holder",
		                            "deputy",  "includes",    "clause",
		                            "clauses", "ward_choice", NULL };
	const struct ynode *sc;
	bool ok = true;

	load_check_keys(L, v, keys, "a role");
	if (load_require(L, v, "name", "a role"))
		r->name = load_opt_str(L, v, "name", "a role");
	r->holder = load_opt_str(L, v, "holder", "a role");
	r->ward_choice = load_opt_str(L, v, "ward_choice", "a role");
	if (load_require(L, v, "scope", "a role") && (sc = ymap_get(v, "scope"))) {
		const char *s = load_str(L, sc, "'scope'");

		if (s && scope_kind(s, &r->scope) < 0) {
			ok = false;
			load_err(L, sc, "role scope must be org, section or system, not '%s'", s);
		}
	}
	load_clause_refs(L, v, &r->clauses, false, "a role");
	return ok;
}

/* Pass 2 for one role: its deputy and the roles it includes (they may be defined later). */
static void load_role_links(struct loader *L, const struct ynode *v, struct policy_role *r,
                            uint64_t bad_scope)
{
	const struct ynode *x;

	if ((x = ymap_get(v, "deputy"))) {
		const char *s = load_str(L, x, "'deputy'");
		const struct policy_role *dep = s ? load_role_ref(L, x, s) : NULL;

		if (dep == r)
			load_err(L, x, "role '%s' cannot be its own deputy", r->id);
		else if (dep && dep->scope != r->scope)
			load_err(L, x, "deputy '%s' has scope %s but '%s' has scope %s", dep->id,
			         policy_scope_kind_name(dep->scope), r->id,
			         policy_scope_kind_name(r->scope));
		else
			r->deputy = dep;
	}
	if ((x = ymap_get(v, "includes"))) {
		const char **ids;
		const struct ynode **nodes;
		unsigned cnt;

		if (load_str_list(L, x, "a role id", &ids, &cnt, &nodes) < 0)
			return;
		r->includes = arena_array(L->a, cnt ? cnt : 1, sizeof(*r->includes));
		for (unsigned j = 0; j < cnt; j++) {
			const struct policy_role *inc = load_role_ref(L, nodes[j], ids[j]);

			if (!inc || ((bad_scope >> inc->index) & 1) ||
			    ((bad_scope >> r->index) & 1))
				continue; /* the scope error is reported already */
			if (inc->scope != r->scope) {
				load_err(L, nodes[j],
				         "role '%s' (scope %s) cannot include '%s' (scope %s): "
				         "included roles are held at the same scope",
				         r->id, policy_scope_kind_name(r->scope), inc->id,
				         policy_scope_kind_name(inc->scope));
				continue;
			}
			r->includes[r->n_includes++] = inc;
		}
	}
}

void load_roles(struct loader *L, const struct ynode *n)
{
	struct profile *p = L->p;
	uint64_t bad_scope = 0;

	stable_init(&L->priv->roles, L->a, n && n->type == Y_MAP ? n->n : 0);
	if (!n) {
		load_err(L, NULL, "the profile needs 'roles'");
		return;
	}
	if (!load_want(L, n, Y_MAP, "'roles'"))
		return;
	if (n->n > POLICY_MAX_ROLES) {
		load_err(L, n, "at most %d roles", POLICY_MAX_ROLES);
		return;
	}
	L->roles = arena_array(L->a, n->n ? n->n : 1, sizeof(*L->roles));
	L->role_ids = arena_array(L->a, n->n ? n->n : 1, sizeof(*L->role_ids));
	/* pass 1: every role exists, so deputies and inclusions may point forward */
	for (unsigned i = 0; i < n->n; i++) {
		const struct ynode *k = n->kids[2 * i], *v = n->kids[2 * i + 1];
		struct policy_role *r = &L->roles[p->n_roles];

		if (!load_is_ident(k->str)) {
			load_err(L, k,
			         "role id '%s' must be lowercase letters, digits, '_' or '-', "
			         "starting with a letter",
			         k->str);
			continue;
		}
		if (!load_want(L, v, Y_MAP, "a role"))
			continue;
		r->id = k->str;
		r->pos = k->pos;
		r->index = p->n_roles;
		stable_put(&L->priv->roles, r->id, strlen(r->id), r);
		L->role_ids[p->n_roles++] = r->id;
		if (!load_role_head(L, v, r))
			bad_scope |= 1ULL << r->index;
	}
	p->roles = L->roles;
	/* pass 2: deputies and inclusions */
	for (unsigned i = 0, ri = 0; i < n->n; i++) {
		const struct ynode *k = n->kids[2 * i], *v = n->kids[2 * i + 1];

		if (!load_is_ident(k->str) || v->type != Y_MAP)
			continue;
		load_role_links(L, v, &L->roles[ri++], bad_scope);
	}
	for (unsigned i = 0; i < p->n_roles; i++)
		if (includes_cycle(&L->roles[i], &L->roles[i], 0))
			diag_add(L->d, DIAG_ERROR, L->roles[i].pos,
			         "role '%s' includes itself through 'includes'", L->roles[i].id);
	if (!L->d->errors)
		for (unsigned i = 0; i < p->n_roles; i++)
			L->roles[i].implied = implied_closure(&L->roles[i], 0);
}
