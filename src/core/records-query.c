/* records-query: the records a reader may read, filtered, searched, sorted, paged and counted
 * after the read decision (core/records.h records_query, records_count_visible). */
#include <errno.h>
#include <inttypes.h>
#include <stdint.h>
#include <string.h>

#include "base/bitset.h"
#include "base/cleanup.h"
#include "core/core.h"
#include "core/read-internal.h"
#include "core/read-sql.h"
#include "core/read.h"
#include "core/record-order.h"
#include "core/records-internal.h"
#include "core/records.h"
#include "policy/policy.h"
#include "store/query.h"
#include "store/store.h"

/* ---- the records a reader may read (core/read.h) ----------------------------------------- */

/*
 * ?1 register, ?2 level, ?3 section, ?4 state, ?5 the LIKE pattern of a search; ?6 limit,
 * ?7 offset, ?8 the search's pattern for the trigram index (schema/0018: records_text); the
 * read decision's own from ?41 (core/read-sql.h). A search of three characters or more is
 * looked up in the index first (QUERY_WHERE_TEXT: the rows it names and the records it does
 * not hold yet, records_text_pending (schema/0029), a superset: it folds case beyond ASCII
 * and runs over all fields at once) and each candidate is then tested as without it (?5 on
 * each field), so both statements find exactly the same records.
 */
#define QUERY_FILTERS                                                                              \
	" AND (?2 IS NULL OR level = ?2)"                                                          \
	" AND (?3 IS NULL OR section = ?3) AND (?4 IS NULL OR state = ?4)"                         \
	" AND (?5 IS NULL OR EXISTS (SELECT 1 FROM json_each(records.fields) t"                    \
	" WHERE t.value LIKE ?5 ESCAPE '\\')) AND " READ_VISIBLE_SQL
#define QUERY_WHERE " FROM records WHERE register = ?1" QUERY_FILTERS
/* the index's candidates and the records not yet in it, or changed since (schema/0029) */
#define TEXT_CANDIDATES                                                                            \
	"SELECT rowid FROM records_text WHERE text LIKE ?8"                                        \
	" UNION ALL SELECT id FROM records_text_pending"
/* the index's rows drive (+register: not the register's index) */
#define QUERY_WHERE_TEXT                                                                           \
	" FROM records WHERE id IN (" TEXT_CANDIDATES ") AND +register = ?1" QUERY_FILTERS
/* PostgreSQL's records_text (schema/pg/0018, pg_trgm's GIN index) keys its rows by id; its
 * planner weighs the index against the register's itself */
#define QUERY_WHERE_TEXT_PG                                                                        \
	" FROM records WHERE id IN (SELECT id FROM records_text WHERE text LIKE ?8)"               \
	" AND register = ?1" QUERY_FILTERS
#define PAGE " LIMIT ?6 OFFSET ?7"
/* a search's matches among a register's records, whoever reads (?1, ?5, ?8 as above) */
#define SEARCH_LIKE                                                                                \
	" AND EXISTS (SELECT 1 FROM json_each(records.fields) t WHERE t.value LIKE ?5 ESCAPE "     \
	"'\\')"
#define SEARCH_IDS "SELECT id FROM records WHERE register = ?1" SEARCH_LIKE
#define SEARCH_IDS_TEXT                                                                            \
	"SELECT id FROM records WHERE id IN (" TEXT_CANDIDATES ") AND +register = ?1" SEARCH_LIKE
#define SEARCH_IDS_TEXT_PG                                                                         \
	"SELECT id FROM records WHERE id IN (SELECT id FROM records_text WHERE text LIKE ?8)"      \
	" AND register = ?1" SEARCH_LIKE
#define SORT(key, order, okey, desc)                                                               \
	{                                                                                          \
		key, "SELECT " RECORD_COLUMNS QUERY_WHERE " ORDER BY " order PAGE,                 \
		    "SELECT " RECORD_COLUMNS QUERY_WHERE_TEXT " ORDER BY " order PAGE,             \
		    "SELECT " RECORD_COLUMNS QUERY_WHERE_TEXT_PG " ORDER BY " order PAGE, okey,    \
		    desc                                                                           \
	}

