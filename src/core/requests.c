/* requests: reading approval requests and who they wait for. */
#include <errno.h>
#include <string.h>

#include "base/cleanup.h"
#include "core/org.h"
#include "core/records.h"
#include "core/requests.h"
#include "policy/policy.h"
#include "store/query.h"
#include "store/store.h"

#define REQUEST_COLUMNS                                                                            \
	"r.id, r.action, r.register, coalesce(r.record_id, 0), coalesce(r.record_version, 0), "    \
	"r.applicant, a.login, a.name, r.level, r.section, r.system, r.fields, r.context, "        \
	"r.comment, r.state, r.profile_sha256, r.clauses, r.created_ms, r.expires_ms, "            \
	"coalesce(r.decided_ms, 0), coalesce(r.decided_by, 0), d.login, r.decision_comment, "      \
	"d.name, d.title, r.closed_reason, a.title"
#define REQUEST_FROM                                                                               \
	" FROM requests r JOIN users a ON a.id = r.applicant LEFT JOIN users d ON d.id = "         \
	"r.decided_by"

static json_t *col_json(struct query *s, int i, const char *fallback)
{
	const char *t = query_text(s, i);
	json_t *j = json_loads(t ? t : fallback, 0, NULL);

	return j ? j : json_loads(fallback, 0, NULL);
}

static void request_from_row(struct query *s, struct request *r)
{
	memset(r, 0, sizeof(*r));
	r->id = query_int(s, 0);
	r->action = query_strdup(s, 1);
	r->register_id = query_strdup(s, 2);
	r->record_id = query_int(s, 3);
	r->record_version = query_int(s, 4);
	r->applicant = query_int(s, 5);
	r->applicant_login = query_strdup(s, 6);
	r->applicant_name = query_strdup(s, 7);
	r->level = query_strdup(s, 8);
	r->section = query_strdup(s, 9);
	r->system = query_strdup(s, 10);
	r->fields = col_json(s, 11, "{}");
	r->context = col_json(s, 12, "{}");
	r->comment = query_strdup(s, 13);
	r->state = query_strdup(s, 14);
	r->profile_sha256 = query_strdup(s, 15);
	r->clauses = col_json(s, 16, "[]");
	r->created_ms = query_int(s, 17);
	r->expires_ms = query_int(s, 18);
	r->decided_ms = query_int(s, 19);
	r->decided_by = query_int(s, 20);
	r->decided_login = query_strdup(s, 21);
	r->decision_comment = query_strdup(s, 22);
	r->decided_name = query_strdup(s, 23);
	r->decided_title = query_strdup(s, 24);
	r->closed_reason = query_strdup(s, 25);
	r->applicant_title = query_strdup(s, 26);
}

static int load_slots(struct store *st, struct request *r, struct strbuf *err)
{
	struct query *s = query_get(st,
	                            "SELECT p.seq, p.role, p.scope, p.routed_from,"
	                            " p.needs_exception, coalesce(p.approved_by, 0), u.login,"
	                            " coalesce(p.approved_ms, 0), u.name, u.title,"
	                            " p.acting_for, a.via, a.os_user"
	                            " FROM request_approvers p LEFT JOIN users u"
	                            " ON u.id = p.approved_by LEFT JOIN acts a ON a.id ="
	                            " (SELECT max(x.id) FROM acts x WHERE x.request_id ="
	                            " p.request_id AND x.actor = p.approved_by AND x.kind ="
	                            " 'request.approve' AND x.outcome <> 'refused')"
	                            " WHERE p.request_id = ?"
	                            " ORDER BY p.seq",
	                            err);
	int rc;

	if (!s)
		return -EIO;
	query_bind_int(s, 1, r->id);
	while ((rc = query_step(s, err)) > 0) {
		struct request_slot *x;
		r->slots = xreallocarray(r->slots, r->n_slots + 1, sizeof(*r->slots));
		x = &r->slots[r->n_slots++];
		x->seq = (int)query_int(s, 0);
		x->role = query_strdup(s, 1);
		x->scope = query_strdup(s, 2);
		x->routed_from = query_strdup(s, 3);
		x->needs_exception = (int)query_int(s, 4) != 0;
		x->approved_by = query_int(s, 5);
		x->approved_login = query_strdup(s, 6);
		x->approved_ms = query_int(s, 7);
		x->approved_name = query_strdup(s, 8);
		x->approved_title = query_strdup(s, 9);
		x->acting_for = query_strdup(s, 10);
		x->approved_via = query_strdup(s, 11);
		x->approved_os_user = query_strdup(s, 12);
	}
	query_done(s);
	return rc;
}

/* How one act of a person on the request came in: the first (or last) act of actor whose
 * kind is like kind_like and that was not refused. */
