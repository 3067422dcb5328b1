/* history: what happened to a record or request, read from the act log and checked against the
 * ledger. */
#include <errno.h>
#include <jansson.h>
#include <string.h>

#include "base/cleanup.h"
#include "core/act.h"
#include "core/core.h"
#include "core/history.h"
#include "core/read-sql.h"
#include "core/read.h"
#include "ledger/ledger.h"
#include "policy/policy.h"

/*
 * An act without a person: Mamori itself. A system actor (act.h) acts as "system:<via>", as its
 * ledger entry says; acts of the set-up (via init) are "mamori".
 */
static char *system_login(const char *via)
{
	if (via && (!strcmp(via, ACT_SYSTEM_MONITOR) || !strcmp(via, ACT_SYSTEM_FIM)))
		return xstrfmt("system:%s", via);
	return xstrdup("mamori");
}

/* ... and its name for people. */
static char *system_name(const char *via)
{
	if (via && !strcmp(via, ACT_SYSTEM_MONITOR))
		return xstrdup("守り（ログ分析）");
	if (via && !strcmp(via, ACT_SYSTEM_FIM))
		return xstrdup("守り（ファイルの完全性の検査）");
	return xstrdup("守り");
}
#include "store/query.h"
#include "store/store.h"

/* Checks h against its ledger entry's bytes (NULL: not found): actor, action, time, clauses. */
static void check_entry(struct history_item *h, const uint8_t *bytes, size_t len,
                        const char *row_clauses)
{
	struct strbuf err = STRBUF_INIT, want = STRBUF_INIT;
	struct ledger_entry e = { 0 };
	json_t *arr = json_loads(row_clauses ? row_clauses : "[]", 0, NULL);
	size_t i;
	json_t *v;

	h->verified = false;
	if (!bytes || entry_decode(bytes, len, &e, &err) < 0)
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
	strbuf_release(&err);
	strbuf_release(&want);
}

/* The items of one bundle, by ledger index, with their rows' clauses. */
struct bundle_check {
	struct history_item **items;
	char **clauses;
	size_t nr;
};

static int check_one(void *ctx, const struct ledger_range_item *it)
{
	struct bundle_check *c = ctx;

	for (size_t i = 0; i < c->nr; i++)
		if (c->items[i]->ledger_index == it->index && !c->items[i]->clauses)
			check_entry(c->items[i], it->entry, it->len, c->clauses[i]);
	return 0;
}

static int by_ledger_index(const void *a, const void *b)
{
	const struct history_item *x = *(struct history_item *const *)a;
	const struct history_item *y = *(struct history_item *const *)b;

	return x->ledger_index < y->ledger_index ? -1 : x->ledger_index > y->ledger_index;
}

/*
 * Checks every item against its ledger entry, reading each bundle of 256 entries once for
 * the items in it (an act and its approval are often in one); row_clauses[i] is item i's
 * act row's clauses. An entry that cannot be read leaves its item unverified.
 */
static void check_entries(struct ledger *lg, struct history *h, char **row_clauses)
{
	struct history_item **by = xcalloc(h->nr ? h->nr : 1, sizeof(*by));
	char **clauses = xcalloc(h->nr ? h->nr : 1, sizeof(*clauses));
	struct strbuf err = STRBUF_INIT;

	for (size_t i = 0; i < h->nr; i++)
		by[i] = &h->items[i];
	qsort(by, h->nr, sizeof(*by), by_ledger_index);
	for (size_t i = 0; i < h->nr; i++)
		clauses[i] = row_clauses[by[i] - h->items];
	for (size_t i = 0, j; lg && i < h->nr; i = j) {
		struct bundle_check c = { .items = &by[i], .clauses = &clauses[i] };
		uint64_t first = by[i]->ledger_index, b = first / LEDGER_TILE_WIDTH;
		for (j = i; j < h->nr && by[j]->ledger_index / LEDGER_TILE_WIDTH == b; j++)
			c.nr++;
		strbuf_reset(&err);
		(void)ledger_read_range(lg, first, by[j - 1]->ledger_index - first + 1, 0,
		                        check_one, &c, &err);
	}
	for (size_t i = 0; i < h->nr; i++)
		if (!h->items[i].clauses) {
			h->items[i].verified = false;
			h->items[i].clauses = xstrdup("");
		}
	free(by);
	free(clauses);
	strbuf_release(&err);
}

