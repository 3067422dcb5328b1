/* act-record-request: the request an act opens when its decision asks for approval: the row,
 * its approvers' slots (each routed when only the applicant could approve), and the act's
 * pending outcome. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "base/cleanup.h"
#include "core/act-internal.h"
#include "core/act-record-internal.h"
#include "core/requests.h"
#include "store/query.h"
#include "store/store.h"

static int insert_request(struct act_state *s, struct target *t, int64_t *ret_id,
                          struct strbuf *err)
{
	struct store *st = s->door->st;
	json_t *given = json_deep_copy(t->reg_vals), *ctx = json_object(), *clauses = json_array();
	char *given_s, *ctx_s, *clauses_s;
	struct query *q;
	int rc;

	json_object_update(given, t->act_vals);
	for (size_t i = 0; i < s->in->ctx.n_attrs; i++)
		json_object_set_new(ctx, s->in->ctx.attrs[i].key,
		                    json_string(s->in->ctx.attrs[i].value));
	for (size_t i = 0; i < s->clauses.nr; i++)
		json_array_append_new(clauses, json_string(s->clauses.items[i]));
	given_s = json_dumps(given, JSON_COMPACT | JSON_SORT_KEYS);
	ctx_s = json_dumps(ctx, JSON_COMPACT | JSON_SORT_KEYS);
	clauses_s = json_dumps(clauses, JSON_COMPACT);
	json_decref(given);
	json_decref(ctx);
	json_decref(clauses);
	q = query_get(st,
	              "INSERT INTO requests(action, register, record_id, record_version,"
	              " applicant, level, section, system, fields, context, comment, state,"
	              " profile_sha256, clauses, created_ms, expires_ms)"
	              " VALUES (?,?,?,?,?,?,?,?,?,?,?,'pending',?,?,?,?)",
	              err);
	if (!q) {
		rc = -EIO;
		goto out;
	}
	query_bind_text(q, 1, t->action->full_name);
	query_bind_text(q, 2, t->reg->id);
	query_bind_int_or_null(q, 3, t->rec.id);
	query_bind_int_or_null(q, 4, t->rec.id ? t->rec.version : 0);
	query_bind_int(q, 5, s->actor.id);
	query_bind_text(q, 6, t->level);
	query_bind_text(q, 7, t->section);
	query_bind_text(q, 8, t->system);
	query_bind_text(q, 9, given_s);
	query_bind_text(q, 10, ctx_s);
	query_bind_text(q, 11, s->in->comment);
	query_bind_text(q, 12, s->p->sha256_hex);
	query_bind_text(q, 13, clauses_s);
	query_bind_int(q, 14, s->now);
	query_bind_int(q, 15,
	               s->now + (s->p->request_expire_seconds ? s->p->request_expire_seconds * 1000
	                                                      : DOOR_REQUEST_TTL_MS));
	rc = query_step(q, err);
	query_done(q);
	if (rc == 0)
		*ret_id = query_last_id(st);
out:
	free(given_s);
	free(ctx_s);
	free(clauses_s);
	if (rc != 0)
		return q ? rc : -EIO;
	return 0;
}

static int insert_slot(struct act_state *s, int64_t request_id, int seq, const char *role,
                       const char *scope, const char *routed_from, bool needs_exception,
                       struct strbuf *err)
{
	struct query *q = query_get(s->door->st,
	                            "INSERT INTO request_approvers(request_id, seq, role, scope,"
	                            " routed_from, needs_exception) VALUES (?,?,?,?,?,?)",
	                            err);
	int rc;

	if (!q)
		return -EIO;
	query_bind_int(q, 1, request_id);
	query_bind_int(q, 2, seq);
	query_bind_text(q, 3, role);
	query_bind_text(q, 4, scope);
	query_bind_text(q, 5, routed_from);
	query_bind_int(q, 6, needs_exception);
	rc = query_step(q, err);
	query_done(q);
	return rc;
}

/* Holders of role@scope other than the applicant. */
static int others_holding(struct act_state *s, const char *role, const char *scope, size_t *ret,
                          struct strbuf *err)
{
	int64_t *ids = NULL;
	size_t nr = 0, n = 0;
	int r = org_holders(s->door->st, role, scope, s->now, &ids, &nr, err);

