/* logindex: the search index of collected logs (schema/0006-logs.sql): building it (searching it
 * is logindex-search.c).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "base/cleanup.h"
#include "ingest/logindex-internal.h"
#include "ingest/logindex.h"
#include "store/query.h"
#include "store/store.h"

static void rec_put(struct strbuf *out, const struct rec *r)
{
	unsigned char b[REC_SIZE];

	memcpy(b, &r->delta, 4);
	memcpy(b + 4, &r->time_ms, 8);
	memcpy(b + 12, &r->host, 2);
	memcpy(b + 14, &r->app, 2);
	memcpy(b + 16, &r->user, 2);
	b[18] = r->pri;
	b[19] = r->flags;
	strbuf_add(out, b, REC_SIZE);
}

/* ---- building blocks ------------------------------------------------------------------ */

void logindex_builder_init(struct logindex_builder *b)
{
	memset(b, 0, sizeof(*b));
	strbuf_init(&b->hosts, 0);
	strbuf_init(&b->apps, 0);
	strbuf_init(&b->users, 0);
	strbuf_init(&b->data, 0);
}

static void builder_reset(struct logindex_builder *b)
{
	strbuf_reset(&b->hosts);
	strbuf_reset(&b->apps);
	strbuf_reset(&b->users);
	strbuf_reset(&b->data);
	b->n = b->n_hosts = b->n_apps = b->n_users = 0;
	b->last_host.id = b->last_app.id = b->last_user.id = 0;
	for (size_t i = 0; i < b->n_seen; i++)
		free(b->seen[i].host);
	b->n_seen = 0;
}

void logindex_builder_release(struct logindex_builder *b)
{
	builder_reset(b);
	strbuf_release(&b->hosts);
	strbuf_release(&b->apps);
	strbuf_release(&b->users);
	strbuf_release_secret(&b->data);
	free(b->seen);
	memset(b, 0, sizeof(*b));
}

/* Remembers the name at off (n bytes) as the one with id found last. */
static uint16_t dict_found(struct logindex_last *last, size_t off, size_t n, size_t id)
{
	last->off = off;
	last->n = n;
	last->id = (uint16_t)id;
	return last->id;
}

/*
 * The 1-based position of s in the list "\nA\nB\n" (added at the end when new); 0 for an
 * empty s, or one with a LF (never in a host, program or user name worth indexing). The name
 * found last is compared first (the walk of the list and its memchr calls for every message
 * were 12% of the follower's time).
 */
static uint16_t dict_id(struct strbuf *list, size_t *nr, struct logindex_last *last, const char *s,
                        size_t n)
{
	const char *p;
	size_t id = 1;

	if (last->id && last->n == n && last->off + n < list->len && *nr < 65535 &&
	    !memcmp(list->buf + last->off, s, n))
		return last->id;
	if (n == 0 || n > 255 || memchr(s, '\n', n) || *nr >= 65535)
		return 0;
	if (list->len == 0)
		strbuf_addch(list, '\n');
	p = list->buf + 1;
	while (p < list->buf + list->len) {
		const char *lf = memchr(p, '\n', (size_t)(list->buf + list->len - p));
		if ((size_t)(lf - p) == n && !memcmp(p, s, n))
			return dict_found(last, (size_t)(p - list->buf), n, id);
		p = lf + 1;
		id++;
	}
	strbuf_add(list, s, n);
	strbuf_addch(list, '\n');
	(*nr)++;
	return dict_found(last, list->len - n - 1, n, *nr);
}

static void seen_host(struct logindex_builder *b, const char *host, int64_t received,
                      uint64_t index)
{
	for (size_t i = 0; i < b->n_seen; i++) {
		if (!strcmp(b->seen[i].host, host)) {
			if (received > b->seen[i].last_ms)
				b->seen[i].last_ms = received;
			b->seen[i].last_index = index;
			b->seen[i].n++;
			return;
		}
	}
	ALLOC_GROW(b->seen, b->n_seen + 1, b->alloc_seen);
	b->seen[b->n_seen].host = xstrdup(host);
	b->seen[b->n_seen].first_ms = received;
	b->seen[b->n_seen].last_ms = received;
	b->seen[b->n_seen].n = 1;
	b->seen[b->n_seen].last_index = index;
	b->n_seen++;
}