static int load(struct ledger *lg, struct query *q, struct history *ret, struct strbuf *err)
{
	char **row_clauses = NULL;
	size_t n_clauses = 0, alloc_clauses = 0, first = ret->nr;
	int r;

	while ((r = query_step(q, err)) > 0) {
		struct history_item *h;
		const char *fields = query_text(q, 13);
		ALLOC_GROW(ret->items, ret->nr, ret->alloc);
		h = &ret->items[ret->nr++];
		memset(h, 0, sizeof(*h));
		h->act_id = query_int(q, 0);
		h->at_ms = query_int(q, 1);
		h->actor =
		    query_is_null(q, 2) ? system_login(query_text(q, 8)) : query_strdup(q, 2);
		h->kind = query_strdup(q, 3);
		h->action = query_strdup(q, 4);
		h->outcome = query_strdup(q, 5);
		h->message = query_strdup(q, 7);
		h->via = query_strdup(q, 8);
		h->os_user = query_strdup(q, 9);
		h->profile_sha256 = query_strdup(q, 10);
		h->ledger_index = (uint64_t)query_int(q, 11);
		h->request_id = query_int(q, 12);
		h->fields = json_loads(fields ? fields : "{}", 0, NULL);
		if (!json_is_object(h->fields)) {
			json_decref(h->fields);
			h->fields = json_object();
		}
		h->comment = query_strdup(q, 14);
		h->actor_name =
		    query_is_null(q, 2) ? system_name(query_text(q, 8)) : query_strdup(q, 15);
		h->record_id = query_int(q, 16);
		ALLOC_GROW(row_clauses, n_clauses, alloc_clauses);
		row_clauses[n_clauses++] = query_strdup(q, 6);
	}
	if (r == 0) {
		/* the items this query added (row_clauses[i] is the i-th of them) */
		struct history added = { .items = ret->items + first, .nr = ret->nr - first };
		check_entries(lg, &added, row_clauses);
	}
	for (size_t i = 0; i < n_clauses; i++)
		free(row_clauses[i]);
	free(row_clauses);
	if (r < 0)
		history_release(ret);
	return r < 0 ? r : 0;
}

#define HISTORY_SELECT                                                                             \
	"SELECT a.id, a.at_ms, u.login, a.kind, a.action, a.outcome, a.clauses, a.message,"        \
	" a.via, a.os_user, a.profile_sha256, a.ledger_index, coalesce(a.request_id, 0),"          \
	" a.fields, a.comment, u.name, coalesce(a.record_id, 0)"                                   \
	" FROM acts a LEFT JOIN users u ON u.id = a.actor"

int history_record(struct store *st, struct ledger *lg, int64_t record_id, struct history *ret,
                   struct strbuf *err)
{
	struct query *q;
	int r = query_prepare(st,
	                      HISTORY_SELECT " WHERE a.record_id = ?1 OR a.request_id IN"
	                                     " (SELECT id FROM requests WHERE record_id = ?1)"
	                                     " ORDER BY a.id",
	                      &q, err);

	if (r < 0)
		return r;
	query_bind_int(q, 1, record_id);
	return load(lg, q, ret, err);
}

/* Frees the items' contents, not the array. */
static void history_release_items(struct history *h);

int history_record_page(struct store *st, struct ledger *lg, int64_t record_id, int64_t before,
                        size_t limit, struct history *ret, bool *older, struct strbuf *err)
{
	struct query *q;
	int r =
	    query_prepare(st,
	                  HISTORY_SELECT " WHERE (a.record_id = ?1 OR a.request_id IN"
	                                 " (SELECT id FROM requests WHERE record_id = ?1))"
	                                 " AND (?2 = 0 OR a.id < ?2) ORDER BY a.id DESC LIMIT ?3",
	                  &q, err);

	if (r < 0)
		return r;
	query_bind_int(q, 1, record_id);
	query_bind_int(q, 2, before);
	query_bind_int(q, 3, (int64_t)limit + 1); /* one more: are there older ones? */
	r = load(lg, q, ret, err);
	if (r < 0)
		return r;
	*older = ret->nr > limit;
	if (*older) {
		/* the one beyond the page: not shown (and its ledger entry read for nothing) */
		struct history extra = { .items = &ret->items[limit], .nr = 1 };
		history_release_items(&extra);
		ret->nr = limit;
	}
	/* newest first from SQL; oldest first as history_record gives it */
	for (size_t i = 0, j = ret->nr ? ret->nr - 1 : 0; i < j; i++, j--) {
		struct history_item t = ret->items[i];
		ret->items[i] = ret->items[j];
		ret->items[j] = t;
	}
	return 0;
}

