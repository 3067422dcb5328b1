/* history: what happened to a record or request, read from the act log and checked against the
 * ledger. */
#include <errno.h>
#include <jansson.h>
#include <string.h>

#include "base/cleanup.h"
#include "core/act.h"
#include "core/history.h"
#include "core/read-sql.h"
#include "core/read.h"
#include "core/sqlutil.h"
#include "ledger/ledger.h"
#include "store/query.h"
#include "store/store.h"

static void check_entry(struct door *d, struct history_item *h, const char *row_clauses)
{
	struct strbuf bytes = STRBUF_INIT, err = STRBUF_INIT, want = STRBUF_INIT;
	struct ledger_entry e = { 0 };
	json_t *arr = json_loads(row_clauses ? row_clauses : "[]", 0, NULL);
	size_t i;
	json_t *v;

	h->verified = false;
	if (ledger_entry_bytes(door_ledger(d), h->ledger_index, &bytes, &err) < 0 ||
	    entry_decode(bytes.buf, bytes.len, &e, &err) < 0)
		goto out;
	json_array_foreach(arr, i, v)
	{
		if (json_is_string(v))
			strbuf_addf(&want, "%s%s", want.len ? " " : "", json_string_value(v));
	}
	h->decision = e.decision ? xstrdup(e.decision) : NULL;
	h->clauses = e.clauses ? xstrdup(e.clauses) : xstrdup("");
	h->verified = e.actor && !strcmp(e.actor, h->actor) && e.action &&
	              !strcmp(e.action, h->action) && e.time_ms == h->at_ms &&
	              !strcmp(h->clauses, want.buf);
	entry_release(&e);
out:
	json_decref(arr);
	strbuf_release(&bytes);
	strbuf_release(&err);
	strbuf_release(&want);
}

static int load(struct door *d, sqlite3_stmt *s, struct history *ret, struct strbuf *err)
{
	int rc;

	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		struct history_item *h;
		ALLOC_GROW(ret->items, ret->nr, ret->alloc);
		h = &ret->items[ret->nr++];
		memset(h, 0, sizeof(*h));
		h->act_id = sqlite3_column_int64(s, 0);
		h->at_ms = sqlite3_column_int64(s, 1);
		h->actor = sqlite3_column_type(s, 2) == SQLITE_NULL ? xstrdup("mamori")
		                                                    : sql_col_strdup(s, 2);
		h->kind = sql_col_strdup(s, 3);
		h->action = sql_col_strdup(s, 4);
		h->outcome = sql_col_strdup(s, 5);
		h->message = sql_col_strdup(s, 7);
		h->via = sql_col_strdup(s, 8);
		h->os_user = sql_col_strdup(s, 9);
		h->profile_sha256 = sql_col_strdup(s, 10);
		h->ledger_index = (uint64_t)sqlite3_column_int64(s, 11);
		h->request_id = sqlite3_column_int64(s, 12);
		check_entry(d, h, (const char *)sqlite3_column_text(s, 6));
	}
	sqlite3_reset(s);
	return rc == SQLITE_DONE ? 0 : store_error(door_store(d), rc, "reading the history", err);
}

#define HISTORY_SELECT                                                                             \
	"SELECT a.id, a.at_ms, u.login, a.kind, a.action, a.outcome, a.clauses, a.message,"        \
	" a.via, a.os_user, a.profile_sha256, a.ledger_index, coalesce(a.request_id, 0)"           \
	" FROM acts a LEFT JOIN users u ON u.id = a.actor"

int history_for_record(struct door *d, int64_t record_id, struct history *ret, struct strbuf *err)
{
	sqlite3_stmt *s =
	    store_prepare(door_store(d),
	                  HISTORY_SELECT " WHERE a.record_id = ?1 OR a.request_id IN"
	                                 " (SELECT id FROM requests WHERE record_id = ?1)"
	                                 " ORDER BY a.id",
	                  err);

	if (!s)
		return -EIO;
	sqlite3_bind_int64(s, 1, record_id);
	return load(d, s, ret, err);
}

int history_for_request(struct door *d, int64_t request_id, struct history *ret, struct strbuf *err)
{
	sqlite3_stmt *s = store_prepare(
	    door_store(d), HISTORY_SELECT " WHERE a.request_id = ? ORDER BY a.id", err);

	if (!s)
		return -EIO;
	sqlite3_bind_int64(s, 1, request_id);
	return load(d, s, ret, err);
}

void history_release(struct history *h)
{
	for (size_t i = 0; i < h->nr; i++) {
		struct history_item *x = &h->items[i];
		free(x->actor);
		free(x->kind);
		free(x->action);
		free(x->outcome);
		free(x->decision);
		free(x->clauses);
		free(x->message);
		free(x->via);
		free(x->os_user);
		free(x->profile_sha256);
	}
	free(h->items);
	memset(h, 0, sizeof(*h));
}

int activity_recent(struct store *st, const struct reader *rd, int64_t limit, struct activity *ret,
                    struct strbuf *err)
{
	struct read_sql rs;
	struct query *q;
	int r;

	r = read_sql_init(rd, NULL, &rs, err);
	if (r < 0)
		return r;
	/* The records' predicate runs per act, newest first, until the page is full. */
	r = query_prepare(st,
	                  "SELECT a.at_ms, u.name, a.action, a.outcome, coalesce(a.record_id, 0)"
	                  " FROM acts a LEFT JOIN users u ON u.id = a.actor"
	                  " WHERE ?1 OR a.actor = ?2 OR EXISTS (SELECT 1 FROM records"
	                  " WHERE records.id = a.record_id AND " READ_VISIBLE_SQL ")"
	                  " ORDER BY a.id DESC LIMIT ?3",
	                  &q, err);
	if (r < 0)
		goto out;
	query_bind_int(q, 1, reader_sees_all(rd));
	query_bind_int(q, 2, reader_user_id(rd));
	query_bind_int(q, 3, limit);
	read_sql_bind(q, &rs);
	while ((r = query_step(q, err)) > 0) {
		struct activity_item *x;
		ALLOC_GROW(ret->items, ret->nr, ret->alloc);
		x = &ret->items[ret->nr++];
		x->at_ms = query_int(q, 0);
		x->actor_name = query_strdup(q, 1);
		x->action = query_strdup(q, 2);
		x->outcome = query_strdup(q, 3);
		x->record_id = query_int(q, 4);
	}
	if (r < 0)
		activity_release(ret);
out:
	read_sql_release(&rs);
	return r < 0 ? r : 0;
}

void activity_release(struct activity *a)
{
	for (size_t i = 0; i < a->nr; i++) {
		free(a->items[i].actor_name);
		free(a->items[i].action);
		free(a->items[i].outcome);
	}
	free(a->items);
	memset(a, 0, sizeof(*a));
}
