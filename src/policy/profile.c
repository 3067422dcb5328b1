/* profile: a ward profile in YAML → the read-only model of policy.h, every reference resolved. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "base/cleanup.h"
#include "base/parse.h"
#include "base/timeutil.h"
#include "base/utf8.h"
#include "policy/policy-internal.h"

#define PROFILE_FORMAT "mamori-profile/1"

/* What a load needs while it runs; the profile keeps only the model. */
struct loader {
	struct profile *p;
	struct profile_private *priv;
	struct arena *a;
	struct policy_diags *d;

	const char **clause_ids; /* candidates for suggestions */
	const char **role_ids, **level_ids, **register_ids, **action_names, **employment_ids,
	    **context_ids;

	struct policy_clause *clauses;
	struct policy_level *levels;
	struct policy_employment *employment;
	struct policy_context_key *context;
	struct policy_role *roles;
	struct policy_register *regs;
	struct policy_rule *rules;

	/* pass 2 of registers: ref fields name another register */
	unsigned n_actions; /* actions created so far: their index in profile->actions */

	struct pending_ref {
		struct policy_field *field;
		const struct ynode *to;
	} * refs;
	size_t n_refs, alloc_refs;
};

/* ---- small helpers ------------------------------------------------------------- */

static void err(struct loader *L, const struct ynode *n, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void err(struct loader *L, const struct ynode *n, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	diag_vadd(L->d, DIAG_ERROR, n ? n->pos : (struct policy_pos){ 0, 0 }, fmt, ap);
	va_end(ap);
}

static bool is_ident(const char *s)
{
	size_t n = 0;

	if (!(s[0] >= 'a' && s[0] <= 'z'))
		return false;
	for (; s[n]; n++) {
		char c = s[n];

		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-'))
			return false;
	}
	return n <= 64;
}

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

static bool want(struct loader *L, const struct ynode *n, enum ynode_type t, const char *what)
{
	static const char *const names[] = { "a value", "a mapping", "a list" };

	if (n->type == t)
		return true;
	err(L, n, "%s must be %s, not %s", what, names[t], ynode_type_name(n));
	return false;
}

/* A non-empty scalar, or NULL after an error. */
static const char *str(struct loader *L, const struct ynode *n, const char *what)
{
	if (!want(L, n, Y_SCALAR, what))
		return NULL;
	if (!n->len) {
		err(L, n, "%s must not be empty", what);
		return NULL;
	}
	return n->str;
}

static int boolean(struct loader *L, const struct ynode *n, const char *what, bool *ret)
{
	if (!want(L, n, Y_SCALAR, what))
		return -1;
	if (n->plain &&
	    (!strcmp(n->str, "true") || !strcmp(n->str, "True") || !strcmp(n->str, "TRUE"))) {
		*ret = true;
		return 0;
	}
	if (n->plain &&
	    (!strcmp(n->str, "false") || !strcmp(n->str, "False") || !strcmp(n->str, "FALSE"))) {
		*ret = false;
		return 0;
	}
	err(L, n, "%s must be true or false, not '%s'", what, n->str);
	return -1;
}

/*
 * Checks that every key of map is one of allowed (a NULL-terminated list);
 * an unknown key is an error with the closest allowed key suggested.
 */
static bool check_keys(struct loader *L, const struct ynode *map, const char *const *allowed,
                       const char *what)
{
	bool ok = true;
	size_t n = 0;

	while (allowed[n])
		n++;
	for (unsigned i = 0; i < map->n; i++) {
		const struct ynode *k = map->kids[2 * i];
		bool found = false;

		for (size_t j = 0; j < n && !found; j++)
			found = !strcmp(k->str, allowed[j]);
		if (!found) {
			struct strbuf sb = STRBUF_INIT;

			strbuf_addf(&sb, "unknown key '%s' in %s", k->str, what);
			suggest_append(&sb, k->str, allowed, n);
			err(L, k, "%s", sb.buf);
			strbuf_release(&sb);
			ok = false;
		}
	}
	return ok;
}

static bool require(struct loader *L, const struct ynode *map, const char *key, const char *what)
{
	if (ymap_get(map, key))
		return true;
	err(L, map, "%s needs '%s'", what, key);
	return false;
}

static const char *opt_str(struct loader *L, const struct ynode *map, const char *key,
                           const char *what)
{
	const struct ynode *v = ymap_get(map, key);
	char buf[128];

	if (!v)
		return NULL;
	snprintf(buf, sizeof(buf), "'%s' of %s", key, what);
	return str(L, v, buf);
}

/* Unknown-name error with a suggestion. */
static void unknown(struct loader *L, const struct ynode *n, const char *kind, const char *name,
                    const char *const *cands, size_t nc)
{
	struct strbuf sb = STRBUF_INIT;

	strbuf_addf(&sb, "unknown %s '%s'", kind, name);
	suggest_append(&sb, name, cands, nc);
	err(L, n, "%s", sb.buf);
	strbuf_release(&sb);
}

/* A scalar or a list of scalars, as an array of strings in the arena. */
static int str_list(struct loader *L, const struct ynode *n, const char *what, const char ***ret,
                    unsigned *ret_n, const struct ynode ***ret_nodes)
{
	const char **v;
	const struct ynode **nodes;
	unsigned cnt = n->type == Y_SEQ ? n->n : 1;

	if (n->type == Y_MAP) {
		err(L, n, "%s must be a value or a list, not a mapping", what);
		return -1;
	}
	v = arena_array(L->a, cnt ? cnt : 1, sizeof(*v));
	nodes = arena_array(L->a, cnt ? cnt : 1, sizeof(*nodes));
	for (unsigned i = 0; i < cnt; i++) {
		const struct ynode *x = n->type == Y_SEQ ? n->kids[i] : n;

		if (!(v[i] = str(L, x, what)))
			return -1;
		nodes[i] = x;
	}
	*ret = v;
	*ret_n = cnt;
	if (ret_nodes)
		*ret_nodes = nodes;
	return 0;
}

/* `clause` or `clauses`: one id or a list, each in the catalog. */
static void clause_refs(struct loader *L, const struct ynode *map, struct policy_clauses *out,
                        bool required, const char *what)
{
	const struct ynode *a = ymap_get(map, "clause"), *b = ymap_get(map, "clauses"), *n;
	const char **ids;
	const struct ynode **nodes;
	unsigned cnt;

	out->items = NULL;
	out->nr = 0;
	if (a && b) {
		err(L, b, "%s has both 'clause' and 'clauses'; keep one", what);
		return;
	}
	n = a ? a : b;
	if (!n) {
		if (required)
			err(L, map, "%s needs 'clause' (the clauses of the text it carries out)",
			    what);
		return;
	}
	if (str_list(L, n, "a clause id", &ids, &cnt, &nodes) < 0)
		return;
	out->items = arena_array(L->a, cnt ? cnt : 1, sizeof(*out->items));
	for (unsigned i = 0; i < cnt; i++) {
		const struct policy_clause *c =
		    stable_get(&L->priv->clauses, ids[i], strlen(ids[i]));

		if (!c) {
			unknown(L, nodes[i], "clause", ids[i], L->clause_ids, L->p->n_clauses);
			continue;
		}
		for (unsigned j = 0; j < out->nr; j++)
			if (out->items[j] == c)
				c = NULL;
		if (c)
			out->items[out->nr++] = c;
	}
}

static int duration(struct loader *L, const struct ynode *n, const char *what, int64_t *ret)
{
	const char *s = str(L, n, what);

	if (!s)
		return -1;
	if (parse_duration(s, ret) < 0 || *ret <= 0) {
		err(L, n, "%s must be a duration such as 30d, 12h, 1w or 1y, not '%s'", what, s);
		return -1;
	}
	return 0;
}

/* ---- profile and clauses ----------------------------------------------------------- */

static void load_identity(struct loader *L, const struct ynode *n)
{
	static const char *const keys[] = { "id",   "title", "municipality", "source", "effective",
		                            "note", NULL };
	static const char *const src_keys[] = { "document", "revision", NULL };
	const struct ynode *src, *eff;
	struct profile *p = L->p;

	if (!want(L, n, Y_MAP, "'profile'"))
		return;
	check_keys(L, n, keys, "'profile'");
	require(L, n, "id", "'profile'");
	require(L, n, "title", "'profile'");
	require(L, n, "municipality", "'profile'");
	p->id = opt_str(L, n, "id", "'profile'");
	if (p->id && !is_ident(p->id))
		err(L, ymap_get(n, "id"),
		    "profile id '%s' must be lowercase letters, digits, '_' or '-', starting "
		    "with a letter",
		    p->id);
	p->title = opt_str(L, n, "title", "'profile'");
	p->municipality = opt_str(L, n, "municipality", "'profile'");
	p->note = opt_str(L, n, "note", "'profile'");
	if ((src = ymap_get(n, "source")) && want(L, src, Y_MAP, "'source'")) {
		check_keys(L, src, src_keys, "'source'");
		p->source_document = opt_str(L, src, "document", "'source'");
		p->source_revision = opt_str(L, src, "revision", "'source'");
	}
	if ((eff = ymap_get(n, "effective"))) {
		int64_t ms;

		p->effective = str(L, eff, "'effective'");
		if (p->effective && time_parse_date(p->effective, &ms) < 0)
			err(L, eff, "'effective' must be a date YYYY-MM-DD, not '%s'",
			    p->effective);
	}
}

static void load_clauses(struct loader *L, const struct ynode *n)
{
	static const char *const keys[] = { "cite", "kind", "text", "reason", NULL };
	struct profile *p = L->p;

	stable_init(&L->priv->clauses, L->a, n && n->type == Y_MAP ? n->n : 0);
	if (!n)
		return;
	if (!want(L, n, Y_MAP, "'clauses'"))
		return;
	L->clauses = arena_array(L->a, n->n ? n->n : 1, sizeof(*L->clauses));
	L->clause_ids = arena_array(L->a, n->n ? n->n : 1, sizeof(*L->clause_ids));
	for (unsigned i = 0; i < n->n; i++) {
		const struct ynode *k = n->kids[2 * i], *v = n->kids[2 * i + 1], *kind;
		struct policy_clause *c = &L->clauses[p->n_clauses];

		if (!is_clause_id(k->str)) {
			err(L, k, "clause id '%s' may only hold letters, digits, '-', '_' and '.'",
			    k->str);
			continue;
		}
		if (!want(L, v, Y_MAP, "a clause"))
			continue;
		check_keys(L, v, keys, "a clause");
		c->id = k->str;
		c->pos = k->pos;
		c->index = p->n_clauses;
		if (require(L, v, "cite", "a clause"))
			c->cite = opt_str(L, v, "cite", "a clause");
		if (require(L, v, "text", "a clause"))
			c->text = opt_str(L, v, "text", "a clause");
		c->reason = opt_str(L, v, "reason", "a clause");
		c->kind = CLAUSE_H;
		if (require(L, v, "kind", "a clause") && (kind = ymap_get(v, "kind"))) {
			const char *s = str(L, kind, "'kind'");

			if (s && !strcmp(s, "E"))
				c->kind = CLAUSE_E;
			else if (s && !strcmp(s, "R"))
				c->kind = CLAUSE_R;
			else if (s && !strcmp(s, "M"))
				c->kind = CLAUSE_M;
			else if (s && !strcmp(s, "H"))
				c->kind = CLAUSE_H;
			else if (s)
				err(L, kind, "clause kind must be E, R, M or H, not '%s'", s);
		}
		stable_put(&L->priv->clauses, c->id, strlen(c->id), c);
		L->clause_ids[p->n_clauses] = c->id;
		p->n_clauses++;
	}
	p->clauses = L->clauses;
}

/* ---- levels, employment, context ------------------------------------------------------ */

static void load_levels(struct loader *L, const struct ynode *n)
{
	static const char *const keys[] = { "id",      "name",     "definition", "clause",
		                            "clauses", "criteria", NULL };
	static const char *const ckeys[] = { "id", "text", NULL };
	struct profile *p = L->p;

	stable_init(&L->priv->levels, L->a, n && n->type == Y_SEQ ? n->n : 0);
	if (!n || !want(L, n, Y_SEQ, "'levels'"))
		return;
	if (n->n > POLICY_MAX_LEVELS) {
		err(L, n, "at most %d levels", POLICY_MAX_LEVELS);
		return;
	}
	L->levels = arena_array(L->a, n->n ? n->n : 1, sizeof(*L->levels));
	L->level_ids = arena_array(L->a, n->n ? n->n : 1, sizeof(*L->level_ids));
	for (unsigned i = 0; i < n->n; i++) {
		const struct ynode *v = n->kids[i], *crit;
		struct policy_level *lv = &L->levels[p->n_levels];

		if (!want(L, v, Y_MAP, "a level"))
			continue;
		check_keys(L, v, keys, "a level");
		if (!require(L, v, "id", "a level") || !require(L, v, "name", "a level"))
			continue;
		lv->id = opt_str(L, v, "id", "a level");
		lv->name = opt_str(L, v, "name", "a level");
		lv->definition = opt_str(L, v, "definition", "a level");
		lv->pos = v->pos;
		if (!lv->id || !lv->name)
			continue;
		if (!is_label(lv->id)) {
			err(L, ymap_get(v, "id"),
			    "level id '%s' must be short text without spaces, '@' or ':'", lv->id);
			continue;
		}
		clause_refs(L, v, &lv->clauses, false, "a level");
		if ((crit = ymap_get(v, "criteria")) && want(L, crit, Y_SEQ, "'criteria'")) {
			struct policy_criterion *cs =
			    arena_array(L->a, crit->n ? crit->n : 1, sizeof(*cs));

			for (unsigned j = 0; j < crit->n; j++) {
				const struct ynode *c = crit->kids[j];

				if (!want(L, c, Y_MAP, "a criterion"))
					continue;
				check_keys(L, c, ckeys, "a criterion");
				require(L, c, "id", "a criterion");
				require(L, c, "text", "a criterion");
				cs[lv->n_criteria].id = opt_str(L, c, "id", "a criterion");
				cs[lv->n_criteria].text = opt_str(L, c, "text", "a criterion");
				lv->n_criteria++;
			}
			lv->criteria = cs;
		}
		lv->rank = p->n_levels;
		if (stable_put(&L->priv->levels, lv->id, strlen(lv->id), lv)) {
			err(L, ymap_get(v, "id"), "level '%s' is defined twice", lv->id);
			continue;
		}
		L->level_ids[p->n_levels] = lv->id;
		p->n_levels++;
	}
	p->levels = L->levels;
}

static void load_employment(struct loader *L, const struct ynode *n)
{
	static const char *const keys[] = { "id", "name", NULL };
	struct profile *p = L->p;

	stable_init(&L->priv->employment, L->a, n && n->type == Y_SEQ ? n->n : 0);
	if (!n || !want(L, n, Y_SEQ, "'employment'"))
		return;
	if (n->n > POLICY_MAX_EMPLOYMENT) {
		err(L, n, "at most %d kinds of employment", POLICY_MAX_EMPLOYMENT);
		return;
	}
	L->employment = arena_array(L->a, n->n ? n->n : 1, sizeof(*L->employment));
	L->employment_ids = arena_array(L->a, n->n ? n->n : 1, sizeof(*L->employment_ids));
	for (unsigned i = 0; i < n->n; i++) {
		const struct ynode *v = n->kids[i];
		struct policy_employment *e = &L->employment[p->n_employment];

		if (!want(L, v, Y_MAP, "an employment kind"))
			continue;
		check_keys(L, v, keys, "an employment kind");
		if (!require(L, v, "id", "an employment kind"))
			continue;
		e->id = opt_str(L, v, "id", "an employment kind");
		e->name = opt_str(L, v, "name", "an employment kind");
		e->pos = v->pos;
		if (!e->id)
			continue;
		if (!is_label(e->id)) {
			err(L, ymap_get(v, "id"),
			    "employment id '%s' must be short text without spaces", e->id);
			continue;
		}
		if (!e->name)
			e->name = e->id;
		e->index = p->n_employment;
		if (stable_put(&L->priv->employment, e->id, strlen(e->id), e)) {
			err(L, ymap_get(v, "id"), "employment '%s' is defined twice", e->id);
			continue;
		}
		L->employment_ids[p->n_employment++] = e->id;
	}
	p->employment = L->employment;
}

static void load_context(struct loader *L, const struct ynode *n)
{
	static const char *const keys[] = { "name", "values", NULL };
	struct profile *p = L->p;

	stable_init(&L->priv->context, L->a, n && n->type == Y_MAP ? n->n : 0);
	if (!n || !want(L, n, Y_MAP, "'context'"))
		return;
	if (n->n > POLICY_MAX_CONTEXT_KEYS) {
		err(L, n, "at most %d context keys", POLICY_MAX_CONTEXT_KEYS);
		return;
	}
	L->context = arena_array(L->a, n->n ? n->n : 1, sizeof(*L->context));
	L->context_ids = arena_array(L->a, n->n ? n->n : 1, sizeof(*L->context_ids));
	for (unsigned i = 0; i < n->n; i++) {
		const struct ynode *k = n->kids[2 * i], *v = n->kids[2 * i + 1], *vals;
		struct policy_context_key *c = &L->context[p->n_context_keys];
		const struct ynode **nodes;

		if (!is_ident(k->str) || !strcmp(k->str, "acting_for")) {
			err(L, k, "context key '%s' must be an identifier other than 'acting_for'",
			    k->str);
			continue;
		}
		if (!want(L, v, Y_MAP, "a context key"))
			continue;
		check_keys(L, v, keys, "a context key");
		c->id = k->str;
		c->pos = k->pos;
		c->name = opt_str(L, v, "name", "a context key");
		if (!c->name)
			c->name = c->id;
		if (!require(L, v, "values", "a context key"))
			continue;
		vals = ymap_get(v, "values");
		if (str_list(L, vals, "a context value", &c->values, &c->n_values, &nodes) < 0)
			continue;
		if (c->n_values > POLICY_MAX_VALUES) {
			err(L, vals, "at most %d values", POLICY_MAX_VALUES);
			continue;
		}
		for (unsigned a = 0; a < c->n_values; a++)
			for (unsigned b = 0; b < a; b++)
				if (!strcmp(c->values[a], c->values[b]))
					err(L, nodes[a], "value '%s' is listed twice",
					    c->values[a]);
		c->index = p->n_context_keys;
		stable_put(&L->priv->context, c->id, strlen(c->id), c);
		L->context_ids[p->n_context_keys++] = c->id;
	}
	p->context_keys = L->context;
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

static const struct policy_role *role_ref(struct loader *L, const struct ynode *n, const char *id)
{
	const struct policy_role *r = stable_get(&L->priv->roles, id, strlen(id));

	if (!r)
		unknown(L, n, "role", id, L->role_ids, L->p->n_roles);
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

static void load_roles(struct loader *L, const struct ynode *n)
{
	static const char *const keys[] = { "name",     "scope",  "holder",  "deputy",
		                            "includes", "clause", "clauses", NULL };
	struct profile *p = L->p;
	uint64_t bad_scope = 0;

	stable_init(&L->priv->roles, L->a, n && n->type == Y_MAP ? n->n : 0);
	if (!n) {
		err(L, NULL, "the profile needs 'roles'");
		return;
	}
	if (!want(L, n, Y_MAP, "'roles'"))
		return;
	if (n->n > POLICY_MAX_ROLES) {
		err(L, n, "at most %d roles", POLICY_MAX_ROLES);
		return;
	}
	L->roles = arena_array(L->a, n->n ? n->n : 1, sizeof(*L->roles));
	L->role_ids = arena_array(L->a, n->n ? n->n : 1, sizeof(*L->role_ids));
	/* pass 1: every role exists, so deputies and inclusions may point forward */
	for (unsigned i = 0; i < n->n; i++) {
		const struct ynode *k = n->kids[2 * i], *v = n->kids[2 * i + 1], *sc;
		struct policy_role *r = &L->roles[p->n_roles];

		if (!is_ident(k->str)) {
			err(L, k,
			    "role id '%s' must be lowercase letters, digits, '_' or '-', starting "
			    "with a letter",
			    k->str);
			continue;
		}
		if (!want(L, v, Y_MAP, "a role"))
			continue;
		r->id = k->str;
		r->pos = k->pos;
		r->index = p->n_roles;
		stable_put(&L->priv->roles, r->id, strlen(r->id), r);
		L->role_ids[p->n_roles++] = r->id;
		check_keys(L, v, keys, "a role");
		if (require(L, v, "name", "a role"))
			r->name = opt_str(L, v, "name", "a role");
		r->holder = opt_str(L, v, "holder", "a role");
		if (require(L, v, "scope", "a role") && (sc = ymap_get(v, "scope"))) {
			const char *s = str(L, sc, "'scope'");

			if (s && scope_kind(s, &r->scope) < 0) {
				bad_scope |= 1ULL << r->index;
				err(L, sc, "role scope must be org, section or system, not '%s'",
				    s);
			}
		}
		clause_refs(L, v, &r->clauses, false, "a role");
	}
	p->roles = L->roles;
	/* pass 2: deputies and inclusions */
	for (unsigned i = 0, ri = 0; i < n->n; i++) {
		const struct ynode *k = n->kids[2 * i], *v = n->kids[2 * i + 1], *x;
		struct policy_role *r;

		if (!is_ident(k->str) || v->type != Y_MAP)
			continue;
		r = &L->roles[ri++];
		if ((x = ymap_get(v, "deputy"))) {
			const char *s = str(L, x, "'deputy'");
			const struct policy_role *dep = s ? role_ref(L, x, s) : NULL;

			if (dep == r)
				err(L, x, "role '%s' cannot be its own deputy", r->id);
			else if (dep && dep->scope != r->scope)
				err(L, x, "deputy '%s' has scope %s but '%s' has scope %s", dep->id,
				    policy_scope_kind_name(dep->scope), r->id,
				    policy_scope_kind_name(r->scope));
			else
				r->deputy = dep;
		}
		if ((x = ymap_get(v, "includes"))) {
			const char **ids;
			const struct ynode **nodes;
			unsigned cnt;

			if (str_list(L, x, "a role id", &ids, &cnt, &nodes) < 0)
				continue;
			r->includes = arena_array(L->a, cnt ? cnt : 1, sizeof(*r->includes));
			for (unsigned j = 0; j < cnt; j++) {
				const struct policy_role *inc = role_ref(L, nodes[j], ids[j]);

				if (!inc || ((bad_scope >> inc->index) & 1) ||
				    ((bad_scope >> r->index) & 1))
					continue; /* the scope error is reported already */
				if (inc->scope != r->scope) {
					err(L, nodes[j],
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
	for (unsigned i = 0; i < p->n_roles; i++)
		if (includes_cycle(&L->roles[i], &L->roles[i], 0))
			diag_add(L->d, DIAG_ERROR, L->roles[i].pos,
			         "role '%s' includes itself through 'includes'", L->roles[i].id);
	if (!L->d->errors)
		for (unsigned i = 0; i < p->n_roles; i++)
			L->roles[i].implied = implied_closure(&L->roles[i], 0);
}

/* ---- registers ------------------------------------------------------------------------- */

static int field_type(const char *s, enum policy_field_type *ret)
{
	static const char *const names[] = { "text", "integer", "bool",    "date", "datetime",
		                             "enum", "level",   "section", "user", "ref" };

	for (size_t i = 0; i < ARRAY_SIZE(names); i++)
		if (!strcmp(s, names[i])) {
			*ret = (enum policy_field_type)i;
			return 0;
		}
	return -1;
}

const char *policy_field_type_name(enum policy_field_type t)
{
	static const char *const names[] = { "text", "integer", "bool",    "date", "datetime",
		                             "enum", "level",   "section", "user", "ref" };

	return (size_t)t < ARRAY_SIZE(names) ? names[t] : "?";
}

static const char *const field_type_names[] = { "text", "integer", "bool",    "date", "datetime",
	                                        "enum", "level",   "section", "user", "ref" };

static bool load_field(struct loader *L, const struct ynode *k, const struct ynode *v,
                       struct policy_field *f)
{
	static const char *const keys[] = { "type",   "name", "required", "clause", "clauses",
		                            "values", "to",   "note",     NULL };
	const struct ynode *t = v, *x;
	const char *ts;

	if (!is_ident(k->str)) {
		err(L, k,
		    "field id '%s' must be lowercase letters, digits, '_' or '-', starting with a "
		    "letter",
		    k->str);
		return false;
	}
	f->id = k->str;
	f->name = k->str;
	f->pos = k->pos;
	if (v->type == Y_SCALAR) {
		/* shorthand: "text", "text!" (required) */
		char *s = arena_strndup(L->a, v->str, v->len);
		size_t l = strlen(s);

		if (l && s[l - 1] == '!') {
			f->required = true;
			s[l - 1] = '\0';
		}
		if (field_type(s, &f->type) < 0) {
			unknown(L, v, "field type", s, field_type_names,
			        ARRAY_SIZE(field_type_names));
			return false;
		}
		if (f->type == FIELD_ENUM || f->type == FIELD_REF) {
			err(L, v, "field '%s' of type %s needs the mapping form with '%s'", f->id,
			    s, f->type == FIELD_ENUM ? "values" : "to");
			return false;
		}
		return true;
	}
	if (!want(L, v, Y_MAP, "a field"))
		return false;
	check_keys(L, v, keys, "a field");
	if (!require(L, v, "type", "a field"))
		return false;
	t = ymap_get(v, "type");
	if (!(ts = str(L, t, "'type'")))
		return false;
	if (field_type(ts, &f->type) < 0) {
		unknown(L, t, "field type", ts, field_type_names, ARRAY_SIZE(field_type_names));
		return false;
	}
	if ((x = ymap_get(v, "name")))
		f->name = str(L, x, "'name'");
	if (!f->name)
		f->name = f->id;
	f->note = opt_str(L, v, "note", "a field");
	if ((x = ymap_get(v, "required")))
		boolean(L, x, "'required'", &f->required);
	clause_refs(L, v, &f->clauses, false, "a field");
	x = ymap_get(v, "values");
	if (f->type == FIELD_ENUM) {
		const struct ynode **nodes;

		if (!x) {
			err(L, v, "enum field '%s' needs 'values'", f->id);
			return false;
		}
		if (str_list(L, x, "an enum value", &f->values, &f->n_values, &nodes) < 0)
			return false;
		if (f->n_values > POLICY_MAX_VALUES) {
			err(L, x, "at most %d values", POLICY_MAX_VALUES);
			return false;
		}
		for (unsigned a = 0; a < f->n_values; a++)
			for (unsigned b = 0; b < a; b++)
				if (!strcmp(f->values[a], f->values[b]))
					err(L, nodes[a], "value '%s' is listed twice",
					    f->values[a]);
	} else if (x) {
		err(L, x, "'values' is only for enum fields; field '%s' is %s", f->id, ts);
	}
	x = ymap_get(v, "to");
	if (f->type == FIELD_REF) {
		if (!x) {
			err(L, v, "ref field '%s' needs 'to' (the register it refers to)", f->id);
			return false;
		}
		ALLOC_GROW(L->refs, L->n_refs, L->alloc_refs);
		L->refs[L->n_refs].field = f;
		L->refs[L->n_refs].to = x;
		L->n_refs++;
	} else if (x) {
		err(L, x, "'to' is only for ref fields; field '%s' is %s", f->id, ts);
	}
	return true;
}

static void load_fields(struct loader *L, const struct ynode *n, const char *what,
                        const struct policy_field **ret, unsigned *ret_n)
{
	struct policy_field *fields;
	unsigned cnt = 0;

	*ret = NULL;
	*ret_n = 0;
	if (!n || !want(L, n, Y_MAP, what))
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

static const struct policy_state *state_of(const struct policy_register *r, const char *id)
{
	for (unsigned i = 0; i < r->n_states; i++)
		if (!strcmp(r->states[i].id, id))
			return &r->states[i];
	return NULL;
}

static const struct policy_state *state_ref(struct loader *L, const struct policy_register *r,
                                            const struct ynode *n, const char *id)
{
	const struct policy_state *s = state_of(r, id);

	if (!s) {
		const char *cands[POLICY_MAX_STATES];

		for (unsigned i = 0; i < r->n_states; i++)
			cands[i] = r->states[i].id;
		unknown(L, n, "state", id, cands, r->n_states);
	}
	return s;
}

static void load_action(struct loader *L, struct policy_register *r, const struct ynode *k,
                        const struct ynode *v, struct policy_action *a)
{
	static const char *const keys[] = { "name",   "from",    "to",   "create", "fields",
		                            "clause", "clauses", "note", NULL };
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
	if (!want(L, v, Y_MAP, "an action"))
		return;
	check_keys(L, v, keys, "an action");
	if (require(L, v, "name", "an action"))
		a->name = opt_str(L, v, "name", "an action");
	a->note = opt_str(L, v, "note", "an action");
	if ((x = ymap_get(v, "create")))
		boolean(L, x, "'create'", &a->create);
	if ((x = ymap_get(v, "from"))) {
		const char **ids;
		const struct ynode **nodes;
		unsigned cnt;

		if (a->create)
			err(L, x, "action '%s' creates its record: it has no 'from'", a->full_name);
		else if (str_list(L, x, "a state", &ids, &cnt, &nodes) == 0)
			for (unsigned i = 0; i < cnt; i++) {
				const struct policy_state *s = state_ref(L, r, nodes[i], ids[i]);

				if (s)
					a->from |= 1ULL << s->index;
			}
	}
	if ((x = ymap_get(v, "to"))) {
		const char *s = str(L, x, "'to'");

		if (s)
			a->to = state_ref(L, r, x, s);
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
	clause_refs(L, v, &a->clauses, false, "an action");
}

static void load_register(struct loader *L, const struct ynode *k, const struct ynode *v,
                          struct policy_register *r)
{
	static const char *const keys[] = { "name",   "clause",  "clauses", "types", "fields",
		                            "states", "initial", "actions", NULL };
	const struct ynode *x;
	struct policy_state *states;
	const struct policy_action **acts;

	r->id = k->str;
	r->pos = k->pos;
	check_keys(L, v, keys, "a register");
	if (require(L, v, "name", "a register"))
		r->name = opt_str(L, v, "name", "a register");
	clause_refs(L, v, &r->clauses, false, "a register");
	if ((x = ymap_get(v, "types"))) {
		const struct ynode **nodes;

		if (str_list(L, x, "a resource type", &r->types, &r->n_types, &nodes) == 0)
			for (unsigned i = 0; i < r->n_types; i++)
				if (!is_ident(r->types[i]))
					err(L, nodes[i], "resource type '%s' must be an identifier",
					    r->types[i]);
	}
	load_fields(L, ymap_get(v, "fields"), "'fields'", &r->fields, &r->n_fields);
	if ((x = ymap_get(v, "states")) && want(L, x, Y_MAP, "'states'")) {
		if (x->n > POLICY_MAX_STATES) {
			err(L, x, "at most %d states", POLICY_MAX_STATES);
		} else {
			states = arena_array(L->a, x->n ? x->n : 1, sizeof(*states));
			for (unsigned i = 0; i < x->n; i++) {
				const struct ynode *sk = x->kids[2 * i], *sv = x->kids[2 * i + 1];
				struct policy_state *s = &states[r->n_states];

				if (!is_ident(sk->str)) {
					err(L, sk, "state id '%s' must be an identifier", sk->str);
					continue;
				}
				s->id = sk->str;
				s->pos = sk->pos;
				s->name = str(L, sv, "a state's name");
				if (!s->name)
					s->name = s->id;
				s->index = r->n_states++;
			}
			r->states = states;
		}
	}
	if ((x = ymap_get(v, "initial"))) {
		const char *s = str(L, x, "'initial'");

		if (s)
			r->initial = state_ref(L, r, x, s);
	} else if (r->n_states) {
		r->initial = &r->states[0];
	}
	if ((x = ymap_get(v, "actions")) && want(L, x, Y_MAP, "'actions'")) {
		acts = arena_array(L->a, x->n ? x->n : 1, sizeof(*acts));
		for (unsigned i = 0; i < x->n; i++) {
			const struct ynode *ak = x->kids[2 * i], *av = x->kids[2 * i + 1];
			struct policy_action *a;

			if (!is_ident(ak->str)) {
				err(L, ak, "action id '%s' must be an identifier", ak->str);
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

static void load_registers(struct loader *L, const struct ynode *n)
{
	struct profile *p = L->p;
	unsigned total = 0;
	const struct policy_action **all;

	stable_init(&L->priv->registers, L->a, n && n->type == Y_MAP ? n->n : 0);
	if (!n || !want(L, n, Y_MAP, "'registers'")) {
		stable_init(&L->priv->actions, L->a, 0);
		return;
	}
	L->regs = arena_array(L->a, n->n ? n->n : 1, sizeof(*L->regs));
	L->register_ids = arena_array(L->a, n->n ? n->n : 1, sizeof(*L->register_ids));
	for (unsigned i = 0; i < n->n; i++) {
		const struct ynode *k = n->kids[2 * i], *v = n->kids[2 * i + 1];
		struct policy_register *r = &L->regs[p->n_registers];

		if (!is_ident(k->str)) {
			err(L, k, "register id '%s' must be an identifier", k->str);
			continue;
		}
		if (!want(L, v, Y_MAP, "a register"))
			continue;
		load_register(L, k, v, r);
		r->index = p->n_registers;
		stable_put(&L->priv->registers, r->id, strlen(r->id), r);
		L->register_ids[p->n_registers++] = r->id;
		total += r->n_actions;
	}
	p->registers = L->regs;
	for (size_t i = 0; i < L->n_refs; i++) {
		const char *s = str(L, L->refs[i].to, "'to'");
		const struct policy_register *r;

		if (!s)
			continue;
		r = stable_get(&L->priv->registers, s, strlen(s));
		if (!r)
			unknown(L, L->refs[i].to, "register", s, L->register_ids, p->n_registers);
		L->refs[i].field->ref = r;
	}
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
}

/* ---- rules ---------------------------------------------------------------------------- */

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
	const char *s = str(L, n, "a role");
	const char *at;
	char id[80];
	const struct policy_role *r;

	if (!s)
		return -1;
	at = strchr(s, '@');
	if ((at ? (size_t)(at - s) : strlen(s)) >= sizeof(id)) {
		err(L, n, "role '%s' is too long", s);
		return -1;
	}
	snprintf(id, sizeof(id), "%.*s", (int)(at ? (size_t)(at - s) : strlen(s)), s);
	if (!(r = role_ref(L, n, id)))
		return -1;
	ret->role = r;
	ret->at = r->scope == SCOPE_ORG ? AT_ORG : AT_RECORD;
	if (at) {
		static const char *const ats[] = { "record", "actor", "org" };
		enum policy_at a;

		if (parse_at(at + 1, &a) < 0 || a == AT_ANY) {
			unknown(L, n, "scope", at + 1, ats, ARRAY_SIZE(ats));
			return -1;
		}
		if (a == AT_ORG && r->scope != SCOPE_ORG) {
			err(L, n, "role '%s' has scope %s: it cannot be '@org'", r->id,
			    policy_scope_kind_name(r->scope));
			return -1;
		}
		if (a == AT_ACTOR && r->scope == SCOPE_SYSTEM) {
			err(L, n,
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

	if (str_list(L, n, what, &ids, &cnt, &nodes) < 0)
		return 0;
	for (unsigned i = 0; i < cnt; i++) {
		const struct policy_level *lv =
		    stable_get(&L->priv->levels, ids[i], strlen(ids[i]));

		if (!lv)
			unknown(L, nodes[i], "level", ids[i], L->level_ids, L->p->n_levels);
		else
			m |= 1ULL << lv->rank;
	}
	return m;
}

static const struct policy_level *one_level(struct loader *L, const struct ynode *n)
{
	const char *s = str(L, n, "a level");
	const struct policy_level *lv;

	if (!s)
		return NULL;
	if (!(lv = stable_get(&L->priv->levels, s, strlen(s))))
		unknown(L, n, "level", s, L->level_ids, L->p->n_levels);
	return lv;
}

static void load_actor(struct loader *L, const struct ynode *n, struct cond *c)
{
	static const char *const keys[] = { "role", "at", "employment", "section", NULL };
	const struct ynode *x;

	if (!want(L, n, Y_MAP, "'actor'"))
		return;
	check_keys(L, n, keys, "'actor'");
	c->role_at = AT_RECORD;
	if ((x = ymap_get(n, "role"))) {
		const char **ids;
		const struct ynode **nodes;
		unsigned cnt;

		c->has_roles = true;
		c->roles_pos = x->pos;
		if (str_list(L, x, "a role id", &ids, &cnt, &nodes) == 0)
			for (unsigned i = 0; i < cnt; i++) {
				const struct policy_role *r = role_ref(L, nodes[i], ids[i]);

				if (r)
					c->roles |= 1ULL << r->index;
			}
	}
	if ((x = ymap_get(n, "at"))) {
		static const char *const ats[] = { "record", "actor", "any", "org" };
		const char *s = str(L, x, "'at'");

		if (!ymap_get(n, "role"))
			err(L, x, "'at' says where a role is held: it needs 'role'");
		if (s && parse_at(s, &c->role_at) < 0)
			unknown(L, x, "place", s, ats, ARRAY_SIZE(ats));
	}
	if ((x = ymap_get(n, "employment"))) {
		const char **ids;
		const struct ynode **nodes;
		unsigned cnt;

		c->has_employment = true;
		if (!L->p->n_employment)
			err(L, x,
			    "'employment' needs the kinds listed under top-level 'employment'");
		else if (str_list(L, x, "an employment kind", &ids, &cnt, &nodes) == 0)
			for (unsigned i = 0; i < cnt; i++) {
				const struct policy_employment *e =
				    stable_get(&L->priv->employment, ids[i], strlen(ids[i]));

				if (!e)
					unknown(L, nodes[i], "employment", ids[i],
					        L->employment_ids, L->p->n_employment);
				else
					c->employment |= 1ULL << e->index;
			}
	}
	if ((x = ymap_get(n, "section"))) {
		const char *s = str(L, x, "'section'");

		if (s && !strcmp(s, "same"))
			c->section = SECTION_SAME;
		else if (s && !strcmp(s, "other"))
			c->section = SECTION_OTHER;
		else if (s)
			err(L, x, "actor 'section' must be same or other, not '%s'", s);
	}
}

static void load_cond(struct loader *L, const struct ynode *n, struct cond *c, const char *what)
{
	static const char *const keys[] = { "level",   "level_at_least", "level_below", "actor",
		                            "context", "record",         "state",       NULL };
	const struct ynode *x;

	memset(c, 0, sizeof(*c));
	if (!n)
		return;
	c->present = true;
	c->pos = n->pos;
	if (!want(L, n, Y_MAP, what))
		return;
	check_keys(L, n, keys, what);
	if (!n->n)
		err(L, n, "%s is empty; remove it or add a condition", what);
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
	if ((x = ymap_get(n, "actor")))
		load_actor(L, x, c);
	if ((x = ymap_get(n, "context")) && want(L, x, Y_MAP, "'context'")) {
		c->ctx = arena_array(L->a, x->n ? x->n : 1, sizeof(*c->ctx));
		for (unsigned i = 0; i < x->n; i++) {
			const struct ynode *k = x->kids[2 * i], *v = x->kids[2 * i + 1];
			const struct policy_context_key *ck =
			    stable_get(&L->priv->context, k->str, k->len);
			const char **vals;
			const struct ynode **nodes;
			unsigned cnt;

			if (!ck) {
				unknown(L, k, "context key", k->str, L->context_ids,
				        L->p->n_context_keys);
				continue;
			}
			c->ctx[c->n_ctx].key = ck->index;
			if (str_list(L, v, "a context value", &vals, &cnt, &nodes) < 0)
				continue;
			for (unsigned j = 0; j < cnt; j++) {
				unsigned vi = 0;

				while (vi < ck->n_values && strcmp(ck->values[vi], vals[j]))
					vi++;
				if (vi == ck->n_values) {
					struct strbuf sb = STRBUF_INIT;

					strbuf_addf(&sb, "unknown value '%s' of context key '%s'",
					            vals[j], ck->id);
					suggest_append(&sb, vals[j], ck->values, ck->n_values);
					err(L, nodes[j], "%s", sb.buf);
					strbuf_release(&sb);
					continue;
				}
				c->ctx[c->n_ctx].values |= 1ULL << vi;
			}
			c->n_ctx++;
		}
	}
	if ((x = ymap_get(n, "record")) && want(L, x, Y_MAP, "'record'")) {
		c->rec = arena_array(L->a, x->n ? x->n : 1, sizeof(*c->rec));
		for (unsigned i = 0; i < x->n; i++) {
			const struct ynode *k = x->kids[2 * i], *v = x->kids[2 * i + 1];
			struct cond_rec_raw *rr = &c->rec[c->n_rec];

			rr->field = k->str;
			rr->pos = k->pos;
			if (str_list(L, v, "a field value", &rr->values, &rr->n_values, NULL) < 0)
				continue;
			c->n_rec++;
		}
	}
	if ((x = ymap_get(n, "state"))) {
		c->has_states = true;
		str_list(L, x, "a state", &c->states, &c->n_states, NULL);
	}
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
	if (!want(L, n, Y_MAP, "an obligation"))
		return;
	check_keys(L, n, keys, "an obligation");
	for (unsigned i = 0; kinds[i]; i++)
		if (ymap_get(n, kinds[i])) {
			found++;
			o->kind = (enum policy_obligation_kind)i;
			x = ymap_get(n, kinds[i]);
		}
	if (found != 1) {
		err(L, n,
		    "an obligation has exactly one of record, dispose, witness, encrypt, measures, "
		    "notify or note");
		return;
	}
	clause_refs(L, n, &o->clauses, false, "an obligation");
	switch (o->kind) {
	case OBLIGATION_RECORD:
	case OBLIGATION_DISPOSE:
	case OBLIGATION_MEASURES:
		str_list(L, x, "an obligation item", &o->items, &o->n_items, NULL);
		break;
	case OBLIGATION_WITNESS:
	case OBLIGATION_NOTIFY:
		role_spec(L, x, &o->role);
		break;
	case OBLIGATION_ENCRYPT: {
		bool b = false;

		if (boolean(L, x, "'encrypt'", &b) == 0 && !b)
			err(L, x, "'encrypt: false' obliges nothing; remove it");
		break;
	}
	case OBLIGATION_NOTE:
		o->text = str(L, x, "'note'");
		break;
	}
}

static bool on_pattern_ok(struct loader *L, const struct ynode *n, const char *s)
{
	const char *dot = strchr(s, '.');
	struct profile *p = L->p;

	if (!dot || strchr(dot + 1, '.')) {
		err(L, n, "action '%s' must be written register.action (or register.*, *.action)",
		    s);
		return false;
	}
	if (!strcmp(dot + 1, "*")) {
		const struct policy_register *r =
		    stable_get(&L->priv->registers, s, (size_t)(dot - s));

		if (!r) {
			char id[80];

			snprintf(id, sizeof(id), "%.*s", (int)(dot - s), s);
			unknown(L, n, "register", id, L->register_ids, p->n_registers);
			return false;
		}
		if (!r->n_actions) {
			err(L, n, "register '%s' has no actions", r->id);
			return false;
		}
		return true;
	}
	if (dot == s + 1 && s[0] == '*') {
		for (unsigned i = 0; i < p->n_actions; i++)
			if (!strcmp(p->actions[i]->id, dot + 1))
				return true;
		err(L, n, "no register has an action '%s'", dot + 1);
		return false;
	}
	if (!stable_get(&L->priv->actions, s, strlen(s))) {
		unknown(L, n, "action", s, L->action_names, p->n_actions);
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

static void load_rules(struct loader *L, const struct ynode *n)
{
	static const char *const keys[] = { "id",      "on",       "when",        "unless",
		                            "effect",  "approver", "obligations", "clause",
		                            "clauses", "note",     NULL };
	struct profile *p = L->p;
	struct rule_priv *rp;

	stable_init(&L->priv->rules, L->a, n && n->type == Y_SEQ ? n->n : 0);
	if (!n || !want(L, n, Y_SEQ, "'rules'"))
		return;
	L->rules = arena_array(L->a, n->n ? n->n : 1, sizeof(*L->rules));
	rp = arena_array(L->a, n->n ? n->n : 1, sizeof(*rp));
	L->priv->rule_priv = rp;
	for (unsigned i = 0; i < n->n; i++) {
		const struct ynode *v = n->kids[i], *x;
		struct policy_rule *r = &L->rules[p->n_rules];
		const struct ynode **nodes;

		if (!want(L, v, Y_MAP, "a rule"))
			continue;
		check_keys(L, v, keys, "a rule");
		r->pos = v->pos;
		if (!require(L, v, "id", "a rule") || !(r->id = opt_str(L, v, "id", "a rule")))
			continue;
		if (!is_ident(r->id)) {
			err(L, ymap_get(v, "id"), "rule id '%s' must be an identifier", r->id);
			continue;
		}
		if (stable_put(&L->priv->rules, r->id, strlen(r->id), r)) {
			err(L, ymap_get(v, "id"), "rule '%s' is defined twice", r->id);
			continue;
		}
		r->index = p->n_rules++;
		r->note = opt_str(L, v, "note", "a rule");
		if (require(L, v, "on", "a rule") &&
		    str_list(L, ymap_get(v, "on"), "an action", &r->on, &r->n_on, &nodes) == 0)
			for (unsigned j = 0; j < r->n_on; j++)
				on_pattern_ok(L, nodes[j], r->on[j]);
		load_cond(L, ymap_get(v, "when"), &rp[r->index].when, "'when'");
		load_cond(L, ymap_get(v, "unless"), &rp[r->index].unless, "'unless'");
		if ((x = ymap_get(v, "effect"))) {
			const char *s = str(L, x, "'effect'");
			static const char *const effects[] = { "allow", "approval", "deny" };

			if (s && !strcmp(s, "allow"))
				r->effect = EFFECT_ALLOW;
			else if (s && !strcmp(s, "approval"))
				r->effect = EFFECT_APPROVAL;
			else if (s && !strcmp(s, "deny"))
				r->effect = EFFECT_DENY;
			else if (s)
				unknown(L, x, "effect", s, effects, ARRAY_SIZE(effects));
		}
		if ((x = ymap_get(v, "approver"))) {
			unsigned cnt = x->type == Y_SEQ ? x->n : 1;
			struct policy_role_ref *refs =
			    arena_array(L->a, cnt ? cnt : 1, sizeof(*refs));

			if (r->effect != EFFECT_APPROVAL)
				err(L, x,
				    "rule '%s' has an approver but its effect is not approval",
				    r->id);
			if (x->type == Y_MAP) {
				err(L, x, "'approver' must be role@scope or a list of them");
			} else {
				for (unsigned j = 0; j < cnt; j++)
					if (role_spec(L, x->type == Y_SEQ ? x->kids[j] : x,
					              &refs[r->n_approvers]) == 0)
						r->n_approvers++;
				if (r->n_approvers > POLICY_MAX_APPROVERS)
					err(L, x, "at most %d approvers", POLICY_MAX_APPROVERS);
			}
			r->approvers = refs;
		} else if (r->effect == EFFECT_APPROVAL) {
			err(L, v, "rule '%s' needs 'approver' (who approves: role@record)", r->id);
		}
		if ((x = ymap_get(v, "obligations")) && want(L, x, Y_SEQ, "'obligations'")) {
			struct policy_obligation *os =
			    arena_array(L->a, x->n ? x->n : 1, sizeof(*os));

			for (unsigned j = 0; j < x->n; j++)
				load_obligation(L, x->kids[j], &os[j]);
			r->obligations = os;
			r->n_obligations = x->n;
			record_names(L, r, os);
		}
		if (!ymap_get(v, "effect") && !r->n_obligations)
			err(L, v, "rule '%s' has no effect and no obligations: it does nothing",
			    r->id);
		clause_refs(L, v, &r->clauses, true, "a rule");
	}
	p->rules = L->rules;
}

/* ---- separation, duties, retention ------------------------------------------------------ */

static void load_fallback_value(struct loader *L, const struct ynode *n, struct policy_fallback *f)
{
	const char *s = str(L, n, "a fallback");

	if (!s)
		return;
	if (!strcmp(s, "exception")) {
		f->kind = FALLBACK_EXCEPTION;
		return;
	}
	f->route = role_ref(L, n, s);
	if (f->route)
		f->kind = FALLBACK_ROUTE;
}

static void load_separation(struct loader *L, const struct ynode *n)
{
	static const char *const keys[] = { "id",     "kind",  "clause",   "clauses", "actions",
		                            "fields", "roles", "fallback", "note",    NULL };
	static const char *const kinds[] = { "applicant_not_approver", "distinct_persons",
		                             "exclusive_roles" };
	struct profile *p = L->p;
	struct policy_separation *seps;

	stable_init(&L->priv->separation, L->a, n && n->type == Y_SEQ ? n->n : 0);
	if (!n || !want(L, n, Y_SEQ, "'separation'"))
		return;
	seps = arena_array(L->a, n->n ? n->n : 1, sizeof(*seps));
	for (unsigned i = 0; i < n->n; i++) {
		const struct ynode *v = n->kids[i], *x;
		struct policy_separation *s = &seps[p->n_separation];
		const char *k;

		if (!want(L, v, Y_MAP, "a separation constraint"))
			continue;
		check_keys(L, v, keys, "a separation constraint");
		s->pos = v->pos;
		if (!require(L, v, "id", "a separation constraint") ||
		    !require(L, v, "kind", "a separation constraint"))
			continue;
		if (!(s->id = opt_str(L, v, "id", "a separation constraint")))
			continue;
		if (!is_ident(s->id)) {
			err(L, ymap_get(v, "id"), "constraint id '%s' must be an identifier",
			    s->id);
			continue;
		}
		if (stable_put(&L->priv->separation, s->id, strlen(s->id), s)) {
			err(L, ymap_get(v, "id"), "constraint '%s' is defined twice", s->id);
			continue;
		}
		s->index = p->n_separation++;
		s->note = opt_str(L, v, "note", "a separation constraint");
		clause_refs(L, v, &s->clauses, true, "a separation constraint");
		x = ymap_get(v, "kind");
		if (!(k = str(L, x, "'kind'")))
			continue;
		if (!strcmp(k, kinds[0])) {
			s->kind = SEP_APPLICANT_NOT_APPROVER;
		} else if (!strcmp(k, kinds[1])) {
			s->kind = SEP_DISTINCT_PERSONS;
		} else if (!strcmp(k, kinds[2])) {
			s->kind = SEP_EXCLUSIVE_ROLES;
		} else {
			unknown(L, x, "constraint kind", k, kinds, ARRAY_SIZE(kinds));
			continue;
		}
		x = ymap_get(v, "actions");
		if (s->kind != SEP_APPLICANT_NOT_APPROVER && x)
			err(L, x, "'actions' is only for applicant_not_approver");
		if (s->kind == SEP_APPLICANT_NOT_APPROVER) {
			if (!x) {
				err(L, v,
				    "applicant_not_approver needs 'actions' (all, or a list)");
			} else if (x->type == Y_SCALAR && !strcmp(x->str, "all")) {
				s->all_actions = true;
			} else {
				const char **ids;
				const struct ynode **nodes;
				unsigned cnt;
				const struct policy_action **acts;

				if (str_list(L, x, "an action", &ids, &cnt, &nodes) == 0) {
					acts = arena_array(L->a, cnt ? cnt : 1, sizeof(*acts));
					for (unsigned j = 0; j < cnt; j++) {
						const struct policy_action *a = stable_get(
						    &L->priv->actions, ids[j], strlen(ids[j]));

						if (!a)
							unknown(L, nodes[j], "action", ids[j],
							        L->action_names, p->n_actions);
						else
							acts[s->n_actions++] = a;
					}
					s->actions = acts;
				}
			}
		}
		x = ymap_get(v, "fields");
		if (s->kind != SEP_DISTINCT_PERSONS && x)
			err(L, x, "'fields' is only for distinct_persons");
		if (s->kind == SEP_DISTINCT_PERSONS) {
			const char **ids;
			const struct ynode **nodes;
			unsigned cnt;

			if (!x) {
				err(L, v,
				    "distinct_persons needs 'fields' (register.field of type "
				    "user)");
			} else if (str_list(L, x, "a field", &ids, &cnt, &nodes) == 0) {
				const struct policy_field **fs =
				    arena_array(L->a, cnt ? cnt : 1, sizeof(*fs));
				const struct policy_register **rs =
				    arena_array(L->a, cnt ? cnt : 1, sizeof(*rs));

				if (cnt < 2)
					err(L, x, "distinct_persons needs at least two fields");
				for (unsigned j = 0; j < cnt; j++) {
					const char *dot = strchr(ids[j], '.');
					const struct policy_register *r =
					    dot ? stable_get(&L->priv->registers, ids[j],
					                     (size_t)(dot - ids[j]))
					        : NULL;
					const struct policy_field *f = NULL;

					if (!r) {
						err(L, nodes[j],
						    "'%s' must be register.field with a known "
						    "register",
						    ids[j]);
						continue;
					}
					f = policy_register_field(r, dot + 1);
					for (unsigned a = 0; !f && a < r->n_actions; a++)
						f = policy_action_field(r->actions[a], dot + 1);
					if (!f) {
						err(L, nodes[j], "register '%s' has no field '%s'",
						    r->id, dot + 1);
						continue;
					}
					if (f->type != FIELD_USER) {
						err(L, nodes[j], "field '%s' is %s, not user",
						    ids[j], policy_field_type_name(f->type));
						continue;
					}
					if (s->n_fields && rs[0] != r) {
						err(L, nodes[j],
						    "the fields of one constraint belong to one "
						    "register");
						continue;
					}
					fs[s->n_fields] = f;
					rs[s->n_fields++] = r;
				}
				s->fields = fs;
				s->field_regs = rs;
			}
		}
		x = ymap_get(v, "roles");
		if (s->kind != SEP_EXCLUSIVE_ROLES && x)
			err(L, x, "'roles' is only for exclusive_roles");
		if (s->kind == SEP_EXCLUSIVE_ROLES) {
			const char **ids;
			const struct ynode **nodes;
			unsigned cnt;

			if (!x) {
				err(L, v, "exclusive_roles needs 'roles'");
			} else if (str_list(L, x, "a role", &ids, &cnt, &nodes) == 0) {
				const struct policy_role **rs =
				    arena_array(L->a, cnt ? cnt : 1, sizeof(*rs));

				if (cnt < 2)
					err(L, x, "exclusive_roles needs at least two roles");
				for (unsigned j = 0; j < cnt; j++) {
					const struct policy_role *r = role_ref(L, nodes[j], ids[j]);

					if (r)
						rs[s->n_roles++] = r;
				}
				s->roles = rs;
			}
		}
		x = ymap_get(v, "fallback");
		if (x && s->kind == SEP_EXCLUSIVE_ROLES)
			err(L, x, "exclusive_roles has no fallback: the assignment is refused");
		else if (x && x->type == Y_MAP) {
			struct policy_fallback_entry *fe =
			    arena_array(L->a, x->n ? x->n : 1, sizeof(*fe));

			for (unsigned j = 0; j < x->n; j++) {
				const struct ynode *fk = x->kids[2 * j], *fv = x->kids[2 * j + 1];
				struct policy_fallback_entry *e = &fe[s->n_fallbacks];

				if (strcmp(fk->str, "default")) {
					e->approver = role_ref(L, fk, fk->str);
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
	p->separation = seps;
}

static void load_duties(struct loader *L, const struct ynode *n)
{
	static const char *const keys[] = { "id",     "name",    "role", "every", "evidence",
		                            "clause", "clauses", "note", NULL };
	struct profile *p = L->p;
	struct policy_duty *duties;

	stable_init(&L->priv->duties, L->a, n && n->type == Y_SEQ ? n->n : 0);
	if (!n || !want(L, n, Y_SEQ, "'duties'"))
		return;
	duties = arena_array(L->a, n->n ? n->n : 1, sizeof(*duties));
	for (unsigned i = 0; i < n->n; i++) {
		const struct ynode *v = n->kids[i], *x;
		struct policy_duty *du = &duties[p->n_duties];
		bool ok = true;

		if (!want(L, v, Y_MAP, "a duty"))
			continue;
		check_keys(L, v, keys, "a duty");
		du->pos = v->pos;
		for (const char *const *k = keys; k < keys + 5; k++)
			ok &= require(L, v, *k, "a duty");
		if (!ok || !(du->id = opt_str(L, v, "id", "a duty")))
			continue;
		if (!is_ident(du->id)) {
			err(L, ymap_get(v, "id"), "duty id '%s' must be an identifier", du->id);
			continue;
		}
		if (stable_put(&L->priv->duties, du->id, strlen(du->id), du)) {
			err(L, ymap_get(v, "id"), "duty '%s' is defined twice", du->id);
			continue;
		}
		du->index = p->n_duties++;
		du->name = opt_str(L, v, "name", "a duty");
		du->note = opt_str(L, v, "note", "a duty");
		x = ymap_get(v, "role");
		if (str(L, x, "'role'"))
			du->role = role_ref(L, x, x->str);
		duration(L, ymap_get(v, "every"), "'every'", &du->every_seconds);
		x = ymap_get(v, "evidence");
		if (str(L, x, "'evidence'") &&
		    !(du->evidence = stable_get(&L->priv->actions, x->str, x->len)))
			unknown(L, x, "action", x->str, L->action_names, p->n_actions);
		clause_refs(L, v, &du->clauses, true, "a duty");
	}
	p->duties = duties;
}

static void load_retention(struct loader *L, const struct ynode *n)
{
	static const char *const keys[] = { "keep", "clause", "clauses", "note", NULL };
	struct profile *p = L->p;
	struct policy_retention *ret;

	if (!n || !want(L, n, Y_MAP, "'retention'"))
		return;
	ret = arena_array(L->a, n->n ? n->n : 1, sizeof(*ret));
	for (unsigned i = 0; i < n->n; i++) {
		const struct ynode *k = n->kids[2 * i], *v = n->kids[2 * i + 1];
		struct policy_retention *r = &ret[p->n_retention];

		r->reg = stable_get(&L->priv->registers, k->str, k->len);
		if (!r->reg) {
			unknown(L, k, "register", k->str, L->register_ids, p->n_registers);
			continue;
		}
		if (!want(L, v, Y_MAP, "a retention entry"))
			continue;
		check_keys(L, v, keys, "a retention entry");
		r->pos = k->pos;
		if (!require(L, v, "keep", "a retention entry"))
			continue;
		if (duration(L, ymap_get(v, "keep"), "'keep'", &r->keep_seconds) < 0)
			continue;
		r->note = opt_str(L, v, "note", "a retention entry");
		clause_refs(L, v, &r->clauses, false, "a retention entry");
		p->n_retention++;
	}
	p->retention = ret;
}

/* requests: {expire: 14d, note: ...}: the ward's choice; the texts set no period. */
static void load_requests(struct loader *L, const struct ynode *n)
{
	static const char *const keys[] = { "expire", "note", NULL };
	struct profile *p = L->p;

	if (!n || !want(L, n, Y_MAP, "'requests'"))
		return;
	check_keys(L, n, keys, "'requests'");
	if (!require(L, n, "expire", "'requests'"))
		return;
	if (duration(L, ymap_get(n, "expire"), "'expire'", &p->request_expire_seconds) < 0) {
		p->request_expire_seconds = 0;
	} else if (p->request_expire_seconds > 10LL * 365 * 86400) {
		err(L, ymap_get(n, "expire"), "'expire' is at most 10y");
		p->request_expire_seconds = 0;
	}
	p->request_note = opt_str(L, n, "note", "'requests'");
}

/* ---- the whole file --------------------------------------------------------------------- */

static void load_root(struct loader *L, const struct ynode *root)
{
	static const char *const keys[] = { "format",     "profile",    "clauses", "levels",
		                            "employment", "context",    "roles",   "registers",
		                            "rules",      "separation", "duties",  "retention",
		                            "requests",   NULL };
	const struct ynode *f;

	if (!want(L, root, Y_MAP, "the profile"))
		return;
	check_keys(L, root, keys, "the profile");
	f = ymap_get(root, "format");
	if (!f) {
		err(L, root, "the profile needs 'format: %s' as its first line", PROFILE_FORMAT);
		return;
	}
	if (f->type != Y_SCALAR || strcmp(f->str, PROFILE_FORMAT)) {
		err(L, f, "unsupported format '%s'; this Mamori reads '%s'",
		    f->type == Y_SCALAR ? f->str : "?", PROFILE_FORMAT);
		return;
	}
	if (!ymap_get(root, "profile"))
		err(L, root, "the profile needs 'profile' (id, title, municipality)");
	else
		load_identity(L, ymap_get(root, "profile"));
	load_clauses(L, ymap_get(root, "clauses"));
	load_levels(L, ymap_get(root, "levels"));
	load_employment(L, ymap_get(root, "employment"));
	load_context(L, ymap_get(root, "context"));
	load_roles(L, ymap_get(root, "roles"));
	load_registers(L, ymap_get(root, "registers"));
	load_rules(L, ymap_get(root, "rules"));
	load_separation(L, ymap_get(root, "separation"));
	load_duties(L, ymap_get(root, "duties"));
	load_retention(L, ymap_get(root, "retention"));
	load_requests(L, ymap_get(root, "requests"));
}

static void sha256(const char *data, size_t len, struct profile *p)
{
	unsigned int mdlen = 0;

	if (!EVP_Digest(data, len, p->sha256, &mdlen, EVP_sha256(), NULL) || mdlen != 32)
		abort();
	for (int i = 0; i < 32; i++)
		snprintf(p->sha256_hex + 2 * i, 3, "%02x", p->sha256[i]);
}

/*
 * A profile is UTF-8 text. Checked before libfyaml sees it: some invalid
 * sequences (in a directive) make libfyaml 0.7 loop for ever.
 */
static int check_text(const char *data, size_t len, struct policy_diags *d)
{
	struct policy_pos pos = { 1, 1 };
	size_t i = 0;

	while (i < len) {
		uint32_t cp;
		int n = utf8_decode(data + i, len - i, &cp);

		if (n < 0 || cp == 0) {
			diag_add(
			    d, DIAG_ERROR, pos,
			    n < 0 ? "the file is not valid UTF-8 here (byte %zu); save it as UTF-8"
			          : "the file holds a NUL byte here (byte %zu)",
			    i);
			return -1;
		}
		if (cp == '\n') {
			pos.line++;
			pos.col = 1;
		} else {
			pos.col++;
		}
		i += (size_t)n;
	}
	return 0;
}

int profile_lint_buffer(const char *name, const char *data, size_t len, struct policy_diags *diags,
                        struct profile **ret)
{
	struct profile_private *priv;
	struct profile *p;
	struct loader L = { 0 };
	struct ynode *root;

	if (ret)
		*ret = NULL;
	if (len > POLICY_MAX_FILE_SIZE) {
		diag_add(diags, DIAG_ERROR, (struct policy_pos){ 0, 0 },
		         "the file is larger than %d MiB", POLICY_MAX_FILE_SIZE >> 20);
		return -EFBIG;
	}
	if (check_text(data, len, diags) < 0)
		return -EINVAL;
	priv = xcalloc(1, sizeof(*priv));
	p = arena_alloc(&priv->arena, sizeof(*p));
	p->priv = priv;
	p->file = arena_strndup(&priv->arena, name, strlen(name));
	sha256(data, len, p);
	L.p = p;
	L.priv = priv;
	L.a = &priv->arena;
	L.d = diags;

	root = ytree_parse(&priv->arena, data, len, diags);
	if (root)
		load_root(&L, root);
	free(L.refs);
	if (!diags->errors && root) {
		policy_compile(p, diags);
		if (!diags->errors)
			policy_lint_model(p, diags);
	}
	diag_sort(diags);
	if (diags->errors || !root) {
		profile_free(p);
		return -EINVAL;
	}
	if (ret)
		*ret = p;
	else
		profile_free(p);
	return 0;
}

int profile_load_buffer(const char *name, const char *data, size_t len, struct profile **ret,
                        struct strbuf *err_out)
{
	struct policy_diags d = { 0 };
	int r = profile_lint_buffer(name, data, len, &d, ret);

	if (r < 0 && err_out) {
		const struct policy_diag *first = NULL;

		for (size_t i = 0; i < d.nr && !first; i++)
			if (d.items[i].severity == DIAG_ERROR)
				first = &d.items[i];
		if (first && d.errors > 1)
			error_set(err_out,
			          "%s:%u:%u: %s (and %u more errors; run 'mamori policy lint %s')",
			          name, first->pos.line, first->pos.col, first->msg, d.errors - 1,
			          name);
		else if (first)
			error_set(err_out, "%s:%u:%u: %s", name, first->pos.line, first->pos.col,
			          first->msg);
		else
			error_set(err_out, "%s: invalid profile", name);
	}
	policy_diags_release(&d);
	return r;
}

int profile_load_file(const char *path, struct profile **ret, struct strbuf *err_out)
{
	struct strbuf sb = STRBUF_INIT;
	int r = strbuf_read_file(&sb, path, POLICY_MAX_FILE_SIZE + 1);

	if (r < 0) {
		error_set(err_out, "cannot read profile '%s': %s", path, strerror(-r));
		strbuf_release(&sb);
		return r;
	}
	if (sb.len > POLICY_MAX_FILE_SIZE) {
		error_set(err_out, "profile '%s' is larger than %d MiB", path,
		          POLICY_MAX_FILE_SIZE >> 20);
		strbuf_release(&sb);
		return -EFBIG;
	}
	r = profile_load_buffer(path, sb.buf, sb.len, ret, err_out);
	strbuf_release(&sb);
	return r;
}

static bool looks_like_path(const char *s)
{
	size_t n = strlen(s);

	return strchr(s, '/') || (n > 5 && !strcmp(s + n - 5, ".yaml")) ||
	       (n > 4 && !strcmp(s + n - 4, ".yml"));
}

int profile_load_named(const char *name, struct profile **ret, struct strbuf *err_out)
{
	const char *ids[16];
	struct strbuf sb = STRBUF_INIT;

	if (looks_like_path(name))
		return profile_load_file(name, ret, err_out);
	for (unsigned i = 0; i < policy_builtins_nr; i++)
		if (!strcmp(policy_builtins[i].id, name))
			return profile_load_buffer(policy_builtins[i].file, policy_builtins[i].data,
			                           policy_builtins[i].len, ret, err_out);
	for (unsigned i = 0; i < policy_builtins_nr && i < ARRAY_SIZE(ids); i++)
		ids[i] = policy_builtins[i].id;
	strbuf_addf(&sb, "no shipped profile '%s'", name);
	suggest_append(&sb, name, ids, policy_builtins_nr < 16 ? policy_builtins_nr : 16);
	strbuf_addstr(&sb, "; give a file path or one of:");
	for (unsigned i = 0; i < policy_builtins_nr; i++)
		strbuf_addf(&sb, " %s", policy_builtins[i].id);
	error_set(err_out, "%s", sb.buf);
	strbuf_release(&sb);
	return -ENOENT;
}

void profile_free(struct profile *p)
{
	struct profile_private *priv;

	if (!p)
		return;
	priv = p->priv;
	free(priv->owned_data);
	arena_release(&priv->arena);
	free(priv);
}

/* ---- lookups ------------------------------------------------------------------------------ */

const struct policy_clause *policy_clause(const struct profile *p, const char *id)
{
	return stable_get(&p->priv->clauses, id, strlen(id));
}

const struct policy_level *policy_level(const struct profile *p, const char *id)
{
	return stable_get(&p->priv->levels, id, strlen(id));
}

const struct policy_role *policy_role(const struct profile *p, const char *id)
{
	return stable_get(&p->priv->roles, id, strlen(id));
}

const struct policy_role *policy_role_n(const struct profile *p, const char *id, size_t len)
{
	return stable_get(&p->priv->roles, id, len);
}

const struct policy_employment *policy_employment_kind(const struct profile *p, const char *id)
{
	return stable_get(&p->priv->employment, id, strlen(id));
}

const struct policy_context_key *policy_context_key(const struct profile *p, const char *id)
{
	return stable_get(&p->priv->context, id, strlen(id));
}

const struct policy_register *policy_register(const struct profile *p, const char *id)
{
	return stable_get(&p->priv->registers, id, strlen(id));
}

const struct policy_action *policy_action(const struct profile *p, const char *full_name)
{
	return stable_get(&p->priv->actions, full_name, strlen(full_name));
}

const struct policy_action *policy_register_action(const struct policy_register *r, const char *id)
{
	for (unsigned i = 0; i < r->n_actions; i++)
		if (!strcmp(r->actions[i]->id, id))
			return r->actions[i];
	return NULL;
}

const struct policy_field *policy_register_field(const struct policy_register *r, const char *id)
{
	for (unsigned i = 0; i < r->n_fields; i++)
		if (!strcmp(r->fields[i].id, id))
			return &r->fields[i];
	return NULL;
}

const struct policy_field *policy_action_field(const struct policy_action *a, const char *id)
{
	for (unsigned i = 0; i < a->n_fields; i++)
		if (!strcmp(a->fields[i].id, id))
			return &a->fields[i];
	return NULL;
}

const struct policy_state *policy_register_state(const struct policy_register *r, const char *id)
{
	return state_of(r, id);
}

const struct policy_rule *policy_rule(const struct profile *p, const char *id)
{
	return stable_get(&p->priv->rules, id, strlen(id));
}

const struct policy_duty *policy_duty(const struct profile *p, const char *id)
{
	return stable_get(&p->priv->duties, id, strlen(id));
}

const struct policy_retention *policy_retention_for(const struct profile *p,
                                                    const struct policy_register *r)
{
	for (unsigned i = 0; i < p->n_retention; i++)
		if (p->retention[i].reg == r)
			return &p->retention[i];
	return NULL;
}

const struct policy_separation *policy_separation_for_action(const struct profile *p,
                                                             const struct policy_action *a)
{
	return p->priv->cactions ? p->priv->cactions[a->index].sep : NULL;
}

struct policy_fallback policy_separation_fallback(const struct policy_separation *s,
                                                  const struct policy_role *r)
{
	struct policy_fallback none = { FALLBACK_NONE, NULL };

	if (!s)
		return none;
	for (unsigned i = 0; i < s->n_fallbacks; i++)
		if (s->fallbacks[i].approver == r)
			return s->fallbacks[i].fallback;
	for (unsigned i = 0; i < s->n_fallbacks; i++)
		if (!s->fallbacks[i].approver)
			return s->fallbacks[i].fallback;
	return none;
}

bool policy_roles_exclusive(const struct profile *p, const struct policy_role *a,
                            const struct policy_role *b, const struct policy_separation **ret_sep)
{
	for (unsigned i = 0; i < p->n_separation; i++) {
		const struct policy_separation *s = &p->separation[i];
		bool ha = false, hb = false;

		if (s->kind != SEP_EXCLUSIVE_ROLES)
			continue;
		for (unsigned j = 0; j < s->n_roles; j++) {
			/* holding a role means holding what it includes too */
			ha |= (a->implied >> s->roles[j]->index) & 1;
			hb |= (b->implied >> s->roles[j]->index) & 1;
		}
		if (ha && hb && a != b) {
			bool same_only = true;

			/* both must hit different roles of the list */
			for (unsigned j = 0; j < s->n_roles; j++)
				for (unsigned k = 0; k < s->n_roles; k++)
					if (j != k && ((a->implied >> s->roles[j]->index) & 1) &&
					    ((b->implied >> s->roles[k]->index) & 1))
						same_only = false;
			if (same_only)
				continue;
			if (ret_sep)
				*ret_sep = s;
			return true;
		}
	}
	return false;
}

int policy_field_check(const struct profile *p, const struct policy_field *f, const char *value,
                       struct strbuf *err_out)
{
	int64_t v;

	if (!value || !*value) {
		if (f->required) {
			error_set(err_out, "field '%s' (%s) is required", f->id, f->name);
			return -EINVAL;
		}
		return 0;
	}
	switch (f->type) {
	case FIELD_TEXT:
	case FIELD_SECTION:
	case FIELD_USER:
	case FIELD_REF:
		if (strlen(value) > 4096) {
			error_set(err_out, "field '%s' (%s) is longer than 4096 bytes", f->id,
			          f->name);
			return -EINVAL;
		}
		return 0;
	case FIELD_INTEGER:
		if (parse_int64(value, INT64_MIN, INT64_MAX, &v) < 0)
			break;
		return 0;
	case FIELD_BOOL:
		if (!strcmp(value, "true") || !strcmp(value, "false"))
			return 0;
		break;
	case FIELD_DATE:
		if (time_parse_date(value, &v) == 0)
			return 0;
		break;
	case FIELD_DATETIME:
		if (time_parse_rfc3339(value, &v) == 0)
			return 0;
		break;
	case FIELD_ENUM:
		for (unsigned i = 0; i < f->n_values; i++)
			if (!strcmp(f->values[i], value))
				return 0;
		{
			struct strbuf sb = STRBUF_INIT;

			strbuf_addf(&sb, "field '%s' (%s) must be one of", f->id, f->name);
			for (unsigned i = 0; i < f->n_values; i++)
				strbuf_addf(&sb, "%s '%s'", i ? "," : "", f->values[i]);
			strbuf_addf(&sb, ", not '%s'", value);
			error_set(err_out, "%s", sb.buf);
			strbuf_release(&sb);
		}
		return -EINVAL;
	case FIELD_LEVEL:
		if (policy_level(p, value))
			return 0;
		break;
	}
	error_set(err_out, "field '%s' (%s) must be %s, not '%s'", f->id, f->name,
	          policy_field_type_name(f->type), value);
	return -EINVAL;
}

const char *policy_scope_kind_name(enum policy_scope_kind k)
{
	switch (k) {
	case SCOPE_ORG:
		return "org";
	case SCOPE_SECTION:
		return "section";
	case SCOPE_SYSTEM:
		return "system";
	}
	return "?";
}

const char *policy_effect_name(enum policy_effect e)
{
	switch (e) {
	case EFFECT_NONE:
		return "obligations";
	case EFFECT_ALLOW:
		return "allow";
	case EFFECT_APPROVAL:
		return "approval";
	case EFFECT_DENY:
		return "deny";
	}
	return "?";
}

const char *policy_obligation_kind_name(enum policy_obligation_kind k)
{
	static const char *const names[] = { "record",   "dispose", "witness", "encrypt",
		                             "measures", "notify",  "note" };

	return (size_t)k < ARRAY_SIZE(names) ? names[k] : "?";
}

const char *policy_clause_kind_name(enum policy_clause_kind k)
{
	static const char *const names[] = { "E", "R", "M", "H" };

	return (size_t)k < ARRAY_SIZE(names) ? names[k] : "?";
}