/*
 * One row per sort order. Columns:
 *   key   the value of ?sort= (and record_query.sort)
 *   sql   the page in that order (a literal: the statement cache keys on it, and no SQL is
 *         ever built from input); every order ends with id so pages never overlap
 *   text  the same through the trigram index, for a search it can serve
 *   text_pg  the same on PostgreSQL (its records_text has no rowid)
 *   okey  the same order in memory (core/record-order.h), for a list without a search
 *   desc  read backwards (every descending order is its ascending one reversed, id too)
 */
static const struct {
	const char *key;
	const char *sql;
	const char *text;
	const char *text_pg;
	enum record_order_key okey;
	bool desc;
} record_sorts[] = {
	SORT("-id", "id DESC", RECORD_ORDER_ID, true),
	SORT("id", "id", RECORD_ORDER_ID, false),
	SORT("-changed", "changed_ms DESC, id DESC", RECORD_ORDER_CHANGED, true),
	SORT("changed", "changed_ms, id", RECORD_ORDER_CHANGED, false),
	SORT("level", "level, id", RECORD_ORDER_LEVEL, false),
	SORT("-level", "level DESC, id DESC", RECORD_ORDER_LEVEL, true),
	SORT("section", "section, id", RECORD_ORDER_SECTION, false),
	SORT("-section", "section DESC, id DESC", RECORD_ORDER_SECTION, true),
	SORT("state", "state, id", RECORD_ORDER_STATE, false),
	SORT("-state", "state DESC, id DESC", RECORD_ORDER_STATE, true),
};

/*
 * The trigram index's pattern for a search, or false when it cannot serve it: fewer than
 * three characters (no trigram), or a character LIKE would read as a wildcard or escape.
 */
static bool text_pattern(const char *text, struct strbuf *ret)
{
	size_t chars = 0;

	for (const char *p = text; *p; p++) {
		if (*p == '%' || *p == '_' || *p == '\\')
			return false;
		if (((unsigned char)*p & 0xC0) != 0x80)
			chars++;
	}
	if (chars < 3)
		return false;
	strbuf_addch(ret, '%');
	strbuf_addstr(ret, text);
	strbuf_addch(ret, '%');
	return true;
}

bool records_sort_valid(const char *sort)
{
	for (size_t i = 0; sort && i < ARRAY_SIZE(record_sorts); i++)
		if (!strcmp(sort, record_sorts[i].key))
			return true;
	return false;
}

static const char *nonempty_or_null(const char *s)
{
	return s && *s ? s : NULL;
}

static void bind_query(struct query *qq, const struct record_query *q, const char *like,
                       const char *text_like, const struct read_sql *rs)
{
	if (text_like)
		query_bind_text(qq, 8, text_like);
	query_bind_text(qq, 1, q->register_id);
	query_bind_text(qq, 2, nonempty_or_null(q->level));
	query_bind_text(qq, 3, nonempty_or_null(q->section));
	query_bind_text(qq, 4, nonempty_or_null(q->state));
	query_bind_text(qq, 5, like);
	read_sql_bind(qq, rs);
}

static bool eq_or_any(const char *filter, const char *value)
{
	return !filter || (value && !strcmp(filter, value));
}

/* Reads each id's row (gone since: left out), checks it against q's filters, decides it again. */
static int rows_from_store(struct store *st, const struct reader *rd, const struct record_query *q,
                           const struct read_sql *rs, const int64_t *ids, size_t n,
                           struct record_page *ret, struct strbuf *err)
{
	int r = 0;

