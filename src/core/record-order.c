/* record-order: every record's place in each list order, kept in memory and up to date with the
 * act log (core/record-order.h). A list page walks the order's ids with two array reads and a
 * bit test each, where SQLite stepped its index row by row up to the page's offset. */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "base/bitset.h"
#include "base/cleanup.h"
#include "core/record-order-internal.h"
#include "core/record-order.h"
#include "store/query.h"

struct record_order *record_order_new(void)
{
	struct record_order *o = xcalloc(1, sizeof(*o));

	atomic_init(&o->refs, 1);
	pthread_rwlock_init(&o->lock, NULL);
	pthread_mutex_init(&o->search_lock, NULL);
	pthread_mutex_init(&o->marks_lock, NULL);
	return o;
}

struct record_order *record_order_ref(struct record_order *o)
{
	if (o)
		atomic_fetch_add(&o->refs, 1);
	return o;
}

static void clear(struct record_order *o)
{
	for (size_t i = 1; i < o->n_strs; i++)
		free(o->strs[i]);
	free(o->strs);
	free(o->rank);
	o->strs = NULL;
	o->rank = NULL;
	o->n_strs = o->alloc_strs = 0;
	free(o->attrs);
	o->attrs = NULL;
	o->n_attrs = 0;
	for (int k = 0; k < RECORD_ORDER_KEYS; k++) {
		free(o->orders[k]);
		o->orders[k] = NULL;
	}
	o->n = o->alloc = 0;
	for (size_t i = 0; i < o->n_titles; i++)
		free(o->titles[i]);
	free(o->titles);
	free(o->titles_profile);
	o->titles = NULL;
	o->titles_profile = NULL;
	o->n_titles = 0;
	o->built = false;
	o->watermark = 0;
}

void record_order_unref(struct record_order *o)
{
	if (!o || atomic_fetch_sub(&o->refs, 1) != 1)
		return;
	clear(o);
	for (unsigned i = 0; i < ORDER_SEARCHES; i++) {
		free(o->searches[i].reg);
		free(o->searches[i].text);
		bitset_release(&o->searches[i].ids);
	}
	pthread_mutex_destroy(&o->search_lock);
	for (unsigned i = 0; i < MARK_WALKS; i++)
		free(o->marks[i].pos);
	pthread_mutex_destroy(&o->marks_lock);
	pthread_rwlock_destroy(&o->lock);
	free(o);
}

/* The code of s, or 0 when s is NULL or not interned. */
uint16_t order_str_find(const struct record_order *o, const char *s)
{
	for (size_t i = 1; s && i < o->n_strs; i++)
		if (!strcmp(o->strs[i], s))
			return (uint16_t)i;
	return 0;
}

static int rank_cmp(const void *a, const void *b, void *ctx)
{
	char **strs = ctx;
	return strcmp(strs[*(const uint32_t *)a], strs[*(const uint32_t *)b]);
}

/*
 * The code of s, interned if new (0 for NULL); -E2BIG past ORDER_MAX_STRS. A new string moves
 * the ranks of others but never their order, so the sorted arrays stay sorted.
 */
static int str_intern(struct record_order *o, const char *s, uint16_t *ret)
{
	uint16_t c = order_str_find(o, s);
	uint32_t *by_rank;

	if (!s || c) {
		*ret = c;
		return 0;
	}
	if (o->n_strs >= ORDER_MAX_STRS)
		return -E2BIG;
	if (!o->n_strs)
		o->n_strs = 1;
	if (o->n_strs + 1 > o->alloc_strs) {
		o->alloc_strs = o->alloc_strs ? o->alloc_strs * 2 : 16;
		o->strs = xreallocarray(o->strs, o->alloc_strs, sizeof(*o->strs));
		o->rank = xreallocarray(o->rank, o->alloc_strs, sizeof(*o->rank));
	}
	o->strs[o->n_strs] = xstrdup(s);
	*ret = (uint16_t)o->n_strs++;
	/* the ranks again: strings in byte order, as SQLite's BINARY collation sorts them */
	by_rank = xreallocarray(NULL, o->n_strs, sizeof(*by_rank));
	for (size_t i = 1; i < o->n_strs; i++)
		by_rank[i - 1] = (uint32_t)i;
	qsort_r(by_rank, o->n_strs - 1, sizeof(*by_rank), rank_cmp, o->strs);
	o->rank[0] = 0;
	for (size_t i = 0; i + 1 < o->n_strs; i++)
		o->rank[by_rank[i]] = (uint32_t)i + 1;
	free(by_rank);
	return 0;
}

