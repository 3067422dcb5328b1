/* wal: the write-ahead log's checkpoints, for a writer that runs them itself (ledger/writer*.c),
 * and its file kept small under constant reads (store_wal_cut, web/serve-keep.c). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "base/msgid.h"
#include "store/store-internal.h"

/*
 * The database file's latch. Linux reports a failed writeback of a file once per open file
 * description, and each connection has its own: after one connection's sync of the database
 * file (its own, or a checkpoint's) failed, another's next sync returns 0 with the pages
 * lost, its checkpoint counts them copied, and a restart or truncate cuts the log that still
 * holds them. So the first failure latches the database for the rest of the process (the
 * write gate's record of it, store/gate.c): no connection checkpoints it again, not when it
 * commits (auto_hook) nor when it closes (store_close), and the next start recovers from the
 * log. The ledger writer and the door stop themselves on the same failures; mamori serve
 * stops on the latch (web/http-serve.c). Said once, in the reader's language (store_set_say);
 * the gate keeps it in English for those who ask (store_db_failed).
 */
#define LATCH_WHY                                                                                  \
	N_("the disk did not confirm a write of the database file '%s' (%s: %s); no connection "   \
	   "copies the write-ahead log into it again until Mamori is restarted, which recovers "   \
	   "from the log")

static void latch(struct store *st, const char *what, int rc)
{
	struct strbuf why = STRBUF_INIT;

	strbuf_addf(&why, LATCH_WHY, st->path, what, sqlite3_errstr(rc));
	if (store_gate_latch(st->gate, st->path, why.buf))
		store_say(STORE_SAY_ERROR, LATCH_WHY, st->path, what, sqlite3_errstr(rc));
	strbuf_release(&why);
}

int store_db_failed(struct store *st, struct strbuf *why)
{
	if (!st || st->pg)
		return 0;
	return store_gate_latched(st->gate, why) ? -EIO : 0;
}

int store_any_db_failed(struct strbuf *why)
{
	return store_gate_any_latched(why) ? -EIO : 0;
}

/* SQLite's own autocheckpoint, through store_checkpoint (and so the latch): a commit that
 * leaves the log at STORE_AUTOCHECKPOINT_PAGES or more copies it passively. */
static int auto_hook(void *arg, sqlite3 *db, const char *name, int pages)
{
	(void)db;
	(void)name;
	if (pages >= STORE_AUTOCHECKPOINT_PAGES)
		(void)store_checkpoint(arg, STORE_CHECKPOINT_PASSIVE);
	return SQLITE_OK;
}

void store_wal_auto(struct store *st)
{
	sqlite3_wal_hook(st->db, auto_hook, st);
}

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
	int done;

	return store_checkpoint_done(st, mode, &done);
}

int store_checkpoint_done(struct store *st, enum store_checkpoint_mode mode, int *ret_done)
{
	static const int modes[] = {
		[STORE_CHECKPOINT_PASSIVE] = SQLITE_CHECKPOINT_PASSIVE,
		[STORE_CHECKPOINT_RESTART] = SQLITE_CHECKPOINT_RESTART,
		[STORE_CHECKPOINT_FULL] = SQLITE_CHECKPOINT_FULL,
		[STORE_CHECKPOINT_TRUNCATE] = SQLITE_CHECKPOINT_TRUNCATE,
	};
	int log = -1, done = -2, rc;

	*ret_done = 0;
	if (st->pg)
		return 0;
	if (store_db_failed(st, NULL) < 0)
		return -EIO;
	rc = sqlite3_wal_checkpoint_v2(st->db, NULL, modes[mode], &log, &done);
	if (rc == SQLITE_OK && done > 0)
		*ret_done = done;
	/* busy in any of its forms (another's recovery, a snapshot) is not a failure: the ledger
	 * writer stops for good on any other result. An I/O error latches the database; a full
	 * disk does not (the write it refused is in no cache, and the next copy writes it) */
	if (rc != SQLITE_OK && (rc & 0xff) != SQLITE_BUSY) {
		if ((rc & 0xff) == SQLITE_IOERR)
			latch(st, N_("a checkpoint"), rc);
		return -EIO;
	}
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
	int rc;

	if (st->pg)
		return 0;
	if (store_db_failed(st, NULL) < 0)
		return -EIO;
	/* SQLite's own handle on the file: a descriptor of ours, once closed, would drop the
	 * process's POSIX locks on it (SQLite's among them). */
	if (sqlite3_file_control(st->db, "main", SQLITE_FCNTL_FILE_POINTER, &f) != SQLITE_OK ||
	    !f || !f->pMethods)
		return -EIO;
	rc = f->pMethods->xSync(f, SQLITE_SYNC_NORMAL);
	if (rc != SQLITE_OK) {
		latch(st, N_("a sync"), rc);
		return -EIO;
	}
	return 0;
}

int store_wal_cut(struct store *st, int64_t max_bytes, int wait_ms)
{
	char *path = store_wal_path(st);
	struct stat sb;
	int r = 0;

	if (store_db_failed(st, NULL) < 0) {
		free(path);
		return -EIO;
	}
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
