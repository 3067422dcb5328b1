/* duties: the profile's periodic duties, who owes them where, and when each is next due. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "base/cleanup.h"
#include "base/timeutil.h"
#include "core/act.h"
#include "core/duties.h"
#include "core/org.h"
#include "policy/policy.h"
#include "store/query.h"
#include "store/store.h"

/* The scopes where role is held now, with the time it was first held there. */
struct held {
	char *scope;
	int64_t since;
};

static int scopes_of(struct store *st, const char *role, int64_t now, struct held **ret,
                     size_t *ret_nr, struct strbuf *err)
{
	struct query *q;
	struct held *h = NULL;
	size_t nr = 0, alloc = 0;
	int r = query_prepare(st,
	                      "SELECT a.scope, min(a.start_ms) FROM role_assignments a"
	                      " JOIN users u ON u.id = a.user_id"
	                      " WHERE a.role = ?1 AND a.revoked_ms IS NULL"
	                      " AND a.start_ms <= ?2 AND (a.end_ms IS NULL OR a.end_ms > ?2)"
	                      " AND u.status = 'active' GROUP BY a.scope ORDER BY a.scope",
	                      &q, err);

	if (r < 0)
		return r;
	query_bind_text(q, 1, role);
	query_bind_int(q, 2, now);
	while ((r = query_step(q, err)) > 0) {
		ALLOC_GROW(h, nr, alloc);
		h[nr].scope = query_strdup(q, 0);
		h[nr].since = query_int(q, 1);
		nr++;
	}
	if (r < 0) {
		for (size_t i = 0; i < nr; i++)
			free(h[i].scope);
		free(h);
		return r;
	}
	*ret = h;
	*ret_nr = nr;
	return 0;
}

/* The last 'mamori duty done' at this scope. */
static int last_duty_done(struct store *st, const struct policy_duty *duty, const char *scope,
                          int64_t *ret_ms, char **ret_by, int64_t *ret_ledger, struct strbuf *err)
{
	struct query *q;
	int r =
	    query_prepare(st,
	                  "SELECT l.done_ms, u.login, coalesce(a.ledger_index, -1) FROM duty_log"
	                  " l JOIN users u ON u.id = l.done_by LEFT JOIN acts a ON a.id ="
	                  " l.act_id WHERE l.duty = ?1 AND l.scope = ?2"
	                  " ORDER BY l.done_ms DESC, l.id DESC LIMIT 1",
	                  &q, err);

	if (r < 0)
		return r;
	query_bind_text(q, 1, duty->id);
	query_bind_text(q, 2, scope);
	r = query_step(q, err);
	if (r > 0) {
		*ret_ms = query_int(q, 0);
		*ret_by = query_strdup(q, 1);
		*ret_ledger = query_int(q, 2);
		query_done(q);
	}
	return r < 0 ? r : 0;
}

/* A value the act recorded, else the record's (for values set when the record was made). */
static const char *evidence_value(json_t *act, json_t *rec, const char *id)
{
	json_t *v = json_object_get(act, id);

	if (!json_is_string(v))
		v = json_object_get(rec, id);
	return json_is_string(v) ? json_string_value(v) : NULL;
}

/*
 * Whether one act is this duty's own evidence: it holds the duty's field values and, when
 * the duty names its date, that date is not after the act was recorded (a check cannot be
 * recorded ahead of time). The duty counts as done when the act was recorded.
 */
static bool is_evidence(const struct policy_duty *duty, const char *act_fields,
                        const char *rec_fields, int64_t at_ms)
{
	json_t *act = act_fields ? json_loads(act_fields, 0, NULL) : NULL;
	json_t *rec = rec_fields ? json_loads(rec_fields, 0, NULL) : NULL;
	bool ok = true;

	if (duty->n_evidence_values) {
		struct policy_attr *vals = xcalloc(duty->n_evidence_values, sizeof(*vals));

		for (unsigned i = 0; i < duty->n_evidence_values; i++) {
			vals[i].key = duty->evidence_values[i].field->id;
			vals[i].value = evidence_value(act, rec, vals[i].key);
		}
		ok = policy_duty_evidence_matches(duty, vals, duty->n_evidence_values);
		free(vals);
	}
	if (ok && duty->evidence_date) {
		const char *d = evidence_value(act, rec, duty->evidence_date->id);
		int64_t ms = 0;

		ok = d &&
		     (duty->evidence_date->type == FIELD_DATE ? time_parse_date(d, &ms) == 0
		                                              : time_parse_rfc3339(d, &ms) == 0);
		/* a date is the start of that day in Tokyo */
		if (ok && duty->evidence_date->type == FIELD_DATE)
			ms -= TOKYO_OFFSET_MS;
		ok = ok && ms <= at_ms;
	}
	json_decref(act);
	json_decref(rec);
	return ok;
}

