/*
 * test-batch: the batching VFS (store/sqlite-batch.c, STORE_BATCH_IO): what its connections
 * commit is there, byte for byte, for every other connection at once; checkpoints that read
 * ahead copy every page right, also while commits go on; a write that fails fails the commit;
 * a crash in the middle of a transaction leaves exactly the committed ones. And the review's
 * cases (docs/testing.md): a full disk when a cache spill's frames are written fails the
 * COMMIT that follows; a rollback on a full disk releases the write lock; a connection used
 * by two threads in turn leaves no run behind; a checkpoint in another thread copies no bytes
 * read ahead by an earlier one. A full disk is ENOSPC from the default VFS's own write calls
 * (sqlite3_vfs xSetSystemCall), for the writes only this VFS makes: longer than a page.
 * Gathered checkpoints (STORE_GATHER_CKPT) write their runs and write them back as they go;
 * a run or a writeback that fails fails the checkpoint, and every row stays.
 */
#include <setjmp.h>
#include <stdatomic.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/types.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "store/sqlite-batch-internal.h"
#include "store/sqlite.h"
#include "store/store.h"
#include "tmpdir.h"

#define ROW_BYTES 3000 /* a row of a little less than a page: frames follow each other */

/*
 * Row i's bytes in generation gen (rows are rewritten with gen 1): every byte depends on i, gen
 * and its place, so a misplaced or stale page shows.
 */
static void row_bytes_gen(int64_t i, int gen, unsigned char *out)
{
	uint32_t x = (uint32_t)i * 2654435761u + 1 + (uint32_t)gen * 40503u;

	for (size_t k = 0; k < ROW_BYTES; k++) {
		x = x * 1103515245u + 12345u;
		out[k] = (unsigned char)(x >> 16);
	}
}

static void row_bytes(int64_t i, unsigned char *out)
{
	row_bytes_gen(i, 0, out);
}

static struct store *open_store(struct tmpdir_fixture *f, unsigned flags)
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

