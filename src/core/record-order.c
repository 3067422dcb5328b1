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
#include "core/record-order.h"
#include "core/records.h"
#include "store/query.h"

/* Beyond these the lists ask SQLite (record_order_page answers -E2BIG). */
#define ORDER_MAX_ID     (4 * 1024 * 1024) /* the attributes are an array by id */
#define ORDER_MAX_STRS   60000             /* distinct registers, levels, sections, states */
#define ORDER_MAX_UPDATE 4096              /* more records touched since: built again */
#define ORDER_SEARCHES   8                 /* searches kept */
#define MARK_STRIDE      256               /* a walk's mark every this many matches */
#define MARK_WALKS       256               /* walks (set, filters, order) whose marks are kept */

/* A record's sort and filter columns; strings as codes into record_order.strs, 0 for NULL. */
struct ord_attr {
	int64_t changed;
	uint16_t reg; /* 0: no record of this id */
	uint16_t level, section, state;
};

/* A search's matches at a version (reg NULL: free). */
struct ord_search {
	char *reg, *text;
	int64_t version;
	struct bitset ids;
};

/*
 * Where a walk's matches begin: pos[k] is the position (from the walk's start) of match
 * k * MARK_STRIDE of the walk of an order through a register with these filters and set, at
 * the orders' watermark and the set's version. A page at offset N starts at the mark below N
 * instead of walking every match before it (page 40 of a filtered list for a reader who sees
 * half the ward walked ~24,000 ids, in the list order: scattered reads of the attributes).
 */
struct ord_marks {
	bool used;
	int64_t watermark, set_version;
	uint64_t set_id; /* 0: no set */
	uint16_t reg, level, section, state;
	enum record_order_key key;
	bool desc;
	uint32_t *pos;
	size_t n_pos, alloc_pos;
};

struct record_order {
	atomic_int refs;
	pthread_mutex_t marks_lock;
	struct ord_marks marks[MARK_WALKS];
	unsigned next_marks; /* replaced round robin */
	pthread_mutex_t search_lock;
	struct ord_search searches[ORDER_SEARCHES];
	unsigned next_search; /* replaced round robin */
	pthread_rwlock_t lock;
	bool built;
	atomic_bool too_big; /* past ORDER_MAX_ID or ORDER_MAX_STRS: the lists ask SQLite */
	int64_t watermark;   /* the acts up to this id are reflected */

	/* interned strings by code (strs[0] unused: NULL) and each one's rank in byte order */
	char **strs;
	uint32_t *rank;
	size_t n_strs, alloc_strs;

	struct ord_attr *attrs; /* by id */
	size_t n_attrs;
	/* every record's id, sorted by (register code, key, id); n each */
	uint32_t *orders[RECORD_ORDER_KEYS];
	size_t n, alloc;

	/* the titles lists showed (record_order_title_put), by id, under the profile of that
	 * SHA-256; dropped when an act touches the record */
	char **titles;
	size_t n_titles;
	char *titles_profile;
};

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
static uint16_t str_find(const struct record_order *o, const char *s)
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
	uint16_t c = str_find(o, s);
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

struct cmp_ctx {
	const struct record_order *o;
	enum record_order_key key;
};

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

static int ord_qsort_cmp(const void *a, const void *b, void *ctx)
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
		qsort_r(o->orders[k], o->n, sizeof(uint32_t), ord_qsort_cmp, &c);
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
static int begin(struct record_order *o, struct store *st, struct strbuf *err)
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

/* [*lo, *hi): the positions of register reg in orders[key]. */
static void segment(const struct record_order *o, enum record_order_key key, uint16_t reg,
                    size_t *lo, size_t *hi)
{
	const uint32_t *a = o->orders[key];
	size_t l = 0, h = o->n;

	while (l < h) {
		size_t mid = l + (h - l) / 2;
		if (o->attrs[a[mid]].reg < reg)
			l = mid + 1;
		else
			h = mid;
	}
	*lo = l;
	h = o->n;
	while (l < h) {
		size_t mid = l + (h - l) / 2;
		if (o->attrs[a[mid]].reg <= reg)
			l = mid + 1;
		else
			h = mid;
	}
	*hi = l;
}

