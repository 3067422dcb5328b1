/*
 * test-batch: the batching VFS (store/sqlite-batch.c, STORE_BATCH_IO): what its connections
 * commit is there, byte for byte, for every other connection at once; checkpoints that read
 * ahead copy every page right, also while commits go on; a write that fails fails the commit;
 * a crash in the middle of a transaction leaves exactly the committed ones.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "store/sqlite.h"
#include "store/store.h"

#define ROW_BYTES 3000 /* a row of a little less than a page: frames follow each other */

struct fixture {
	char dir[64];
	struct strbuf err;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	snprintf(f->dir, sizeof(f->dir), "/tmp/mamori-batch-XXXXXX");
	if (!mkdtemp(f->dir))
		return -1;
	strbuf_init(&f->err, 0);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->dir);
	if (system(cmd) != 0)
		return -1;
	strbuf_release(&f->err);
	free(f);
	return 0;
}

/* Row i's bytes: every byte depends on i and its place, so a misplaced page shows. */
static void row_bytes(int64_t i, unsigned char *out)
{
	uint32_t x = (uint32_t)i * 2654435761u + 1;

	for (size_t k = 0; k < ROW_BYTES; k++) {
		x = x * 1103515245u + 12345u;
		out[k] = (unsigned char)(x >> 16);
	}
}

static struct store *open_store(struct fixture *f, unsigned flags)
{
	struct store *st = NULL;

	assert_int_equal(store_open(f->dir, STORE_CREATE | flags, &st, &f->err), 0);
	return st;
}

/* Rows [first, first + n) in one transaction; 0 or the SQLite error of the commit. */
static int insert_rows(struct store *st, int64_t first, int n)
{
	sqlite3 *db = store_db(st);
	sqlite3_stmt *s = NULL;
	unsigned char buf[ROW_BYTES];
	int rc = sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL);

	assert_int_equal(rc, SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, "INSERT INTO t(i, b) VALUES (?, ?)", -1, &s, NULL),
	                 SQLITE_OK);
	for (int k = 0; k < n && rc == SQLITE_OK; k++) {
		row_bytes(first + k, buf);
		sqlite3_bind_int64(s, 1, first + k);
		sqlite3_bind_blob(s, 2, buf, ROW_BYTES, SQLITE_TRANSIENT);
		rc = sqlite3_step(s) == SQLITE_DONE ? SQLITE_OK : sqlite3_errcode(db);
		sqlite3_reset(s);
	}
	sqlite3_finalize(s);
	if (rc == SQLITE_OK)
		rc = sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
	if (rc != SQLITE_OK)
		sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
	return rc;
}

/* Every row there is [0, n), each with its own bytes, and the database is sound. */
static void check_rows(struct store *st, int64_t n)
{
	sqlite3 *db = store_db(st);
	sqlite3_stmt *s = NULL;
	unsigned char want[ROW_BYTES];
	int64_t seen = 0;

	assert_int_equal(sqlite3_prepare_v2(db, "SELECT i, b FROM t ORDER BY i", -1, &s, NULL),
	                 SQLITE_OK);
	while (sqlite3_step(s) == SQLITE_ROW) {
		assert_int_equal(sqlite3_column_int64(s, 0), seen);
		row_bytes(seen, want);
		assert_int_equal(sqlite3_column_bytes(s, 1), ROW_BYTES);
		assert_memory_equal(sqlite3_column_blob(s, 1), want, ROW_BYTES);
		seen++;
	}
	sqlite3_finalize(s);
	assert_int_equal(seen, n);
	assert_int_equal(sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1, &s, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(s), SQLITE_ROW);
	assert_string_equal((const char *)sqlite3_column_text(s, 0), "ok");
	sqlite3_finalize(s);
}

static void make_table(struct fixture *f)
{
	struct store *st = open_store(f, 0);

	assert_int_equal(store_exec(st, "CREATE TABLE t (i INTEGER PRIMARY KEY, b BLOB)", &f->err),
	                 0);
	store_close(st);
}

static void test_connection_uses_it(void **state)
{
	struct fixture *f = *state;
	struct store *st;
	sqlite3_vfs *vfs = NULL;

	make_table(f);
	st = open_store(f, STORE_BATCH_IO);
	assert_int_equal(sqlite3_file_control(store_db(st), "main", SQLITE_FCNTL_VFS_POINTER, &vfs),
	                 SQLITE_OK);
	assert_non_null(vfs);
	assert_string_equal(vfs->zName, "mamori-batch");
	store_close(st);
	st = open_store(f, 0);
	assert_int_equal(sqlite3_file_control(store_db(st), "main", SQLITE_FCNTL_VFS_POINTER, &vfs),
	                 SQLITE_OK);
	assert_string_not_equal(vfs->zName, "mamori-batch");
	store_close(st);
}

/* Each commit, whole, for another connection as soon as COMMIT returns. */
static void test_commits_seen_at_once(void **state)
{
	struct fixture *f = *state;
	struct store *w, *r;
	int64_t n = 0;

	make_table(f);
	w = open_store(f, STORE_BATCH_IO);
	r = open_store(f, 0);
	/* one row (a lone frame), a few, and more than one run of gathered frames */
	for (int round = 0; round < 30; round++) {
		int k = round % 3 == 0 ? 1 : round % 3 == 1 ? 7 : 90;
		assert_int_equal(insert_rows(w, n, k), SQLITE_OK);
		n += k;
		check_rows(r, n);
	}
	store_close(w);
	store_close(r);
}

struct writer_arg {
	struct store *st;
	int rounds;
	int64_t n;
};