/* Every row there is [0, n), each with its own bytes of gen, and the database is sound. */
static void check_rows_gen(struct store *st, int64_t n, int gen)
{
	sqlite3 *db = store_db(st);
	sqlite3_stmt *s = NULL;
	unsigned char want[ROW_BYTES];
	int64_t seen = 0;

	assert_int_equal(sqlite3_prepare_v2(db, "SELECT i, b FROM t ORDER BY i", -1, &s, NULL),
	                 SQLITE_OK);
	while (sqlite3_step(s) == SQLITE_ROW) {
		assert_int_equal(sqlite3_column_int64(s, 0), seen);
		row_bytes_gen(seen, gen, want);
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

static void check_rows(struct store *st, int64_t n)
{
	check_rows_gen(st, n, 0);
}

static void make_table(struct tmpdir_fixture *f)
{
	struct store *st = open_store(f, 0);

	assert_int_equal(store_exec(st, "CREATE TABLE t (i INTEGER PRIMARY KEY, b BLOB)", &f->err),
	                 0);
	store_close(st);
}

static void test_connection_uses_it(void **state)
{
	struct tmpdir_fixture *f = *state;
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
	struct tmpdir_fixture *f = *state;
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
	struct tmpdir_fixture *f = *state;
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
static int child_write_fails(struct tmpdir_fixture *f)
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
	struct tmpdir_fixture *f = *state;
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
static int child_dies_in_transaction(struct tmpdir_fixture *f)
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
	struct tmpdir_fixture *f = *state;
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

/*
 * A full disk, for the writes only this VFS makes: a gathered run is longer than a page (SQLite
 * itself writes a frame as a 24-byte header and a page, and a database page alone). While
 * full_runs is above 0, each such write fails with ENOSPC (one less each time), as the default
 * VFS's own write call (xSetSystemCall), so SQLite sees what a real full disk gives: SQLITE_FULL.
 */
typedef ssize_t (*pwrite_fn)(int, const void *, size_t, off_t);
static pwrite_fn real_pwrite64, real_pwrite;
static atomic_int full_runs, runs_refused, long_writes;

/*
 * Database-file faults for the gathered checkpoints: while db_armed, every write counts
 * (db_seen), and from the db_at-th on, db_count of them (0: all) fail with EIO, as the default
 * VFS's own write call. Armed only around a checkpoint, where the only writes are the database
 * file's.
 */
static atomic_int db_armed, db_seen, db_at, db_count, db_long;

/*
 * And their writebacks: while db_armed, every sync_file_range counts (wb_seen), and the
 * wb_at-th fails with EIO (0: none). This definition is the one the store's code calls.
 */
static atomic_int wb_seen, wb_at;

int sync_file_range(int fd, off64_t off, off64_t n, unsigned int flags)
{
	static int (*real)(int, off64_t, off64_t, unsigned int);

	if (atomic_load(&db_armed) && atomic_fetch_add(&wb_seen, 1) + 1 == atomic_load(&wb_at)) {
		errno = EIO;
		return -1;
	}
	if (!real)
		real = (int (*)(int, off64_t, off64_t, unsigned int))dlsym(RTLD_NEXT,
		                                                           "sync_file_range");
	return real(fd, off, n, flags);
}

/*
 * And the advice that drops the new pages written back (POSIX_FADV_DONTNEED): while db_armed,
 * each call counts (dn_calls), with the lowest offset and the bytes advised; with dn_fail set
 * it fails (EINVAL) instead of advising.
 */
static atomic_int dn_calls, dn_fail;
static atomic_llong dn_low, dn_bytes;

int posix_fadvise(int fd, off_t off, off_t len, int advice)
{
	static int (*real)(int, off_t, off_t, int);

	if (advice == POSIX_FADV_DONTNEED && atomic_load(&db_armed)) {
		long long low = atomic_load(&dn_low);

		atomic_fetch_add(&dn_calls, 1);
		atomic_fetch_add(&dn_bytes, (long long)len);
		while ((long long)off < low && !atomic_compare_exchange_weak(&dn_low, &low, off))
			;
		if (atomic_load(&dn_fail))
			return EINVAL;
	}
	if (!real)
		real = (int (*)(int, off_t, off_t, int))dlsym(RTLD_NEXT, "posix_fadvise64");
	return real(fd, off, len, advice);
}

static bool db_refuse(size_t n)
{
	int seen, at, count;

	if (!atomic_load(&db_armed))
		return false;
	seen = atomic_fetch_add(&db_seen, 1) + 1;
	if (n > 4096)
		atomic_fetch_add(&db_long, 1);
	at = atomic_load(&db_at);
	count = atomic_load(&db_count);
	if (at <= 0 || seen < at || (count > 0 && seen >= at + count))
		return false;
	errno = EIO;
	return true;
}

static bool refuse(size_t n)
{
	int left = atomic_load(&full_runs);

	if (n <= 4096)
		return false;
	atomic_fetch_add(&long_writes, 1);
	while (left > 0)
		if (atomic_compare_exchange_weak(&full_runs, &left, left - 1)) {
			atomic_fetch_add(&runs_refused, 1);
			errno = ENOSPC;
			return true;
		}
	return false;
}

static ssize_t full_pwrite64(int fd, const void *buf, size_t n, off_t off)
{
	return db_refuse(n) || refuse(n) ? -1 : real_pwrite64(fd, buf, n, off);
}

static ssize_t full_pwrite(int fd, const void *buf, size_t n, off_t off)
{
	return db_refuse(n) || refuse(n) ? -1 : real_pwrite(fd, buf, n, off);
}

static void install_full_disk(void)
{
	sqlite3_vfs *unix_vfs = sqlite3_vfs_find("unix");

	real_pwrite64 = (pwrite_fn)unix_vfs->xGetSystemCall(unix_vfs, "pwrite64");
	real_pwrite = (pwrite_fn)unix_vfs->xGetSystemCall(unix_vfs, "pwrite");
	/* the default VFS uses one of the two, whichever it was built with */
	if (real_pwrite64)
		unix_vfs->xSetSystemCall(unix_vfs, "pwrite64", (sqlite3_syscall_ptr)full_pwrite64);
	if (real_pwrite)
		unix_vfs->xSetSystemCall(unix_vfs, "pwrite", (sqlite3_syscall_ptr)full_pwrite);
}

/* Opens a transaction on st whose rows [first, first + n) spill from a cache of 8 pages. */
static void spill_rows(struct store *st, int64_t first, int n)
{
	sqlite3 *db = store_db(st);
	sqlite3_stmt *s = NULL;
	unsigned char buf[ROW_BYTES];

	assert_int_equal(
	    sqlite3_exec(db, "PRAGMA cache_size = 8; BEGIN IMMEDIATE", NULL, NULL, NULL),
	    SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, "INSERT INTO t(i, b) VALUES (?, ?)", -1, &s, NULL),
	                 SQLITE_OK);
	for (int k = 0; k < n; k++) {
		row_bytes(first + k, buf);
		sqlite3_bind_int64(s, 1, first + k);
		sqlite3_bind_blob(s, 2, buf, ROW_BYTES, SQLITE_TRANSIENT);
		assert_int_equal(sqlite3_step(s), SQLITE_DONE);
		sqlite3_reset(s);
	}
	sqlite3_finalize(s);
}

/*
 * Opens a transaction on st that rewrites every k-th row of [0, n), from the first, with
 * generation gen's bytes (the same size: the database keeps its pages), in a cache of 8 pages.
 */
static void begin_updates_every(struct store *st, int64_t n, int k, int gen)
{
	sqlite3 *db = store_db(st);
	sqlite3_stmt *s = NULL;
	unsigned char buf[ROW_BYTES];

	assert_int_equal(
	    sqlite3_exec(db, "PRAGMA cache_size = 8; BEGIN IMMEDIATE", NULL, NULL, NULL),
	    SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, "UPDATE t SET b = ? WHERE i = ?", -1, &s, NULL),
	                 SQLITE_OK);
	for (int64_t i = 0; i < n; i += k) {
		row_bytes_gen(i, gen, buf);
		sqlite3_bind_blob(s, 1, buf, ROW_BYTES, SQLITE_TRANSIENT);
		sqlite3_bind_int64(s, 2, i);
		assert_int_equal(sqlite3_step(s), SQLITE_DONE);
		sqlite3_reset(s);
	}
	sqlite3_finalize(s);
}

/* begin_updates_every of every row. */
static void begin_updates(struct store *st, int64_t n, int gen)
{
	begin_updates_every(st, n, 1, gen);
}

/*
 * The review's finding 1: a spill's frames wait in the run; the disk is full when they are
 * written, at the next statement's first read. SQLite takes SQLITE_FULL in a statement with a
 * statement journal as that statement's failure only and keeps the transaction; the frames
 * are lost, so the COMMIT must fail, and nothing of the transaction may be published.
 */
static void test_full_disk_at_spill_fails_commit(void **state)
{
	struct tmpdir_fixture *f = *state;
	struct store *w, *r;
	sqlite3 *db;
	int rc;

	make_table(f);
	w = open_store(f, STORE_BATCH_IO);
	assert_int_equal(insert_rows(w, 0, 20), SQLITE_OK);
	spill_rows(w, 1000, 200);
	db = store_db(w);
	atomic_store(&runs_refused, 0);
	atomic_store(&full_runs, 1);
	/* (many rows, so a statement journal: a full disk fails the statement alone) */
	(void)sqlite3_exec(db, "INSERT INTO t(i, b) SELECT i + 100000, b FROM t WHERE i < 5", NULL,
	                   NULL, NULL);
	rc = sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
	atomic_store(&full_runs, 0);
	assert_int_equal(atomic_load(&runs_refused), 1);
	assert_int_not_equal(rc, SQLITE_OK);
	sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
	r = open_store(f, 0);
	check_rows(r, 20);
	/* the disk takes writes again: the same connection commits */
	assert_int_equal(insert_rows(w, 20, 30), SQLITE_OK);
	check_rows(r, 50);
	store_close(w);
	store_close(r);
}

/*
 * The review's finding 2: a transaction spilled, then is rolled back (an error of its own)
 * while the disk is full. The WAL's write lock is released all the same: another connection
 * begins a write transaction, and so does this one.
 */
static void test_rollback_on_full_disk_releases_lock(void **state)
{
	struct tmpdir_fixture *f = *state;
	struct store *w, *other, *r;
	int rc;

	make_table(f);
	w = open_store(f, STORE_BATCH_IO);
	other = open_store(f, 0);
	assert_int_equal(insert_rows(w, 0, 20), SQLITE_OK);
	spill_rows(w, 1000, 200);
	atomic_store(&full_runs, 1000);
	sqlite3_exec(store_db(w), "ROLLBACK", NULL, NULL, NULL);
	sqlite3_busy_timeout(store_db(other), 300);
	rc = sqlite3_exec(store_db(other), "BEGIN IMMEDIATE", NULL, NULL, NULL);
	atomic_store(&full_runs, 0);
	assert_int_equal(rc, SQLITE_OK);
	assert_int_equal(sqlite3_exec(store_db(other), "ROLLBACK", NULL, NULL, NULL), SQLITE_OK);
	assert_int_equal(insert_rows(other, 20, 10), SQLITE_OK);
	assert_int_equal(insert_rows(w, 30, 10), SQLITE_OK);
	r = open_store(f, 0);
	check_rows(r, 40);
	store_close(w);
	store_close(other);
	store_close(r);
}

/*
 * The same for a read lock, as one thread may leave it: a read transaction on one batching
 * connection ends while another connection of the thread has spilled and the disk is full.
 * Its WAL read lock is released: a checkpoint that empties the WAL (it waits for every reader)
 * succeeds once the spilling transaction is rolled back.
 */
static void test_read_end_on_full_disk_releases_lock(void **state)
{
	struct tmpdir_fixture *f = *state;
	struct store *w, *reader, *other;
	sqlite3_stmt *s = NULL;

	make_table(f);
	w = open_store(f, STORE_BATCH_IO);
	reader = open_store(f, STORE_BATCH_IO);
	other = open_store(f, 0);
	assert_int_equal(insert_rows(w, 0, 20), SQLITE_OK);
	assert_int_equal(sqlite3_exec(store_db(reader), "BEGIN", NULL, NULL, NULL), SQLITE_OK);
	assert_int_equal(
	    sqlite3_prepare_v2(store_db(reader), "SELECT count(*) FROM t", -1, &s, NULL),
	    SQLITE_OK);
	assert_int_equal(sqlite3_step(s), SQLITE_ROW);
	assert_int_equal(sqlite3_column_int(s, 0), 20);
	sqlite3_finalize(s);
	spill_rows(w, 1000, 200);
	atomic_store(&full_runs, 1000);
	(void)sqlite3_exec(store_db(reader), "COMMIT", NULL, NULL, NULL);
	(void)sqlite3_exec(store_db(w), "ROLLBACK", NULL, NULL, NULL);
	atomic_store(&full_runs, 0);
	sqlite3_busy_timeout(store_db(other), 300);
	assert_int_equal(store_checkpoint(other, STORE_CHECKPOINT_TRUNCATE), 0);
	check_rows(other, 20);
	store_close(w);
	store_close(reader);
	store_close(other);
}

/* Thread A's part of test_two_threads_one_connection. */
struct turns {
	struct tmpdir_fixture *f;
	struct store *w;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	int step; /* 1: A spilled; 2: B rolled back and another connection committed */
};

static void turns_wait(struct turns *t, int step)
{
	pthread_mutex_lock(&t->mu);
	while (t->step < step)
		pthread_cond_wait(&t->cv, &t->mu);
	pthread_mutex_unlock(&t->mu);
}

static void turns_set(struct turns *t, int step)
{
	pthread_mutex_lock(&t->mu);
	t->step = step;
	pthread_cond_broadcast(&t->cv);
	pthread_mutex_unlock(&t->mu);
}

static void *turns_a(void *p)
{
	struct turns *t = p;
	struct store *other = NULL;
	struct strbuf err = STRBUF_INIT;

	spill_rows(t->w, 1000, 200);
	turns_set(t, 1);
	turns_wait(t, 2);
	/* any later call on this VFS from thread A */
	if (store_open(t->f->dir, STORE_BATCH_IO, &other, &err) == 0)
		store_close(other);
	strbuf_release(&err);
	return NULL;
}

/*
 * The review's finding 5: a connection used by two threads in turn. Thread A inserts and spills
 * (frames wait in the run); thread B rolls the transaction back (it reads page 1 back from the
 * database file: the WAL was emptied before); another connection commits rows at the same place
 * in the WAL; then thread A calls the VFS again. No frame of the rolled-back transaction may be
 * written over the committed ones.
 */
static void test_two_threads_one_connection(void **state)
{
	struct tmpdir_fixture *f = *state;
	struct turns t = { .f = f,
		           .mu = PTHREAD_MUTEX_INITIALIZER,
		           .cv = PTHREAD_COND_INITIALIZER };
	struct store *other, *r;
	pthread_t a;

	make_table(f);
	t.w = open_store(f, STORE_BATCH_IO);
	other = open_store(f, 0);
	assert_int_equal(insert_rows(t.w, 0, 20), SQLITE_OK);
	assert_int_equal(store_checkpoint(other, STORE_CHECKPOINT_TRUNCATE), 0);
	assert_int_equal(pthread_create(&a, NULL, turns_a, &t), 0);
	turns_wait(&t, 1);
	assert_int_equal(sqlite3_exec(store_db(t.w), "ROLLBACK", NULL, NULL, NULL), SQLITE_OK);
	assert_int_equal(insert_rows(other, 20, 300), SQLITE_OK);
	turns_set(&t, 2);
	pthread_join(a, NULL);
	r = open_store(f, 0);
	check_rows(r, 320);
	assert_int_equal(insert_rows(t.w, 320, 10), SQLITE_OK);
	check_rows(r, 330);
	store_close(t.w);
	store_close(other);
	store_close(r);
}

struct ckpt_arg {
	struct store *st;
	enum store_checkpoint_mode mode;
	int rc;
};

static void *ckpt_main(void *p)
{
	struct ckpt_arg *a = p;

	a->rc = store_checkpoint(a->st, a->mode);
	return NULL;
}

/* A checkpoint of st in a thread of its own (a fresh thread each time). */
static int checkpoint_in_thread(struct store *st, enum store_checkpoint_mode mode)
{
	struct ckpt_arg a = { .st = st, .mode = mode, .rc = -1 };
	pthread_t t;

	assert_int_equal(pthread_create(&t, NULL, ckpt_main, &a), 0);
	pthread_join(t, NULL);
	return a.rc;
}

/*
 * The review's finding 3: a checkpoint in thread A reads the WAL ahead; the WAL restarts and
 * another connection rewrites every row, at the same places in the file; a checkpoint of the
 * same connection in thread B must copy the new pages, not what A read ahead.
 */
static void test_checkpoint_in_another_thread(void **state)
{
	struct tmpdir_fixture *f = *state;
	struct store *w, *c, *r;

	make_table(f);
	w = open_store(f, 0);
	c = open_store(f, STORE_BATCH_IO);
	/* (a WAL shorter than one read-ahead: A's buffer holds all of it) */
	assert_int_equal(insert_rows(w, 0, 10), SQLITE_OK);
	assert_int_equal(checkpoint_in_thread(c, STORE_CHECKPOINT_PASSIVE), 0);
	/* every row again (generation 1), from the start of the WAL */
	begin_updates(w, 10, 1);
	assert_int_equal(sqlite3_exec(store_db(w), "COMMIT", NULL, NULL, NULL), SQLITE_OK);
	assert_int_equal(checkpoint_in_thread(c, STORE_CHECKPOINT_TRUNCATE), 0);
	store_close(w);
	store_close(c);
	/* the database file alone (the WAL is empty) */
	r = open_store(f, 0);
	check_rows_gen(r, 10, 1);
	store_close(r);
}

/*
 * The second review's N1: without POWERSAFE_OVERWRITE (psow=0) SQLite pads commits and splits a
 * frame at a sync, and nothing may be gathered; with it (the default) commits are written in
 * runs.
 */
static void test_no_runs_without_psow(void **state)
{
	struct tmpdir_fixture *f = *state;
	struct store *w;
	sqlite3 *db = NULL;
	char uri[128];

	make_table(f);
	w = open_store(f, STORE_BATCH_IO); /* (registers the VFS) */
	atomic_store(&long_writes, 0);
	assert_int_equal(insert_rows(w, 0, 50), SQLITE_OK);
	assert_true(atomic_load(&long_writes) > 0);
	store_close(w);
	snprintf(uri, sizeof(uri), "file:%s/mamori.db?psow=0", f->dir);
	assert_int_equal(
	    sqlite3_open_v2(uri, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_URI, "mamori-batch"),
	    SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, "PRAGMA synchronous=FULL", NULL, NULL, NULL), SQLITE_OK);
	atomic_store(&long_writes, 0);
	for (int k = 0; k < 5; k++) {
		char sql[128];
		snprintf(sql, sizeof(sql),
		         "INSERT INTO t(i, b) SELECT i + %d, b FROM t WHERE i < 10", 50 + 10 * k);
		assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
	}
	assert_int_equal(atomic_load(&long_writes), 0);
	sqlite3_close(db);
}

