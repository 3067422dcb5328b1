/* authzen: requests and decisions as JSON in the OpenID AuthZEN shape (one object per line). */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "base/cleanup.h"
#include "base/json.h"
#include "policy/policy.h"

#define REQUEST_MAX_ROLES 256
#define REQUEST_MAX_ATTRS 256

/* What parsing holds on to; after compact() only the block remains. */
static void release_parsing(struct policy_request_storage *st)
{
	if (st->json)
		json_decref(st->json);
	free(st->roles);
	free(st->attrs);
	free(st->context);
	for (size_t i = 0; i < st->n_owned; i++)
		free(st->owned[i]);
	free(st->owned);
	st->json = NULL;
	st->roles = NULL;
	st->attrs = st->context = NULL;
	st->owned = NULL;
	st->n_owned = 0;
}

void policy_request_storage_release(struct policy_request_storage *st)
{
	release_parsing(st);
	free(st->block);
	memset(st, 0, sizeof(*st));
}

static size_t str_size(const char *s)
{
	return s ? strlen(s) + 1 : 0;
}

static const char *copy_str(char **pos, const char *s)
{
	size_t n;
	char *r;

	if (!s)
		return NULL;
	n = strlen(s) + 1;
	r = *pos;
	memcpy(r, s, n);
	*pos += n;
	return r;
}

/*
 * Moves every string and array of the request into one allocation and
 * drops the JSON tree: a decided request then touches a few hundred
 * contiguous bytes instead of a dozen scattered heap objects.
 */
static void compact(struct decide_request *req, struct policy_request_storage *st)
{
	size_t size = 0;
	char *block, *pos;
	const char **roles;
	struct policy_attr *attrs, *context;

	size += req->n_roles * sizeof(*roles) + (req->n_attrs + req->n_context) * sizeof(*attrs);
	for (size_t i = 0; i < req->n_roles; i++)
		size += str_size(req->roles[i]);
	for (size_t i = 0; i < req->n_attrs; i++)
		size += str_size(req->attrs[i].key) + str_size(req->attrs[i].value);
	for (size_t i = 0; i < req->n_context; i++)
		size += str_size(req->context[i].key) + str_size(req->context[i].value);
	size += str_size(req->subject_id) + str_size(req->subject_section) +
	        str_size(req->employment) + str_size(req->action) + str_size(req->resource_type) +
	        str_size(req->resource_id) + str_size(req->level) + str_size(req->section) +
	        str_size(req->system) + str_size(req->state);
	block = xmalloc(size ? size : 1);
	roles = (const char **)(void *)block;
	attrs = (struct policy_attr *)(void *)(block + req->n_roles * sizeof(*roles));
	context = attrs + req->n_attrs;
	pos = (char *)(context + req->n_context);
	for (size_t i = 0; i < req->n_roles; i++)
		roles[i] = copy_str(&pos, req->roles[i]);
	for (size_t i = 0; i < req->n_attrs; i++) {
		attrs[i].key = copy_str(&pos, req->attrs[i].key);
		attrs[i].value = copy_str(&pos, req->attrs[i].value);
	}
	for (size_t i = 0; i < req->n_context; i++) {
		context[i].key = copy_str(&pos, req->context[i].key);
		context[i].value = copy_str(&pos, req->context[i].value);
	}
	req->subject_id = copy_str(&pos, req->subject_id);
	req->subject_section = copy_str(&pos, req->subject_section);
	req->employment = copy_str(&pos, req->employment);
	req->action = copy_str(&pos, req->action);
	req->resource_type = copy_str(&pos, req->resource_type);
	req->resource_id = copy_str(&pos, req->resource_id);
	req->level = copy_str(&pos, req->level);
	req->section = copy_str(&pos, req->section);
	req->system = copy_str(&pos, req->system);
	req->state = copy_str(&pos, req->state);
	req->roles = req->n_roles ? roles : NULL;
	req->attrs = req->n_attrs ? attrs : NULL;
	req->context = req->n_context ? context : NULL;
	release_parsing(st);
	st->block = block;
}

/* A scalar JSON value as text: strings as they are, numbers and booleans converted. */
static const char *scalar_text(struct policy_request_storage *st, const json_t *v)
{
	char buf[64];

	if (json_is_string(v))
		return json_string_value(v);
	if (json_is_true(v))
		return "true";
	if (json_is_false(v))
		return "false";
	if (json_is_integer(v))
		snprintf(buf, sizeof(buf), "%" JSON_INTEGER_FORMAT, json_integer_value(v));
	else if (json_is_real(v))
		snprintf(buf, sizeof(buf), "%.17g", json_real_value(v));
	else
		return NULL;
	st->owned = xreallocarray(st->owned, st->n_owned + 1, sizeof(*st->owned));
	st->owned[st->n_owned] = xstrdup(buf);
	return st->owned[st->n_owned++];
}

