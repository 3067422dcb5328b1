/* logindex-search: searching the index of collected logs (logindex.h), and a hit as JSON. */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "base/cleanup.h"
#include "base/json.h"
#include "base/parse.h"
#include "base/timeutil.h"
#include "ingest/logindex-internal.h"
#include "ingest/logindex.h"
#include "ledger/ledger.h"
#include "store/query.h"
#include "store/store.h"

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
	if (it->payload && log_payload_parse(it->payload, it->payload_len, NULL, &p) == 0 &&
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

/* A page of hits being read from the ledger: a hit's ledger index and its place in the page. */
struct hit_at {
	uint64_t index;
	size_t pos;
};

struct hit_read {
	struct log_hit *hits;
	const struct hit_at *order; /* the page's hits by ledger index */
	size_t at, end;             /* the hits [at, end) of order being read */
};

static int cmp_hit_at(const void *a, const void *b)
{
	const struct hit_at *x = a, *y = b;

	return x->index < y->index ? -1 : x->index > y->index;
}

static int read_hit(void *ctx, const struct ledger_range_item *it)
{
	struct hit_read *hr = ctx;
	struct log_hit *h;
	struct ledger_entry e;

	/* (an entry between two hits of the bundle matches none; an index twice on the page, which
	 * the candidates never hold, would fill both) */
	for (; hr->at < hr->end && hr->order[hr->at].index == it->index; hr->at++) {
		h = &hr->hits[hr->order[hr->at].pos];
		if (entry_decode(it->entry, it->len, &e, NULL) == 0) {
			h->received_ms = e.time_ms;
			h->source = e.source ? xstrdup(e.source) : NULL;
			entry_release(&e);
		}
		if (it->payload)
			strbuf_add(&h->payload, it->payload, it->payload_len);
	}
	return 0;
}

/* Bundles asked for at once: ~9 MB of bundles of 72 KB (a CSV of 100 000 hits asks in turns). */
#define HIT_PREFETCH 128

/*
 * Has the bundles of the hits from order[i] on (by ledger index) read from the disk together, up
 * to HIT_PREFETCH of them: each is most often in a place of its own (a host's messages of an hour
 * are scattered over the ledger), and read one after another a page of 100 hits waited for the
 * disk 100 times. Returns where the hits of those bundles end in order.
 */
static size_t prefetch_bundles(struct ledger *lg, const struct hit_at *order, size_t i, size_t nr)
{
	uint64_t b[HIT_PREFETCH];
	size_t n = 0;

	for (; i < nr; i++) {
		uint64_t bundle = order[i].index / LEDGER_TILE_WIDTH;
		if (n && b[n - 1] == bundle)
			continue;
		if (n == HIT_PREFETCH)
			break;
		b[n++] = bundle;
	}
	ledger_prefetch_bundles(lg, b, n);
	return i;
}

/*
 * The page of hits: candidates [offset, offset + limit) of c (newest first), with their entries
 * and sealed payloads read from the ledger in ledger order, one read for the hits of each
 * bundle of entries: the hits of a host in an hour often share bundles, and each read of a
 * bundle reads it whole (its entries and payloads). The bundles are asked of the disk
 * HIT_PREFETCH at a time before they are read (prefetch_bundles).
 */
static int read_hits(struct ledger *lg, const struct cand *c, size_t nr, size_t offset,
                     size_t limit, int64_t offset_ms, struct log_result *ret, struct strbuf *err)
{
	struct hit_at *order;
	struct hit_read hr;
	int r = 0;

	if (offset >= nr)
		return 0;
	ret->nr = nr - offset < limit ? nr - offset : limit;
	ret->hits = xcalloc(ret->nr, sizeof(*ret->hits));
	order = xcalloc(ret->nr, sizeof(*order));
	for (size_t i = 0; i < ret->nr; i++) {
		ret->hits[i].index = order[i].index = c[offset + i].index;
		ret->hits[i].time_ms = c[offset + i].time_ms;
		strbuf_init(&ret->hits[i].payload, 0);
		order[i].pos = i;
	}
	qsort(order, ret->nr, sizeof(*order), cmp_hit_at);
	hr = (struct hit_read){ .hits = ret->hits, .order = order };
	for (size_t i = 0, j, ahead = 0; r >= 0 && i < ret->nr; i = j) {
		uint64_t bundle = order[i].index / LEDGER_TILE_WIDTH;
		if (i >= ahead)
			ahead = prefetch_bundles(lg, order, i, ret->nr);
		for (j = i + 1; j < ret->nr && order[j].index / LEDGER_TILE_WIDTH == bundle; j++)
			;
		hr.at = i;
		hr.end = j;
		r = ledger_read_range(lg, order[i].index, order[j - 1].index - order[i].index + 1,
		                      LEDGER_RANGE_PAYLOADS, read_hit, &hr, err);
	}
	for (size_t i = 0; r >= 0 && i < ret->nr; i++) {
		struct log_hit *h = &ret->hits[i];
		log_event_read(&h->ev, h->index, h->received_ms, h->source, h->payload.buf,
		               h->payload.len, offset_ms);
	}
	free(order);
	return r < 0 ? r : 0;
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
	r = read_hits(lg, s.c, s.nr, (size_t)q->offset, (size_t)limit, offset_ms, ret, err);
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