/*
 * A search's matches are few beside the register (a title, a number): sorting them is cheaper
 * than walking the whole order for them (the list benchmark's searches walked 100,000 ids for
 * a few dozen). Below this share of the register, the matches are sorted instead.
 */
#define FEW_DIVISOR 8

/* The ids of q->search that pass q's filters and set, in the order of q->key (ascending). */
static size_t search_matches(const struct record_order *o, const struct record_order_query *q,
                             const struct bitset *set, uint16_t reg, uint16_t level,
                             uint16_t section, uint16_t state, uint32_t **ret)
{
	const struct bitset *s = q->search;
	struct cmp_ctx c = { .o = o, .key = q->key };
	uint32_t *few = NULL;
	size_t m = 0, alloc = 0;

	for (size_t w = 0; w < s->nwords; w++) {
		for (uint64_t bits = s->words[w]; bits; bits &= bits - 1) {
			size_t id = w * 64 + (size_t)__builtin_ctzll(bits);
			const struct ord_attr *x;
			if (id >= o->n_attrs)
				break;
			x = &o->attrs[id];
			if (x->reg != reg || (level && x->level != level) ||
			    (section && x->section != section) || (state && x->state != state) ||
			    (set && !bitset_has(set, (int64_t)id)))
				continue;
			ALLOC_GROW(few, m, alloc);
			few[m++] = (uint32_t)id;
		}
	}
	if (m > 1)
		qsort_r(few, m, sizeof(*few), ord_qsort_cmp, &c);
	*ret = few;
	return m;
}

/* A walk's filters as codes, to name its marks. */
struct walk {
	uint16_t reg, level, section, state;
};

static bool marks_of(const struct ord_marks *m, const struct record_order *o,
                     const struct record_order_query *q, const struct walk *w)
{
	return m->used && m->watermark == o->watermark && m->set_id == q->set_id &&
	       m->set_version == q->set_version && m->reg == w->reg && m->level == w->level &&
	       m->section == w->section && m->state == w->state && m->key == q->key &&
	       m->desc == q->desc;
}

/*
 * Where the walk of q may begin: *ret_i, the position of the match numbered *ret_matches (a
 * multiple of MARK_STRIDE, at most q->offset), and *ret_known, the marks kept for this walk.
 */
static void marks_start(struct record_order *o, const struct record_order_query *q,
                        const struct walk *w, size_t *ret_i, int64_t *ret_matches,
                        size_t *ret_known)
{
	*ret_i = 0;
	*ret_matches = 0;
	*ret_known = 0;
	pthread_mutex_lock(&o->marks_lock);
	for (unsigned j = 0; j < MARK_WALKS; j++) {
		const struct ord_marks *m = &o->marks[j];
		size_t k;
		if (!marks_of(m, o, q, w))
			continue;
		*ret_known = m->n_pos;
		k = (size_t)(q->offset / MARK_STRIDE);
		if (k >= m->n_pos)
			k = m->n_pos ? m->n_pos - 1 : 0;
		if (m->n_pos) {
			*ret_i = m->pos[k];
			*ret_matches = (int64_t)k * MARK_STRIDE;
		}
		break;
	}
	pthread_mutex_unlock(&o->marks_lock);
}

/* Keeps the marks from number known on (fresh, n of them) for the walk of q. */
static void marks_put(struct record_order *o, const struct record_order_query *q,
                      const struct walk *w, size_t known, const uint32_t *fresh, size_t n)
{
	struct ord_marks *m = NULL;

	pthread_mutex_lock(&o->marks_lock);
	for (unsigned j = 0; j < MARK_WALKS && !m; j++)
		if (marks_of(&o->marks[j], o, q, w))
			m = &o->marks[j];
	if (!m) {
		m = &o->marks[o->next_marks++ % MARK_WALKS];
		m->used = true;
		m->watermark = o->watermark;
		m->set_id = q->set_id;
		m->set_version = q->set_version;
		m->reg = w->reg;
		m->level = w->level;
		m->section = w->section;
		m->state = w->state;
		m->key = q->key;
		m->desc = q->desc;
		m->n_pos = 0;
	}
	if (m->n_pos == known) { /* else another walk kept them meanwhile */
		for (size_t i = 0; i < n; i++) {
			ALLOC_GROW(m->pos, m->n_pos, m->alloc_pos);
			m->pos[m->n_pos++] = fresh[i];
		}
	}
	pthread_mutex_unlock(&o->marks_lock);
}

