/* duties: the profile's periodic duties, who owes them where, and when each is next due. */
#include <errno.h>
#include <string.h>

#include "base/cleanup.h"
#include "core/act.h"
#include "core/duties.h"
#include "core/org.h"
#include "core/sqlutil.h"
#include "policy/policy.h"
#include "store/store.h"

/* The scopes where role is held now, with the time it was first held there. */
struct held {
	char *scope;
	int64_t since;
};

static int scopes_of(struct store *st, const char *role, int64_t now, struct held **ret,
                     size_t *ret_nr, struct strbuf *err)
{
	sqlite3_stmt *s =
	    store_prepare(st,
	                  "SELECT a.scope, min(a.start_ms) FROM role_assignments a"
	                  " JOIN users u ON u.id = a.user_id"
	                  " WHERE a.role = ?1 AND a.revoked_ms IS NULL"
	                  " AND a.start_ms <= ?2 AND (a.end_ms IS NULL OR a.end_ms > ?2)"
	                  " AND u.status = 'active' GROUP BY a.scope ORDER BY a.scope",
	                  err);
	struct held *h = NULL;
	size_t nr = 0, alloc = 0;
	int rc;

	if (!s)
		return -EIO;
	sqlite3_bind_text(s, 1, role, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 2, now);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		ALLOC_GROW(h, nr, alloc);
		h[nr].scope = sql_col_strdup(s, 0);
		h[nr].since = sqlite3_column_int64(s, 1);
		nr++;
	}
	sqlite3_reset(s);
	if (rc != SQLITE_DONE) {
		for (size_t i = 0; i < nr; i++)
			free(h[i].scope);
		free(h);
		return store_error(st, rc, "reading role holders", err);
	}
	*ret = h;
	*ret_nr = nr;
	return 0;
}

/*
 * The last fulfilment: a 'duty done' at this scope, the evidence action done by someone
 * who held the role at this scope at the time, or the evidence action done by Mamori itself
 * (a system actor, act.h: the daily log analysis covers every scope's logs).
 */
static int last_done(struct store *st, const struct policy_duty *duty, const char *scope,
                     int64_t *ret_ms, char **ret_by, struct strbuf *err)
{
	sqlite3_stmt *s = store_prepare(
	    st,
	    "SELECT t, login FROM ("
	    " SELECT l.done_ms AS t, u.login AS login FROM duty_log l JOIN users u"
	    "  ON u.id = l.done_by WHERE l.duty = ?1 AND l.scope = ?2"
	    " UNION ALL"
	    " SELECT a.at_ms, u.login FROM acts a JOIN users u ON u.id = a.actor"
	    "  JOIN role_assignments r ON r.user_id = a.actor AND r.role = ?4 AND r.scope = ?2"
	    "  AND r.start_ms <= a.at_ms AND (r.end_ms IS NULL OR r.end_ms > a.at_ms)"
	    "  AND (r.revoked_ms IS NULL OR r.revoked_ms > a.at_ms)"
	    "  WHERE ?3 IS NOT NULL AND a.action = ?3 AND a.outcome = 'done'"
	    " UNION ALL"
	    " SELECT a.at_ms, 'system:' || a.via FROM acts a"
	    "  WHERE ?3 IS NOT NULL AND a.actor IS NULL AND a.action = ?3"
	    "  AND a.outcome = 'done' AND a.via IN ('monitor', 'fim')"
	    ") ORDER BY t DESC LIMIT 1",
	    err);
	int rc;

	if (!s)
		return -EIO;
	sqlite3_bind_text(s, 1, duty->id, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, scope, -1, SQLITE_STATIC);
	sql_bind_text_or_null(s, 3, duty->evidence ? duty->evidence->full_name : NULL);
	sqlite3_bind_text(s, 4, duty->role->id, -1, SQLITE_STATIC);
	*ret_ms = 0;
	*ret_by = NULL;
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		*ret_ms = sqlite3_column_int64(s, 0);
		*ret_by = sql_col_strdup(s, 1);
	}
	sqlite3_reset(s);
	return rc == SQLITE_ROW || rc == SQLITE_DONE
	           ? 0
	           : store_error(st, rc, "reading duty history", err);
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

int duties_compute(struct door *d, int64_t now_ms, struct duty_list *ret, struct strbuf *err)
{
	const struct profile *p = door_profile(d);
	struct store *st = door_store(d);
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
			x->scope = xstrdup(h[k].scope);
			r = holders_logins(st, duty->role->id, x->scope, now_ms, &x->owed_by, err);
			if (r == 0)
				r = last_done(st, duty, x->scope, &x->last_done_ms,
				              &x->last_done_by, err);
			x->next_due_ms = (x->last_done_ms ? x->last_done_ms : h[k].since) + every;
			x->due = x->next_due_ms <= now_ms;
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
		strv_release(&l->items[i].owed_by);
	}
	free(l->items);
	memset(l, 0, sizeof(*l));
}
