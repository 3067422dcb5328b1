/* read-set: a reader's visible set, the ids of every record it may read, materialised once and
 * kept up to date from the act log, so lists, counts and pages filter with one bit test. */
#include <errno.h>
#include <jansson.h>
#include <pthread.h>
#include <stdatomic.h>
#include <string.h>

#include "base/bitset.h"
#include "base/cleanup.h"
#include "core/read-internal.h"
#include "core/records.h"
#include "store/query.h"

struct read_total {
	char *key; /* NULL: free */
	int64_t version, n;
};

struct read_set {
	uint64_t serial; /* never reused: names this set (record_order_query.set_id) */
	pthread_rwlock_t lock;
	struct bitset bits;
	int64_t watermark; /* the acts up to this id are in bits */
	bool built;

	/* the reader's counts of every section (records_count_visible), as of counts_version */
	pthread_mutex_t counts_lock;
	struct record_counts counts;
	int64_t counts_version; /* 0: none */
	/* and of the lists' filters (records_query), shared by every worker; round robin */
	struct read_total totals[READ_TOTALS];
	unsigned next_total;
};

struct read_set *read_set_new(void)
{
	static atomic_uint_fast64_t serials;
	struct read_set *s = xcalloc(1, sizeof(*s));

	s->serial = atomic_fetch_add(&serials, 1) + 1;
	pthread_rwlock_init(&s->lock, NULL);
	pthread_mutex_init(&s->counts_lock, NULL);
	return s;
}

uint64_t read_set_serial(const struct reader *rd)
{
	return rd->set->serial;
}

void read_set_free(struct read_set *s)
{
	if (!s)
		return;
	pthread_rwlock_destroy(&s->lock);
	pthread_mutex_destroy(&s->counts_lock);
	record_counts_release(&s->counts);
	for (unsigned i = 0; i < READ_TOTALS; i++)
		free(s->totals[i].key);
	bitset_release(&s->bits);
	free(s);
}

bool read_set_may_grant(const struct reader *rd, const char *register_id)
{
	for (unsigned i = 0; i < rd->p->n_registers; i++) {
		const struct policy_register *g = &rd->p->registers[i];
		if ((!register_id || !strcmp(g->id, register_id)) && read_grants_field(g))
			return true;
	}
	return false;
}

/*
 * Whether rd reads the record of these columns: what read_record decides for it. A record
 * opened one by one or granted to the reader is decided with its own values, as read_record
 * does; any other falls in a class compile already decided with policy_decide (read.c), so
 * one lookup gives the same answer. Fields are parsed only when a decision reads them.
 */
