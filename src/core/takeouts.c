/* takeouts: what is out of the office now, with who took it, where, and until when. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "base/cleanup.h"
#include "base/timeutil.h"
#include "core/core.h"
#include "core/org.h"
#include "core/read.h"
#include "core/records.h"
#include "core/takeouts.h"
#include "policy/policy.h"
#include "store/query.h"

static const struct policy_field *due_field(const struct policy_action *a)
{
	for (unsigned i = 0; i < a->n_fields; i++)
		if (a->fields[i].due)
			return &a->fields[i];
	return NULL;
}

bool takeouts_defined(const struct profile *p)
{
	for (unsigned r = 0; p && r < p->n_registers; r++) {
		const struct policy_register *g = &p->registers[r];
		for (unsigned i = 0; i < g->n_actions; i++)
			if (g->actions[i]->to && due_field(g->actions[i]))
				return true;
	}
	return false;
}

static const char *json_str(json_t *o, const char *key)
{
	json_t *v = key ? json_object_get(o, key) : NULL;

	return json_is_string(v) ? json_string_value(v) : NULL;
}

static char *dup_or_null(const char *s)
{
	return s && *s ? xstrdup(s) : NULL;
}

/* The names people read for the action's fields: the place, the purpose, the carrier. */
static void take_fields(struct takeout *t, const struct policy_action *a)
{
	const char *texts[2] = { NULL, NULL };
	unsigned nt = 0;

	for (unsigned i = 0; i < a->n_fields; i++) {
		const struct policy_field *f = &a->fields[i];
		const char *v = json_str(t->fields, f->id);
		if (f->type == FIELD_TEXT && f->required && nt < 2 && strcmp(f->id, "protection"))
			texts[nt++] = v;
		else if (f->type == FIELD_USER && !t->carrier)
			t->carrier = dup_or_null(v);
		else if (!strcmp(f->id, "protection"))
			t->protection = dup_or_null(v);
		else if (f->due)
			t->due = dup_or_null(v);
	}
	t->destination = dup_or_null(texts[0]);
	t->purpose = dup_or_null(texts[1]);
}

static int cmp_takeouts(const void *pa, const void *pb)
{
	const struct takeout *a = pa, *b = pb;

	if (a->overdue != b->overdue)
		return a->overdue ? -1 : 1;
	/* Earliest due first; without a due date last. */
	if (!a->due_end_ms || !b->due_end_ms) {
		if (a->due_end_ms || b->due_end_ms)
			return a->due_end_ms ? -1 : 1;
	} else if (a->due_end_ms != b->due_end_ms) {
		return a->due_end_ms < b->due_end_ms ? -1 : 1;
	}
	return a->record_id < b->record_id ? -1 : a->record_id > b->record_id;
}

static void takeout_release(struct takeout *t)
{
	free(t->register_id);
	free(t->title);
	free(t->level);
	free(t->section);
	free(t->system);
	free(t->state);
	free(t->action);
	free(t->taken_by);
	free(t->taken_by_name);
	free(t->destination);
	free(t->purpose);
	free(t->carrier);
	free(t->carrier_name);
	free(t->protection);
	free(t->due);
	json_decref(t->fields);
	memset(t, 0, sizeof(*t));
}

void takeout_list_release(struct takeout_list *l)
{
	for (size_t i = 0; i < l->nr; i++)
		takeout_release(&l->items[i]);
	free(l->items);
	memset(l, 0, sizeof(*l));
}

/* Does the login hold security_officer (or the profile's section officer) at section? */
static bool officer_of(struct store *st, const char *login, const char *section, int64_t now)
{
	struct org_user u = { 0 };
	struct strv roles = STRV_INIT;
	_cleanup_free_ char *scope = section ? xstrfmt("section:%s", section) : NULL;
	bool ok = false;

	if (scope && org_user_get(st, login, &u, NULL) == 0 &&
	    org_user_roles(st, u.id, now, &roles, NULL) == 0)
		ok = org_roles_hold(&roles, "security_officer", scope);
	org_user_release(&u);
	strv_release(&roles);
	return ok;
}

/* The record of list_action's row (its first 11 columns); rec->fields NULL when unreadable. */
static void row_record(struct query *q, struct record *rec)
{
	const char *rf = query_text(q, 6);

	rec->id = query_int(q, 0);
	rec->register_id = query_strdup(q, 1);
	rec->state = query_strdup(q, 2);
	rec->level = query_strdup(q, 3);
	rec->section = query_strdup(q, 4);
	rec->system = query_strdup(q, 5);
	rec->fields = json_loads(rf ? rf : "{}", 0, NULL);
	rec->version = query_int(q, 7);
	rec->created_ms = query_int(q, 8);
	rec->changed_ms = query_int(q, 9);
	rec->created_by = query_int(q, 10);
}