/*
 * The second review's gaps: a WAL that restarted (the previous one copied whole), a spill of
 * the new generation whose run meets a full disk at the next read: the read fails (no page read
 * from bytes never written), nothing of the transaction is published, and the connection goes
 * on once the disk takes writes.
 */
static void test_full_disk_after_restart(void **state)
{
	struct tmpdir_fixture *f = *state;
	struct store *w, *other;
	sqlite3_stmt *s = NULL;
	int rc;

	make_table(f);
	w = open_store(f, STORE_BATCH_IO);
	other = open_store(f, 0);
	assert_int_equal(insert_rows(w, 0, 20), SQLITE_OK);
	assert_int_equal(store_checkpoint(other, STORE_CHECKPOINT_PASSIVE), 0);
	spill_rows(w, 1000, 200);
	atomic_store(&runs_refused, 0);
	atomic_store(&full_runs, 1);
	assert_int_equal(
	    sqlite3_prepare_v2(store_db(w), "SELECT sum(length(b)) FROM t", -1, &s, NULL),
	    SQLITE_OK);
	rc = sqlite3_step(s);
	sqlite3_finalize(s);
	atomic_store(&full_runs, 0);
	assert_int_equal(atomic_load(&runs_refused), 1);
	assert_int_not_equal(rc, SQLITE_ROW);
	assert_int_not_equal(sqlite3_exec(store_db(w), "COMMIT", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_exec(store_db(w), "ROLLBACK", NULL, NULL, NULL);
	check_rows(other, 20);
	check_rows(w, 20);
	assert_int_equal(insert_rows(w, 20, 10), SQLITE_OK);
	assert_int_equal(store_checkpoint(other, STORE_CHECKPOINT_TRUNCATE), 0);
	check_rows(other, 30);
	store_close(w);
	store_close(other);
}

/*
 * Gathered checkpoints (STORE_GATHER_CKPT). The database file holds rows [0, GROWS) of
 * generation gen (everything checkpointed, on connections that do not checkpoint on close);
 * then a plain connection rewrites them with gen + 1, committed to the WAL only: a checkpoint
 * copies GROWS pages and more, consecutive pages, so several runs.
 */
#define GROWS 200

static void rows_in_wal(struct tmpdir_fixture *f, int gen)
{
	struct store *w = open_store(f, 0);

	store_no_checkpoint_on_close(w);
	if (gen == 0)
		assert_int_equal(insert_rows(w, 0, GROWS), SQLITE_OK);
	else
		assert_int_equal(store_checkpoint(w, STORE_CHECKPOINT_TRUNCATE), 0);
	check_rows_gen(w, GROWS, gen);
	if (gen == 0)
		assert_int_equal(store_checkpoint(w, STORE_CHECKPOINT_TRUNCATE), 0);
	begin_updates(w, GROWS, gen + 1);
	assert_int_equal(sqlite3_exec(store_db(w), "COMMIT", NULL, NULL, NULL), SQLITE_OK);
	store_close(w);
}

/*
 * A passive checkpoint as store_checkpoint runs it, but below the store's latch (store/wal.c),
 * which refuses every checkpoint of a database after one failed: what is tested here is the
 * VFS's part, and that a checkpoint after a failed one copies everything again.
 */
static int raw_passive(struct store *st)
{
	int log = -1, done = -2;
	int rc =
	    sqlite3_wal_checkpoint_v2(store_db(st), NULL, SQLITE_CHECKPOINT_PASSIVE, &log, &done);

	if (rc != SQLITE_OK)
		return (rc & 0xff) == SQLITE_BUSY ? -EBUSY : -EIO;
	return log == done ? 0 : -EBUSY;
}

/* A gathered checkpoint with writes from the at-th on failing (count of them, 0: all). */
static int gathered_checkpoint(struct tmpdir_fixture *f, int at, int count)
{
	struct store *c = open_store(f, STORE_GATHER_CKPT);
	int rc;

	store_no_checkpoint_on_close(c);
	atomic_store(&db_seen, 0);
	atomic_store(&db_long, 0);
	atomic_store(&wb_seen, 0);
	atomic_store(&db_at, at);
	atomic_store(&db_count, count);
	atomic_store(&db_armed, 1);
	rc = raw_passive(c);
	atomic_store(&db_armed, 0);
	store_close(c);
	return rc;
}

/* What a connection opened now reads: every row of gen, right (while another is open: from
 * the WAL index as it is). */
static void check_fresh_reader(struct tmpdir_fixture *f, int gen)
{
	struct store *r = open_store(f, 0);

	store_no_checkpoint_on_close(r);
	check_rows_gen(r, GROWS, gen);
	store_close(r);
}

/*
 * A gathered checkpoint writes the pages in runs and copies every one; a run that cannot be
 * written fails the checkpoint (the first run, one in the middle), and a reader after it
 * reads every row right (from the WAL); the last run, written at CKPT_DONE where SQLite takes
 * no error, is written again page by page and the checkpoint succeeds, with every page in the
 * database file.
 */
static void test_gathered_checkpoint_runs(void **state)
{
	struct tmpdir_fixture *f = *state;
	struct store *keep;
	int runs, gen = 0;

	make_table(f);
	/*
	 * Open throughout, as a server's connections are, so the WAL index stays: one opened when
	 * none is would rebuild it from the WAL and read every frame there, right or not.
	 */
	keep = open_store(f, 0);
	store_no_checkpoint_on_close(keep);
	rows_in_wal(f, gen++);
	assert_int_equal(gathered_checkpoint(f, 0, 0), 0);
	runs = atomic_load(&db_seen);
	/* GROWS pages and more, in runs of up to 24 pages */
	assert_true(runs >= 4 && runs <= GROWS / 8);
	assert_true(atomic_load(&db_long) >= runs / 2);
	check_fresh_reader(f, gen);
	/* the first run fails; then one in the middle, as a persistent error */
	rows_in_wal(f, gen++);
	assert_int_equal(gathered_checkpoint(f, 1, 1), -EIO);
	assert_int_equal(atomic_load(&db_seen), 1);
	check_fresh_reader(f, gen);
	assert_int_equal(gathered_checkpoint(f, runs / 2, 0), -EIO);
	assert_int_equal(atomic_load(&db_seen), runs / 2);
	check_fresh_reader(f, gen);
	/* the disk is back: the next copies everything */
	assert_int_equal(gathered_checkpoint(f, 0, 0), 0);
	assert_int_equal(atomic_load(&db_seen), runs);
	check_fresh_reader(f, gen);
	/* the last run fails once: written page by page, and the database file has every page */
	rows_in_wal(f, gen++);
	assert_int_equal(gathered_checkpoint(f, runs, 1), 0);
	assert_true(atomic_load(&db_seen) >= runs + 1);
	check_fresh_reader(f, gen);
	{
		struct store *r = open_store(f, 0);
		store_no_checkpoint_on_close(r);
		/* (the WAL emptied: what follows is read from the database file alone) */
		assert_int_equal(store_checkpoint(r, STORE_CHECKPOINT_TRUNCATE), 0);
		check_rows_gen(r, GROWS, gen);
		store_close(r);
	}
	check_rows_gen(keep, GROWS, gen);
	store_close(keep);
}

/*
 * A gathered checkpoint starts the writeback of its runs a window at a time and waits for the
 * window before (sync_file_range), so that the sync that follows has little to write: with a
 * window of one byte, every run's. A writeback that fails fails the checkpoint as a failed
 * write does (the first, one in the middle), a reader then reads every row right (from the
 * WAL), the failure stands on that connection (its next checkpoint fails, with the disk back),
 * and through the store it latches the database; after every connection closed, a new one
 * reads every row. With a window of four runs, the writeback is started a quarter as often.
 */
static void test_failed_writeback_fails_checkpoint(void **state)
{
	struct tmpdir_fixture *f = *state;
	struct store *keep, *c;
	int runs, calls, gen = 0;

	make_table(f);
	keep = open_store(f, 0);
	store_no_checkpoint_on_close(keep);
	rows_in_wal(f, gen++);
	atomic_store(&wb_at, 0);
	batch_wb_window = 4 * BATCH_WRITE;
	assert_int_equal(gathered_checkpoint(f, 0, 0), 0);
	runs = atomic_load(&db_seen);
	calls = atomic_load(&wb_seen);
	/* a window of 4 runs: a start of one (and a wait for the one before), and a start at a
	 * run that does not follow (the first page, the tree's) */
	assert_true(runs >= 8);
	assert_true(calls >= 1 && calls <= 2 * (runs / 4 + 2));
	check_fresh_reader(f, gen);
	rows_in_wal(f, gen++);
	batch_wb_window = 1;
	assert_int_equal(gathered_checkpoint(f, 0, 0), 0);
	runs = atomic_load(&db_seen);
	calls = atomic_load(&wb_seen);
	/* every run but the last (written at CKPT_DONE, where no error could fail the
	 * checkpoint) is written back, and each but the first waits for the one before */
	assert_true(runs >= 4);
	assert_true(calls >= runs - 1);
	check_fresh_reader(f, gen);
	rows_in_wal(f, gen++);
	atomic_store(&wb_at, 1);
	assert_int_equal(gathered_checkpoint(f, 0, 0), -EIO);
	assert_int_equal(atomic_load(&wb_seen), 1);
	check_fresh_reader(f, gen);
	atomic_store(&wb_at, calls / 2 + 1);
	assert_int_equal(gathered_checkpoint(f, 0, 0), -EIO);
	check_fresh_reader(f, gen);
	/* one connection: its failed writeback stands, and the store latches the database */
	c = open_store(f, STORE_GATHER_CKPT);
	store_no_checkpoint_on_close(c);
	atomic_store(&wb_seen, 0);
	atomic_store(&wb_at, 2);
	atomic_store(&db_at, 0);
	atomic_store(&db_armed, 1);
	assert_int_equal(store_checkpoint(c, STORE_CHECKPOINT_PASSIVE), -EIO);
	atomic_store(&wb_at, 0);
	assert_int_equal(raw_passive(c), -EIO);
	atomic_store(&db_armed, 0);
	assert_true(store_db_failed(c, NULL) < 0);
	assert_int_equal(store_checkpoint(keep, STORE_CHECKPOINT_PASSIVE), -EIO);
	store_close(c);
	check_fresh_reader(f, gen);
	check_rows_gen(keep, GROWS, gen);
	store_close(keep);
	/* (no connection open: a new one reads the WAL again) */
	check_fresh_reader(f, gen);
}

/* The database file's size now. */
static long long db_size(struct store *st)
{
	struct stat s;

	assert_int_equal(stat(sqlite3_db_filename(store_db(st), "main"), &s), 0);
	return (long long)s.st_size;
}

/* Rows [first, first + n) of generation 0 appended to the WAL only, by a plain connection. */
static void append_in_wal(struct tmpdir_fixture *f, int64_t first, int n)
{
	struct store *w = open_store(f, 0);

	store_no_checkpoint_on_close(w);
	assert_int_equal(insert_rows(w, first, n), SQLITE_OK);
	store_close(w);
}

/* Rows [first, first + n) have generation gen's bytes. */
static void check_range_gen(struct store *st, int64_t first, int n, int gen)
{
	sqlite3_stmt *s = NULL;
	unsigned char want[ROW_BYTES];
	int seen = 0;

	assert_int_equal(sqlite3_prepare_v2(store_db(st),
	                                    "SELECT i, b FROM t WHERE i >= ? AND i < ? ORDER BY i",
	                                    -1, &s, NULL),
	                 SQLITE_OK);
	sqlite3_bind_int64(s, 1, first);
	sqlite3_bind_int64(s, 2, first + n);
	while (sqlite3_step(s) == SQLITE_ROW) {
		row_bytes_gen(first + seen, gen, want);
		assert_int_equal(sqlite3_column_int64(s, 0), first + seen);
		assert_memory_equal(sqlite3_column_blob(s, 1), want, ROW_BYTES);
		seen++;
	}
	sqlite3_finalize(s);
	assert_int_equal(seen, n);
}

static void dn_reset(void)
{
	atomic_store(&dn_calls, 0);
	atomic_store(&dn_bytes, 0);
	atomic_store(&dn_low, INT64_MAX);
}

/*
 * The pages a gathered checkpoint adds past the database file's end leave the page cache once
 * their writeback succeeded (POSIX_FADV_DONTNEED, sqlite-batch-db.c "New pages"), and no page
 * it rewrites does: rows appended are advised from the file's old end on, at least half of
 * what the file grew by (the last window waits for the next checkpoint or sync); rows
 * rewritten in place, nothing. A failed advice changes nothing; a window whose writeback
 * failed is not advised.
 */
static void test_new_pages_leave_the_cache(void **state)
{
	struct tmpdir_fixture *f = *state;
	struct store *keep;
	long long size0;

	make_table(f);
	keep = open_store(f, 0);
	store_no_checkpoint_on_close(keep);
	batch_wb_window = 1;
	size0 = db_size(keep);
	append_in_wal(f, 0, GROWS);
	dn_reset();
	assert_int_equal(gathered_checkpoint(f, 0, 0), 0);
	assert_true(atomic_load(&dn_calls) >= 1);
	assert_true(atomic_load(&dn_low) >= size0);
	assert_true(atomic_load(&dn_bytes) >= (db_size(keep) - size0) / 2);
	check_fresh_reader(f, 0);
	/* rewritten in place: nothing new, nothing advised */
	size0 = db_size(keep);
	{
		struct store *w = open_store(f, 0);
		store_no_checkpoint_on_close(w);
		begin_updates(w, GROWS, 1);
		assert_int_equal(sqlite3_exec(store_db(w), "COMMIT", NULL, NULL, NULL), SQLITE_OK);
		store_close(w);
	}
	dn_reset();
	assert_int_equal(gathered_checkpoint(f, 0, 0), 0);
	assert_int_equal(db_size(keep), size0);
	assert_int_equal(atomic_load(&dn_calls), 0);
	check_fresh_reader(f, 1);
	/* the advice fails: the checkpoint does not */
	append_in_wal(f, GROWS, GROWS);
	dn_reset();
	atomic_store(&dn_fail, 1);
	assert_int_equal(gathered_checkpoint(f, 0, 0), 0);
	atomic_store(&dn_fail, 0);
	assert_true(atomic_load(&dn_calls) >= 1);
	check_range_gen(keep, 0, GROWS, 1);
	check_range_gen(keep, GROWS, GROWS, 0);
	/* the first window's wait fails (the third sync_file_range: start 1, start 2, wait 1) */
	append_in_wal(f, 2 * GROWS, GROWS);
	dn_reset();
	atomic_store(&wb_at, 3);
	assert_int_equal(gathered_checkpoint(f, 0, 0), -EIO);
	atomic_store(&wb_at, 0);
	assert_int_equal(atomic_load(&dn_calls), 0);
	check_range_gen(keep, 2 * GROWS, GROWS, 0);
	store_close(keep);
}

/* Every k-th row, from the first, rewritten with generation gen's bytes, in the WAL only. */
static void update_every(struct tmpdir_fixture *f, int k, int gen)
{
	struct store *w = open_store(f, 0);

	store_no_checkpoint_on_close(w);
	begin_updates_every(w, GROWS, k, gen);
	assert_int_equal(sqlite3_exec(store_db(w), "COMMIT", NULL, NULL, NULL), SQLITE_OK);
	store_close(w);
}

/* Row i has generation gen's bytes if i is a multiple of k, else base's. */
static void check_every(struct store *st, int k, int gen, int base)
{
	for (int64_t i = 0; i < GROWS; i++)
		check_range_gen(st, i, 1, i % k ? base : gen);
}

/*
 * Short runs of pages the database file had, apart from the window (a b-tree's pages written
 * again, scattered: sqlite-batch-db.c "Pages the file had"), are left to the sync: a
 * checkpoint of every 8th row rewritten (one page each, apart) starts no writeback with the
 * default window, and what it copied is read back right, also from the database file alone
 * after the sync of a truncating checkpoint. Up to a window's bytes of them between syncs: with
 * a window of two pages every such run but the first two is written back as before. A run that
 * is long, or adds to the file, is written back as before (test_failed_writeback_fails_checkpoint,
 * test_new_pages_leave_the_cache).
 */
static void test_rewritten_pages_left_to_sync(void **state)
{
	struct tmpdir_fixture *f = *state;
	struct store *keep;
	int runs;

	make_table(f);
	keep = open_store(f, 0);
	store_no_checkpoint_on_close(keep);
	rows_in_wal(f, 0);
	assert_int_equal(gathered_checkpoint(f, 0, 0), 0);
	update_every(f, 8, 2);
	assert_int_equal(gathered_checkpoint(f, 0, 0), 0);
	runs = atomic_load(&db_seen);
	assert_true(runs >= GROWS / 8 / 2);
	assert_int_equal(atomic_load(&wb_seen), 0);
	check_every(keep, 8, 2, 1);
	assert_int_equal(store_checkpoint(keep, STORE_CHECKPOINT_TRUNCATE), 0);
	check_every(keep, 8, 2, 1);
	/* at most a window of them: past two pages, each run's writeback is started again */
	batch_wb_window = 2 * 4096;
	update_every(f, 8, 3);
	assert_int_equal(gathered_checkpoint(f, 0, 0), 0);
	runs = atomic_load(&db_seen);
	assert_true(atomic_load(&wb_seen) >= runs - 4);
	check_every(keep, 8, 3, 1);
	store_close(keep);
	keep = open_store(f, 0);
	check_every(keep, 8, 3, 1);
	store_close(keep);
}

/* The batch VFS's file of st's database (white box: its bytes left to the sync). */
static struct bfile *main_bfile(struct store *st)
{
	sqlite3_file *fp = NULL;

	assert_int_equal(sqlite3_file_control(store_db(st), "main", SQLITE_FCNTL_FILE_POINTER, &fp),
	                 SQLITE_OK);
	assert_non_null(fp);
	return (struct bfile *)fp;
}

/*
 * The table made, and three connections that do not copy when they close: keep (plain), c
 * (gathering, kept open as the writer's checkpointer is) and r (a reader for partial_copy).
 */
static void three_stores(struct tmpdir_fixture *f, struct store **keep, struct store **c,
                         struct store **r)
{
	make_table(f);
	*keep = open_store(f, 0);
	store_no_checkpoint_on_close(*keep);
	*c = open_store(f, STORE_GATHER_CKPT);
	store_no_checkpoint_on_close(*c);
	*r = open_store(f, 0);
	store_no_checkpoint_on_close(*r);
}

/*
 * A passive copy on c that stops short of the WAL's end (r's snapshot holds it back, so no sync
 * follows it, as under constant commits): r's snapshot is taken now, then rows [row, row + n)
 * are appended.
 */
static void partial_copy_rc(struct tmpdir_fixture *f, struct store *c, struct store *r, int64_t row,
                            int n, int want)
{
	assert_int_equal(
	    sqlite3_exec(store_db(r), "BEGIN; SELECT count(*) FROM t", NULL, NULL, NULL),
	    SQLITE_OK);
	{ /* (its own commits copy nothing: no copy past 1,000 pages) */
		struct store *w = open_store(f, 0);
		int pages = 0;

		store_no_checkpoint_on_close(w);
		store_wal_watch(w, &pages);
		assert_int_equal(insert_rows(w, row, n), SQLITE_OK);
		store_close(w);
	}
	assert_int_equal(raw_passive(c), want);
	assert_int_equal(sqlite3_exec(store_db(r), "COMMIT", NULL, NULL, NULL), SQLITE_OK);
}

/* partial_copy_rc of a copy that succeeds (partly: -EBUSY). */
static void partial_copy(struct tmpdir_fixture *f, struct store *c, struct store *r, int64_t row,
                         int n)
{
	partial_copy_rc(f, c, r, row, n, -EBUSY);
}

/*
 * On one gathering connection kept open, as the writer's checkpointer is: runs of 96 KiB
 * rewritten are never left; with a window of two pages, two pages exactly of short rewritten
 * runs are left (a third would pass it), and the connection's sync starts the count again; a
 * short run of new pages is not left (it joins the window, whose new pages the sync drops),
 * nor is a short run that follows the window (the last 4 of 28 consecutive pages written
 * again: the table's root, page 2, and rows 0-26). (review-pace L1: a fresh connection for
 * every checkpoint always starts at 0.)
 */
static void test_left_counted_per_sync(void **state)
{
	struct tmpdir_fixture *f = *state;
	struct store *keep, *c, *r;

	three_stores(f, &keep, &c, &r);
	rows_in_wal(f, 0);
	partial_copy(f, c, r, GROWS, 1);
	assert_true(main_bfile(c)->left < LEFT_RUN_MAX);
	assert_int_equal(store_db_sync(c), 0);
	assert_int_equal(main_bfile(c)->left, 0);
	batch_wb_window = 2 * 4096;
	update_every(f, 8, 2);
	partial_copy(f, c, r, GROWS + 1, 1);
	assert_int_equal(main_bfile(c)->left, 2 * 4096);
	assert_int_equal(store_db_sync(c), 0);
	assert_int_equal(main_bfile(c)->left, 0);
	update_every(f, 8, 3);
	partial_copy(f, c, r, GROWS + 2, 3);
	assert_int_equal(main_bfile(c)->left, 2 * 4096);
	/* a short run of new pages is not left: it joins the window, whose new pages the sync
	 * drops; nor is a short run that follows the window (the rest of 27 rewritten pages) */
	batch_wb_window = (size_t)1 << 20;
	assert_int_equal(store_db_sync(c), 0);
	{
		long long size0 = db_size(keep);
		struct store *w = open_store(f, 0);

		store_no_checkpoint_on_close(w);
		begin_updates_every(w, 27, 1, 4);
		assert_int_equal(sqlite3_exec(store_db(w), "COMMIT", NULL, NULL, NULL), SQLITE_OK);
		store_close(w);
		dn_reset();
		atomic_store(&db_armed, 1);
		partial_copy(f, c, r, GROWS + 5, 1);
		assert_int_equal(main_bfile(c)->left, 0);
		assert_int_equal(store_db_sync(c), 0);
		atomic_store(&db_armed, 0);
		assert_true(db_size(keep) - size0 >= 3 * 4096);
		assert_true(atomic_load(&dn_bytes) >= db_size(keep) - size0);
	}
	store_close(r);
	store_close(c);
	check_range_gen(keep, 0, 27, 4);
	for (int64_t i = 27; i < GROWS; i++)
		check_range_gen(keep, i, 1, i % 8 ? 1 : 3);
	store_close(keep);
}

/*
 * The pages a gathering connection kept open adds leave the page cache also across its
 * checkpoints when each copy is partial (partial_copy), with the default window: over 12 rounds of
 * 300 appended rows, all of what the file grew by but the last two windows is advised (review-pace
 * M1: the growth's first run joined the last checkpoint's window, whose new pages then counted as
 * pages the file had, and about a third stayed cached).
 */
static void test_growth_leaves_cache_across_checkpoints(void **state)
{
	struct tmpdir_fixture *f = *state;
	struct store *keep, *c, *r;
	long long size0, grown;
	enum { K = 300, ROUNDS = 12 };

	three_stores(f, &keep, &c, &r);
	size0 = db_size(keep);
	dn_reset();
	atomic_store(&wb_at, 0);
	atomic_store(&db_at, 0);
	atomic_store(&db_armed, 1);
	for (int i = 0; i < ROUNDS; i++)
		partial_copy(f, c, r, (int64_t)i * K, K);
	/* the last window's start failing at the next checkpoint's start fails that checkpoint
	 * (its first write) and the connection's sync (review-pace2 L1) */
	atomic_store(&wb_at, atomic_load(&wb_seen) + 1);
	partial_copy_rc(f, c, r, (int64_t)ROUNDS * K, 1, -EIO);
	atomic_store(&wb_at, 0);
	assert_true(store_db_sync(c) < 0);
	atomic_store(&db_armed, 0);
	grown = db_size(keep) - size0;
	assert_true(grown >= (long long)(ROUNDS - 1) * K * 4096);
	assert_true(atomic_load(&dn_bytes) >= grown - 2 * (long long)batch_wb_window);
	store_close(r);
	store_close(c);
	check_range_gen(keep, 0, ROUNDS * K + 1, 0);
	store_close(keep);
}

/* (the writeback window back to the default, even after a failed assertion) */
static int teardown_window(void **state)
{
	batch_wb_window = (size_t)1 << 20;
	return tmpdir_teardown(state);
}

/* The child of test_lost_last_run_stops: its stderr to path, a checkpoint whose last run and
 * every page of it fail. Returns only if the process was not stopped. */
static int child_last_run_lost(struct tmpdir_fixture *f, int runs, const char *path)
{
	FILE *e = freopen(path, "w", stderr);
	struct rlimit no_core = { 0, 0 };

	if (!e || setrlimit(RLIMIT_CORE, &no_core) < 0)
		return 20;
	(void)gathered_checkpoint(f, runs, 0);
	return 21;
}

/*
 * The last run cannot be written, not even page by page: the process stops (abort, with the
 * message) before SQLite records the frames as copied; then every row is there, right (from
 * the WAL), and a checkpoint copies it.
 */
static void test_lost_last_run_stops(void **state)
{
	struct tmpdir_fixture *f = *state;
	char path[128], msg[512] = "";
	FILE *e;
	int runs, status = 0;
	pid_t pid;

	make_table(f);
	rows_in_wal(f, 0);
	assert_int_equal(gathered_checkpoint(f, 0, 0), 0);
	runs = atomic_load(&db_seen);
	rows_in_wal(f, 1);
	snprintf(path, sizeof(path), "%s/stop.err", f->dir);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0)
		_exit(child_last_run_lost(f, runs, path));
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFSIGNALED(status));
	assert_int_equal(WTERMSIG(status), SIGABRT);
	e = fopen(path, "r");
	assert_non_null(e);
	assert_non_null(fgets(msg, sizeof(msg), e));
	fclose(e);
	assert_non_null(strstr(msg, "mamori: stopping: a checkpoint could not write"));
	check_fresh_reader(f, 2);
	assert_int_equal(gathered_checkpoint(f, 0, 0), 0);
	check_fresh_reader(f, 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_connection_uses_it, tmpdir_setup,
		                                tmpdir_teardown),
		cmocka_unit_test_setup_teardown(test_commits_seen_at_once, tmpdir_setup,
		                                tmpdir_teardown),
		cmocka_unit_test_setup_teardown(test_checkpoints_copy_every_page, tmpdir_setup,
		                                tmpdir_teardown),
		cmocka_unit_test_setup_teardown(test_failed_write_fails_commit, tmpdir_setup,
		                                tmpdir_teardown),
		cmocka_unit_test_setup_teardown(test_crash_in_transaction, tmpdir_setup,
		                                tmpdir_teardown),
		cmocka_unit_test_setup_teardown(test_full_disk_at_spill_fails_commit, tmpdir_setup,
		                                tmpdir_teardown),
		cmocka_unit_test_setup_teardown(test_rollback_on_full_disk_releases_lock,
		                                tmpdir_setup, tmpdir_teardown),
		cmocka_unit_test_setup_teardown(test_read_end_on_full_disk_releases_lock,
		                                tmpdir_setup, tmpdir_teardown),
		cmocka_unit_test_setup_teardown(test_two_threads_one_connection, tmpdir_setup,
		                                tmpdir_teardown),
		cmocka_unit_test_setup_teardown(test_checkpoint_in_another_thread, tmpdir_setup,
		                                tmpdir_teardown),
		cmocka_unit_test_setup_teardown(test_no_runs_without_psow, tmpdir_setup,
		                                tmpdir_teardown),
		cmocka_unit_test_setup_teardown(test_full_disk_after_restart, tmpdir_setup,
		                                tmpdir_teardown),
		cmocka_unit_test_setup_teardown(test_gathered_checkpoint_runs, tmpdir_setup,
		                                tmpdir_teardown),
		cmocka_unit_test_setup_teardown(test_lost_last_run_stops, tmpdir_setup,
		                                tmpdir_teardown),
		cmocka_unit_test_setup_teardown(test_failed_writeback_fails_checkpoint,
		                                tmpdir_setup, teardown_window),
		cmocka_unit_test_setup_teardown(test_new_pages_leave_the_cache, tmpdir_setup,
		                                teardown_window),
		cmocka_unit_test_setup_teardown(test_rewritten_pages_left_to_sync, tmpdir_setup,
		                                teardown_window),
		cmocka_unit_test_setup_teardown(test_left_counted_per_sync, tmpdir_setup,
		                                teardown_window),
		cmocka_unit_test_setup_teardown(test_growth_leaves_cache_across_checkpoints,
		                                tmpdir_setup, teardown_window),
	};

	install_full_disk();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
