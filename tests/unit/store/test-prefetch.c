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
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

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
	               "CREATE TABLE small(n INTEGER PRIMARY KEY, b BLOB);"
	               "CREATE TABLE grow(n INTEGER PRIMARY KEY, b BLOB)",
	               &f->err) < 0)
		return -1;
	for (int64_t n = 1; n <= ROWS; n++) {
		insert(f, "INSERT INTO big(n, b) VALUES (?, ?)", n, 19000 + (size_t)n * 20);
		insert(f, "INSERT INTO mid(n, b) VALUES (?, ?)", n, 7000 + (size_t)n * 13);
		insert(f, "INSERT INTO small(n, b) VALUES (?, ?)", n, 40);
		/* the first rows with one overflow page, the later ones with six */
		insert(f, "INSERT INTO grow(n, b) VALUES (?, ?)", n, n <= 3 ? 7000 : 27000);
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
	store_prefetch_pages(f->st, tables, 2, rows, sizeof(rows) / sizeof(*rows), true, ask, &a);
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

	store_prefetch_pages(f->st, small, 1, &one, 1, true, ask, &a);
	assert_int_equal(a.pages, 1);
	memset(&a, 0, sizeof(a));
	store_prefetch_pages(f->st, none, 2, &one, 1, true, ask, &a);
	assert_int_equal(a.pages, 0);
	memset(&a, 0, sizeof(a));
	store_prefetch_pages(f->st, small, 1, missing, sizeof(missing) / sizeof(*missing), true,
	                     ask, &a);
	/* each missing row's search ends on some leaf, which is all it may ask for */
	assert_true(a.pages <= sizeof(missing) / sizeof(*missing));
	/* and the real thing, which asks the kernel */
	store_prefetch_rows(f->st, small, 1, missing, sizeof(missing) / sizeof(*missing));
	store_prefetch_rows(f->st, small, 1, &one, 0);
}

/* A table whose first row, from which the guess is learnt, is smaller than the others: the
 * guess misses their first overflow pages, and the second pass, the leaves read, asks for them. */
static void test_guess_missed(void **state)
{
	static const char *const grow[] = { "grow" };
	static const int64_t rows[] = { 1, 10, 20, 30 };
	struct fixture *f = *state;
	struct asked a = { 0 };
	unsigned char want[4096] = { 0 };
	size_t n_want = 0;

	for (size_t i = 0; i < sizeof(rows) / sizeof(*rows); i++)
		n_want += row_pages(f, "grow", rows[i], want);
	store_prefetch_pages(f->st, grow, 1, rows, sizeof(rows) / sizeof(*rows), true, ask, &a);
	for (size_t p = 0; p < sizeof(want); p++)
		if (want[p] && !a.page[p])
			fail_msg("page %zu of a row asked for was not asked", p);
	assert_true(a.pages <= n_want + 2 * (sizeof(rows) / sizeof(*rows)));
}

/* Rows changed since the checkpoint (their new pages only in the WAL, the file's older): no
 * harm, and nothing asked past the file. */
static void test_newer_in_wal(void **state)
{
	static const char *const big[] = { "big", "mid" };
	static const int64_t rows[] = { 5, 6, 7, ROWS + 1, ROWS + 2 };
	struct fixture *f = *state;
	struct asked a = { 0 };
	struct query *q;

	assert_int_equal(
	    query_prepare(f->st, "UPDATE big SET b = zeroblob(30000) WHERE n = 6", &q, &f->err), 0);
	assert_int_equal(query_run(q, &f->err), 0);
	assert_int_equal(query_prepare(f->st, "DELETE FROM mid WHERE n = 7", &q, &f->err), 0);
	assert_int_equal(query_run(q, &f->err), 0);
	insert(f, "INSERT INTO big(n, b) VALUES (?, ?)", ROWS + 1, 19000);
	insert(f, "INSERT INTO big(n, b) VALUES (?, ?)", ROWS + 2, 19000);
	store_prefetch_pages(f->st, big, 2, rows, sizeof(rows) / sizeof(*rows), true, ask, &a);
	assert_true(a.pages > 0);
}

/*
 * Whether another process sees a lock of this one on the SQLite SHARED range of the store's
 * file (a connection in WAL mode holds one as long as it is open).
 */
static bool shared_lock_seen(struct fixture *f)
{
	char path[128];
	pid_t pid;
	int status = 0;

	snprintf(path, sizeof(path), "%s/mamori.db", f->dir);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct flock l = {
			.l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 0x40000002, .l_len = 510
		};
		int fd = open(path, O_RDWR);
		_exit(fd >= 0 && fcntl(fd, F_GETLK, &l) == 0 && l.l_type != F_UNLCK ? 1 : 0);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	return WEXITSTATUS(status) == 1;
}

/* Asking for pages leaves SQLite's locks on the file in place (closing a descriptor of the file
 * of its own would drop every lock this process holds on it). */