void logindex_builder_add_facts(struct logindex_builder *b, const struct logindex_facts *f)
{
	struct rec r = { 0 };

	if (b->n == 0) {
		b->first_index = f->index;
		b->t_min = b->t_max = f->time_ms;
		b->r_min = b->r_max = f->received_ms;
	}
	b->last_index = f->index;
	if (f->time_ms < b->t_min)
		b->t_min = f->time_ms;
	if (f->time_ms > b->t_max)
		b->t_max = f->time_ms;
	if (f->received_ms < b->r_min)
		b->r_min = f->received_ms;
	if (f->received_ms > b->r_max)
		b->r_max = f->received_ms;
	r.delta = (uint32_t)(f->index - b->first_index);
	r.time_ms = f->time_ms;
	r.host = dict_id(&b->hosts, &b->n_hosts, &b->last_host, f->host, strlen(f->host));
	r.app = dict_id(&b->apps, &b->n_apps, &b->last_app, f->app, f->app_n);
	r.user = dict_id(&b->users, &b->n_users, &b->last_user, f->user, f->user_n);
	r.pri = f->pri >= 0 ? (uint8_t)f->pri : 255;
	r.flags = (uint8_t)((f->format & 3) | (f->flags & 0x3f) << 2);
	rec_put(&b->data, &r);
	if (f->host[0])
		seen_host(b, f->host, f->received_ms, f->index);
	b->n++;
}

void logindex_facts_of(const struct log_event *ev, struct logindex_facts *f)
{
	f->index = ev->index;
	f->time_ms = ev->time_ms;
	f->received_ms = ev->received_ms;
	f->host = ev->host;
	f->app = ev->msg.app.p;
	f->app_n = ev->msg.app.n;
	f->user = ev->fields.user.p;
	f->user_n = ev->fields.user.n;
	f->pri = ev->msg.pri;
	f->format = (unsigned)ev->msg.format;
	f->flags = ev->payload.flags;
}

void logindex_builder_add(struct logindex_builder *b, const struct log_event *ev)
{
	struct logindex_facts f;

	logindex_facts_of(ev, &f);
	logindex_builder_add_facts(b, &f);
}

/* The n-th (1-based) name of the list "\nA\nB\n" as a span; false when there is none. */
static bool list_nth(const char *list, size_t len, unsigned nth, const char **ret, size_t *ret_n)
{
	const char *p = list + 1, *end = list + len;

	for (unsigned id = 1; len && p < end; id++) {
		const char *lf = memchr(p, '\n', (size_t)(end - p));
		if (!lf)
			break;
		if (id == nth) {
			*ret = p;
			*ret_n = (size_t)(lf - p);
			return true;
		}
		p = lf + 1;
	}
	return false;
}

/*
 * The block's records again, one run per host (log_run), and each host's widest run in
 * log_host.run_span. Within the caller's transaction.
 */
static int flush_runs(struct store *st, struct logindex_builder *b, int64_t block,
                      struct strbuf *err)
{
	size_t *count = xcalloc(b->n_hosts + 1, sizeof(*count));
	size_t *at = xcalloc(b->n_hosts + 2, sizeof(*at));
	int64_t *t_min = xcalloc(b->n_hosts + 1, sizeof(*t_min));
	int64_t *t_max = xcalloc(b->n_hosts + 1, sizeof(*t_max));
	unsigned char *sorted = xmalloc(b->data.len ? b->data.len : 1);
	const unsigned char *data = (const unsigned char *)b->data.buf;
	struct query *q;
	int r = 0;

	/* Records grouped by host, each group in ledger order (a counting sort). */
	for (size_t i = 0; i < b->n; i++) {
		struct rec rc;
		rec_get(data + i * REC_SIZE, &rc);
		if (rc.host > b->n_hosts)
			continue;
		if (!count[rc.host]++) {
			t_min[rc.host] = rc.time_ms;
			t_max[rc.host] = rc.time_ms;
		}
		if (rc.time_ms < t_min[rc.host])
			t_min[rc.host] = rc.time_ms;
		if (rc.time_ms > t_max[rc.host])
			t_max[rc.host] = rc.time_ms;
	}
	for (size_t h = 1; h <= b->n_hosts; h++)
		at[h + 1] = at[h] + count[h];
	for (size_t i = 0; i < b->n; i++) {
		struct rec rc;
		rec_get(data + i * REC_SIZE, &rc);
		if (rc.host == 0 || rc.host > b->n_hosts)
			continue;
		memcpy(sorted + at[rc.host] * REC_SIZE, data + i * REC_SIZE, REC_SIZE);
		at[rc.host]++;
	}
	for (unsigned h = 1; r == 0 && h <= b->n_hosts; h++) {
		const char *name;
		size_t n;
		if (!count[h] || !list_nth(b->hosts.buf, b->hosts.len, h, &name, &n))
			continue;
		r = query_prepare(
		    st,
		    "INSERT INTO log_run(host, t_max, block, t_min, first_index, data)"
		    " VALUES (?,?,?,?,?,?)",
		    &q, err);
		if (r < 0)
			break;
		query_bind_textn(q, 1, name, n);
		query_bind_int(q, 2, t_max[h]);
		query_bind_int(q, 3, block);
		query_bind_int(q, 4, t_min[h]);
		query_bind_int(q, 5, (int64_t)b->first_index);
		/* at[h] is now the end of host h's group. */
		query_bind_blob(q, 6, sorted + (at[h] - count[h]) * REC_SIZE, count[h] * REC_SIZE);
		r = query_run(q, err);
		if (r == 0)
			r = query_prepare(st,
			                  "UPDATE log_host SET run_span = max(run_span, ?2)"
			                  " WHERE host = ?1",
			                  &q, err);
		if (r == 0) {
			query_bind_textn(q, 1, name, n);
			query_bind_int(q, 2, t_max[h] - t_min[h]);
			r = query_run(q, err);
		}
	}
	explicit_bzero(sorted, b->data.len);
	free(sorted);
	free(count);
	free(at);
	free(t_min);
	free(t_max);
	return r;
}