static int get_text(struct policy_request_storage *st, const json_t *obj, const char *key,
                    const char *where, const char **ret, struct strbuf *err)
{
	const json_t *v = json_object_get(obj, key);

	*ret = NULL;
	if (!v || json_is_null(v))
		return 0;
	if (!(*ret = scalar_text(st, v))) {
		error_set(err, "'%s.%s' must be a string", where, key);
		return -EINVAL;
	}
	return 0;
}

static int get_object(const json_t *root, const char *key, json_t **ret, struct strbuf *err)
{
	json_t *v = json_object_get(root, key);

	*ret = NULL;
	if (!v || json_is_null(v))
		return 0;
	if (!json_is_object(v)) {
		error_set(err, "'%s' must be an object", key);
		return -EINVAL;
	}
	*ret = v;
	return 0;
}

static int add_attr(struct policy_request_storage *st, struct policy_attr **arr, size_t *n,
                    const char *key, const json_t *v, const char *where, struct strbuf *err)
{
	const char *t;

	if (json_is_object(v) || json_is_array(v) || json_is_null(v))
		return 0; /* structured values are not conditions: ignored */
	if (*n >= REQUEST_MAX_ATTRS) {
		error_set(err, "'%s' has more than %d entries", where, REQUEST_MAX_ATTRS);
		return -EINVAL;
	}
	if (!(t = scalar_text(st, v)))
		return 0;
	*arr = xreallocarray(*arr, *n + 1, sizeof(**arr));
	(*arr)[*n].key = key;
	(*arr)[*n].value = t;
	(*n)++;
	return 0;
}

/* subject: id, section, employment, granted and its roles ("role@scope"). */
static int parse_subject(json_t *subject, struct decide_request *req,
                         struct policy_request_storage *st, struct strbuf *err)
{
	json_t *roles = json_object_get(subject, "roles"), *v;
	size_t i;

	if (get_text(st, subject, "id", "subject", &req->subject_id, err) < 0 ||
	    get_text(st, subject, "section", "subject", &req->subject_section, err) < 0 ||
	    get_text(st, subject, "employment", "subject", &req->employment, err) < 0)
		return -EINVAL;
	v = json_object_get(subject, "granted");
	if (v && !json_is_boolean(v)) {
		error_set(err, "'subject.granted' must be true or false");
		return -EINVAL;
	}
	req->granted = json_is_true(v);
	if (!roles || json_is_null(roles))
		return 0;
	if (!json_is_array(roles)) {
		error_set(err, "'subject.roles' must be an array of \"role@scope\"");
		return -EINVAL;
	}
	if (json_array_size(roles) > REQUEST_MAX_ROLES) {
		error_set(err, "'subject.roles' has more than %d roles", REQUEST_MAX_ROLES);
		return -EINVAL;
	}
	st->roles = xcalloc(json_array_size(roles) + 1, sizeof(*st->roles));
	json_array_foreach(roles, i, v)
	{
		if (!json_is_string(v)) {
			error_set(err, "'subject.roles' must hold strings");
			return -EINVAL;
		}
		st->roles[req->n_roles++] = json_string_value(v);
	}
	req->roles = st->roles;
	return 0;
}

/* resource: its attributes (level, section ...), any other key and `properties` as fields. */
static int parse_resource(json_t *resource, struct decide_request *req,
                          struct policy_request_storage *st, struct strbuf *err)
{
	static const char *const resource_keys[] = { "type",   "id",    "level",     "section",
		                                     "system", "state", "properties" };
	json_t *props = json_object_get(resource, "properties"), *v;
	const char *key;
	size_t n_attrs = 0;

	if (get_text(st, resource, "type", "resource", &req->resource_type, err) < 0 ||
	    get_text(st, resource, "id", "resource", &req->resource_id, err) < 0 ||
	    get_text(st, resource, "level", "resource", &req->level, err) < 0 ||
	    get_text(st, resource, "section", "resource", &req->section, err) < 0 ||
	    get_text(st, resource, "system", "resource", &req->system, err) < 0 ||
	    get_text(st, resource, "state", "resource", &req->state, err) < 0)
		return -EINVAL;
	json_object_foreach(resource, key, v)
	{
		bool known = false;

		for (size_t i = 0; i < sizeof(resource_keys) / sizeof(*resource_keys); i++)
			known |= !strcmp(key, resource_keys[i]);
		if (!known && add_attr(st, &st->attrs, &n_attrs, key, v, "resource", err) < 0)
			return -EINVAL;
	}
	if (props && !json_is_null(props)) {
		if (!json_is_object(props)) {
			error_set(err, "'resource.properties' must be an object");
			return -EINVAL;
		}
		json_object_foreach(props, key, v)
		{
			if (add_attr(st, &st->attrs, &n_attrs, key, v, "resource.properties", err) <
			    0)
				return -EINVAL;
		}
	}
	req->attrs = st->attrs;
	req->n_attrs = n_attrs;
	return 0;
}

