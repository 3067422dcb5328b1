/* record-order-page: a list's window walked through the orders kept in memory (record-order.c),
 * the marks that let a walk start near its page, and the lists' caches of titles and searches. */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "base/bitset.h"
#include "base/cleanup.h"
#include "core/record-order-internal.h"
#include "core/records.h"

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
		qsort_r(few, m, sizeof(*few), order_qsort_cmp, &c);
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
	int r = order_begin(o, st, err);

	if (r < 0)
		return r;
	reg = order_str_find(o, q->register_id);
	none = !reg;
	if (q->level && !(level = order_str_find(o, q->level)))
		none = true;
	if (q->section && !(section = order_str_find(o, q->section)))
		none = true;
	if (q->state && !(state = order_str_find(o, q->state)))
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
