/*
 * test-serve-keep: the serving thread's keep tick (web/serve-keep.c) leaves a write-ahead log
 * of the size the log collection's ledger writer keeps alone (it cut the writer's log about
 * once a second under log collection when its bound was 64 MiB), and still cuts a runaway log
 * back to nothing. The log's file is made that large by extending it (sparse: cheap; SQLite
 * reads only the frames its index names, and the cut empties the file whatever it holds).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
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

static void test_keep_leaves_writer_wal(void **state)
{
	struct tmpdir_fixture *f = *state;
	struct store *st = NULL;
	struct serve_keep *k = NULL;
	sqlite3_stmt *s;
	char wal[128];
	off_t writer_most = (off_t)LEDGER_WRITER_WAL_BYTES;

	assert_true(serve_keep_wal_bytes() > LEDGER_WRITER_WAL_BYTES);
	assert_int_equal(store_open(f->dir, STORE_CREATE, &st, &f->err), 0);
	assert_int_equal(serve_keep_open(f->dir, &k, &f->err), 0);
	s = store_prepare(st, "INSERT INTO meta(key, value) VALUES ('keep', 'v')", NULL);
	assert_non_null(s);
	assert_int_equal(sqlite3_step(s), SQLITE_DONE);
	snprintf(wal, sizeof(wal), "%s/mamori.db-wal", f->dir);
	assert_true(wal_size(wal) > 0);
	/* as large as the writer's log may be: left alone */
	assert_int_equal(truncate(wal, writer_most), 0);
	serve_keep_tick(k);
	assert_int_equal(wal_size(wal), writer_most);
	/* past the bound: cut to nothing, the row still there */
	assert_int_equal(truncate(wal, (off_t)serve_keep_wal_bytes() + 4096), 0);
	serve_keep_tick(k);
	assert_int_equal(wal_size(wal), 0);
	s = store_prepare(st, "SELECT value FROM meta WHERE key = 'keep'", NULL);
	assert_non_null(s);
	assert_int_equal(sqlite3_step(s), SQLITE_ROW);
	sqlite3_reset(s);
	serve_keep_free(k);
	store_close(st);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_keep_leaves_writer_wal, tmpdir_setup,
		                                tmpdir_teardown),
	};
	return cmocka_run_group_tests_name("web-serve-keep", tests, NULL, NULL);
}