static int act_channel(struct store *st, int64_t request_id, int64_t actor, const char *kind_like,
                       bool last, char **ret_via, char **ret_os_user, struct strbuf *err)
{
	struct query *s = query_get(st,
	                            last ? "SELECT via, os_user FROM acts WHERE request_id = ?"
	                                   " AND actor = ? AND kind LIKE ? AND outcome <>"
	                                   " 'refused' ORDER BY id DESC LIMIT 1"
	                                 : "SELECT via, os_user FROM acts WHERE request_id = ?"
	                                   " AND actor = ? AND kind LIKE ? AND outcome <>"
	                                   " 'refused' ORDER BY id LIMIT 1",
	                            err);
	int rc;

	if (!s)
		return -EIO;
	query_bind_int(s, 1, request_id);
	query_bind_int(s, 2, actor);
	query_bind_text(s, 3, kind_like);
	rc = query_step(s, err);
	if (rc > 0) {
		*ret_via = query_strdup(s, 0);
		*ret_os_user = query_strdup(s, 1);
	}
	query_done(s);
	return rc < 0 ? rc : 0;
}

static int load_channels(struct store *st, struct request *r, struct strbuf *err)
{
	int rc = act_channel(st, r->id, r->applicant, "record.%", false, &r->applicant_via,
	                     &r->applicant_os_user, err);

	if (rc == 0 && r->decided_by)
		rc = act_channel(st, r->id, r->decided_by, "request.%", true, &r->decided_via,
		                 &r->decided_os_user, err);
	return rc;
}

int request_get(struct store *st, int64_t id, struct request *ret, struct strbuf *err)
{
	struct query *s =
	    query_get(st, "SELECT " REQUEST_COLUMNS REQUEST_FROM " WHERE r.id = ?", err);
	int rc;

	if (!s)
		return -EIO;
	query_bind_int(s, 1, id);
	rc = query_step(s, err);
	if (rc <= 0) {
		query_done(s);
		if (rc != 0)
			return rc;
		error_set(err, "no request %lld; see 'mamori request list'", (long long)id);
		return -ENOENT;
	}
	request_from_row(s, ret);
	query_done(s);
	rc = load_slots(st, ret, err);
	if (rc == 0)
		rc = load_channels(st, ret, err);
	if (rc < 0)
		request_release(ret);
	return rc;
}

void request_release(struct request *r)
{
	if (!r)
		return;
	free(r->action);
	free(r->register_id);
	free(r->applicant_login);
	free(r->applicant_name);
	free(r->level);
	free(r->section);
	free(r->system);
	json_decref(r->fields);
	json_decref(r->context);
	free(r->comment);
	free(r->state);
	free(r->profile_sha256);
	json_decref(r->clauses);
	free(r->decided_login);
	free(r->decision_comment);
	free(r->decided_name);
	free(r->decided_title);
	free(r->closed_reason);
	free(r->applicant_title);
	free(r->applicant_via);
	free(r->applicant_os_user);
	free(r->decided_via);
	free(r->decided_os_user);
	for (size_t i = 0; i < r->n_slots; i++) {
		free(r->slots[i].role);
		free(r->slots[i].scope);
		free(r->slots[i].routed_from);
		free(r->slots[i].approved_login);
		free(r->slots[i].approved_name);
		free(r->slots[i].approved_title);
		free(r->slots[i].acting_for);
		free(r->slots[i].approved_via);
		free(r->slots[i].approved_os_user);
	}
	free(r->slots);
	memset(r, 0, sizeof(*r));
}

const char *request_state_at(const struct request *r, int64_t now_ms)
{
	if (!strcmp(r->state, "pending") && now_ms >= r->expires_ms)
		return "expired";
	return r->state;
}

static bool can_approve(const struct request *r, const struct request_filter *f)
{
	if (strcmp(r->state, "pending") || f->now_ms >= r->expires_ms ||
	    r->applicant == f->to_approve_user)
		return false;
	for (size_t i = 0; i < r->n_slots; i++) {
		if (r->slots[i].approved_by == f->to_approve_user && f->to_approve_user)
			return false;
	}
	for (size_t i = 0; i < r->n_slots; i++) {
		const struct request_slot *x = &r->slots[i];
		const struct policy_role *pr;
		if (x->approved_by)
			continue;
		if (org_roles_hold(f->to_approve_roles, x->role, x->scope))
			return true;
		pr = f->profile ? policy_role(f->profile, x->role) : NULL;
		if (pr && pr->deputy &&
		    (org_roles_hold(f->to_approve_roles, pr->deputy->id, x->scope) ||
		     org_roles_hold(f->to_approve_roles, pr->deputy->id, "org")))
			return true;
	}
	return false;
}

/*
 * The role ids whose open slots f's approver may take ("|id|id|"): the roles held at any scope
 * and those whose deputy is held (can_approve then checks scopes); false when there are none.
 */
