/*
 * test-serve-keep: the serving thread's keep tick (web/serve-keep.c) on a server that collects
 * logs leaves a write-ahead log of the size the log collection's ledger writer keeps alone (at
 * 64 MiB the keeper tried to cut the writer's log nearly every second), and still cuts a
 * runaway log back to nothing; a keeper opened without log collection (which serve does not
 * build: every serve opens it, for POST /api/v1/logs too) cuts past 64 MiB as before. The
 * log's file is made that large by extending it (sparse: cheap; SQLite reads only the frames
 * its index names, and the cut empties the file whatever it holds).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdbool.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ledger/ledger.h"
#include "store/sqlite.h"
#include "store/store.h"
#include "tmpdir.h"
#include "web/http-internal.h"

static off_t wal_size(const char *wal)
{
	struct stat sb;

	assert_int_equal(stat(wal, &sb), 0);
	return sb.st_size;
}

/* A row committed (the WAL holds it), a keeper for a server with or without log collection. */
static void open_both(struct tmpdir_fixture *f, bool logs, struct store **st, struct serve_keep **k,
                      char *wal, size_t n)
{
	sqlite3_stmt *s;

	assert_int_equal(store_open(f->dir, STORE_CREATE, st, &f->err), 0);
	assert_int_equal(serve_keep_open(f->dir, logs, k, &f->err), 0);
	s = store_prepare(*st, "INSERT INTO meta(key, value) VALUES ('keep', 'v')", NULL);
	assert_non_null(s);
	assert_int_equal(sqlite3_step(s), SQLITE_DONE);
	snprintf(wal, n, "%s/mamori.db-wal", f->dir);
	assert_true(wal_size(wal) > 0);
}

/* Cut to nothing, the row still there. */
static void check_cut(struct store *st, const char *wal)
{
	sqlite3_stmt *s;

	assert_int_equal(wal_size(wal), 0);
	s = store_prepare(st, "SELECT value FROM meta WHERE key = 'keep'", NULL);
	assert_non_null(s);
	assert_int_equal(sqlite3_step(s), SQLITE_ROW);
	sqlite3_reset(s);
}

static void test_keep_leaves_writer_wal(void **state)
{
	struct tmpdir_fixture *f = *state;
	struct store *st = NULL;
	struct serve_keep *k = NULL;
	char wal[128];
	off_t writer_most = (off_t)LEDGER_WRITER_WAL_BYTES;

	open_both(f, true, &st, &k, wal, sizeof(wal));
	assert_true(serve_keep_wal_bytes(k) > LEDGER_WRITER_WAL_BYTES);
	/* as large as the writer's log may be: left alone */
	assert_int_equal(truncate(wal, writer_most), 0);
	serve_keep_tick(k);
	assert_int_equal(wal_size(wal), writer_most);
	/* past the bound: cut */
	assert_int_equal(truncate(wal, (off_t)serve_keep_wal_bytes(k) + 4096), 0);
	serve_keep_tick(k);
	check_cut(st, wal);
	serve_keep_free(k);
	store_close(st);
}

static void test_keep_without_logs(void **state)
{
	struct tmpdir_fixture *f = *state;
	struct store *st = NULL;
	struct serve_keep *k = NULL;
	char wal[128];

	open_both(f, false, &st, &k, wal, sizeof(wal));
	assert_int_equal(serve_keep_wal_bytes(k), (int64_t)64 * 1024 * 1024);
	assert_int_equal(truncate(wal, (off_t)64 * 1024 * 1024), 0);
	serve_keep_tick(k);
	assert_int_equal(wal_size(wal), (off_t)64 * 1024 * 1024);
	assert_int_equal(truncate(wal, (off_t)64 * 1024 * 1024 + 4096), 0);
	serve_keep_tick(k);
	check_cut(st, wal);
	serve_keep_free(k);
	store_close(st);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_keep_leaves_writer_wal, tmpdir_setup,
		                                tmpdir_teardown),
		cmocka_unit_test_setup_teardown(test_keep_without_logs, tmpdir_setup,
		                                tmpdir_teardown),
	};
	return cmocka_run_group_tests_name("web-serve-keep", tests, NULL, NULL);
}