static bool row_visible(const struct reader *rd, int64_t id, const char *reg_id, const char *level,
                        const char *section, const char *system, const char *state,
                        const char *fields_text, struct strbuf *scratch)
{
	const struct policy_register *g = policy_register(rd->p, reg_id);
	const struct read_reg *rr = g ? &rd->regs[g->index] : NULL;
	bool needs_fields, one_by_one = false, granted, ok;
	json_t *fields = NULL;

	if (!rr || !rr->read)
		return false;
	if (rr->all)
		return true;
	for (size_t lo = 0, hi = rd->n_ids; lo < hi && !one_by_one;) {
		size_t mid = lo + (hi - lo) / 2;
		if (rd->ids[mid].id == id)
			one_by_one = true;
		else if (rd->ids[mid].id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	needs_fields = one_by_one || read_grants_field(g) != NULL;
	for (unsigned s = 0; s < READ_MAX_SLOTS && !needs_fields; s++)
		needs_fields = rr->slot_field[s] != NULL;
	if (needs_fields) {
		fields = json_loads(fields_text ? fields_text : "{}", 0, NULL);
		if (!json_is_object(fields)) {
			/* unreadable fields: read_record never sees such a record either */
			json_decref(fields);
			return false;
		}
	}
	granted = fields && read_granted(rd, g, fields);
	if (one_by_one || granted)
		ok = read_decide(rd, g->id, id, level, section, system, state, fields,
		                 read_opened_bits(rd, g, section, system, id), granted, NULL);
	else
		ok = read_class_allowed(rd, rr, level, section, system, state, fields, scratch);
	json_decref(fields);
	return ok;
}

#define ROW_COLUMNS "id, register, level, section, system, state, fields"

static int build(const struct reader *rd, struct read_set *s, struct store *st, int64_t upto,
                 struct strbuf *err)
{
	struct strbuf scratch = STRBUF_INIT;
	struct query *q;
	int r;

	bitset_release(&s->bits);
	r = query_prepare(st, "SELECT " ROW_COLUMNS " FROM records", &q, err);
	while (r >= 0 && (r = query_step(q, err)) > 0)
		bitset_put(&s->bits, query_int(q, 0),
		           row_visible(rd, query_int(q, 0), query_text(q, 1), query_text(q, 2),
		                       query_text(q, 3), query_text(q, 4), query_text(q, 5),
		                       query_text(q, 6), &scratch));
	strbuf_release(&scratch);
	if (r < 0)
		return r;
	s->watermark = upto;
	s->built = true;
	return 0;
}

/* The records the acts after the watermark (up to upto) touched, decided again. */
static int update(const struct reader *rd, struct read_set *s, struct store *st, int64_t upto,
                  struct strbuf *err)
{
	struct strbuf scratch = STRBUF_INIT;
	struct query *q;
	int r;

	r = query_prepare(st,
	                  "SELECT " ROW_COLUMNS " FROM records WHERE id IN (SELECT record_id FROM"
	                  " acts WHERE id > ?1 AND id <= ?2 AND record_id IS NOT NULL)",
	                  &q, err);
	if (r == 0) {
		query_bind_int(q, 1, s->watermark);
		query_bind_int(q, 2, upto);
	}
	while (r >= 0 && (r = query_step(q, err)) > 0)
		bitset_put(&s->bits, query_int(q, 0),
		           row_visible(rd, query_int(q, 0), query_text(q, 1), query_text(q, 2),
		                       query_text(q, 3), query_text(q, 4), query_text(q, 5),
		                       query_text(q, 6), &scratch));
	strbuf_release(&scratch);
	if (r < 0)
		return r;
	s->watermark = upto;
	return 0;
}

/* The newest act committed: every record write is the door's and leaves one. */
static int acts_version(struct store *st, int64_t *ret, struct strbuf *err)
{
	struct query *q;
	int r;

	*ret = 0;
	r = query_prepare(st, "SELECT coalesce(max(id), 0) FROM acts", &q, err);
	if (r == 0)
		r = query_one_int(q, ret, err);
	return r;
}

static char *dup_or_null(const char *s)
{
	return s ? xstrdup(s) : NULL;
}

static void counts_copy(struct record_counts *to, const struct record_counts *from)
{
	for (size_t i = 0; i < from->nr; i++) {
		struct record_count *c;
		ALLOC_GROW(to->items, to->nr, to->alloc);
		c = &to->items[to->nr++];
		c->register_id = dup_or_null(from->items[i].register_id);
		c->section = dup_or_null(from->items[i].section);
		c->level = dup_or_null(from->items[i].level);
		c->n = from->items[i].n;
	}
}

int read_counts_memo_get(const struct reader *rd, struct store *st, struct record_counts *ret,
                         int64_t *ret_version, struct strbuf *err)
{
	struct read_set *s = rd->set;
	int r = acts_version(st, ret_version, err);
	bool hit;

	if (r < 0)
		return r;
	pthread_mutex_lock(&s->counts_lock);
	hit = s->counts_version && s->counts_version == *ret_version;
	if (hit)
		counts_copy(ret, &s->counts);
	pthread_mutex_unlock(&s->counts_lock);
	return hit ? 1 : 0;
}

void read_counts_memo_put(const struct reader *rd, int64_t version, const struct record_counts *c)
{
	struct read_set *s = rd->set;

	pthread_mutex_lock(&s->counts_lock);
	if (version > s->counts_version) {
		record_counts_release(&s->counts);
		counts_copy(&s->counts, c);
		s->counts_version = version;
	}
	pthread_mutex_unlock(&s->counts_lock);
}

int read_total_memo_get(const struct reader *rd, struct store *st, const char *key, int64_t *ret,
                        int64_t *ret_version, struct strbuf *err)
{
	struct read_set *s = rd->set;
	int r = acts_version(st, ret_version, err);
	int hit = 0;

	if (r < 0)
		return r;
	pthread_mutex_lock(&s->counts_lock);
	for (unsigned i = 0; i < READ_TOTALS && !hit; i++) {
		struct read_total *t = &s->totals[i];
		if (t->key && t->version == *ret_version && !strcmp(t->key, key)) {
			*ret = t->n;
			hit = 1;
		}
	}
	pthread_mutex_unlock(&s->counts_lock);
	return hit;
}

void read_total_memo_put(const struct reader *rd, const char *key, int64_t version, int64_t n)
{
	struct read_set *s = rd->set;
	struct read_total *t = NULL;

	pthread_mutex_lock(&s->counts_lock);
	for (unsigned i = 0; i < READ_TOTALS && !t; i++)
		if (s->totals[i].key && !strcmp(s->totals[i].key, key))
			t = &s->totals[i];
	if (!t) {
		t = &s->totals[s->next_total++ % READ_TOTALS];
		free(t->key);
		t->key = xstrdup(key);
		t->version = 0;
	}
	if (version >= t->version) {
		t->version = version;
		t->n = n;
	}
	pthread_mutex_unlock(&s->counts_lock);
}

int read_set_begin(const struct reader *rd, struct store *st, const struct bitset **ret,
                   int64_t *ret_version, struct strbuf *err)
{
	struct read_set *s = rd->set;
	int64_t upto = 0;
	int r;

	/* the newest act committed: everything the set must reflect (an index's last entry) */
	r = acts_version(st, &upto, err);
	if (r < 0)
		return r;
	pthread_rwlock_rdlock(&s->lock);
	if (s->built && s->watermark >= upto) {
		*ret = &s->bits;
		*ret_version = s->watermark;
		return 0;
	}
	pthread_rwlock_unlock(&s->lock);
	pthread_rwlock_wrlock(&s->lock);
	if (!s->built)
		r = build(rd, s, st, upto, err);
	else if (s->watermark < upto)
		r = update(rd, s, st, upto, err);
	pthread_rwlock_unlock(&s->lock);
	if (r < 0)
		return r;
	pthread_rwlock_rdlock(&s->lock);
	*ret = &s->bits;
	*ret_version = s->watermark;
	return 0;
}

void read_set_done(const struct reader *rd)
{
	pthread_rwlock_unlock(&rd->set->lock);
}