int history_record_present(struct store *st, struct ledger *lg, const struct profile *p,
                           int64_t record_id, struct history *ret, struct strbuf *err)
{
	struct query *q;
	int64_t act_id = 0, request_id = 0;
	int r = query_prepare(st,
	                      "SELECT a.id, a.action, coalesce(a.request_id, 0) FROM acts a"
	                      " WHERE a.record_id = ?1 AND a.outcome = 'done' ORDER BY a.id DESC",
	                      &q, err);

	if (r < 0)
		return r;
	query_bind_int(q, 1, record_id);
	/* the latest done act that created the record or moved it (history_present's candidates) */
	while ((r = query_step(q, err)) > 0) {
		const char *name = query_text(q, 1);
		const struct policy_action *a = name ? policy_action(p, name) : NULL;
		if (a && (a->create || a->to)) {
			act_id = query_int(q, 0);
			request_id = query_int(q, 2);
			break;
		}
	}
	query_done(q);
	if (r < 0 || !act_id)
		return r < 0 ? r : 0;
	/* that act, with its request's acts when it applied one (who applied, who approved) */
	r = query_prepare(st,
	                  request_id ? HISTORY_SELECT " WHERE a.request_id = ? ORDER BY a.id"
	                             : HISTORY_SELECT " WHERE a.id = ?",
	                  &q, err);
	if (r < 0)
		return r;
	query_bind_int(q, 1, request_id ? request_id : act_id);
	return load(lg, q, ret, err);
}

int history_request(struct store *st, struct ledger *lg, int64_t request_id, struct history *ret,
                    struct strbuf *err)
{
	struct query *q;
	int r = query_prepare(st, HISTORY_SELECT " WHERE a.request_id = ? ORDER BY a.id", &q, err);

	if (r < 0)
		return r;
	query_bind_int(q, 1, request_id);
	return load(lg, q, ret, err);
}

int history_for_record(struct door *d, int64_t record_id, struct history *ret, struct strbuf *err)
{
	return history_record(door_store(d), door_ledger(d), record_id, ret, err);
}

int history_for_request(struct door *d, int64_t request_id, struct history *ret, struct strbuf *err)
{
	return history_request(door_store(d), door_ledger(d), request_id, ret, err);
}

const struct history_item *history_present(const struct history *h, const struct profile *p,
                                           const char *state)
{
	const struct history_item *found = NULL;

	for (size_t i = 0; i < h->nr; i++) {
		const struct history_item *x = &h->items[i];
		const struct policy_action *a = x->action ? policy_action(p, x->action) : NULL;
		const char *to;

		if (!a || !x->outcome || strcmp(x->outcome, "done") || !x->record_id ||
		    (!a->create && !a->to))
			continue;
		/* the state the act left the record in */
		to = a->to                  ? a->to->id
		     : a->reg->initial      ? a->reg->initial->id
		     : a->reg->n_states > 0 ? a->reg->states[0].id
		                            : "";
		found = state && !strcmp(to, state) ? x : NULL;
	}
	return found;
}

static void history_release_items(struct history *h)
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
		json_decref(x->fields);
		free(x->comment);
		free(x->actor_name);
	}
}

void history_release(struct history *h)
{
	history_release_items(h);
	free(h->items);
	memset(h, 0, sizeof(*h));
}

int activity_recent(struct store *st, const struct reader *rd, int64_t limit, struct activity *ret,
                    struct strbuf *err)
{
	struct read_sql rs;
	struct query *q;
	int r;

	r = read_sql_init(rd, st, NULL, &rs, err);
	if (r < 0)
		return r;
	/* The records' predicate runs per act, newest first, until the page is full. */
	r = query_prepare(st,
	                  "SELECT a.at_ms, u.name, a.action, a.outcome, coalesce(a.record_id, 0),"
	                  " a.via, a.actor IS NULL, a.os_user FROM acts a"
	                  " LEFT JOIN users u ON u.id = a.actor"
	                  " WHERE ?1 OR a.actor = ?2 OR EXISTS (SELECT 1 FROM records"
	                  " WHERE records.id = a.record_id AND " READ_VISIBLE_SQL ")"
	                  " ORDER BY a.id DESC LIMIT ?3",
	                  &q, err);
	if (r < 0)
		goto out;
	query_bind_bool(q, 1, reader_sees_all(rd));
	query_bind_int(q, 2, reader_user_id(rd));
	query_bind_int(q, 3, limit);
	read_sql_bind(q, &rs);
	while ((r = query_step(q, err)) > 0) {
		struct activity_item *x;
		ALLOC_GROW(ret->items, ret->nr, ret->alloc);
		x = &ret->items[ret->nr++];
		x->at_ms = query_int(q, 0);
		x->actor_name =
		    query_int(q, 6) ? system_name(query_text(q, 5)) : query_strdup(q, 1);
		x->action = query_strdup(q, 2);
		x->outcome = query_strdup(q, 3);
		x->record_id = query_int(q, 4);
		x->via = query_strdup(q, 5);
		x->os_user = query_strdup(q, 7);
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
		free(a->items[i].via);
		free(a->items[i].os_user);
		free(a->items[i].action);
		free(a->items[i].outcome);
	}
	free(a->items);
	memset(a, 0, sizeof(*a));
}