/* The window of q in orders[q->key] through [lo, hi): from the mark below its offset on. */
static void walk(struct record_order *o, const struct record_order_query *q,
                 const struct bitset *set, const struct walk *w, size_t lo, size_t hi,
                 int64_t **ids, size_t *n, size_t *alloc_ids, int64_t *ret_total)
{
	const uint32_t *a = o->orders[q->key];
	size_t limit = q->limit > 0 ? (size_t)q->limit : SIZE_MAX, known = 0, i = 0;
	size_t n_fresh = 0, alloc_fresh = 0;
	uint32_t *fresh = NULL;
	int64_t total = 0, skipped;
	bool marked = !q->search;

	if (marked)
		marks_start(o, q, w, &i, &total, &known);
	skipped = total;
	for (; i < hi - lo; i++) {
		uint32_t id = a[q->desc ? hi - 1 - i : lo + i];
		const struct ord_attr *x = &o->attrs[id];
		if ((w->level && x->level != w->level) ||
		    (w->section && x->section != w->section) ||
		    (w->state && x->state != w->state) || (set && !bitset_has(set, id)) ||
		    (q->search && !bitset_has(q->search, id)))
			continue;
		if (marked && total % MARK_STRIDE == 0 &&
		    (size_t)(total / MARK_STRIDE) == known + n_fresh) {
			ALLOC_GROW(fresh, n_fresh, alloc_fresh);
			fresh[n_fresh++] = (uint32_t)i;
		}
		total++;
		if (skipped < q->offset) {
			skipped++;
		} else if (*n < limit) {
			ALLOC_GROW(*ids, *n, *alloc_ids);
			(*ids)[(*n)++] = id;
		} else if (!q->count) {
			break;
		}
	}
	if (n_fresh)
		marks_put(o, q, w, known, fresh, n_fresh);
	free(fresh);
	*ret_total = total;
}

int record_order_page(struct record_order *o, struct store *st, const struct record_order_query *q,
                      const struct bitset *set, int64_t **ret_ids, size_t *ret_n,
                      int64_t *ret_total, struct strbuf *err)
{
	int64_t *ids = NULL, skipped = 0, total = 0;
	size_t n = 0, alloc_ids = 0, lo, hi, limit = q->limit > 0 ? (size_t)q->limit : SIZE_MAX;
	uint16_t reg, level = 0, section = 0, state = 0;
	bool none;
	int r = begin(o, st, err);

	if (r < 0)
		return r;
	reg = str_find(o, q->register_id);
	none = !reg;
	if (q->level && !(level = str_find(o, q->level)))
		none = true;
	if (q->section && !(section = str_find(o, q->section)))
		none = true;
	if (q->state && !(state = str_find(o, q->state)))
		none = true;
	if (!none)
		segment(o, q->key, reg, &lo, &hi);
	if (!none && q->search && q->search->count <= (hi - lo) / FEW_DIVISOR) {
		uint32_t *few = NULL;
		size_t m = search_matches(o, q, set, reg, level, section, state, &few);
		for (size_t i = 0; i < m; i++) {
			uint32_t id = few[q->desc ? m - 1 - i : i];
			total++;
			if (skipped < q->offset) {
				skipped++;
			} else if (n < limit) {
				ALLOC_GROW(ids, n, alloc_ids);
				ids[n++] = id;
			}
		}
		free(few);
	} else if (!none) {
		struct walk w = { reg, level, section, state };
		walk(o, q, set, &w, lo, hi, &ids, &n, &alloc_ids, &total);
	}
	pthread_rwlock_unlock(&o->lock);
	*ret_ids = ids;
	*ret_n = n;
	if (q->count)
		*ret_total = total;
	return 0;
}

static char *dup_or_null(const char *s)
{
	return s ? xstrdup(s) : NULL;
}