static bool approver_roles(const struct request_filter *f, struct strbuf *ret)
{
	strbuf_addch(ret, '|');
	for (size_t i = 0; i < f->to_approve_roles->nr; i++) {
		const char *held = f->to_approve_roles->items[i];
		const char *at = strchr(held, '@');
		size_t len = at ? (size_t)(at - held) : strlen(held);
		strbuf_add(ret, held, len);
		strbuf_addch(ret, '|');
		for (unsigned k = 0; f->profile && k < f->profile->n_roles; k++) {
			const struct policy_role *pr = &f->profile->roles[k];
			if (pr->deputy && strlen(pr->deputy->id) == len &&
			    !strncmp(pr->deputy->id, held, len))
				strbuf_addf(ret, "%s|", pr->id);
		}
	}
	return ret->len > 1;
}

/*
 * Row by row, stopping at the limit: a dashboard asks for the first 50, and a ward whose
 * requests pile up (the soak's tens of thousands pending) made each dashboard parse every one
 * of them and read each one's slots. An approver's list reads only requests with an open slot
 * of a role they could take (approver_roles), then decides each exactly (can_approve).
 */
int requests_list(struct store *st, const struct request_filter *f, struct request_list *ret,
                  struct strbuf *err)
{
	struct query *s =
	    query_get(st,
	              "SELECT " REQUEST_COLUMNS REQUEST_FROM " WHERE (?1 = 0 OR r.applicant = ?1)"
	              " AND (?2 IS NULL OR r.state = ?2)"
	              " AND (?3 = 0 OR (r.state = 'pending' AND r.expires_ms > ?4"
	              " AND EXISTS (SELECT 1 FROM request_approvers p WHERE p.request_id = r.id"
	              " AND p.approved_by IS NULL AND instr(?5, '|' || p.role || '|') > 0)))"
	              " ORDER BY r.id DESC",
	              err);
	struct strbuf roles = STRBUF_INIT;
	int rc = 0;

	if (!s)
		return -EIO;
	if (f->to_approve_roles && !approver_roles(f, &roles)) {
		query_done(s);
		strbuf_release(&roles);
		return 0; /* no role that approves anything */
	}
	query_bind_int(s, 1, f->applicant);
	query_bind_text(s, 2, f->state);
	query_bind_int(s, 3, f->to_approve_roles != NULL);
	query_bind_int(s, 4, f->now_ms);
	query_bind_text(s, 5, roles.buf);
	while ((!f->limit || (int64_t)ret->nr < f->limit) && (rc = query_step(s, err)) > 0) {
		struct request q;
		int r;
		request_from_row(s, &q);
		r = load_slots(st, &q, err);
		if (r < 0 || (f->to_approve_roles && !can_approve(&q, f))) {
			request_release(&q);
			if (r < 0) {
				rc = r;
				break;
			}
			continue;
		}
		ALLOC_GROW(ret->items, ret->nr, ret->alloc);
		ret->items[ret->nr++] = q;
	}
	if (f->limit && (int64_t)ret->nr >= f->limit)
		rc = 0;
	query_done(s);
	strbuf_release(&roles);
	return rc;
}

void request_list_release(struct request_list *l)
{
	for (size_t i = 0; i < l->nr; i++)
		request_release(&l->items[i]);
	free(l->items);
	memset(l, 0, sizeof(*l));
}

char *request_person_label(const char *name, const char *title)
{
	if (!name)
		return NULL;
	if (title && *title)
		return xstrfmt("%s（%s）", name, title);
	return xstrdup(name);
}

char *request_record_title(struct store *st, const struct profile *p, const struct request *q)
{
	struct record rec = { 0 };
	const char *t;
	char *ret;

	if (q->record_id && record_get(st, q->record_id, &rec, NULL) == 0) {
		ret = xstrdup(record_title(p, &rec));
		record_release(&rec);
		return ret;
	}
	/* A request that creates its record: the title it was given. */
	rec.register_id = q->register_id;
	rec.fields = q->fields;
	t = record_title(p, &rec);
	return xstrdup(t);
}

int requests_per_week(struct store *st, int64_t now_ms, int weeks, int64_t *counts,
                      struct strbuf *err)
{
	const int64_t week_ms = 7 * 86400 * 1000LL;
	struct query *q;
	int r = query_prepare(st,
	                      "SELECT (?1 - created_ms) / ?2, count(*) FROM requests"
	                      " WHERE created_ms > ?1 - ?2 * ?3 GROUP BY 1",
	                      &q, err);

	if (r < 0)
		return r;
	memset(counts, 0, sizeof(*counts) * (size_t)weeks);
	query_bind_int(q, 1, now_ms);
	query_bind_int(q, 2, week_ms);
	query_bind_int(q, 3, weeks);
	while ((r = query_step(q, err)) > 0) {
		int64_t ago = query_int(q, 0);
		if (ago >= 0 && ago < weeks)
			counts[weeks - 1 - ago] = query_int(q, 1);
	}
	return r;
}
