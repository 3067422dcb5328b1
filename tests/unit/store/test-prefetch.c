/*
 * test-prefetch: store_prefetch_rows finds the pages of the rows asked for, and no others, by
 * reading the table's b-tree from the file (store/prefetch.c); checked against SQLite's own
 * account of every page (the dbstat table).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/cleanup.h"
#include "store/query.h"
#include "store/store-internal.h"
#include "store/store.h"
#include "tmpdir.h"

#define ROWS 40

struct fixture {
	char dir[64];
	struct store *st;
	struct strbuf err;
};

/* The pages asked for: a bitmap over the file's pages, and how many ranges. */
struct asked {
	unsigned char page[4096];
	size_t ranges, pages;
};

static void ask(void *ctx, uint64_t first, uint64_t n)
{
	struct asked *a = ctx;

	a->ranges++;
	for (uint64_t p = first; p < first + n; p++) {
		assert_true(p < sizeof(a->page));
		if (!a->page[p])
			a->pages++;
		a->page[p] = 1;
	}
}

static void insert(struct fixture *f, const char *sql, int64_t n, size_t len)
{
	unsigned char *b = xmalloc(len);
	struct query *q;

	for (size_t i = 0; i < len; i++)
		b[i] = (unsigned char)(n * 31 + (int64_t)i * 7);
	assert_int_equal(query_prepare(f->st, sql, &q, &f->err), 0);
	query_bind_int(q, 1, n);
	query_bind_blob(q, 2, b, len);
	assert_int_equal(query_run(q, &f->err), 0);
	free(b);
}

/* Two tables of large rows written in turn (their pages interleaved), sizes varying (each row's
 * part on its leaf over half a page, so one row a leaf), and one of small rows; all of it in the
 * database file (the WAL checkpointed). */
static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	if (tmpdir_make(f->dir, sizeof(f->dir), "prefetch") < 0)
		return -1;
	strbuf_init(&f->err, 0);
	if (tmpdir_store(f->dir, 0, &f->st, &f->err) < 0 ||
	    store_exec(f->st,
	               "CREATE TABLE big(n INTEGER PRIMARY KEY, b BLOB);"
	               "CREATE TABLE mid(n INTEGER PRIMARY KEY, b BLOB);"
	               "CREATE TABLE small(n INTEGER PRIMARY KEY, b BLOB)",
	               &f->err) < 0)
		return -1;
	for (int64_t n = 1; n <= ROWS; n++) {
		insert(f, "INSERT INTO big(n, b) VALUES (?, ?)", n, 19000 + (size_t)n * 20);
		insert(f, "INSERT INTO mid(n, b) VALUES (?, ?)", n, 7000 + (size_t)n * 13);
		insert(f, "INSERT INTO small(n, b) VALUES (?, ?)", n, 40);
	}
	if (store_exec(f->st, "PRAGMA wal_checkpoint(TRUNCATE)", &f->err) < 0)
		return -1;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	store_close(f->st);
	if (tmpdir_remove(f->dir) < 0)
		return -1;
	strbuf_release(&f->err);
	free(f);
	return 0;
}

/*
 * The pages that hold row n of table (its leaf and overflow pages) by SQLite's account: each
 * leaf of these tables holds one row, in rowid order (dbstat's paths: "/00k/" for leaf k,
 * "/00k/000+00000j" for the overflow pages of its cell). Marks them in want; their number.
 */
static size_t row_pages(struct fixture *f, const char *table, int64_t n, unsigned char *want)
{
	struct query *q;
	char leaf[32], ovfl[40];
	size_t count = 0;
	int r;

	snprintf(leaf, sizeof(leaf), "/%03x/", (unsigned)(n - 1));
	snprintf(ovfl, sizeof(ovfl), "/%03x/000+%%", (unsigned)(n - 1));
	assert_int_equal(query_prepare(f->st,
	                               "SELECT pageno, ncell FROM dbstat WHERE name = ?1"
	                               " AND (path = ?2 OR path LIKE ?3)",
	                               &q, &f->err),
	                 0);
	query_bind_text(q, 1, table);
	query_bind_text(q, 2, leaf);
	query_bind_text(q, 3, ovfl);
	while ((r = query_step(q, &f->err)) > 0) {
		int64_t p = query_int(q, 0);
		assert_true(p > 0 && p < 4096);
		want[p] = 1;
		count++;
	}
	assert_int_equal(r, 0);
	return count;
}

/* Rows of both large tables at once: every page of each is asked for, and at most a page or two
 * more per row (the guess of where its overflow pages lie). */
static void test_rows_pages(void **state)
{
	static const char *const tables[] = { "big", "mid" };
	static const int64_t rows[] = { 2, 3, 17, 30, ROWS };
	struct fixture *f = *state;
	struct asked a = { 0 };
	unsigned char want[4096] = { 0 };
	size_t n_want = 0;

	for (size_t t = 0; t < 2; t++)
		for (size_t i = 0; i < sizeof(rows) / sizeof(*rows); i++)
			n_want += row_pages(f, tables[t], rows[i], want);
	assert_true(n_want > 5 * 6);
	store_prefetch_pages(f->st, tables, 2, rows, sizeof(rows) / sizeof(*rows), ask, &a);
	for (size_t p = 0; p < sizeof(want); p++)
		if (want[p] && !a.page[p])
			fail_msg("page %zu of a row asked for was not asked", p);
	assert_true(a.pages <= n_want + 2 * 2 * (sizeof(rows) / sizeof(*rows)));
	/* a row's leaf and overflow pages are one range, and rows 2 and 3 of each table follow
	 * one another: fewer ranges than rows */
	assert_true(a.ranges < 2 * sizeof(rows) / sizeof(*rows));
}

/* A row that fits on its leaf: only its leaf. Rows or tables that are not there: nothing, and
 * no harm. */
static void test_small_and_missing(void **state)
{
	static const char *const small[] = { "small" };
	static const char *const none[] = { "no_such_table", "sqlite_schema" };
	static const int64_t missing[] = { 0, -1, 1000, INT64_MAX, INT64_MIN };
	struct fixture *f = *state;
	struct asked a = { 0 };
	int64_t one = 7;

	store_prefetch_pages(f->st, small, 1, &one, 1, ask, &a);
	assert_int_equal(a.pages, 1);
	memset(&a, 0, sizeof(a));
	store_prefetch_pages(f->st, none, 2, &one, 1, ask, &a);
	assert_int_equal(a.pages, 0);
	memset(&a, 0, sizeof(a));
	store_prefetch_pages(f->st, small, 1, missing, sizeof(missing) / sizeof(*missing), ask, &a);
	/* each missing row's search ends on some leaf, which is all it may ask for */
	assert_true(a.pages <= sizeof(missing) / sizeof(*missing));
	/* and the real thing, which asks the kernel */
	store_prefetch_rows(f->st, small, 1, missing, sizeof(missing) / sizeof(*missing));
	store_prefetch_rows(f->st, small, 1, &one, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_rows_pages, setup, teardown),
		cmocka_unit_test_setup_teardown(test_small_and_missing, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
