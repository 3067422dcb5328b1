/* decide-input: the one builder of a policy decision request (the door, web pages, AuthZEN). */
#include <stdio.h>
#include <string.h>

#include "base/cleanup.h"
#include "core/decide-input.h"
#include "core/records.h"
#include "policy/grants.h"

void decide_input_init(struct decide_input *in, const char *action)
{
	memset(in, 0, sizeof(*in));
	in->q.action = action;
}

void decide_input_subject(struct decide_input *in, const char *login, const char *const *roles,
                          size_t n_roles, const char *section, const char *employment)
{
	in->q.subject_id = login;
	in->q.roles = roles;
	in->q.n_roles = roles ? n_roles : 0;
	in->q.subject_section = section;
	in->q.employment = employment;
}

static void add_attr(struct policy_attr **items, size_t *nr, size_t *alloc, const char *key,
                     const char *value)
{
	ALLOC_GROW(*items, *nr, *alloc);
	(*items)[*nr].key = key;
	(*items)[*nr].value = value;
	(*nr)++;
}

void decide_input_resource(struct decide_input *in, const char *register_id, int64_t record_id,
                           const char *state, const char *level, const char *section,
                           const char *system, json_t *fields)
{
	const char *k;
	json_t *v;

	in->q.resource_type = register_id;
	in->q.resource_id = NULL;
	if (record_id) {
		snprintf(in->resource_id, sizeof(in->resource_id), "%lld", (long long)record_id);
		in->q.resource_id = in->resource_id;
	}
	in->q.state = state && *state ? state : NULL;
	in->q.level = level;
	in->q.section = section;
	in->q.system = system;
	in->q.n_attrs = 0;
	if (json_is_object(fields)) {
		json_object_foreach(fields, k, v)
		{
			if (json_is_string(v))
				add_attr(&in->attrs, &in->q.n_attrs, &in->attrs_alloc, k,
				         json_string_value(v));
		}
	}
	in->q.attrs = in->attrs;
}

void decide_input_field_add(struct decide_input *in, const char *key, const char *value)
{
	add_attr(&in->attrs, &in->q.n_attrs, &in->attrs_alloc, key, value);
	in->q.attrs = in->attrs;
}

void decide_input_record(struct decide_input *in, const struct record *rec)
{
	decide_input_resource(in, rec->register_id, rec->id, rec->state, rec->level, rec->section,
	                      rec->system, rec->fields);
}

void decide_input_grants(struct decide_input *in, const struct profile *p, const struct record *rec)
{
	const struct policy_register *reg = rec ? policy_register(p, rec->register_id) : NULL;

	in->q.granted = false;
	for (unsigned i = 0; reg && i < reg->n_fields && !in->q.granted; i++) {
		json_t *v = json_object_get(rec->fields, reg->fields[i].id);

		if (reg->fields[i].type == FIELD_GRANTS && json_is_string(v))
			in->q.granted =
			    policy_grants_match(p, json_string_value(v), in->q.subject_id,
			                        in->q.subject_section, in->q.roles, in->q.n_roles);
	}
}

void decide_input_outside(struct decide_input *in, const char *type, const char *id,
                          const char *state, const char *level, const char *section,
                          const char *system)
{
	decide_input_resource(in, type, 0, state, level, section, system, NULL);
	in->q.resource_id = id;
}

void decide_input_context_add(struct decide_input *in, const char *key, const char *value)
{
	add_attr(&in->context, &in->q.n_context, &in->context_alloc, key, value);
	in->q.context = in->context;
}

void decide_input_context_json(struct decide_input *in, json_t *obj)
{
	const char *k;
	json_t *v;

	if (!json_is_object(obj))
		return;
	json_object_foreach(obj, k, v)
	{
		if (json_is_string(v))
			decide_input_context_add(in, k, json_string_value(v));
	}
}

void decide_input_release(struct decide_input *in)
{
	free(in->attrs);
	free(in->context);
	memset(in, 0, sizeof(*in));
}

static void set_str(json_t *obj, const char *key, const char *value)
{
	if (value)
		json_object_set_new(obj, key, json_string(value));
}

json_t *decide_request_json(const struct decide_request *q)
{
	json_t *root = json_object(), *subject = json_object(), *resource = json_object();
	json_t *roles = json_array(), *props = json_object(), *context = json_object();

	set_str(subject, "id", q->subject_id);
	for (size_t i = 0; i < q->n_roles; i++)
		if (q->roles[i])
			json_array_append_new(roles, json_string(q->roles[i]));
	json_object_set_new(subject, "roles", roles);
	set_str(subject, "section", q->subject_section);
	set_str(subject, "employment", q->employment);
	if (q->granted)
		json_object_set_new(subject, "granted", json_true());
	json_object_set_new(root, "subject", subject);
	json_object_set_new(root, "action", json_pack("{s:s}", "name", q->action ? q->action : ""));
	set_str(resource, "type", q->resource_type);
	set_str(resource, "id", q->resource_id);
	set_str(resource, "level", q->level);
	set_str(resource, "section", q->section);
	set_str(resource, "system", q->system);
	set_str(resource, "state", q->state);
	/* the first of a field given twice is the one the engine reads */
	for (size_t i = 0; i < q->n_attrs; i++)
		if (q->attrs[i].key && q->attrs[i].value &&
		    strlen(q->attrs[i].value) <= DECIDE_REQUEST_MAX_VALUE &&
		    !json_object_get(props, q->attrs[i].key))
			set_str(props, q->attrs[i].key, q->attrs[i].value);
	json_object_set_new(resource, "properties", props);
	json_object_set_new(root, "resource", resource);
	for (size_t i = 0; i < q->n_context; i++)
		if (q->context[i].key && q->context[i].value)
			set_str(context, q->context[i].key, q->context[i].value);
	json_object_set_new(root, "context", context);
	return root;
}