static int list_action(struct store *st, const struct profile *p, const struct reader *rd,
                       const struct policy_action *a, const struct takeout_filter *f, int64_t now,
                       struct takeout_list *ret, struct strbuf *err)
{
	struct query *q;
	int r;

	r = query_prepare(
	    st,
	    "SELECT r.id, r.register, r.state, r.level, r.section, r.system, r.fields, r.version,"
	    " r.created_ms, r.changed_ms, coalesce(r.created_by, 0),"
	    " a.id, a.at_ms, a.fields, coalesce(a.request_id, 0),"
	    " coalesce(q.applicant, a.actor), u.login, u.name"
	    " FROM records r"
	    " JOIN acts a ON a.id = (SELECT max(x.id) FROM acts x WHERE x.record_id = r.id"
	    "  AND x.action = ?2 AND x.outcome = 'done')"
	    " LEFT JOIN requests q ON q.id = a.request_id"
	    " LEFT JOIN users u ON u.id = coalesce(q.applicant, a.actor)"
	    " WHERE r.register = ?1 AND r.state = ?3 AND (?4 IS NULL OR r.section = ?4)"
	    " ORDER BY r.id",
	    &q, err);
	if (r < 0)
		return r;
	query_bind_text(q, 1, a->reg->id);
	query_bind_text(q, 2, a->full_name);
	query_bind_text(q, 3, a->to->id);
	query_bind_text(q, 4, f ? f->section : NULL);
	while ((r = query_step(q, err)) > 0) {
		struct record rec = { 0 };
		struct takeout t = { 0 };
		const char *af = query_text(q, 13);
		int64_t due_ms;

		row_record(q, &rec);
		if (!rec.fields || (rd && !read_record(rd, &rec, NULL))) {
			record_release(&rec);
			continue;
		}
		t.record_id = rec.id;
		t.title = xstrdup(record_title(p, &rec));
		t.register_id = xstrdup(rec.register_id);
		t.level = dup_or_null(rec.level);
		t.section = dup_or_null(rec.section);
		t.system = dup_or_null(rec.system);
		t.state = xstrdup(rec.state);
		t.action = xstrdup(a->full_name);
		t.act_id = query_int(q, 11);
		t.taken_ms = query_int(q, 12);
		t.request_id = query_int(q, 14);
		t.taken_by = query_strdup(q, 16);
		t.taken_by_name = query_strdup(q, 17);
		t.fields = json_loads(af ? af : "{}", 0, NULL);
		if (!t.fields)
			t.fields = json_object();
		take_fields(&t, a);
		if (t.due && core_parse_local_date(t.due, &due_ms) == 0) {
			t.due_end_ms = due_ms + 24LL * 3600 * 1000;
			t.overdue = now >= t.due_end_ms;
		}
		record_release(&rec);
		if ((f && f->overdue_only && !t.overdue) ||
		    (f && f->officer && !officer_of(st, f->officer, t.section, now))) {
			takeout_release(&t);
			continue;
		}
		{
			int64_t taker = query_int(q, 15), carrier = 0;
			struct org_user u = { 0 };
			if (t.carrier && org_user_get(st, t.carrier, &u, NULL) == 0) {
				t.carrier_name = xstrdup(u.name);
				carrier = u.id;
			}
			org_user_release(&u);
			if (f && f->person && f->person != taker && f->person != carrier) {
				takeout_release(&t);
				continue;
			}
		}
		ALLOC_GROW(ret->items, ret->nr, ret->alloc);
		ret->items[ret->nr++] = t;
	}
	return r;
}

int takeouts_list(struct store *st, const struct profile *p, const struct reader *rd,
                  const struct takeout_filter *f, int64_t now_ms, struct takeout_list *ret,
                  struct strbuf *err)
{
	int r = 0;

	for (unsigned g = 0; p && g < p->n_registers && r == 0; g++) {
		const struct policy_register *reg = &p->registers[g];
		for (unsigned i = 0; i < reg->n_actions && r == 0; i++) {
			const struct policy_action *a = reg->actions[i];
			if (a->to && due_field(a))
				r = list_action(st, p, rd, a, f, now_ms, ret, err);
		}
	}
	if (r < 0) {
		takeout_list_release(ret);
		return r;
	}
	if (ret->nr > 1)
		qsort(ret->items, ret->nr, sizeof(ret->items[0]), cmp_takeouts);
	return 0;
}
