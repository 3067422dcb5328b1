/*
 * test-latch: the database file's latch (store/wal.c). A sync of the database file that failed
 * on one connection stops every connection of the process from copying the write-ahead log into
 * it: a second connection's checkpoints (passive, truncate, store_wal_cut), its own commits'
 * autocheckpoint and the last close leave the log and the database file as they were.
 *
 * The failure is injected by a VFS of this test's own, made the default: SQLite's unix VFS with
 * the database files' xSync failing (SQLITE_IOERR_FSYNC) as often as fail_syncs says, as
 * Linux's fsync does once on the description that meets a failed writeback.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "base/strbuf.h"
#include "store/sqlite.h"
#include "store/store.h"
#include "tmpdir.h"

static sqlite3_vfs *real_vfs;
static sqlite3_vfs shim_vfs;
static const sqlite3_io_methods *real_methods;
static sqlite3_io_methods shim_methods;
static atomic_int fail_syncs; /* the database files' next syncs that fail */

static int shim_sync(sqlite3_file *f, int flags)
{
	int left = atomic_load(&fail_syncs);

	while (left > 0 && !atomic_compare_exchange_weak(&fail_syncs, &left, left - 1))
		;
	if (left > 0)
		return SQLITE_IOERR_FSYNC;
	return real_methods->xSync(f, flags);
}

/* The unix VFS's file, with the database files' methods swapped for a copy (same layout). */
static int shim_open(sqlite3_vfs *vfs, sqlite3_filename name, sqlite3_file *f, int flags, int *out)
{
	int rc = real_vfs->xOpen(real_vfs, name, f, flags, out);

	(void)vfs;
	if (rc == SQLITE_OK && (flags & SQLITE_OPEN_MAIN_DB) && f->pMethods) {
		if (!real_methods) {
			real_methods = f->pMethods;
			shim_methods = *f->pMethods;
			shim_methods.xSync = shim_sync;
		}
		if (f->pMethods == real_methods)
			f->pMethods = &shim_methods;
	}
	return rc;
}

static void install_shim(void)
{
	real_vfs = sqlite3_vfs_find("unix");
	assert_non_null(real_vfs);
	shim_vfs = *real_vfs;
	shim_vfs.zName = "mamori-latch-test";
	shim_vfs.pNext = NULL;
	shim_vfs.xOpen = shim_open;
	assert_int_equal(sqlite3_vfs_register(&shim_vfs, 1), SQLITE_OK);
}

/* The whole file (free it) into *len; NULL when it is not there. */
static char *slurp(const char *dir, const char *name, size_t *len)
{
	char path[128];
	struct stat sb;
	char *buf;
	FILE *fp;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if (stat(path, &sb) < 0)
		return NULL;
	buf = malloc((size_t)sb.st_size + 1);
	assert_non_null(buf);
	fp = fopen(path, "rb");
	assert_non_null(fp);
	*len = fread(buf, 1, (size_t)sb.st_size, fp);
	assert_int_equal(*len, (size_t)sb.st_size);
	fclose(fp);
	return buf;
}

static void assert_same(const char *dir, const char *name, const char *was, size_t was_len,
                        bool prefix)
{
	size_t len = 0;
	char *now = slurp(dir, name, &len);

	assert_non_null(now);
	if (prefix)
		assert_true(len >= was_len);
	else
		assert_int_equal(len, was_len);
	assert_memory_equal(now, was, was_len);
	free(now);
}

static void test_failed_sync_latches_every_connection(void **state)
{
	struct tmpdir_fixture *f = *state;
	struct strbuf why = STRBUF_INIT;
	struct store *a = NULL, *b = NULL, *other = NULL;
	char other_dir[64];
	size_t db_len = 0, wal_len = 0;
	char *db, *wal;
	int pages = 0;

	/* another database of the same process, not latched by this one's failure */
	assert_int_equal(tmpdir_make(other_dir, sizeof(other_dir), "latch-other"), 0);
	assert_int_equal(tmpdir_store(other_dir, 0, &other, &f->err), 0);

	assert_int_equal(store_open(f->dir, 0, &a, &f->err), 0);
	assert_int_equal(store_open(f->dir, 0, &b, &f->err), 0);
	store_wal_watch(a, &pages); /* a checkpoints only when asked */
	assert_int_equal(store_db_failed(b, &why), 0);
	db = slurp(f->dir, "mamori.db", &db_len);
	assert_non_null(db);
	assert_int_equal(store_exec(a,
	                            "CREATE TABLE t(x); INSERT INTO t VALUES (randomblob(100000)), "
	                            "(randomblob(100000))",
	                            &f->err),
	                 0);
	assert_true(pages > 0);
	wal = slurp(f->dir, "mamori.db-wal", &wal_len);
	assert_non_null(wal);
	assert_true(wal_len > 200000);

	/* the sync fails once, on a's descriptor */
	atomic_store(&fail_syncs, 1);
	assert_int_equal(store_db_sync(a), -EIO);
	assert_int_equal(atomic_load(&fail_syncs), 0);

	/* b's own sync would now succeed: every copy is refused instead */
	assert_int_equal(store_db_failed(b, &why), -EIO);
	assert_non_null(strstr(why.buf, "mamori.db"));
	assert_non_null(strstr(why.buf, "restarted"));
	assert_int_equal(store_wal_cut(b, 0, 100), -EIO);
	assert_int_equal(store_checkpoint(b, STORE_CHECKPOINT_TRUNCATE), -EIO);
	assert_int_equal(store_checkpoint_wait(b, STORE_CHECKPOINT_RESTART, 100), -EIO);
	assert_int_equal(store_checkpoint(b, STORE_CHECKPOINT_PASSIVE), -EIO);
	assert_int_equal(store_checkpoint(a, STORE_CHECKPOINT_FULL), -EIO);
	assert_int_equal(store_db_sync(b), -EIO);
	assert_same(f->dir, "mamori.db-wal", wal, wal_len, false);
	assert_same(f->dir, "mamori.db", db, db_len, false);

	/* b's commit past SQLite's autocheckpoint size (1,000 pages) copies nothing either */
	assert_int_equal(store_exec(b, "INSERT INTO t VALUES (zeroblob(4500000))", &f->err), 0);
	assert_same(f->dir, "mamori.db-wal", wal, wal_len, true);
	assert_same(f->dir, "mamori.db", db, db_len, false);

	/* nor does the last close: the log stays for the next start to recover from */
	store_close(a);
	store_close(b);
	assert_same(f->dir, "mamori.db-wal", wal, wal_len, true);
	assert_same(f->dir, "mamori.db", db, db_len, false);

	/* the process knows; the other database still checkpoints */
	strbuf_reset(&why);
	assert_int_equal(store_any_db_failed(&why), -EIO);
	assert_non_null(strstr(why.buf, f->dir));
	assert_int_equal(store_db_failed(other, NULL), 0);
	assert_int_equal(store_exec(other, "CREATE TABLE t(x); INSERT INTO t VALUES (1)", &f->err),
	                 0);
	assert_int_equal(store_checkpoint(other, STORE_CHECKPOINT_TRUNCATE), 0);
	store_close(other);
	assert_int_equal(tmpdir_remove(other_dir), 0);
	free(db);
	free(wal);
	strbuf_release(&why);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_failed_sync_latches_every_connection,
		                                tmpdir_setup_store, tmpdir_teardown),
	};

	install_shim();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