/* (register, key, id): NULL first, as SQLite sorts ascending. */
static int ord_cmp(const struct record_order *o, enum record_order_key key, uint32_t a, uint32_t b)
{
	const struct ord_attr *x = &o->attrs[a], *y = &o->attrs[b];
	uint32_t u = 0, v = 0;

	if (x->reg != y->reg)
		return x->reg < y->reg ? -1 : 1;
	switch (key) {
	case RECORD_ORDER_CHANGED:
		if (x->changed != y->changed)
			return x->changed < y->changed ? -1 : 1;
		break;
	case RECORD_ORDER_LEVEL:
		u = o->rank[x->level];
		v = o->rank[y->level];
		break;
	case RECORD_ORDER_SECTION:
		u = o->rank[x->section];
		v = o->rank[y->section];
		break;
	case RECORD_ORDER_STATE:
		u = o->rank[x->state];
		v = o->rank[y->state];
		break;
	default:
		break;
	}
	if (u != v)
		return u < v ? -1 : 1;
	return a < b ? -1 : a > b;
}

int order_qsort_cmp(const void *a, const void *b, void *ctx)
{
	const struct cmp_ctx *c = ctx;
	return ord_cmp(c->o, c->key, *(const uint32_t *)a, *(const uint32_t *)b);
}

#define ORDER_COLUMNS "id, register, level, section, state, changed_ms"

/* The attributes of the row q stands on; -E2BIG when the id or the strings are past the limits. */
static int take_row(struct record_order *o, struct query *q, uint32_t *ret_id)
{
	int64_t id = query_int(q, 0);
	struct ord_attr a = { .changed = query_int(q, 5) };
	int r;

	if (id <= 0 || id >= ORDER_MAX_ID)
		return -E2BIG;
	if ((r = str_intern(o, query_text(q, 1), &a.reg)) < 0 ||
	    (r = str_intern(o, query_text(q, 2), &a.level)) < 0 ||
	    (r = str_intern(o, query_text(q, 3), &a.section)) < 0 ||
	    (r = str_intern(o, query_text(q, 4), &a.state)) < 0)
		return r;
	if ((size_t)id >= o->n_attrs) {
		/* by a quarter: every slot is written (zeroed), so all of it is resident */
		size_t n = o->n_attrs ? o->n_attrs : 1024;
		while (n <= (size_t)id)
			n += n / 4;
		o->attrs = xreallocarray(o->attrs, n, sizeof(*o->attrs));
		memset(o->attrs + o->n_attrs, 0, (n - o->n_attrs) * sizeof(*o->attrs));
		o->n_attrs = n;
	}
	o->attrs[id] = a;
	*ret_id = (uint32_t)id;
	return 0;
}

static void grow(struct record_order *o, size_t n)
{
	if (n <= o->alloc)
		return;
	o->alloc = o->alloc ? o->alloc : 1024;
	while (o->alloc < n)
		o->alloc *= 2;
	for (int k = 0; k < RECORD_ORDER_KEYS; k++)
		o->orders[k] = xreallocarray(o->orders[k], o->alloc, sizeof(uint32_t));
}

static int build(struct record_order *o, struct store *st, int64_t upto, struct strbuf *err)
{
	struct query *q;
	uint32_t id;
	int r;

	clear(o);
	r = query_prepare(st, "SELECT " ORDER_COLUMNS " FROM records", &q, err);
	while (r >= 0 && (r = query_step(q, err)) > 0) {
		if ((r = take_row(o, q, &id)) < 0) {
			query_done(q);
			break;
		}
		grow(o, o->n + 1);
		o->orders[0][o->n++] = id;
	}
	if (r < 0) {
		clear(o);
		return r;
	}
	/* no records: nothing to sort (and the arrays are not allocated: memcpy and qsort_r may
	 * not be given NULL, even for 0 elements) */
	for (int k = 0; o->n && k < RECORD_ORDER_KEYS; k++) {
		struct cmp_ctx c = { o, (enum record_order_key)k };
		if (k)
			memcpy(o->orders[k], o->orders[0], o->n * sizeof(uint32_t));
		qsort_r(o->orders[k], o->n, sizeof(uint32_t), order_qsort_cmp, &c);
	}
	o->watermark = upto;
	o->built = true;
	return 0;
}