	for (size_t i = 0; r >= 0 && i < n; i++) {
		struct record *rec;
		struct query *qq;
		r = query_prepare(st, "SELECT " RECORD_COLUMNS " FROM records WHERE id = ?1", &qq,
		                  err);
		if (r < 0)
			break;
		query_bind_int(qq, 1, ids[i]);
		if ((r = query_step(qq, err)) <= 0)
			continue; /* gone since */
		ALLOC_GROW(ret->list.items, ret->list.nr, ret->list.alloc);
		rec = &ret->list.items[ret->list.nr];
		r = record_from_row(qq, rec, err);
		query_done(qq);
		if (r < 0)
			break;
		if (strcmp(rec->register_id, q->register_id) ||
		    !eq_or_any(nonempty_or_null(q->level), rec->level) ||
		    !eq_or_any(nonempty_or_null(q->section), rec->section) ||
		    !eq_or_any(nonempty_or_null(q->state), rec->state) ||
		    (!rs->all && !read_record(rd, rec, NULL))) {
			record_release(rec);
			continue;
		}
		ret->list.nr++;
	}
	return r < 0 ? r : 0;
}

/*
 * Brief rows of ids from the orders in memory, when they and the visible set are at this
 * snapshot's version: then the set decided every row on exactly these values and the orders
 * hold them, so nothing is read or decided again. A title not kept yet is read once. false:
 * at another version (an act committed meanwhile): the caller reads the store.
 */
static int rows_from_orders(struct store *st, const struct reader *rd, const struct read_sql *rs,
                            const int64_t *ids, size_t n, struct record_page *ret,
                            struct strbuf *err)
{
	const char *sha = rd->p->sha256_hex;
	struct record *rows;
	int64_t version = 0;
	int r = record_order_version(st, &version, err);

	if (r < 0)
		return r;
	if (!rs->all && rs->set_version != version)
		return 0;
	rows = xcalloc(n, sizeof(*rows));
	if (!record_order_rows(rs->order, version, sha, ids, n, rows)) {
		free(rows);
		return 0;
	}
	r = 1;
	for (size_t i = 0; r > 0 && i < n; i++) {
		struct record full;
		struct query *qq;
		if (rows[i].title)
			continue;
		r = query_prepare(st, "SELECT " RECORD_COLUMNS " FROM records WHERE id = ?1", &qq,
		                  err);
		if (r < 0)
			break;
		query_bind_int(qq, 1, ids[i]);
		r = query_step(qq, err);
		if (r > 0)
			r = record_from_row(qq, &full, err) < 0 ? -EPROTO : 1;
		query_done(qq);
		if (r <= 0)
			break; /* 0: gone (not this snapshot's rows after all): read the store */
		rows[i].title = xstrdup(record_title(rd->p, &full));
		record_order_title_put(rs->order, version, sha, ids[i], rows[i].title);
		record_release(&full);
	}
	for (size_t i = 0; i < n; i++) {
		if (r <= 0) {
			record_release(&rows[i]);
			continue;
		}
		ALLOC_GROW(ret->list.items, ret->list.nr, ret->list.alloc);
		ret->list.items[ret->list.nr++] = rows[i];
	}
	free(rows);
	return r;
}

/*
 * The page of q through the orders in memory: the ids of the window among the visible set,
 * then the rows (brief ones from memory when they can be, else each read by id, checked
 * against the filter and decided again: an act committed in between may have changed it).
 * -E2BIG: ask SQLite.
 */