bool record_order_rows(struct record_order *o, int64_t version, const char *profile_sha,
                       const int64_t *ids, size_t n, struct record *ret)
{
	bool titles;

	pthread_rwlock_rdlock(&o->lock);
	if (!o->built || o->watermark != version) {
		pthread_rwlock_unlock(&o->lock);
		return false;
	}
	for (size_t i = 0; i < n; i++) {
		if (ids[i] <= 0 || (size_t)ids[i] >= o->n_attrs || !o->attrs[ids[i]].reg) {
			pthread_rwlock_unlock(&o->lock); /* not one of the orders' records */
			return false;
		}
	}
	titles = o->titles_profile && !strcmp(o->titles_profile, profile_sha);
	for (size_t i = 0; i < n; i++) {
		const struct ord_attr *x = &o->attrs[ids[i]];
		struct record *rec = &ret[i];
		memset(rec, 0, sizeof(*rec));
		rec->id = ids[i];
		rec->register_id = xstrdup(o->strs[x->reg]);
		rec->level = dup_or_null(x->level ? o->strs[x->level] : NULL);
		rec->section = dup_or_null(x->section ? o->strs[x->section] : NULL);
		rec->state = dup_or_null(x->state ? o->strs[x->state] : NULL);
		rec->changed_ms = x->changed;
		if (titles && (size_t)ids[i] < o->n_titles)
			rec->title = dup_or_null(o->titles[ids[i]]);
	}
	pthread_rwlock_unlock(&o->lock);
	return true;
}

void record_order_title_put(struct record_order *o, int64_t version, const char *profile_sha,
                            int64_t id, const char *title)
{
	pthread_rwlock_wrlock(&o->lock);
	if (!o->built || o->watermark != version || id <= 0 || (size_t)id >= o->n_attrs) {
		pthread_rwlock_unlock(&o->lock);
		return;
	}
	if (!o->titles_profile || strcmp(o->titles_profile, profile_sha)) {
		for (size_t i = 0; i < o->n_titles; i++) {
			free(o->titles[i]);
			o->titles[i] = NULL;
		}
		free(o->titles_profile);
		o->titles_profile = xstrdup(profile_sha);
	}
	if ((size_t)id >= o->n_titles) {
		size_t n = o->n_attrs; /* id < n_attrs */
		o->titles = xreallocarray(o->titles, n, sizeof(*o->titles));
		memset(o->titles + o->n_titles, 0, (n - o->n_titles) * sizeof(*o->titles));
		o->n_titles = n;
	}
	if (!o->titles[id])
		o->titles[id] = xstrdup(title);
	pthread_rwlock_unlock(&o->lock);
}

static void bitset_copy(struct bitset *to, const struct bitset *from)
{
	bitset_release(to);
	to->nwords = from->nwords;
	to->count = from->count;
	to->words = from->nwords ? xreallocarray(NULL, from->nwords, sizeof(*to->words)) : NULL;
	if (from->nwords)
		memcpy(to->words, from->words, from->nwords * sizeof(*to->words));
}

bool record_order_search_get(struct record_order *o, int64_t version, const char *register_id,
                             const char *text, struct bitset *ret)
{
	bool hit = false;

	pthread_mutex_lock(&o->search_lock);
	for (unsigned i = 0; i < ORDER_SEARCHES && !hit; i++) {
		const struct ord_search *s = &o->searches[i];
		if (s->reg && s->version == version && !strcmp(s->reg, register_id) &&
		    !strcmp(s->text, text)) {
			bitset_copy(ret, &s->ids);
			hit = true;
		}
	}
	pthread_mutex_unlock(&o->search_lock);
	return hit;
}

void record_order_search_put(struct record_order *o, int64_t version, const char *register_id,
                             const char *text, const struct bitset *ids)
{
	struct ord_search *s;

	pthread_mutex_lock(&o->search_lock);
	s = &o->searches[o->next_search++ % ORDER_SEARCHES];
	free(s->reg);
	free(s->text);
	s->reg = xstrdup(register_id);
	s->text = xstrdup(text);
	s->version = version;
	bitset_copy(&s->ids, ids);
	pthread_mutex_unlock(&o->search_lock);
}