/* The first position in orders[key] whose id sorts after x (x itself need not be present). */
static size_t upper_bound(const struct record_order *o, enum record_order_key key, uint32_t x)
{
	size_t lo = 0, hi = o->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (ord_cmp(o, key, o->orders[key][mid], x) <= 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

#define TOUCHED_SQL                                                                                \
	"SELECT record_id FROM acts WHERE id > ?1 AND id <= ?2 AND record_id IS NOT NULL"

/*
 * The records the acts after the watermark (up to upto) touched, taken out of every order and
 * put back where their values now sort (every record write is the door's and leaves an act,
 * as core/read-set.c relies on too). Many at once: built again.
 */
static int update(struct record_order *o, struct store *st, int64_t upto, struct strbuf *err)
{
	struct bitset touched = { 0 };
	uint32_t *fresh = NULL;
	size_t n_touched = 0, n_fresh = 0, alloc_fresh = 0;
	struct query *q;
	int r;

	r = query_prepare(st, "SELECT DISTINCT record_id FROM (" TOUCHED_SQL ") AS t", &q, err);
	if (r == 0) {
		query_bind_int(q, 1, o->watermark);
		query_bind_int(q, 2, upto);
	}
	while (r >= 0 && (r = query_step(q, err)) > 0) {
		int64_t id = query_int(q, 0);
		if (++n_touched > ORDER_MAX_UPDATE) {
			query_done(q);
			break;
		}
		bitset_put(&touched, id, true);
		if (id > 0 && (size_t)id < o->n_attrs)
			o->attrs[id].reg = 0;
		if (id > 0 && (size_t)id < o->n_titles) {
			free(o->titles[id]);
			o->titles[id] = NULL;
		}
	}
	if (r < 0)
		goto out;
	if (n_touched > ORDER_MAX_UPDATE) {
		r = build(o, st, upto, err);
		goto out;
	}
	/* out of every order */
	for (int k = 0; k < RECORD_ORDER_KEYS; k++) {
		size_t w = 0;
		for (size_t i = 0; i < o->n; i++)
			if (!bitset_has(&touched, o->orders[k][i]))
				o->orders[k][w++] = o->orders[k][i];
		if (k == RECORD_ORDER_KEYS - 1)
			o->n = w;
	}
	/* their values now */
	r = query_prepare(st, "SELECT " ORDER_COLUMNS " FROM records WHERE id IN (" TOUCHED_SQL ")",
	                  &q, err);
	if (r == 0) {
		query_bind_int(q, 1, o->watermark);
		query_bind_int(q, 2, upto);
	}
	while (r >= 0 && (r = query_step(q, err)) > 0) {
		ALLOC_GROW(fresh, n_fresh, alloc_fresh);
		if ((r = take_row(o, q, &fresh[n_fresh])) < 0) {
			query_done(q);
			break;
		}
		n_fresh++;
	}
	if (r < 0)
		goto out;
	/* back in where they sort */
	grow(o, o->n + n_fresh);
	for (size_t j = 0; j < n_fresh; j++) {
		for (int k = 0; k < RECORD_ORDER_KEYS; k++) {
			size_t at = upper_bound(o, (enum record_order_key)k, fresh[j]);
			memmove(o->orders[k] + at + 1, o->orders[k] + at,
			        (o->n - at) * sizeof(uint32_t));
			o->orders[k][at] = fresh[j];
		}
		o->n++;
	}
	o->watermark = upto;
out:
	if (r < 0)
		clear(o); /* built again on next use */
	bitset_release(&touched);
	free(fresh);
	return r < 0 ? r : 0;
}

int record_order_version(struct store *st, int64_t *ret, struct strbuf *err)
{
	struct query *q;
	int r;

	*ret = 0;
	r = query_prepare(st, "SELECT coalesce(max(id), 0) FROM acts", &q, err);
	if (r == 0)
		r = query_one_int(q, ret, err);
	return r;
}

/* Holds o read-locked and up to date with every act committed on st so far. */
int order_begin(struct record_order *o, struct store *st, struct strbuf *err)
{
	int64_t upto = 0;
	int r = record_order_version(st, &upto, err);

	if (r < 0)
		return r;
	if (atomic_load(&o->too_big))
		return -E2BIG;
	pthread_rwlock_rdlock(&o->lock);
	if (o->built && o->watermark >= upto)
		return 0;
	pthread_rwlock_unlock(&o->lock);
	pthread_rwlock_wrlock(&o->lock);
	if (!o->built)
		r = build(o, st, upto, err);
	else if (o->watermark < upto)
		r = update(o, st, upto, err);
	if (r == -E2BIG)
		atomic_store(&o->too_big, true);
	pthread_rwlock_unlock(&o->lock);
	if (r < 0)
		return r;
	pthread_rwlock_rdlock(&o->lock);
	if (!o->built) { /* another thread's build failed meanwhile */
		pthread_rwlock_unlock(&o->lock);
		return -EAGAIN;
	}
	return 0;
}