static int parse_context(json_t *context, struct decide_request *req,
                         struct policy_request_storage *st, struct strbuf *err)
{
	const char *key;
	json_t *v;
	size_t n_ctx = 0;

	json_object_foreach(context, key, v)
	{
		if (add_attr(st, &st->context, &n_ctx, key, v, "context", err) < 0)
			return -EINVAL;
	}
	req->context = st->context;
	req->n_context = n_ctx;
	return 0;
}

int policy_request_parse(const char *line, size_t len, struct decide_request *req,
                         struct policy_request_storage *st, struct strbuf *err)
{
	json_error_t je;
	json_t *root;
	json_t *subject, *action, *resource, *context;

	memset(req, 0, sizeof(*req));
	memset(st, 0, sizeof(*st));
	root = json_loadb(line, len, JSON_REJECT_DUPLICATES, &je);
	if (!root) {
		error_set(err, "invalid JSON at column %d: %s", je.column, je.text);
		return -EINVAL;
	}
	st->json = root;
	if (!json_is_object(root)) {
		error_set(err, "a request must be a JSON object");
		goto fail;
	}
	if (get_object(root, "subject", &subject, err) < 0 ||
	    get_object(root, "action", &action, err) < 0 ||
	    get_object(root, "resource", &resource, err) < 0 ||
	    get_object(root, "context", &context, err) < 0)
		goto fail;
	if (!action || !json_is_string(json_object_get(action, "name"))) {
		error_set(err, "the request needs \"action\": {\"name\": \"register.action\"}");
		goto fail;
	}
	req->action = json_string_value(json_object_get(action, "name"));
	if ((subject && parse_subject(subject, req, st, err) < 0) ||
	    (resource && parse_resource(resource, req, st, err) < 0) ||
	    (context && parse_context(context, req, st, err) < 0))
		goto fail;
	compact(req, st);
	return 0;
fail:
	policy_request_storage_release(st);
	memset(req, 0, sizeof(*req));
	return -EINVAL;
}

/* ---- decisions ---------------------------------------------------------------------------- */

static void scope_string(struct strbuf *sb, enum policy_scope_kind k, const char *value)
{
	strbuf_addstr(sb, policy_scope_kind_name(k));
	if (k != SCOPE_ORG && value) {
		strbuf_addch(sb, ':');
		strbuf_addstr(sb, value);
	}
}

/* A role reference (witness, notify, fallback route) resolved against the request. */
static void role_scope(struct strbuf *sb, const struct policy_role *r, enum policy_at at,
                       const struct decide_request *q)
{
	const char *v = NULL;

	if (r->scope == SCOPE_SECTION)
		v = at == AT_ACTOR ? q->subject_section : q->section;
	else if (r->scope == SCOPE_SYSTEM)
		v = q->system;
	scope_string(sb, r->scope, v && *v ? v : NULL);
}

static void clause_array(struct json_writer *w, const struct policy_clauses *c)
{
	if (!c->nr)
		return;
	jw_key(w, "clauses");
	jw_array_begin(w);
	for (unsigned i = 0; i < c->nr; i++)
		jw_string(w, c->items[i]->id);
	jw_array_end(w);
}

static void string_array(struct json_writer *w, const char *key, const char **items, unsigned n)
{
	jw_key(w, key);
	jw_array_begin(w);
	for (unsigned i = 0; i < n; i++)
		jw_string(w, items[i]);
	jw_array_end(w);
}

static void obligation_json(struct json_writer *w, const struct policy_obligation *o,
                            const struct decide_request *q)
{
	struct strbuf sb = STRBUF_INIT;

	jw_object_begin(w);
	jw_kv_str(w, "kind", policy_obligation_kind_name(o->kind));
	switch (o->kind) {
	case OBLIGATION_RECORD:
		string_array(w, "fields", o->items, o->n_items);
		if (o->item_names)
			string_array(w, "names", o->item_names, o->n_items);
		break;
	case OBLIGATION_DISPOSE:
		string_array(w, "methods", o->items, o->n_items);
		break;
	case OBLIGATION_MEASURES:
		string_array(w, "items", o->items, o->n_items);
		break;
	case OBLIGATION_WITNESS:
	case OBLIGATION_NOTIFY:
		jw_kv_str(w, "role", o->role.role->id);
		jw_kv_str(w, "name", o->role.role->name);
		role_scope(&sb, o->role.role, o->role.at, q);
		jw_kv_str(w, "scope", sb.buf);
		break;
	case OBLIGATION_ENCRYPT:
		break;
	case OBLIGATION_NOTE:
		jw_kv_str(w, "text", o->text);
		break;
	}
	clause_array(w, &o->clauses);
	jw_object_end(w);
	strbuf_release(&sb);
}