static int page_by_order(struct store *st, const struct reader *rd, const struct record_query *q,
                         const struct read_sql *rs, size_t sort, bool count,
                         const struct bitset *search, struct record_page *ret, struct strbuf *err)
{
	struct record_order_query oq = { .register_id = q->register_id,
		                         .level = nonempty_or_null(q->level),
		                         .section = nonempty_or_null(q->section),
		                         .state = nonempty_or_null(q->state),
		                         .key = record_sorts[sort].okey,
		                         .desc = record_sorts[sort].desc,
		                         .offset = q->offset > 0 ? q->offset : 0,
		                         .limit = q->limit,
		                         .count = count,
		                         .search = search,
		                         .set_id = rs->all ? 0 : read_set_serial(rd),
		                         .set_version = rs->all ? 0 : rs->set_version };
	int64_t *ids = NULL;
	size_t n = 0;
	int r = record_order_page(rs->order, st, &oq, rs->all ? NULL : rs->set, &ids, &n,
	                          &ret->total, err);

	if (r >= 0 && n && q->brief)
		r = rows_from_orders(st, rd, rs, ids, n, ret, err);
	if (r == 0)
		r = rows_from_store(st, rd, q, rs, ids, n, ret, err);
	free(ids);
	return r < 0 ? r : 0;
}

/*
 * The ids of q's register whose fields contain q's text (the same test as the SQL path: the
 * trigram index first when it can serve, then LIKE on each field), kept by the orders for the
 * next searches until the next act.
 */
static int search_ids(struct store *st, struct record_order *o, const struct record_query *q,
                      const char *like, const char *text_like, struct bitset *ret,
                      struct strbuf *err)
{
	struct query *qq;
	int64_t version = 0;
	int r = record_order_version(st, &version, err);

	if (r < 0 || record_order_search_get(o, version, q->register_id, q->text, ret))
		return r;
	r = query_prepare(st,
	                  !text_like                              ? SEARCH_IDS
	                  : store_dialect(st) == STORE_POSTGRESQL ? SEARCH_IDS_TEXT_PG
	                                                          : SEARCH_IDS_TEXT,
	                  &qq, err);
	if (r < 0)
		return r;
	query_bind_text(qq, 1, q->register_id);
	query_bind_text(qq, 5, like);
	if (text_like)
		query_bind_text(qq, 8, text_like);
	while ((r = query_step(qq, err)) > 0)
		bitset_put(ret, query_int(qq, 0), true);
	if (r < 0)
		return r;
	record_order_search_put(o, version, q->register_id, q->text, ret);
	return 0;
}

/* A query between its steps: its reader's rights, its sort, its SQL and patterns, and the memo
 * key and version of its count. */
struct page_query {
	struct store *st;
	const struct reader *rd;
	const struct record_query *q;
	struct read_sql rs;
	size_t sort; /* into record_sorts */
	const char *sql;
	struct strbuf like, text_like, memo_key;
	int64_t version;
};

/* q->sort into *ret (record_sorts; the first when none is asked). 0, or -EINVAL with err set. */
static int find_sort(const struct record_query *q, size_t *ret, struct strbuf *err)
{
	size_t sort = 0;

	if (q->sort) {
		for (sort = 0; sort < ARRAY_SIZE(record_sorts); sort++)
			if (!strcmp(q->sort, record_sorts[sort].key))
				break;
		if (sort == ARRAY_SIZE(record_sorts)) {
			error_set(err, "unknown sort order '%s'", q->sort);
			return -EINVAL;
		}
	}
	*ret = sort;
	return 0;
}

/* The search's LIKE pattern, its text index pattern and, with the latter, the SQL that uses
 * the index. */
static void search_patterns(struct page_query *x)
{
	const struct record_query *q = x->q;

	if (q->text && *q->text) {
		strbuf_addch(&x->like, '%');
		for (const char *p = q->text; *p; p++) {
			if (*p == '%' || *p == '_' || *p == '\\')
				strbuf_addch(&x->like, '\\');
			strbuf_addch(&x->like, *p);
		}
		strbuf_addch(&x->like, '%');
	}
	if (q->text && *q->text && text_pattern(q->text, &x->text_like))
		x->sql = store_dialect(x->st) == STORE_POSTGRESQL ? record_sorts[x->sort].text_pg
		                                                  : record_sorts[x->sort].text;
}

