/* wal: the write-ahead log's checkpoints, for a writer that runs them itself (ledger/writer.c),
 * and its file kept small under constant reads (store_wal_cut, web/serve-keep.c). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "store/store-internal.h"

static int wal_hook(void *arg, sqlite3 *db, const char *name, int pages)
{
	(void)db;
	(void)name;
	*(int *)arg = pages;
	return SQLITE_OK;
}

/* PostgreSQL checkpoints its own write-ahead log: nothing to watch or run. */
void store_wal_watch(struct store *st, int *pages)
{
	if (st->pg)
		return;
	sqlite3_wal_hook(st->db, wal_hook, pages);
}

int store_checkpoint(struct store *st, enum store_checkpoint_mode mode)
{
	static const int modes[] = {
		[STORE_CHECKPOINT_PASSIVE] = SQLITE_CHECKPOINT_PASSIVE,
		[STORE_CHECKPOINT_RESTART] = SQLITE_CHECKPOINT_RESTART,
		[STORE_CHECKPOINT_FULL] = SQLITE_CHECKPOINT_FULL,
		[STORE_CHECKPOINT_TRUNCATE] = SQLITE_CHECKPOINT_TRUNCATE,
	};
	int log = -1, done = -2, rc;

	if (st->pg)
		return 0;
	rc = sqlite3_wal_checkpoint_v2(st->db, NULL, modes[mode], &log, &done);
	/* busy in any of its forms (another's recovery, a snapshot) is not a failure: the ledger
	 * writer stops for good on any other result */
	if (rc != SQLITE_OK && (rc & 0xff) != SQLITE_BUSY)
		return -EIO;
	return rc == SQLITE_OK && log == done ? 0 : -EBUSY;
}

char *store_wal_path(struct store *st)
{
	struct strbuf path = STRBUF_INIT;
	sqlite3_stmt *s = NULL;
	const char *file;
	bool wal = false;

	if (st->pg)
		return NULL;
	file = sqlite3_db_filename(st->db, "main");
	if (!file || !*file)
		return NULL;
	if (sqlite3_prepare_v2(st->db, "PRAGMA journal_mode", -1, &s, NULL) == SQLITE_OK &&
	    sqlite3_step(s) == SQLITE_ROW) {
		const unsigned char *mode = sqlite3_column_text(s, 0);
		wal = mode && !strcmp((const char *)mode, "wal");
	}
	sqlite3_finalize(s);
	if (!wal)
		return NULL;
	strbuf_addf(&path, "%s-wal", file);
	return strbuf_detach(&path, NULL);
}

int store_wal_sync_deferred(struct store *st, bool deferred, struct strbuf *err)
{
	if (st->pg)
		return -ENOTSUP;
	return store_exec(st, deferred ? "PRAGMA synchronous=NORMAL" : "PRAGMA synchronous=FULL",
	                  err) < 0
	           ? -EIO
	           : 0;
}

int store_checkpoint_wait(struct store *st, enum store_checkpoint_mode mode, int wait_ms)
{
	int r;

	if (st->pg)
		return 0;
	sqlite3_busy_timeout(st->db, wait_ms);
	r = store_checkpoint(st, mode);
	sqlite3_busy_timeout(st->db, STORE_BUSY_MS);
	return r;
}

int store_db_sync(struct store *st)
{
	sqlite3_file *f = NULL;

	if (st->pg)
		return 0;
	/* SQLite's own handle on the file: a descriptor of ours, once closed, would drop the
	 * process's POSIX locks on it (SQLite's among them). */
	if (sqlite3_file_control(st->db, "main", SQLITE_FCNTL_FILE_POINTER, &f) != SQLITE_OK ||
	    !f || !f->pMethods)
		return -EIO;
	return f->pMethods->xSync(f, SQLITE_SYNC_NORMAL) == SQLITE_OK ? 0 : -EIO;
}

int store_wal_cut(struct store *st, int64_t max_bytes, int wait_ms)
{
	char *path = store_wal_path(st);
	struct stat sb;
	int r = 0;

	if (!path)
		return 0;
	if (stat(path, &sb) == 0 && sb.st_size > max_bytes) {
		r = store_checkpoint_wait(st, STORE_CHECKPOINT_TRUNCATE, wait_ms);
		if (r == 0)
			r = 1;
	}
	free(path);
	return r;
}

void store_no_checkpoint_on_close(struct store *st)
{
	if (!st || st->pg)
		return;
	(void)sqlite3_db_config(st->db, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, NULL);
}
