/* logindex: the search index of collected logs (schema/0006-logs.sql), and searching it. */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "base/cleanup.h"
#include "base/json.h"
#include "base/parse.h"
#include "base/timeutil.h"
#include "ingest/logindex.h"
#include "ledger/ledger.h"
#include "store/query.h"
#include "store/store.h"

/*
 * A block's data is one 20-byte record per message, in ledger order, little-endian:
 *   u32 index - first_index   i64 time_ms   u16 host   u16 app   u16 user   u8 pri   u8 flags
 * host, app and user are 1-based positions in the block's hosts, apps and users lists (0:
 * none); pri is 255 without one; flags are the message's format (low 2 bits) and its
 * enum log_flags shifted by 2.
 */
#define REC_SIZE 20

struct rec {
	uint32_t delta;
	int64_t time_ms;
	uint16_t host, app, user;
	uint8_t pri, flags;
};

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

static void rec_get(const unsigned char *b, struct rec *r)
{
	memcpy(&r->delta, b, 4);
	memcpy(&r->time_ms, b + 4, 8);
	memcpy(&r->host, b + 12, 2);
	memcpy(&r->app, b + 14, 2);
	memcpy(&r->user, b + 16, 2);
	r->pri = b[18];
	r->flags = b[19];
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

/*
 * The 1-based position of s in the list "\nA\nB\n" (added at the end when new); 0 for an
 * empty s, or one with a LF (never in a host, program or user name worth indexing).
 */
static uint16_t dict_id(struct strbuf *list, size_t *nr, const char *s, size_t n)
{
	const char *p;
	size_t id = 1;

	if (n == 0 || n > 255 || memchr(s, '\n', n) || *nr >= 65535)
		return 0;
	if (list->len == 0)
		strbuf_addch(list, '\n');
	p = list->buf + 1;
	while (p < list->buf + list->len) {
		const char *lf = memchr(p, '\n', (size_t)(list->buf + list->len - p));
		if ((size_t)(lf - p) == n && !memcmp(p, s, n))
			return (uint16_t)id;
		p = lf + 1;
		id++;
	}
	strbuf_add(list, s, n);
	strbuf_addch(list, '\n');
	(*nr)++;
	return (uint16_t)*nr;
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
	r.host = dict_id(&b->hosts, &b->n_hosts, f->host, strlen(f->host));
	r.app = dict_id(&b->apps, &b->n_apps, f->app, f->app_n);
	r.user = dict_id(&b->users, &b->n_users, f->user, f->user_n);
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
			    " ON CONFLICT(host) DO UPDATE SET last_ms = max(last_ms, ?3),"
			    " last_index = max(last_index, ?5), messages = messages + ?4",
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

/* ---- searching ----------------------------------------------------------------------- */

struct cand {
	uint64_t index;
	int64_t time_ms;
};

struct search {
	const struct log_query *q;
	struct store *st;
	struct ledger *lg;
	int64_t offset_ms;
	char *host_lc;
	struct cand *c;
	size_t nr, alloc;
	/* grep over one block: candidates [from, to) of c, sorted by index */
	size_t from, to;
	struct strbuf scratch;
	size_t kept;
};

static bool ci_contains(const char *hay, size_t n, const char *needle)
{
	size_t m = strlen(needle);

	if (m == 0)
		return true;
	for (size_t i = 0; i + m <= n; i++) {
		size_t k = 0;
		while (k < m) {
			char a = hay[i + k], b = needle[k];
			if (a >= 'A' && a <= 'Z')
				a = (char)(a + 32);
			if (b >= 'A' && b <= 'Z')
				b = (char)(b + 32);
			if (a != b)
				break;
			k++;
		}
		if (k == m)
			return true;
	}
	return false;
}

/* The 1-based position of s in "\nA\nB\n", 0 when absent. */
static unsigned list_pos(const char *list, size_t len, const char *s)
{
	size_t n = strlen(s);
	const char *p = list + 1;
	unsigned id = 1;

	while (len && p < list + len) {
		const char *lf = memchr(p, '\n', (size_t)(list + len - p));
		if (!lf)
			break;
		if ((size_t)(lf - p) == n && !memcmp(p, s, n))
			return id;
		p = lf + 1;
		id++;
	}
	return 0;
}

static void add_cand(struct search *s, uint64_t index, int64_t t)
{
	ALLOC_GROW(s->c, s->nr + 1, s->alloc);
	s->c[s->nr].index = index;
	s->c[s->nr].time_ms = t;
	s->nr++;
}

/* Keeps candidates [from, to) whose raw message contains the grep text. */
static int grep_item(void *ctx, const struct ledger_range_item *it)
{
	struct search *s = ctx;
	struct log_payload p;
	size_t lo = s->from, hi = s->to;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (s->c[mid].index < it->index)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo >= s->to || s->c[lo].index != it->index)
		return 0;
	if (it->payload && log_payload_parse(it->payload, it->payload_len, &p) == 0 &&
	    ci_contains(p.raw, p.raw_len, s->q->grep))
		s->c[s->from + s->kept++] = s->c[lo];
	return 0;
}

/*
 * Adds the records of data (counted from ledger index first) that hold: the program and user
 * ids given (0: any) and the time window; then, with --grep, keeps those
 * whose raw message holds the text.
 */
static int scan_records(struct search *s, uint64_t first, const unsigned char *data, size_t dl,
                        unsigned app, unsigned user, struct strbuf *err)
{
	const struct log_query *q = s->q;
	size_t start = s->nr, n = dl / REC_SIZE;

	for (size_t i = 0; i < n; i++) {
		struct rec r;
		rec_get(data + i * REC_SIZE, &r);
		if ((app && r.app != app) || (user && r.user != user))
			continue;
		if ((q->since_ms && r.time_ms < q->since_ms) ||
		    (q->until_ms && r.time_ms > q->until_ms))
			continue;
		add_cand(s, first + r.delta, r.time_ms);
	}
	if (q->grep && s->nr > start) {
		uint64_t lo = s->c[start].index, hi = s->c[s->nr - 1].index;
		int r;
		s->from = start;
		s->to = s->nr;
		s->kept = 0;
		r = ledger_read_range(s->lg, lo, hi - lo + 1, LEDGER_RANGE_PAYLOADS, grep_item, s,
		                      err);
		if (r < 0)
			return r;
		s->nr = start + s->kept;
	}
	return 0;
}

/* The program and user ids the query asks for in a block's lists; false when one is absent. */
static bool block_ids(struct search *s, const char *apps, size_t al, const char *users, size_t ul,
                      unsigned *app, unsigned *user)
{
	*app = *user = 0;
	if (s->q->app && !(*app = list_pos(apps, al, s->q->app)))
		return false;
	if (s->q->user && !(*user = list_pos(users, ul, s->q->user)))
		return false;
	return true;
}

static int search_block(struct search *s, struct query *qb, struct strbuf *err)
{
	uint64_t first = (uint64_t)query_int(qb, 0);
	int64_t n = query_int(qb, 1);
	size_t al, ul, dl;
	const char *apps = query_blob(qb, 5, &al);
	const char *users = query_blob(qb, 6, &ul);
	const unsigned char *data = query_blob(qb, 7, &dl);
	unsigned app, user;

	if (!block_ids(s, apps, al, users, ul, &app, &user))
		return 0;
	if ((size_t)n * REC_SIZE < dl)
		dl = (size_t)n * REC_SIZE;
	return scan_records(s, first, data, dl, app, user, err);
}

/*
 * A search for one host reads that host's runs (log_run): those whose latest time is in
 * [since, until + the host's widest run], so a window reads the runs near it, not every
 * block. With --app or --user, each run's block gives its programs and users lists.
 */
static int search_runs(struct search *s, struct strbuf *err)
{
	const struct log_query *q = s->q;
	int64_t span = 0, until = q->until_ms ? q->until_ms : INT64_MAX;
	bool lists = q->app || q->user;
	struct query *qr;
	int r;

	r = query_prepare(s->st, "SELECT run_span FROM log_host WHERE host = ?", &qr, err);
	if (r < 0)
		return r;
	query_bind_text(qr, 1, s->host_lc);
	r = query_step(qr, err);
	if (r <= 0)
		return r; /* a host never seen: no runs */
	span = query_int(qr, 0);
	query_done(qr);
	r = query_prepare(s->st,
	                  lists ? "SELECT r.first_index, r.data, b.apps, b.users FROM log_run r"
	                          " JOIN log_block b ON b.id = r.block WHERE r.host = ?1"
	                          " AND r.t_max >= ?2 AND r.t_max <= ?3 AND r.t_min <= ?4"
	                        : "SELECT first_index, data FROM log_run WHERE host = ?1"
	                          " AND t_max >= ?2 AND t_max <= ?3 AND t_min <= ?4",
	                  &qr, err);
	if (r < 0)
		return r;
	query_bind_text(qr, 1, s->host_lc);
	query_bind_int(qr, 2, q->since_ms ? q->since_ms : INT64_MIN);
	query_bind_int(qr, 3, span >= 0 && until <= INT64_MAX - span ? until + span : INT64_MAX);
	query_bind_int(qr, 4, until);
	while ((r = query_step(qr, err)) > 0) {
		size_t dl, al = 0, ul = 0;
		uint64_t first = (uint64_t)query_int(qr, 0);
		const unsigned char *data = query_blob(qr, 1, &dl);
		const char *apps = lists ? query_blob(qr, 2, &al) : NULL;
		const char *users = lists ? query_blob(qr, 3, &ul) : NULL;
		unsigned app = 0, user = 0;
		if (lists && !block_ids(s, apps, al, users, ul, &app, &user))
			continue;
		r = scan_records(s, first, data, dl, app, user, err);
		if (r < 0) {
			query_done(qr);
			return r;
		}
	}
	return r;
}

/* The entries the follower has not indexed yet, read and filtered one by one. */
static int tail_item(void *ctx, const struct ledger_range_item *it)
{
	struct search *s = ctx;
	const struct log_query *q = s->q;
	struct ledger_entry e;
	struct log_event ev;
	bool ok = true;

	if (!it->payload || entry_decode(it->entry, it->len, &e, NULL) < 0)
		return 0;
	if (e.kind != ENTRY_INGEST) {
		entry_release(&e);
		return 0;
	}
	log_event_read(&ev, it->index, e.time_ms, e.source, it->payload, it->payload_len,
	               s->offset_ms);
	if (q->host && strcmp(ev.host, s->host_lc))
		ok = false;
	if (ok && q->app &&
	    !(ev.msg.app.n == strlen(q->app) && !memcmp(ev.msg.app.p, q->app, ev.msg.app.n)))
		ok = false;
	if (ok && q->user &&
	    !(ev.fields.user.n == strlen(q->user) &&
	      !memcmp(ev.fields.user.p, q->user, ev.fields.user.n)))
		ok = false;
	if (ok && ((q->since_ms && ev.time_ms < q->since_ms) ||
	           (q->until_ms && ev.time_ms > q->until_ms)))
		ok = false;
	if (ok && q->grep && !ci_contains(ev.payload.raw, ev.payload.raw_len, q->grep))
		ok = false;
	if (ok)
		add_cand(s, it->index, ev.time_ms);
	log_event_release(&ev);
	entry_release(&e);
	return 0;
}

static int cmp_newest(const void *a, const void *b)
{
	const struct cand *x = a, *y = b;

	if (x->time_ms != y->time_ms)
		return x->time_ms > y->time_ms ? -1 : 1;
	return x->index > y->index ? -1 : x->index < y->index;
}

static int read_hit(void *ctx, const struct ledger_range_item *it)
{
	struct log_hit *h = ctx;
	struct ledger_entry e;

	if (entry_decode(it->entry, it->len, &e, NULL) == 0) {
		h->received_ms = e.time_ms;
		h->source = e.source ? xstrdup(e.source) : NULL;
		entry_release(&e);
	}
	if (it->payload)
		strbuf_add(&h->payload, it->payload, it->payload_len);
	return 0;
}

int logindex_search(struct store *st, struct ledger *lg, const struct log_query *q,
                    int64_t offset_ms, struct log_result *ret, struct strbuf *err)
{
	struct search s = { .q = q, .st = st, .lg = lg, .offset_ms = offset_ms };
	struct strbuf apppat = STRBUF_INIT, userpat = STRBUF_INIT;
	struct query *qb;
	uint64_t indexed = 0;
	int64_t limit = q->limit > 0 ? q->limit : 100;
	bool began = false;
	int r;

	memset(ret, 0, sizeof(*ret));
	if (q->host) {
		s.host_lc = xstrdup(q->host);
		for (char *p = s.host_lc; *p; p++)
			if (*p >= 'A' && *p <= 'Z')
				*p = (char)(*p + 32);
	}
	if (q->app)
		strbuf_addf(&apppat, "\n%s\n", q->app);
	if (q->user)
		strbuf_addf(&userpat, "\n%s\n", q->user);
	/* One snapshot for the index and the ledger's tail: a deferred read transaction, or the
	 * caller's (a web GET holds one: store_hold_read). */
	r = store_read_begin(st, &began, err);
	if (r < 0)
		goto out;
	r = logindex_state(st, &indexed, NULL, err);
	if (r < 0)
		goto out;
	if (q->host) {
		r = search_runs(&s, err);
		if (r < 0)
			goto out;
		goto tail;
	}
	r = query_prepare(st,
	                  "SELECT first_index, n, t_min, t_max, hosts, apps, users, data"
	                  " FROM log_block WHERE t_max >= ?1 AND t_min <= ?2"
	                  " AND (?3 IS NULL OR instr(apps, ?3) > 0)"
	                  " AND (?4 IS NULL OR instr(users, ?4) > 0)"
	                  " ORDER BY last_index DESC",
	                  &qb, err);
	if (r < 0)
		goto out;
	query_bind_int(qb, 1, q->since_ms ? q->since_ms : INT64_MIN);
	query_bind_int(qb, 2, q->until_ms ? q->until_ms : INT64_MAX);
	query_bind_text(qb, 3, q->app ? apppat.buf : NULL);
	query_bind_text(qb, 4, q->user ? userpat.buf : NULL);
	while ((r = query_step(qb, err)) > 0) {
		r = search_block(&s, qb, err);
		if (r < 0) {
			query_done(qb);
			goto out;
		}
	}
	if (r < 0)
		goto out;
tail:
	r = ledger_read_range(lg, indexed, UINT64_MAX, LEDGER_RANGE_PAYLOADS, tail_item, &s, err);
	if (r < 0)
		goto out;
	ret->count = s.nr;
	if (q->count_only)
		goto out;
	if (s.nr)
		qsort(s.c, s.nr, sizeof(*s.c), cmp_newest);
	for (size_t i = (size_t)q->offset; i < s.nr && (int64_t)ret->nr < limit; i++) {
		struct log_hit *h;
		if (!ret->hits)
			ret->hits = xcalloc((size_t)limit, sizeof(*ret->hits));
		h = &ret->hits[ret->nr++];
		h->index = s.c[i].index;
		h->time_ms = s.c[i].time_ms;
		strbuf_init(&h->payload, 0);
		r = ledger_read_range(lg, h->index, 1, LEDGER_RANGE_PAYLOADS, read_hit, h, err);
		if (r < 0)
			goto out;
		log_event_read(&h->ev, h->index, h->received_ms, h->source, h->payload.buf,
		               h->payload.len, offset_ms);
	}
out:
	store_read_end(st, began);
	free(s.c);
	free(s.host_lc);
	strbuf_release(&apppat);
	strbuf_release(&userpat);
	if (r < 0)
		log_result_release(ret);
	return r;
}

void log_result_release(struct log_result *r)
{
	for (size_t i = 0; i < r->nr; i++) {
		log_event_release(&r->hits[i].ev);
		strbuf_release_secret(&r->hits[i].payload);
		free(r->hits[i].source);
	}
	free(r->hits);
	memset(r, 0, sizeof(*r));
}

static void span_or_null(struct json_writer *w, const char *key, struct syslog_span s)
{
	jw_key(w, key);
	if (s.n)
		jw_string_len(w, s.p, s.n);
	else
		jw_null(w);
}

void log_hit_json(const struct log_hit *h, struct json_writer *w)
{
	static const char *const formats[] = { "raw", "rfc5424", "rfc3164", "json" };
	const struct log_event *ev = &h->ev;
	struct strbuf t = STRBUF_INIT;

	jw_object_begin(w);
	jw_key(w, "index");
	jw_uint(w, h->index);
	time_format_rfc3339(&t, ev->time_ms);
	jw_kv_str(w, "time", t.buf);
	strbuf_reset(&t);
	time_format_rfc3339(&t, h->received_ms);
	jw_kv_str(w, "received", t.buf);
	jw_kv_str(w, "host", ev->host[0] ? ev->host : NULL);
	span_or_null(w, "app", ev->msg.app);
	span_or_null(w, "procid", ev->msg.procid);
	span_or_null(w, "msgid", ev->msg.msgid);
	jw_kv_str(w, "facility", syslog_facility_name(ev->msg.pri));
	jw_kv_str(w, "severity", syslog_severity_name(ev->msg.pri));
	span_or_null(w, "user", ev->fields.user);
	span_or_null(w, "src_ip", ev->fields.src_ip);
	jw_key(w, "message");
	jw_string_len(w, ev->msg.msg.p ? ev->msg.msg.p : "", ev->msg.msg.n);
	jw_kv_str(w, "format", formats[ev->msg.format & 3]);
	jw_kv_str(w, "error", ev->msg.format == SYSLOG_RAW ? ev->msg.error : NULL);
	jw_kv_bool(w, "cut", (ev->payload.flags & LOG_CUT) != 0);
	jw_kv_str(w, "via", ev->payload.via);
	jw_kv_str(w, "peer", ev->payload.peer[0] ? ev->payload.peer : NULL);
	jw_kv_str(w, "tls", ev->payload.tls[0] ? ev->payload.tls : NULL);
	jw_kv_str(w, "source", h->source);
	jw_object_end(w);
	strbuf_release(&t);
}

int log_parse_when(const char *s, int64_t now_ms, int64_t offset_ms, int64_t *ret_ms)
{
	struct syslog_parse_options o = { .now_ms = now_ms, .offset_ms = offset_ms };
	int64_t secs, ms;
	size_t n = strlen(s);

	/* "2026-11-22": midnight in the ward's time. */
	if (n == 10 && s[4] == '-' && s[7] == '-' && time_parse_date(s, &ms) == 0) {
		*ret_ms = ms - offset_ms;
		return 0;
	}
	/* "2026-11-22 11:46" (seconds optional), RFC 3339 with or without a zone. */
	if (n == 16 && s[4] == '-' && (s[10] == ' ' || s[10] == 'T') && s[13] == ':') {
		char full[20];
		memcpy(full, s, 16);
		memcpy(full + 16, ":00", 4);
		return syslog_parse_time(full, 19, &o, ret_ms);
	}
	if (n >= 19 && syslog_parse_time(s, n, &o, ret_ms) == 0)
		return 0;
	/* "1h", "30m", "7d": that long ago. */
	if (parse_duration(s, &secs) == 0) {
		*ret_ms = now_ms - secs * 1000;
		return 0;
	}
	return -EINVAL;
}
