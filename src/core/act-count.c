/* act-count: an `at_least` constraint: the people a register's records name together for one
 * duty (a system's server operators, MIN-5-1-1-2) number `count` or more, or none. The door
 * refuses an act that would leave a group with fewer but not none: the first designation names
 * two people, and the last but one is not released alone. */
#include <stdint.h>
#include <string.h>

#include "base/cleanup.h"
#include "core/act-internal.h"
#include "store/query.h"

static const char *field_of(json_t *fields, const struct policy_field *f)
{
	json_t *v = fields ? json_object_get(fields, f->id) : NULL;

	return v && json_is_string(v) && *json_string_value(v) ? json_string_value(v) : NULL;
}

/* Whether the record (its fields) is one the constraint counts, in the state it is in. */
static bool counted(const struct policy_separation *sep, const char *state, json_t *fields)
{
	const char *v;

	if (!state || strcmp(state, sep->state))
		return false;
	if (!sep->only)
		return true;
	v = field_of(fields, sep->only);
	for (unsigned i = 0; v && i < sep->n_only_values; i++)
		if (!strcmp(v, sep->only_values[i]))
			return true;
	return false;
}

/* Whether a and b agree on every `per` field (an empty field is a value too). */
static bool same_group(const struct policy_separation *sep, json_t *a, json_t *b)
{
	for (unsigned i = 0; i < sep->n_of; i++) {
		const char *x = field_of(a, sep->of[i]), *y = field_of(b, sep->of[i]);

		if ((x == NULL) != (y == NULL) || (x && strcmp(x, y)))
			return false;
	}
	return true;
}

static void add_people(const struct policy_separation *sep, json_t *fields, struct strv *people)
{
	const char *cur = field_of(fields, sep->fields[0]), *b;
	size_t n;

	while (cur && policy_list_next(&cur, &b, &n)) {
		char *item = xstrndup(b, n);

		strv_push_unique(people, item);
		free(item);
	}
}

/* The people the other records of group (fields' group) name, besides record id. */
static int group_people(struct act_state *s, const struct policy_separation *sep, json_t *group,
                        int64_t id, struct strv *people, struct strbuf *err)
{
	struct query *q;
	int r;

	r = query_prepare(s->door->st,
	                  "SELECT fields FROM records WHERE register = ?1 AND state = ?2"
	                  " AND id != ?3 ORDER BY id",
	                  &q, err);
	if (r < 0)
		return r;
	query_bind_text(q, 1, sep->field_regs[0]->id);
	query_bind_text(q, 2, sep->state);
	query_bind_int(q, 3, id);
	while ((r = query_step(q, err)) > 0) {
		json_t *f = json_loads(query_text(q, 0), 0, NULL);

		if (f && counted(sep, sep->state, f) && same_group(sep, f, group))
			add_people(sep, f, people);
		json_decref(f);
	}
	return r;
}

/* "サーバー等・kokuho": the group's values, for the refusal. */
static void group_name(const struct policy_separation *sep, json_t *fields, struct strbuf *sb)
{
	for (unsigned i = 0; i < sep->n_of; i++) {
		const char *v = field_of(fields, sep->of[i]);

		strbuf_addf(sb, "%s%s", i ? "・" : "", v ? v : "-");
	}
}

/* Refuses when the group of fields would hold fewer than count people but not none. */
static int check_group(struct act_state *s, const struct policy_separation *sep, json_t *fields,
                       int64_t id, bool with_this, struct strbuf *err)
{
	struct strv people = STRV_INIT;
	struct strbuf name = STRBUF_INIT;
	int r = group_people(s, sep, fields, id, &people, err);

	if (r == 0 && with_this)
		add_people(sep, fields, &people);
	if (r == 0 && people.nr > 0 && (int64_t)people.nr < sep->count) {
		group_name(sep, fields, &name);
		act_refuse(s, "%s (%s): at least %lld people, but after this act %zu (%s)",
		           sep->fields[0]->name ? sep->fields[0]->name : sep->fields[0]->id,
		           name.buf, (long long)sep->count, people.nr, sep->id);
		act_add_clauses(s, &sep->clauses);
		s->reason = "too_few";
	}
	strbuf_release(&name);
	strv_release(&people);
	return r;
}

int act_check_at_least(struct act_state *s, const struct policy_register *reg,
                       const struct record *before, const char *state_after, json_t *given,
                       json_t *merged, struct strbuf *err)
{
	const struct profile *p = s->p;
	int r = 0;

	for (unsigned i = 0; i < p->n_separation && s->outcome != ACT_REFUSED && r == 0; i++) {
		const struct policy_separation *sep = &p->separation[i];
		bool was = false, is, touched;

		if (sep->kind != SEP_AT_LEAST || sep->field_regs[0] != reg)
			continue;
		/* checked when the act makes, moves or changes what is counted */
		touched = !before->id || strcmp(before->state, state_after) ||
		          json_object_get(given, sep->fields[0]->id) ||
		          (sep->only && json_object_get(given, sep->only->id));
		for (unsigned k = 0; k < sep->n_of; k++)
			touched = touched || json_object_get(given, sep->of[k]->id);
		if (!touched)
			continue;
		was = before->id && counted(sep, before->state, before->fields);
		is = counted(sep, state_after, merged);
		if (is)
			r = check_group(s, sep, merged, before->id, true, err);
		if (r == 0 && s->outcome != ACT_REFUSED && was &&
		    !(is && same_group(sep, before->fields, merged)))
			r = check_group(s, sep, before->fields, before->id, false, err);
	}
	return r;
}
