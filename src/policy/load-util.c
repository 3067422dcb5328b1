/* load-util: the loader's small helpers: typed scalars, key checks, lists, clause references. */
#include <stdio.h>
#include <string.h>

#include "base/cleanup.h"
#include "base/parse.h"
#include "policy/load-internal.h"

void load_err(struct loader *L, const struct ynode *n, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	diag_vadd(L->d, DIAG_ERROR, n ? n->pos : (struct policy_pos){ 0, 0 }, fmt, ap);
	va_end(ap);
}

bool load_is_ident(const char *s)
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

bool load_want(struct loader *L, const struct ynode *n, enum ynode_type t, const char *what)
{
	static const char *const names[] = { "a value", "a mapping", "a list" };

	if (n->type == t)
		return true;
	load_err(L, n, "%s must be %s, not %s", what, names[t], ynode_type_name(n));
	return false;
}

/* A non-empty scalar, or NULL after an error. */
const char *load_str(struct loader *L, const struct ynode *n, const char *what)
{
	if (!load_want(L, n, Y_SCALAR, what))
		return NULL;
	if (!n->len) {
		load_err(L, n, "%s must not be empty", what);
		return NULL;
	}
	return n->str;
}

int load_boolean(struct loader *L, const struct ynode *n, const char *what, bool *ret)
{
	if (!load_want(L, n, Y_SCALAR, what))
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
	load_err(L, n, "%s must be true or false, not '%s'", what, n->str);
	return -1;
}

/*
 * Checks that every key of map is one of allowed (a NULL-terminated list);
 * an unknown key is an error with the closest allowed key suggested.
 */
bool load_check_keys(struct loader *L, const struct ynode *map, const char *const *allowed,
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
			load_err(L, k, "%s", sb.buf);
			strbuf_release(&sb);
			ok = false;
		}
	}
	return ok;
}

bool load_require(struct loader *L, const struct ynode *map, const char *key, const char *what)
{
	if (ymap_get(map, key))
		return true;
	load_err(L, map, "%s needs '%s'", what, key);
	return false;
}

const char *load_opt_str(struct loader *L, const struct ynode *map, const char *key,
                         const char *what)
{
	const struct ynode *v = ymap_get(map, key);
	char buf[128];

	if (!v)
		return NULL;
	snprintf(buf, sizeof(buf), "'%s' of %s", key, what);
	return load_str(L, v, buf);
}

/* Unknown-name error with a suggestion. */
void load_unknown(struct loader *L, const struct ynode *n, const char *kind, const char *name,
                  const char *const *cands, size_t nc)
{
	struct strbuf sb = STRBUF_INIT;

	strbuf_addf(&sb, "unknown %s '%s'", kind, name);
	suggest_append(&sb, name, cands, nc);
	load_err(L, n, "%s", sb.buf);
	strbuf_release(&sb);
}

/* A scalar or a list of scalars, as an array of strings in the arena. */
int load_str_list(struct loader *L, const struct ynode *n, const char *what, const char ***ret,
                  unsigned *ret_n, const struct ynode ***ret_nodes)
{
	const char **v;
	const struct ynode **nodes;
	unsigned cnt = n->type == Y_SEQ ? n->n : 1;

	if (n->type == Y_MAP) {
		load_err(L, n, "%s must be a value or a list, not a mapping", what);
		return -1;
	}
	v = arena_array(L->a, cnt ? cnt : 1, sizeof(*v));
	nodes = arena_array(L->a, cnt ? cnt : 1, sizeof(*nodes));
	for (unsigned i = 0; i < cnt; i++) {
		const struct ynode *x = n->type == Y_SEQ ? n->kids[i] : n;

		if (!(v[i] = load_str(L, x, what)))
			return -1;
		nodes[i] = x;
	}
	*ret = v;
	*ret_n = cnt;
	if (ret_nodes)
		*ret_nodes = nodes;
	return 0;
}

/* One clause id or a list of them, each in the catalog, without duplicates. */
void load_clause_list(struct loader *L, const struct ynode *n, struct policy_clauses *out)
{
	const char **ids;
	const struct ynode **nodes;
	unsigned cnt;

	out->items = NULL;
	out->nr = 0;
	if (load_str_list(L, n, "a clause id", &ids, &cnt, &nodes) < 0)
		return;
	out->items = arena_array(L->a, cnt ? cnt : 1, sizeof(*out->items));
	for (unsigned i = 0; i < cnt; i++) {
		const struct policy_clause *c =
		    stable_get(&L->priv->clauses, ids[i], strlen(ids[i]));

		if (!c) {
			load_unknown(L, nodes[i], "clause", ids[i], L->clause_ids, L->p->n_clauses);
			continue;
		}
		for (unsigned j = 0; j < out->nr; j++)
			if (out->items[j] == c)
				c = NULL;
		if (c)
			out->items[out->nr++] = c;
	}
}

/* `clause` or `clauses`: one id or a list, each in the catalog. */
void load_clause_refs(struct loader *L, const struct ynode *map, struct policy_clauses *out,
                      bool required, const char *what)
{
	const struct ynode *a = ymap_get(map, "clause"), *b = ymap_get(map, "clauses"), *n;

	out->items = NULL;
	out->nr = 0;
	if (a && b) {
		load_err(L, b, "%s has both 'clause' and 'clauses'; keep one", what);
		return;
	}
	n = a ? a : b;
	if (!n) {
		if (required)
			load_err(L, map,
			         "%s needs 'clause' (the clauses of the text it carries out)",
			         what);
		return;
	}
	load_clause_list(L, n, out);
}

int load_duration(struct loader *L, const struct ynode *n, const char *what, int64_t *ret)
{
	const char *s = load_str(L, n, what);

	if (!s)
		return -1;
	if (parse_duration(s, ret) < 0 || *ret <= 0) {
		load_err(L, n, "%s must be a duration such as 30d, 12h, 1w or 1y, not '%s'", what,
		         s);
		return -1;
	}
	return 0;
}