/* The count of a filter is kept per reader, for every worker, until the next act: its key. */
static void count_memo_key(const struct record_query *q, struct strbuf *key)
{
	const char *parts[] = { q->register_id, nonempty_or_null(q->level),
		                nonempty_or_null(q->section), nonempty_or_null(q->state),
		                nonempty_or_null(q->text) };

	for (size_t i = 0; i < ARRAY_SIZE(parts); i++)
		strbuf_addf(key, "%zu:%s;", parts[i] ? strlen(parts[i]) : 0,
		            parts[i] ? parts[i] : "");
}

/* The page through the register's orders (rs.order): the ids the search finds, then the page;
 * count: the total is counted too (and memoised). 0, -E2BIG when the SQL must answer instead,
 * or another negative errno with err set. */
static int page_from_orders(struct page_query *x, bool count, struct record_page *ret,
                            struct strbuf *err)
{
	const struct record_query *q = x->q;
	struct bitset found = { 0 };
	bool searching = q->text && *q->text;
	int r;

	r = searching ? search_ids(x->st, x->rs.order, q, x->like.buf,
	                           x->text_like.len ? x->text_like.buf : NULL, &found, err)
	              : 0;
	if (r == 0)
		r = page_by_order(x->st, x->rd, q, &x->rs, x->sort, count,
		                  searching ? &found : NULL, ret, err);
	bitset_release(&found);
	if (r == 0 && count)
		read_total_memo_put(x->rd, x->memo_key.buf, x->version, ret->total);
	return r;
}

/* The total by SQL into ret->total, memoised. What the count returned, or a negative errno
 * with err set. */
static int count_by_sql(struct page_query *x, struct record_page *ret, struct strbuf *err)
{
	struct query *qq;
	int r;

	r = query_prepare(x->st,
	                  x->text_like.len ? "SELECT count(*)" QUERY_WHERE_TEXT
	                                   : "SELECT count(*)" QUERY_WHERE,
	                  &qq, err);
	if (r < 0)
		return r;
	bind_query(qq, x->q, x->like.len ? x->like.buf : NULL,
	           x->text_like.len ? x->text_like.buf : NULL, &x->rs);
	r = query_one_int(qq, &ret->total, err);
	if (r < 0)
		return r;
	read_total_memo_put(x->rd, x->memo_key.buf, x->version, ret->total);
	return r;
}

/* The page's rows by SQL into ret->list, each decided again. 0, or a negative errno with err
 * set. */
static int rows_by_sql(struct page_query *x, struct record_page *ret, struct strbuf *err)
{
	const struct record_query *q = x->q;
	struct query *qq;
	int r;

	r = query_prepare(x->st, x->sql, &qq, err);
	if (r < 0)
		return r;
	bind_query(qq, q, x->like.len ? x->like.buf : NULL,
	           x->text_like.len ? x->text_like.buf : NULL, &x->rs);
	query_bind_int(qq, 6, q->limit > 0 ? q->limit : INT64_MAX);
	query_bind_int(qq, 7, q->offset > 0 ? q->offset : 0);
	while ((r = query_step(qq, err)) > 0) {
		ALLOC_GROW(ret->list.items, ret->list.nr, ret->list.alloc);
		r = record_from_row(qq, &ret->list.items[ret->list.nr], err);
		if (r < 0) {
			query_done(qq);
			break;
		}
		/*
		 * The visible set reflects the acts committed before this statement began; an act
		 * committed in between may have changed a row. Each row shown is decided again on
		 * the values read, so a list never shows what read_record would refuse.
		 */
		if (!x->rs.all && !read_record(x->rd, &ret->list.items[ret->list.nr], NULL)) {
			record_release(&ret->list.items[ret->list.nr]);
			continue;
		}
		ret->list.nr++;
	}
	return r;
}

int records_query(struct store *st, const struct reader *rd, const struct record_query *q,
                  struct record_page *ret, struct strbuf *err)
{
	struct page_query x = { .st = st,
		                .rd = rd,
		                .q = q,
		                .like = STRBUF_INIT,
		                .text_like = STRBUF_INIT,
		                .memo_key = STRBUF_INIT };
	bool began = false;
	int r;