	if (r < 0)
		return r;
	for (size_t i = 0; i < nr; i++)
		n += ids[i] != s->actor.id;
	free(ids);
	*ret = n;
	return 0;
}

/* Whether each approver has a scope to be found in; refuses the act when one has none (an
 * approver at a section or system of a record that names none). */
static bool approvers_found(struct act_state *s, const struct decision *d, const struct target *t)
{
	for (unsigned i = 0; i < d->n_approvers; i++) {
		const struct policy_approver *a = &d->approvers[i];
		if (a->scope != SCOPE_ORG && !a->scope_value) {
			if (a->scope == SCOPE_SECTION)
				act_refuse(
				    s,
				    "%s needs the approval of a %s, but record names no section "
				    "to find one in",
				    t->action->full_name, a->role->name);
			else
				act_refuse(s,
				           "%s needs the approval of a %s, but record names no "
				           "information system to find one in",
				           t->action->full_name, a->role->name);
			add_decision_clauses(s, d);
			return false;
		}
	}
	return true;
}

/*
 * Creates the request and its approvers. Separation of duties per person: when the
 * applicant is the only one who holds an approver role at that scope, the approval goes
 * where the profile's fallback says (another role), or the request is marked as needing
 * an exception. It is never approved by the applicant.
 */
int create_request(struct act_state *s, const struct decision *d, struct target *t,
                   struct strbuf *err)
{
	struct strbuf label = STRBUF_INIT;
	json_t *routing;
	int64_t id = 0;
	int r;

	if (!approvers_found(s, d, t))
		return 0;
	routing = json_array();
	r = insert_request(s, t, &id, err);
	if (r < 0)
		goto out;
	s->request_id = id;
	for (unsigned i = 0; i < d->n_approvers; i++) {
		const struct policy_approver *a = &d->approvers[i];
		char *scope = act_approver_scope(a);
		const char *role = a->role->id;
		char *routed_from = NULL, *route_scope = NULL;
		bool needs_exception = false;
		size_t others = 0;

		r = others_holding(s, role, scope, &others, err);
		if (r == 0 && others == 0 && a->applicant_holds) {
			/* Only the applicant could approve: the profile says where it goes. */
			if (a->fallback.kind == FALLBACK_ROUTE && a->fallback.route) {
				const struct policy_role *to = a->fallback.route;
				routed_from = xstrfmt("%s@%s", role, scope);
				if (to->scope == SCOPE_ORG)
					route_scope = xstrdup("org");
				else
					route_scope = xstrdup(scope);
				role = to->id;
				r = others_holding(s, role, route_scope, &others, err);
				needs_exception = r == 0 && others == 0;
			} else {
				needs_exception = true;
			}
			json_array_append_new(
			    routing, json_sprintf("%s@%s: %s", a->role->id, scope,
			                          routed_from ? "routed" : "exception needed"));
		}
		if (r == 0)
			r = insert_slot(s, id, (int)i, role, route_scope ? route_scope : scope,
			                routed_from, needs_exception, err);
		if (r == 0)
			act_result_add_approver(s, role, route_scope ? route_scope : scope,
			                        routed_from, needs_exception, false);
		if (label.len)
			strbuf_addch(&label, ',');
		strbuf_addf(&label, "%s@%s", role, route_scope ? route_scope : scope);
		free(scope);
		free(route_scope);
		free(routed_from);
		if (r < 0)
			goto out;
	}
	s->outcome = ACT_PENDING;
	free(s->decision);
	s->decision = xstrfmt("approval:%s", label.buf);
	if (json_array_size(routing))
		json_object_set(s->info, "separation", routing);
	strbuf_reset(&s->message);
	strbuf_addf(&s->message, "request %lld waits for approval", (long long)id);
out:
	json_decref(routing);
	strbuf_release(&label);
	return r;
}
