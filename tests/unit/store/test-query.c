/* test-query: the store's query API: binds, rows, NULLs, errors, the cache, reset on early exit. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "store/query.h"
#include "store/store.h"
#include "tmpdir.h"

struct fixture {
	char dir[64];
	struct store *st;
	struct strbuf err;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	if (tmpdir_make(f->dir, sizeof(f->dir), "query") < 0)
		return -1;
	strbuf_init(&f->err, 0);
	if (tmpdir_store(f->dir, 0, &f->st, &f->err) < 0)
		return -1;
	if (store_exec(f->st,
	               "CREATE TABLE t(id INTEGER PRIMARY KEY, name TEXT, n INTEGER, "
	               "x REAL, b BLOB)",
	               &f->err) < 0)
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

static void insert(struct fixture *f, const char *name, int64_t n)
{
	struct query *q;

	assert_int_equal(
	    query_prepare(f->st, "INSERT INTO t(name, n, x, b) VALUES (?, ?, ?, ?)", &q, &f->err),
	    0);
	query_bind_text(q, 1, name);
	query_bind_int_or_null(q, 2, n);
	query_bind_double(q, 3, 0.5);
	query_bind_blob(q, 4, "\0ab", 3);
	assert_int_equal(query_run(q, &f->err), 0);
	assert_int_equal(query_changes(f->st), 1);
	assert_true(query_last_id(f->st) > 0);
}

static void test_rows_and_columns(void **state)
{
	struct fixture *f = *state;
	struct query *q;
	int r, rows = 0;

	insert(f, "鈴木", 3);
	insert(f, NULL, 0);
	assert_int_equal(
	    query_prepare(f->st, "SELECT name, n, x, b FROM t ORDER BY id", &q, &f->err), 0);
	assert_int_equal(query_columns(q), 4);
	while ((r = query_step(q, &f->err)) > 0) {
		size_t len;
		const char *b = query_blob(q, 3, &len);
		if (rows == 0) {
			assert_string_equal(query_text(q, 0), "鈴木");
			assert_int_equal(query_int(q, 1), 3);
			char *copy = query_strdup(q, 0);
			assert_string_equal(copy, "鈴木");
			free(copy);
		} else {
			assert_null(query_text(q, 0));
			assert_null(query_strdup(q, 0));
			assert_true(query_is_null(q, 1));
		}
		assert_true(query_double(q, 2) == 0.5);
		assert_int_equal(len, 3);
		assert_memory_equal(b, "\0ab", 3);
		rows++;
	}
	assert_int_equal(r, 0);
	assert_int_equal(rows, 2);
}

static void test_one_int_and_text(void **state)
{
	struct fixture *f = *state;
	struct query *q;
	int64_t v = -1;
	char *s = NULL;

	insert(f, "a", 7);
	assert_int_equal(query_prepare(f->st, "SELECT n FROM t WHERE name = ?", &q, &f->err), 0);
	query_bind_text(q, 1, "a");
	assert_int_equal(query_one_int(q, &v, &f->err), 0);
	assert_int_equal(v, 7);
	assert_int_equal(query_prepare(f->st, "SELECT n FROM t WHERE name = ?", &q, &f->err), 0);
	query_bind_text(q, 1, "nobody");
	assert_int_equal(query_one_int(q, &v, &f->err), -ENOENT);
	assert_int_equal(query_prepare(f->st, "SELECT name FROM t WHERE n = ?", &q, &f->err), 0);
	query_bind_int(q, 1, 7);
	assert_int_equal(query_one_text(q, &s, &f->err), 0);
	assert_string_equal(s, "a");
	free(s);
}

/* A statement left mid-iteration comes back from the cache reset, with no old bindings. */
static void test_cache_resets(void **state)
{
	struct fixture *f = *state;
	struct query *q, *q2;
	char sql[64];

	insert(f, "a", 1);
	insert(f, "b", 2);
	assert_int_equal(query_prepare(f->st, "SELECT count(*) FROM t WHERE n >= ?", &q, &f->err),
	                 0);
	query_bind_int(q, 1, 2);
	assert_int_equal(query_step(q, &f->err), 1);
	/* the same text from another buffer finds the same statement */
	snprintf(sql, sizeof(sql), "%s", "SELECT count(*) FROM t WHERE n >= ?");
	assert_int_equal(query_prepare(f->st, sql, &q2, &f->err), 0);
	assert_ptr_equal(q, q2);
	int64_t v = -1;
	assert_int_equal(query_one_int(q2, &v, &f->err), 0);
	assert_int_equal(v, 0); /* NULL >= ? is not true: the old binding of 2 is gone */
	query_done(NULL);
}

static void test_errors(void **state)
{
	struct fixture *f = *state;
	struct query *q;

	assert_int_equal(query_prepare(f->st, "SELECT nonsense FROM nowhere", &q, &f->err), -EIO);
	assert_non_null(strstr(f->err.buf, "nowhere"));
	strbuf_reset(&f->err);
	assert_int_equal(query_prepare(f->st, "SELECT n FROM t WHERE id = ?", &q, &f->err), 0);
	query_bind_int(q, 5, 1);
	assert_int_equal(query_step(q, &f->err), -EINVAL);
	assert_non_null(strstr(f->err.buf, "out of range"));
	strbuf_reset(&f->err);
	/* the statement is usable again after the error */
	query_bind_int(q, 1, 1);
	assert_true(query_step(q, &f->err) >= 0);
	query_done(q);
	assert_int_equal(store_exec(f->st, "CREATE UNIQUE INDEX t_name ON t(name)", &f->err), 0);
	insert(f, "dup", 1);
	assert_int_equal(query_prepare(f->st, "INSERT INTO t(name) VALUES (?)", &q, &f->err), 0);
	query_bind_text(q, 1, "dup");
	assert_int_equal(query_run(q, &f->err), -EEXIST);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_rows_and_columns, setup, teardown),
		cmocka_unit_test_setup_teardown(test_one_int_and_text, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cache_resets, setup, teardown),
		cmocka_unit_test_setup_teardown(test_errors, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