static void *writer_main(void *p)
{
	struct writer_arg *a = p;

	for (int i = 0; i < a->rounds; i++) {
		if (insert_rows(a->st, a->n, 40) != SQLITE_OK)
			break;
		a->n += 40;
	}
	return NULL;
}

/*
 * Checkpoints by a batching connection (they read the WAL ahead) while another commits, then
 * one that empties the WAL: the database file alone holds every row, right.
 */
static void test_checkpoints_copy_every_page(void **state)
{
	struct fixture *f = *state;
	struct store *w, *c, *r;
	struct writer_arg a = { 0 };
	pthread_t t;

	make_table(f);
	w = open_store(f, STORE_BATCH_IO);
	c = open_store(f, STORE_BATCH_IO);
	a.st = w;
	a.rounds = 60;
	assert_int_equal(pthread_create(&t, NULL, writer_main, &a), 0);
	for (int i = 0; i < 200; i++) {
		int rc = store_checkpoint(c, STORE_CHECKPOINT_PASSIVE);
		assert_true(rc == 0 || rc == -EBUSY);
		usleep(1000);
	}
	pthread_join(t, NULL);
	assert_int_equal(a.n, 60 * 40);
	assert_int_equal(store_checkpoint(c, STORE_CHECKPOINT_TRUNCATE), 0);
	store_close(w);
	store_close(c);
	r = open_store(f, 0);
	check_rows(r, a.n);
	store_close(r);
}

/* A child's exit status: 0 when every expectation held, else the number of the one that did not. */
static int child_write_fails(struct fixture *f)
{
	struct store *st = NULL;
	struct stat sb;
	char wal[128];
	struct rlimit lim, low;

	if (store_open(f->dir, STORE_BATCH_IO, &st, &f->err) < 0)
		return 10;
	if (insert_rows(st, 0, 20) != SQLITE_OK)
		return 11;
	snprintf(wal, sizeof(wal), "%s/mamori.db-wal", f->dir);
	if (stat(wal, &sb) < 0 || getrlimit(RLIMIT_FSIZE, &lim) < 0)
		return 12;
	/*
	 * No file may grow past the WAL's size and 100 bytes: a commit's first frame header fits
	 * (written at once), its pages do not; they are gathered and fail when written out at
	 * the commit frame, which must fail the commit. Then the same with a commit of several
	 * runs of gathered frames.
	 */
	signal(SIGXFSZ, SIG_IGN);
	low = lim;
	low.rlim_cur = (rlim_t)sb.st_size + 100;
	if (setrlimit(RLIMIT_FSIZE, &low) < 0)
		return 13;
	if (insert_rows(st, 20, 2) == SQLITE_OK)
		return 14; /* the failed write was not reported */
	if (insert_rows(st, 20, 300) == SQLITE_OK)
		return 15;
	if (setrlimit(RLIMIT_FSIZE, &lim) < 0)
		return 16;
	if (insert_rows(st, 20, 30) != SQLITE_OK)
		return 17; /* the connection goes on once the disk takes writes again */
	store_close(st);
	return 0;
}

static void test_failed_write_fails_commit(void **state)
{
	struct fixture *f = *state;
	struct store *r;
	int status = 0;
	pid_t pid;

	make_table(f);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0)
		_exit(child_write_fails(f));
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	r = open_store(f, 0);
	check_rows(r, 50);
	store_close(r);
}

/* Dies inside a transaction that has written frames (a small cache spills them). */
static int child_dies_in_transaction(struct fixture *f)
{
	struct store *st = NULL;
	sqlite3_stmt *s = NULL;
	unsigned char buf[ROW_BYTES];
	sqlite3 *db;

	if (store_open(f->dir, STORE_BATCH_IO, &st, &f->err) < 0)
		return 10;
	for (int i = 0; i < 5; i++)
		if (insert_rows(st, i * 30, 30) != SQLITE_OK)
			return 11;
	db = store_db(st);
	if (sqlite3_exec(db, "PRAGMA cache_size = 8; BEGIN IMMEDIATE", NULL, NULL, NULL) !=
	        SQLITE_OK ||
	    sqlite3_prepare_v2(db, "INSERT INTO t(i, b) VALUES (?, ?)", -1, &s, NULL) != SQLITE_OK)
		return 12;
	for (int k = 0; k < 500; k++) {
		row_bytes(150 + k, buf);
		sqlite3_bind_int64(s, 1, 150 + k);
		sqlite3_bind_blob(s, 2, buf, ROW_BYTES, SQLITE_TRANSIENT);
		if (sqlite3_step(s) != SQLITE_DONE)
			return 13;
		sqlite3_reset(s);
	}
	_exit(0); /* no COMMIT, no close: as if the power went */
}

static void test_crash_in_transaction(void **state)
{
	struct fixture *f = *state;
	struct store *r;
	char wal[128];
	struct stat sb;
	int status = 0;
	pid_t pid;

	make_table(f);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0)
		_exit(child_dies_in_transaction(f));
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	/* the spilled frames reached the log: the recovery below has something to drop */
	snprintf(wal, sizeof(wal), "%s/mamori.db-wal", f->dir);
	assert_int_equal(stat(wal, &sb), 0);
	assert_true(sb.st_size > (off_t)(150 + 100) * ROW_BYTES);
	r = open_store(f, STORE_BATCH_IO);
	check_rows(r, 150);
	assert_int_equal(insert_rows(r, 150, 10), SQLITE_OK);
	check_rows(r, 160);
	store_close(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_connection_uses_it, setup, teardown),
		cmocka_unit_test_setup_teardown(test_commits_seen_at_once, setup, teardown),
		cmocka_unit_test_setup_teardown(test_checkpoints_copy_every_page, setup, teardown),
		cmocka_unit_test_setup_teardown(test_failed_write_fails_commit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_crash_in_transaction, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