	memset(ret, 0, sizeof(*ret));
	ret->total = -1;
	r = find_sort(q, &x.sort, err);
	if (r < 0)
		return r;
	x.sql = record_sorts[x.sort].sql;
	/* one snapshot for the versions, the count, the ids and the rows */
	r = store_read_begin(st, &began, err);
	if (r < 0)
		return r;
	r = read_sql_init(rd, st, q->register_id, &x.rs, err);
	if (r < 0) {
		store_read_end(st, began);
		return r;
	}
	if (x.rs.none) {
		ret->total = q->count ? 0 : -1;
		goto out;
	}
	search_patterns(&x);
	if (q->count) {
		count_memo_key(q, &x.memo_key);
		r = read_total_memo_get(rd, st, x.memo_key.buf, &ret->total, &x.version, err);
		if (r < 0)
			goto out;
	}
	if (x.rs.order) {
		r = page_from_orders(&x, q->count && r == 0, ret, err);
		if (r != -E2BIG)
			goto out;
		record_page_release(ret);
		ret->total = -1;
		/* the memo again, for the SQL path below (without a count: no memo, the rows) */
		r = q->count
		        ? read_total_memo_get(rd, st, x.memo_key.buf, &ret->total, &x.version, err)
		        : 0;
		if (r < 0)
			goto out;
	}
	if (q->count && r == 0) {
		r = count_by_sql(&x, ret, err);
		if (r < 0)
			goto out;
	}
	if (q->count && ret->total <= q->offset)
		goto out;
	r = rows_by_sql(&x, ret, err);
out:
	if (r < 0)
		record_page_release(ret);
	read_sql_release(&x.rs);
	store_read_end(st, began);
	strbuf_release(&x.like);
	strbuf_release(&x.text_like);
	strbuf_release(&x.memo_key);
	return r < 0 ? r : 0;
}

void record_page_release(struct record_page *p)
{
	record_list_release(&p->list);
	p->total = -1;
}

int records_count_visible(struct store *st, const struct reader *rd, const char *section,
                          struct record_counts *ret, struct strbuf *err)
{
	struct read_sql rs;
	struct query *q;
	int64_t version = 0;
	int r;

	/* every section's counts (the dashboard's) are kept until the next act */
	if (!section) {
		r = read_counts_memo_get(rd, st, ret, &version, err);
		if (r != 0)
			return r < 0 ? r : 0;
	}
	r = read_sql_init(rd, st, NULL, &rs, err);
	if (r < 0)
		return r;
	if (rs.none)
		goto out;
	r = query_prepare(st,
	                  "SELECT register, section, level, count(*) FROM records"
	                  " WHERE (?1 IS NULL OR section = ?1) AND " READ_VISIBLE_SQL
	                  " GROUP BY register, section, level",
	                  &q, err);
	if (r < 0)
		goto out;
	query_bind_text(q, 1, section);
	read_sql_bind(q, &rs);
	while ((r = query_step(q, err)) > 0) {
		struct record_count *c;
		ALLOC_GROW(ret->items, ret->nr, ret->alloc);
		c = &ret->items[ret->nr++];
		c->register_id = query_strdup(q, 0);
		c->section = query_strdup(q, 1);
		c->level = query_strdup(q, 2);
		c->n = query_int(q, 3);
	}
	if (r < 0)
		record_counts_release(ret);
out:
	read_sql_release(&rs);
	if (r >= 0 && !section)
		read_counts_memo_put(rd, version, ret);
	return r < 0 ? r : 0;
}

void record_counts_release(struct record_counts *c)
{
	for (size_t i = 0; i < c->nr; i++) {
		free(c->items[i].register_id);
		free(c->items[i].section);
		free(c->items[i].level);
	}
	free(c->items);
	memset(c, 0, sizeof(*c));
}