int logindex_flush(struct store *st, struct logindex_builder *b, uint64_t next_index,
                   struct strbuf *err)
{
	struct query *q;
	int64_t block = 0;
	int r = store_begin(st, err);

	if (r < 0)
		return r;
	if (b->n) {
		r = query_prepare(st,
		                  "INSERT INTO log_block(first_index, last_index, n, t_min, t_max,"
		                  " r_max, hosts, apps, users, data) VALUES (?,?,?,?,?,?,?,?,?,?)",
		                  &q, err);
		if (r == 0) {
			query_bind_int(q, 1, (int64_t)b->first_index);
			query_bind_int(q, 2, (int64_t)b->last_index);
			query_bind_int(q, 3, (int64_t)b->n);
			query_bind_int(q, 4, b->t_min);
			query_bind_int(q, 5, b->t_max);
			query_bind_int(q, 6, b->r_max);
			query_bind_textn(q, 7, b->hosts.len ? b->hosts.buf : "\n",
			                 b->hosts.len ? b->hosts.len : 1);
			query_bind_textn(q, 8, b->apps.len ? b->apps.buf : "\n",
			                 b->apps.len ? b->apps.len : 1);
			query_bind_textn(q, 9, b->users.len ? b->users.buf : "\n",
			                 b->users.len ? b->users.len : 1);
			query_bind_blob(q, 10, b->data.buf, b->data.len);
			r = query_run(q, err);
			block = query_last_id(st);
		}
		for (size_t i = 0; r == 0 && i < b->n_seen; i++) {
			r = query_prepare(
			    st,
			    "INSERT INTO log_host(host, first_ms, last_ms, last_index,"
			    " messages) VALUES (?1, ?2, ?3, ?5, ?4)"
			    " ON CONFLICT(host) DO UPDATE SET last_ms = max(log_host.last_ms, ?3),"
			    " last_index = max(log_host.last_index, ?5),"
			    " messages = log_host.messages + ?4",
			    &q, err);
			if (r == 0) {
				query_bind_text(q, 1, b->seen[i].host);
				query_bind_int(q, 2, b->seen[i].first_ms);
				query_bind_int(q, 3, b->seen[i].last_ms);
				query_bind_int(q, 4, (int64_t)b->seen[i].n);
				query_bind_int(q, 5, (int64_t)b->seen[i].last_index);
				r = query_run(q, err);
			}
		}
		if (r == 0)
			r = flush_runs(st, b, block, err);
	}
	if (r == 0)
		r = query_prepare(st, "UPDATE log_state SET indexed = ? WHERE id = 1", &q, err);
	if (r == 0) {
		query_bind_int(q, 1, (int64_t)next_index);
		r = query_run(q, err);
	}
	if (r == 0)
		r = store_commit(st, err);
	else
		store_rollback(st);
	if (r == 0)
		builder_reset(b);
	return r;
}

int logindex_state(struct store *st, uint64_t *ret_indexed, uint64_t *ret_analysed,
                   struct strbuf *err)
{
	struct query *q;
	int r = query_prepare(st, "SELECT indexed, analysed FROM log_state WHERE id = 1", &q, err);

	if (r < 0)
		return r;
	r = query_step(q, err);
	if (r <= 0) {
		if (r == 0)
			error_set(err, "the log index has no state row");
		return r ? r : -EPROTO;
	}
	if (ret_indexed)
		*ret_indexed = (uint64_t)query_int(q, 0);
	if (ret_analysed)
		*ret_analysed = (uint64_t)query_int(q, 1);
	query_done(q);
	return 0;
}

int logindex_set_analysed(struct store *st, uint64_t analysed, struct strbuf *err)
{
	struct query *q;
	int r = query_prepare(st, "UPDATE log_state SET analysed = ? WHERE id = 1", &q, err);

	if (r < 0)
		return r;
	query_bind_int(q, 1, (int64_t)analysed);
	return query_run(q, err);
}