/* Evidence `at: record`: the act's record is of the scope's section or system. */
static bool record_at_scope(const char *scope, const char *section, const char *system)
{
	const char *colon = strchr(scope, ':');
	const char *have;

	if (!colon)
		return true; /* org: every record */
	have = !strncmp(scope, "section:", 8)  ? section
	       : !strncmp(scope, "system:", 7) ? system
	                                       : NULL;
	return have && !strcmp(have, colon + 1);
}

/*
 * The last fulfilment by the duty's own evidence: an act of the evidence action, done by
 * someone who held the duty's role at this scope at the time, or by Mamori itself (a system
 * actor, act.h: the daily log analysis covers every scope's logs), with the duty's field
 * values and a date not in the future (see is_evidence).
 */
static int last_evidence(struct store *st, const struct policy_duty *duty, const char *scope,
                         int64_t *ret_ms, char **ret_by, int64_t *ret_ledger, struct strbuf *err)
{
	struct query *q;
	int r;

	if (!duty->evidence)
		return 0;
	r = query_prepare(
	    st,
	    "SELECT t, login, act_fields, rec_fields, rec_section, rec_system, entry FROM ("
	    " SELECT a.at_ms AS t, u.login AS login, a.fields AS act_fields,"
	    "  rec.fields AS rec_fields, rec.section AS rec_section, rec.system AS rec_system,"
	    "  coalesce(a.ledger_index, -1) AS entry"
	    "  FROM acts a JOIN users u ON u.id = a.actor"
	    "  JOIN role_assignments r ON r.user_id = a.actor AND r.role = ?3 AND r.scope = ?2"
	    "   AND r.start_ms <= a.at_ms AND (r.end_ms IS NULL OR r.end_ms > a.at_ms)"
	    "   AND (r.revoked_ms IS NULL OR r.revoked_ms > a.at_ms)"
	    "  LEFT JOIN records rec ON rec.id = a.record_id"
	    "  WHERE a.action = ?1 AND a.outcome = 'done'"
	    " UNION ALL"
	    " SELECT a.at_ms, 'system:' || a.via, a.fields, rec.fields, rec.section, rec.system,"
	    "  coalesce(a.ledger_index, -1)"
	    "  FROM acts a"
	    "  LEFT JOIN records rec ON rec.id = a.record_id"
	    "  WHERE a.actor IS NULL AND a.action = ?1 AND a.outcome = 'done'"
	    "  AND a.via IN ('monitor', 'fim')"
	    ") AS d ORDER BY t DESC",
	    &q, err);
	if (r < 0)
		return r;
	query_bind_text(q, 1, duty->evidence->full_name);
	query_bind_text(q, 2, scope);
	query_bind_text(q, 3, duty->role->id);
	while ((r = query_step(q, err)) > 0) {
		if (!is_evidence(duty, query_text(q, 2), query_text(q, 3), query_int(q, 0)) ||
		    (duty->evidence_at_record &&
		     !record_at_scope(scope, query_text(q, 4), query_text(q, 5))))
			continue;
		*ret_ms = query_int(q, 0);
		*ret_by = query_strdup(q, 1);
		*ret_ledger = query_int(q, 6);
		query_done(q); /* newest first */
		return 0;
	}
	return r;
}

/* The last fulfilment: a 'duty done' at this scope, or the duty's own evidence. */
static int last_done(struct store *st, const struct policy_duty *duty, struct duty_status *x,
                     struct strbuf *err)
{
	int64_t ev_ms = 0, ev_ledger = -1;
	char *ev_by = NULL;
	int r;