static void test_locks_kept(void **state)
{
	static const char *const tables[] = { "big", "mid" };
	static const int64_t rows[] = { 3, 17 };
	struct fixture *f = *state;
	struct query *q;
	int64_t count = 0;

	assert_int_equal(query_prepare(f->st, "SELECT count(*) FROM big", &q, &f->err), 0);
	assert_int_equal(query_one_int(q, &count, &f->err), 0);
	assert_int_equal(count, ROWS);
	assert_true(shared_lock_seen(f));
	store_prefetch_rows(f->st, tables, 2, rows, 2);
	assert_true(shared_lock_seen(f));
}

/* Whether the page cache holds page pgno (4 KiB pages) of the store's file at path now: 1 or
 * 0, the exit status of the child that asks (in_child). */
static int child_cached(const char *path, uint64_t pgno)
{
	unsigned char v = 0;
	size_t len = (size_t)(pgno * 4096);
	int fd = open(path, O_RDONLY);
	void *map = fd >= 0 ? mmap(NULL, len, PROT_READ, MAP_SHARED, fd, 0) : MAP_FAILED;

	if (map == MAP_FAILED || mincore((char *)map + len - 4096, 1, &v) != 0)
		return 2;
	return v & 1;
}

/* Drops the file at path from the page cache (what posix_fadvise can: nothing on tmpfs): 0. */
static int child_evict(const char *path, uint64_t unused)
{
	int fd = open(path, O_RDONLY);

	(void)unused;
	return fd >= 0 && fdatasync(fd) == 0 && posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED) == 0
	           ? 0
	           : 2;
}

/*
 * what(the store's file, arg) in a child process: its answer (0 or 1). Not in this one, which
 * holds SQLite's locks on the file: closing a descriptor of the file of its own would drop
 * every one of them (POSIX locks are the process's), the very thing store/prefetch.c keeps from
 * happening (its pin); the child's close drops only the child's.
 */
static int in_child(struct fixture *f, int (*what)(const char *path, uint64_t arg), uint64_t arg)
{
	char path[128];
	pid_t pid;
	int status = 0;

	snprintf(path, sizeof(path), "%s/mamori.db", f->dir);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0)
		_exit(what(path, arg));
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) <= 1);
	return WEXITSTATUS(status);
}

static bool page_cached(struct fixture *f, uint64_t pgno)
{
	return in_child(f, child_cached, pgno) == 1;
}

static void evict(struct fixture *f)
{
	assert_int_equal(in_child(f, child_evict, 0), 0);
}

/* Rows whose leaf is cached are not asked for (they were read whole, most likely); once the file
 * has left the page cache, they are. */
static void test_cached_rows_skipped(void **state)
{
	static const char *const big[] = { "big" };
	struct fixture *f = *state;
	unsigned char want[4096] = { 0 };
	struct asked a = { 0 };
	int64_t row = 17;
	size_t n_want = row_pages(f, "big", row, want), leaf = 0;

	for (size_t p = 0; p < sizeof(want); p++)
		if (want[p])
			leaf = p; /* the last: the leaf, after its overflow pages here */
	assert_true(shared_lock_seen(f));
	assert_true(n_want > 1 && page_cached(f, leaf));
	store_prefetch_pages(f->st, big, 1, &row, 1, false, ask, &a);
	assert_int_equal(a.pages, 0);
	evict(f);
	/* the helpers kept the fixture's locks (a descriptor of their own here dropped them) */
	assert_true(shared_lock_seen(f));
	if (page_cached(f, leaf)) {
		print_message("the page cache kept the file (tmpfs?): the rest not checked\n");
		return;
	}
	store_prefetch_pages(f->st, big, 1, &row, 1, false, ask, &a);
	for (size_t p = 0; p < sizeof(want); p++)
		if (want[p] && !a.page[p])
			fail_msg("page %zu of the row was not asked", p);
	/* and asked of the kernel, the leaf comes into the cache */
	store_prefetch_rows(f->st, big, 1, &row, 1);
	for (int i = 0; i < 200 && !page_cached(f, leaf); i++)
		usleep(10000);
	assert_true(page_cached(f, leaf));
}

/*
 * A pin whose open failed for want of descriptors (EMFILE: a loaded server's moment) is tried
 * again at the next ask; it stayed -1 for the rest of the process, and the prefetch did nothing.
 */
static void test_pin_retried(void **state)
{
	struct fixture *f = *state;
	struct rlimit was, low;
	int lowest = dup(0), fd;

	assert_true(lowest >= 0);
	close(lowest);
	assert_int_equal(getrlimit(RLIMIT_NOFILE, &was), 0);
	low = was;
	low.rlim_cur = (rlim_t)lowest; /* the next descriptor would be past it */
	assert_int_equal(setrlimit(RLIMIT_NOFILE, &low), 0);
	fd = store_gate_pin(f->st->gate, f->st->path);
	assert_int_equal(setrlimit(RLIMIT_NOFILE, &was), 0);
	assert_int_equal(fd, -1);
	fd = store_gate_pin(f->st->gate, f->st->path);
	assert_true(fd >= 0);
	assert_int_equal(store_gate_pin(f->st->gate, f->st->path), fd); /* pinned now: the same */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_rows_pages, setup, teardown),
		cmocka_unit_test_setup_teardown(test_small_and_missing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_guess_missed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_newer_in_wal, setup, teardown),
		cmocka_unit_test_setup_teardown(test_locks_kept, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cached_rows_skipped, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pin_retried, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