/* "approvers": each with its role, scope, deputy and fallback. */
static void approvers_json(struct json_writer *w, const struct decision *d,
                           const struct decide_request *q)
{
	struct strbuf sb = STRBUF_INIT;

	jw_key(w, "approvers");
	jw_array_begin(w);
	for (unsigned i = 0; i < d->n_approvers; i++) {
		const struct policy_approver *a = &d->approvers[i];

		jw_object_begin(w);
		jw_kv_str(w, "role", a->role->id);
		jw_kv_str(w, "name", a->role->name);
		strbuf_reset(&sb);
		scope_string(&sb, a->scope, a->scope_value);
		jw_kv_str(w, "scope", sb.buf);
		if (a->role->deputy)
			jw_kv_str(w, "deputy", a->role->deputy->id);
		if (a->fallback.kind == FALLBACK_EXCEPTION) {
			jw_kv_str(w, "fallback", "exception");
		} else if (a->fallback.kind == FALLBACK_ROUTE) {
			strbuf_reset(&sb);
			strbuf_addf(&sb, "%s@", a->fallback.route->id);
			role_scope(&sb, a->fallback.route, AT_RECORD, q);
			jw_kv_str(w, "fallback", sb.buf);
		}
		if (a->applicant_holds)
			jw_kv_bool(w, "applicant_holds", true);
		jw_object_end(w);
	}
	jw_array_end(w);
	strbuf_release(&sb);
}

/* "rules" that decided, and "notes": the profile's own words on why, for rules with one. */
static void rules_json(struct json_writer *w, const struct decision *d)
{
	bool any = false;

	jw_key(w, "rules");
	jw_array_begin(w);
	for (unsigned i = 0; i < 64; i++)
		if ((d->rules >> i) & 1)
			jw_string(w, policy_decision_rule(d, i)->id);
	jw_array_end(w);
	for (unsigned i = 0; i < 64; i++) {
		const struct policy_rule *r;

		if (!((d->rules >> i) & 1) || !(r = policy_decision_rule(d, i))->note)
			continue;
		if (!any) {
			jw_key(w, "notes");
			jw_array_begin(w);
			any = true;
		}
		jw_string(w, r->note);
	}
	if (any)
		jw_array_end(w);
}

/* "missing" context keys, and what was "assumed" because the request did not say it. */
static void context_json(struct json_writer *w, const struct decision *d)
{
	if (d->missing) {
		jw_key(w, "missing");
		jw_array_begin(w);
		for (unsigned k = 0; k < d->profile->n_context_keys; k++)
			if ((d->missing >> k) & 1)
				jw_string(w, d->profile->context_keys[k].id);
		jw_array_end(w);
	}
	if (d->defaulted) {
		jw_key(w, "assumed");
		jw_object_begin(w);
		for (unsigned k = 0; k < d->profile->n_context_keys; k++)
			if ((d->defaulted >> k) & 1)
				jw_kv_str(w, d->profile->context_keys[k].id,
				          policy_context_assumed(d, k));
		jw_object_end(w);
	}
}

void policy_decision_json(const struct decision *d, const struct decide_request *q,
                          struct strbuf *out)
{
	struct json_writer w;
	const struct policy_obligation *o;
	const struct policy_clause *c;
	unsigned it;

	jw_init(&w, out);
	jw_object_begin(&w);
	jw_kv_str(&w, "decision", policy_effect_name(d->effect));
	approvers_json(&w, d, q);
	jw_key(&w, "obligations");
	jw_array_begin(&w);
	it = 0;
	while ((o = policy_decision_next_obligation(d, &it)))
		obligation_json(&w, o, q);
	jw_array_end(&w);
	jw_key(&w, "clauses");
	jw_array_begin(&w);
	it = 0;
	while ((c = policy_decision_next_clause(d, &it)))
		jw_string(&w, c->id);
	jw_array_end(&w);
	rules_json(&w, d);
	if (d->separation) {
		jw_key(&w, "separation");
		jw_array_begin(&w);
		jw_string(&w, d->separation->id);
		jw_array_end(&w);
	}
	context_json(&w, d);
	if (d->acting_as_deputy)
		jw_kv_str(&w, "acting_for", d->deputy_for->id);
	if (policy_reason_text(d))
		jw_kv_str(&w, "reason", policy_reason_text(d));
	jw_key(&w, "profile");
	jw_object_begin(&w);
	jw_kv_str(&w, "id", d->profile->id);
	jw_kv_str(&w, "sha256", d->profile->sha256_hex);
	jw_object_end(&w);
	jw_object_end(&w);
}