	x->last_done_ms = 0;
	x->last_done_by = NULL;
	x->last_done_ledger = -1;
	r = last_duty_done(st, duty, x->scope, &x->last_done_ms, &x->last_done_by,
	                   &x->last_done_ledger, err);
	if (r == 0)
		r = last_evidence(st, duty, x->scope, &ev_ms, &ev_by, &ev_ledger, err);
	if (r == 0 && ev_ms > x->last_done_ms) {
		free(x->last_done_by);
		x->last_done_ms = ev_ms;
		x->last_done_by = ev_by;
		x->last_done_ledger = ev_ledger;
		ev_by = NULL;
	}
	free(ev_by);
	return r;
}

static int holders_logins(struct store *st, const char *role, const char *scope, int64_t now,
                          struct strv *ret, struct strbuf *err)
{
	int64_t *ids = NULL;
	size_t nr = 0;
	int r = org_holders(st, role, scope, now, &ids, &nr, err);

	for (size_t i = 0; r == 0 && i < nr; i++) {
		struct org_user u = { 0 };
		r = org_user_get_id(st, ids[i], &u, err);
		if (r == 0)
			strv_push(ret, u.login);
		org_user_release(&u);
	}
	free(ids);
	return r;
}

/* The section a scope belongs to: the section itself, or the system's installing section. */
static char *scope_section(struct store *st, const char *scope)
{
	struct org_system sys = { 0 };
	char *ret = NULL;

	if (!strncmp(scope, "section:", 8))
		return xstrdup(scope + 8);
	if (!strncmp(scope, "system:", 7) && org_system_get(st, scope + 7, &sys, NULL) == 0)
		ret = xstrdup(sys.section);
	org_system_release(&sys);
	return ret;
}

int duties_compute(struct door *d, int64_t now_ms, struct duty_list *ret, struct strbuf *err)
{
	return duties_compute_on(door_store(d), door_profile(d), now_ms, ret, err);
}

int duties_compute_on(struct store *st, const struct profile *p, int64_t now_ms,
                      struct duty_list *ret, struct strbuf *err)
{
	int r = 0;

	for (unsigned i = 0; p && i < p->n_duties && r == 0; i++) {
		const struct policy_duty *duty = &p->duties[i];
		struct held *h = NULL;
		size_t nh = 0;

		r = scopes_of(st, duty->role->id, now_ms, &h, &nh, err);
		for (size_t k = 0; r == 0 && k < nh; k++) {
			struct duty_status *x;
			int64_t every = duty->every_seconds * 1000;

			ALLOC_GROW(ret->items, ret->nr, ret->alloc);
			x = &ret->items[ret->nr++];
			memset(x, 0, sizeof(*x));
			x->duty = duty;
			x->last_done_ledger = -1;
			x->scope = xstrdup(h[k].scope);
			r = holders_logins(st, duty->role->id, x->scope, now_ms, &x->owed_by, err);
			if (r == 0)
				r = last_done(st, duty, x, err);
			x->next_due_ms = (x->last_done_ms ? x->last_done_ms : h[k].since) + every;
			x->due = x->next_due_ms <= now_ms;
			if (r == 0)
				x->section = scope_section(st, x->scope);
		}
		for (size_t k = 0; k < nh; k++)
			free(h[k].scope);
		free(h);
	}
	return r;
}

void duty_list_release(struct duty_list *l)
{
	for (size_t i = 0; i < l->nr; i++) {
		free(l->items[i].scope);
		free(l->items[i].last_done_by);
		free(l->items[i].section);
		strv_release(&l->items[i].owed_by);
	}
	free(l->items);
	memset(l, 0, sizeof(*l));
}

static int cmp_due(const void *pa, const void *pb)
{
	const struct duty_status *a = pa, *b = pb;

	if (a->next_due_ms != b->next_due_ms)
		return a->next_due_ms < b->next_due_ms ? -1 : 1;
	return strcmp(a->scope, b->scope);
}

void duty_list_sort_due(struct duty_list *l)
{
	if (l->nr > 1)
		qsort(l->items, l->nr, sizeof(l->items[0]), cmp_due);
}
