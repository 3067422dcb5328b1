/* load-context: the request context vocabulary, its defaults, and the session a read assumes. */
#include <stdio.h>
#include <string.h>

#include "base/cleanup.h"
#include "policy/load-internal.h"

/* The index of value s of key c, or -1 after an error at n with a suggestion. */
static int value_index(struct loader *L, const struct policy_context_key *c, const struct ynode *n,
                       const char *s)
{
	struct strbuf sb = STRBUF_INIT;

	for (unsigned i = 0; i < c->n_values; i++)
		if (!strcmp(c->values[i], s))
			return (int)i;
	strbuf_addf(&sb, "unknown value '%s' of context key '%s'", s, c->id);
	suggest_append(&sb, s, c->values, c->n_values);
	load_err(L, n, "%s", sb.buf);
	strbuf_release(&sb);
	return -1;
}

/* `value_names`: value → the name people read (a select in the web form shows it). */
static void load_value_names(struct loader *L, const struct ynode *v, struct policy_context_key *c)
{
	const struct ynode *x = ymap_get(v, "value_names");
	const char **names = arena_array(L->a, c->n_values ? c->n_values : 1, sizeof(*names));

	for (unsigned i = 0; i < c->n_values; i++)
		names[i] = c->values[i];
	c->value_names = names;
	if (!x || !load_want(L, x, Y_MAP, "'value_names'"))
		return;
	for (unsigned i = 0; i < x->n; i++) {
		const struct ynode *k = x->kids[2 * i];
		int vi = value_index(L, c, k, k->str);
		const char *s = load_str(L, x->kids[2 * i + 1], "a value's name");

		if (vi >= 0 && s)
			names[vi] = s;
	}
}

/*
 * `default`: the value a request that omits the key is decided with. The text never says
 * what a request did not say, so a default is always the ward's choice: it needs
 * `ward_choice` saying why.
 */
static void load_default(struct loader *L, const struct ynode *v, struct policy_context_key *c)
{
	const struct ynode *x = ymap_get(v, "default");
	const char *s;

	c->default_value = -1;
	if (!x || !(s = load_str(L, x, "'default'")))
		return;
	c->default_value = value_index(L, c, x, s);
	if (c->default_value >= 0 && !c->ward_choice)
		load_err(L, x,
		         "context key '%s' has a default: the text does not say it, so say why "
		         "with ward_choice",
		         c->id);
}

static bool load_context_key(struct loader *L, const struct ynode *k, const struct ynode *v,
                             struct policy_context_key *c)
{
	static const char *const keys[] = { "name",    "values",      "value_names",
		                            "default", "ward_choice", NULL };
	const struct ynode *vals;
	const struct ynode **nodes;

	if (!load_is_ident(k->str) || !strcmp(k->str, "acting_for")) {
		load_err(L, k, "context key '%s' must be an identifier other than 'acting_for'",
		         k->str);
		return false;
	}
	if (!load_want(L, v, Y_MAP, "a context key"))
		return false;
	load_check_keys(L, v, keys, "a context key");
	c->id = k->str;
	c->pos = k->pos;
	c->default_value = -1;
	c->name = load_opt_str(L, v, "name", "a context key");
	c->ward_choice = load_opt_str(L, v, "ward_choice", "a context key");
	if (!c->name)
		c->name = c->id;
	if (!load_require(L, v, "values", "a context key"))
		return false;
	vals = ymap_get(v, "values");
	if (load_str_list(L, vals, "a context value", &c->values, &c->n_values, &nodes) < 0)
		return false;
	if (c->n_values > POLICY_MAX_VALUES) {
		load_err(L, vals, "at most %d values", POLICY_MAX_VALUES);
		return false;
	}
	for (unsigned a = 0; a < c->n_values; a++)
		for (unsigned b = 0; b < a; b++)
			if (!strcmp(c->values[a], c->values[b]))
				load_err(L, nodes[a], "value '%s' is listed twice", c->values[a]);
	load_value_names(L, v, c);
	load_default(L, v, c);
	return true;
}

void load_context(struct loader *L, const struct ynode *n)
{
	struct profile *p = L->p;

	stable_init(&L->priv->context, L->a, n && n->type == Y_MAP ? n->n : 0);
	if (!n || !load_want(L, n, Y_MAP, "'context'"))
		return;
	if (n->n > POLICY_MAX_CONTEXT_KEYS) {
		load_err(L, n, "at most %d context keys", POLICY_MAX_CONTEXT_KEYS);
		return;
	}
	L->context = arena_array(L->a, n->n ? n->n : 1, sizeof(*L->context));
	L->context_ids = arena_array(L->a, n->n ? n->n : 1, sizeof(*L->context_ids));
	for (unsigned i = 0; i < n->n; i++) {
		struct policy_context_key *c = &L->context[p->n_context_keys];

		if (!load_context_key(L, n->kids[2 * i], n->kids[2 * i + 1], c))
			continue;
		c->index = p->n_context_keys;
		stable_put(&L->priv->context, c->id, strlen(c->id), c);
		L->context_ids[p->n_context_keys++] = c->id;
	}
	p->context_keys = L->context;
}

/*
 * `session: {context: {device: issued}, ward_choice: ...}`: what a read (an action with id
 * `read`) assumes for a context key its request does not give, so a read never asks.
 */
void load_session(struct loader *L, const struct ynode *n)
{
	static const char *const keys[] = { "context", "ward_choice", NULL };
	struct profile *p = L->p;
	int *vals = arena_array(L->a, POLICY_MAX_CONTEXT_KEYS, sizeof(*vals));
	const struct ynode *x;

	for (unsigned i = 0; i < POLICY_MAX_CONTEXT_KEYS; i++)
		vals[i] = -1;
	p->session_values = vals;
	if (!n || !load_want(L, n, Y_MAP, "'session'"))
		return;
	load_check_keys(L, n, keys, "'session'");
	p->session_ward_choice = load_opt_str(L, n, "ward_choice", "'session'");
	if (!(x = ymap_get(n, "context")) || !load_want(L, x, Y_MAP, "'context' of the session"))
		return;
	if (x->n && !p->session_ward_choice)
		load_err(L, n,
		         "'session' assumes context the request does not give: say why with "
		         "ward_choice");
	for (unsigned i = 0; i < x->n; i++) {
		const struct ynode *k = x->kids[2 * i], *v = x->kids[2 * i + 1];
		const struct policy_context_key *c = stable_get(&L->priv->context, k->str, k->len);
		const char *s;

		if (!c) {
			load_unknown(L, k, "context key", k->str, L->context_ids,
			             p->n_context_keys);
			continue;
		}
		if ((s = load_str(L, v, "a context value")))
			vals[c->index] = value_index(L, c, v, s);
	}
}

/* An action's `context`: the keys its requests must say (a context key id or a list). */
void load_action_context(struct loader *L, const struct ynode *x, struct policy_action *a)
{
	const char **ids;
	const struct ynode **nodes;
	unsigned cnt;

	if (load_str_list(L, x, "a context key", &ids, &cnt, &nodes) < 0)
		return;
	for (unsigned i = 0; i < cnt; i++) {
		const struct policy_context_key *c =
		    stable_get(&L->priv->context, ids[i], strlen(ids[i]));

		if (!c)
			load_unknown(L, nodes[i], "context key", ids[i], L->context_ids,
			             L->p->n_context_keys);
		else
			a->context_required |= 1ULL << c->index;
	}
}
