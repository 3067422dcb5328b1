/*
 * sqlite-batch-db: a database file's side of the batch VFS (sqlite-batch.c, whose head comment
 * says why, under "Database-file writes" and "Writeback"): a checkpoint's page writes gathered
 * into runs, each run written back as the next begins, and the process stopped where SQLite
 * could not take a write's error.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/msgid.h"
#include "store/sqlite-batch-internal.h"
#include "store/store-internal.h"

/*
 * A checkpoint's gathered pages could not be written, not even one page at a time, and SQLite
 * would take them as written: past CKPT_DONE it may record the frames as copied, and every
 * reader would then read those pages from the database file. Nothing acknowledged is lost (it
 * is durable in the WAL, which the next start copies again), so the process stops here,
 * before SQLite goes on.
 */
__attribute__((noreturn)) static void db_stop(struct bfile *f, int rc, sqlite3_int64 off)
{
	int e = 0;

	(void)f->real->pMethods->xFileControl(f->real, SQLITE_FCNTL_LAST_ERRNO, &e);
	store_say(
	    STORE_SAY_STOPPING,
	    N_("a checkpoint could not write the database file %s at byte %lld (%s%s%s), also "
	       "page by page; nothing acknowledged is lost (it is in the write-ahead log, which "
	       "the next start copies again): free disk space or replace the disk, then start "
	       "Mamori again"),
	    f->name ? f->name : "?", (long long)off, sqlite3_errstr(rc), e ? ": " : "",
	    e ? strerror(e) : "");
	(void)fflush(stderr);
	abort();
}

/*
 * Writes out a database file's gathered pages; SQLITE_OK or the error (the run is dropped: it
 * belongs to a checkpoint that then fails, and is copied again by the next).
 */
static int db_flush(struct bfile *f)
{
	int rc;

	if (!f->wlen)
		return SQLITE_OK;
	rc = f->real->pMethods->xWrite(f->real, f->wbuf, (int)f->wlen, f->woff);
	f->wlen = 0;
	return rc;
}

/* sync_file_range of [off, end) on f's pinned descriptor: 0 or its errno. */
static int range_sync(struct bfile *f, sqlite3_int64 off, sqlite3_int64 end, unsigned flags)
{
	while (sync_file_range(f->wb_fd, off, end - off, flags) < 0)
		if (errno != EINTR)
			return errno;
	return 0;
}

/*
 * The writeback of a checkpoint's runs is started a window of WB_WINDOW bytes at a time, not a
 * run (96 KiB) at a time: each start is a request to the disk, and on a virtual machine each
 * request a notification of the host (virtio's iowrite16 was 17% of the checkpointer's CPU
 * with one per run; docs/logs.md, "Cost per message"). The disk takes a window in one request
 * (the virtio disk here: up to 4 MiB, 254 segments of a page).
 */
#define WB_WINDOW (1024 * 1024)
size_t batch_wb_window = WB_WINDOW;

/*
 * Pages the file had. A checkpoint copies its pages in the order of their numbers: first the
 * pages the file had that were written again (the b-trees' inner pages and last leaves, the
 * head, page 1, pages taken again from the free list), scattered, then the ledger's growth in
 * one long run. Each scattered page was a run of its own that did not follow the window, so it
 * started the window's writeback and waited for the one before: 9,332 sync_file_range calls for
 * 2,000,000 collected messages where 1 MiB windows over what was copied would take ~1,900 (each
 * start a request to the disk, on this VM a notification of the host; docs/logs.md, "The
 * checkpointer's copies"). So a run shorter than LEFT_RUN_MAX wholly below where the file ended
 * when the checkpoint began, that does not follow the pending window, is left to the next sync
 * of the file, which writes it (and is told of its failure, as it is of a window's not yet
 * started: the writer stops then, DB_SYNC_FAILED); up to a window's bytes of them between two
 * syncs of this connection (left), so the sync has at most that much more to write; past it
 * such runs are windowed as before. No page of them is new: none leaves the page cache.
 */
/* Whether the run [off, end) just written is left to the sync (above), counted if so. */
static bool left_to_sync(struct bfile *f, sqlite3_int64 off, sqlite3_int64 end)
{
	size_t len = (size_t)(end - off);

	if (end > f->grow_from || len >= LEFT_RUN_MAX || f->left + len > batch_wb_window ||
	    (f->pd_end > f->pd_off && off == f->pd_end))
		return false;
	f->left += len;
	return true;
}

/*
 * New pages. A checkpoint that copies pages past the database file's end (the ledger's appends:
 * nearly all it copies) puts each into a page-cache page the file did not have, and the page
 * cache grows by what the ledger grows. On this kind of virtual machine free memory has been
 * given back to the host (free page reporting), and touching it again costs the host's fault:
 * on a quiet machine, once the memory that other work had freed recently was used up, the
 * checkpointer's copies took 10-14 us of its CPU a page instead of 2.5 (a whole core at 80% of
 * the maximum rate): it fell behind, the WAL outgrew its file and the restart waited, and the
 * acknowledgements stalled 20-100 ms (docs/ledger.md, "The slow run on a quiet machine"). So
 * the new pages of a window, once its writeback is waited for and has succeeded (or a sync
 * wrote them), leave the page cache (POSIX_FADV_DONTNEED): the next ones reuse those just freed,
 * and the page cache holds what the ledger grew by only while it is written. The pages it
 * rewrites (the b-trees' inner pages, the last leaves, the door's records and the log index)
 * stay. The advice drops clean pages only (one written again meanwhile is dirty and stays), and
 * its failure changes nothing: it is advice. (Keeping the newest 64 MiB cached and dropping the
 * older ones 4 MiB at a time brought the slow regime back in every run: docs/ledger.md.)
 */
static int wb_start(struct bfile *f);

/*
 * (And the last checkpoint's window, not started yet, is started now with its own new pages: the
 * growth's first run follows it and would join it, and the window's new pages would then count
 * as pages the file had and stay cached. Before short runs of those were left to the sync, the
 * first run of every checkpoint, page 1 or an inner page, started it. SQLite ignores this file
 * control's result, so a failure is this checkpoint's first write's.)
 */
void db_ckpt_start(struct bfile *f)
{
	sqlite3_int64 size;
	int e;

	if (f->wb_fd >= 0 && f->pd_end > f->pd_off) {
		e = wb_start(f);
		if (e == ENOSYS)
			f->wb_fd = -1;
		else if (e)
			(void)bfile_fail(f, SQLITE_IOERR_WRITE, f->pd_off);
	}
	if (f->wb_fd >= 0 && f->real->pMethods->xFileSize(f->real, &size) == SQLITE_OK)
		f->grow_from = size;
}

void db_drop_new(struct bfile *f, sqlite3_int64 off, sqlite3_int64 end, sqlite3_int64 new_from)
{
	if (new_from > off)
		off = new_from;
	if (f->wb_fd >= 0 && end > off)
		(void)posix_fadvise(f->wb_fd, off, end - off, POSIX_FADV_DONTNEED);
}

/* The pending window's new pages begin at the file's end when a window begins, and never below
 * it as runs join (a run may rewrite a page this checkpoint did not add). */
static void pending_new(struct bfile *f, bool begins, sqlite3_int64 off)
{
	if (begins)
		f->pd_new = off > f->grow_from ? off : f->grow_from;
	else if (f->grow_from > f->pd_new)
		f->pd_new = f->grow_from;
}

/* Starts the writeback of the pending window and waits for the one started before it, whose
 * new pages then leave the page cache: 0 or the errno. */
static int wb_start(struct bfile *f)
{
	int e = range_sync(f, f->pd_off, f->pd_end, SYNC_FILE_RANGE_WRITE);

	if (!e && f->wb_end > f->wb_off) {
		e = range_sync(f, f->wb_off, f->wb_end,
		               SYNC_FILE_RANGE_WAIT_BEFORE | SYNC_FILE_RANGE_WRITE |
		                   SYNC_FILE_RANGE_WAIT_AFTER);
		if (!e)
			db_drop_new(f, f->wb_off, f->wb_end, f->wb_new);
	}
	if (!e) {
		f->wb_off = f->pd_off;
		f->wb_end = f->pd_end;
		f->wb_new = f->pd_new;
		f->pd_off = f->pd_end = 0;
	}
	return e;
}

/*
 * A checkpoint's run was just written at [off, end), where an error still fails the checkpoint
 * (the write that follows the run): it joins the pending window, whose writeback is started
 * once it holds WB_WINDOW bytes (or before a run that does not follow it), and the window
 * started before is then waited for, so that at most two of this checkpointer's windows are
 * under way at a time. An error is that write's, and stands (see the head comment,
 * "Writeback"); a window's pages not yet started are written by the next window's start or the
 * next sync, which is told of any failure (the sync, not this, makes them durable).
 */
static int db_writeback(struct bfile *f, sqlite3_int64 off, sqlite3_int64 end)
{
	int e = 0;

	if (f->wb_fd < 0)
		return SQLITE_OK;
	if (left_to_sync(f, off, end))
		return SQLITE_OK;
	if (f->pd_end > f->pd_off && off != f->pd_end)
		e = wb_start(f);
	if (!e) {
		pending_new(f, f->pd_end == f->pd_off, off);
		if (f->pd_end == f->pd_off)
			f->pd_off = off;
		f->pd_end = end;
		if ((size_t)(f->pd_end - f->pd_off) >= batch_wb_window)
			e = wb_start(f);
	}
	if (e == ENOSYS) {
		/* (no such call here: nothing was started, the syncs write it all as before) */
		f->wb_fd = -1;
		return SQLITE_OK;
	}
	return e ? bfile_fail(f, SQLITE_IOERR_WRITE, off) : SQLITE_OK;
}

/* Bytes [off, end) written where no error can fail the checkpoint: they join the pending
 * window, written back later. */
static void db_written(struct bfile *f, sqlite3_int64 off, sqlite3_int64 end)
{
	if (f->wb_fd < 0)
		return;
	pending_new(f, f->pd_end == f->pd_off, off);
	if (f->pd_end > f->pd_off) {
		off = off < f->pd_off ? off : f->pd_off;
		end = end > f->pd_end ? end : f->pd_end;
	}
	f->pd_off = off;
	f->pd_end = end;
}

/*
 * Before a call on a database file whose error cannot fail the checkpoint (CKPT_DONE, a read,
 * its size, a lock, close): its gathered pages written, again page by page if that fails, or
 * the process stops (db_stop).
 */
void db_settle(struct bfile *f)
{
	size_t len = f->wlen;
	int rc;

	if (f->kind != B_MAIN || !len)
		return;
	if (db_flush(f) != SQLITE_OK) {
		for (size_t at = 0; at < len; at += (size_t)f->page) {
			rc = f->real->pMethods->xWrite(f->real, f->wbuf + at, f->page,
			                               f->woff + (sqlite3_int64)at);
			if (rc != SQLITE_OK)
				db_stop(f, rc, f->woff + (sqlite3_int64)at);
		}
	}
	db_written(f, f->woff, f->woff + (sqlite3_int64)len);
}

/*
 * A write to a database file. Inside a gathering checkpoint a whole page that follows the run
 * joins it; any other write is preceded by the run, whose error is this write's.
 */
int db_write(struct bfile *f, const void *buf, int amt, sqlite3_int64 off)
{
	bool page = f->gathering && amt > 0 && amt <= BATCH_WRITE && off % amt == 0 &&
	            (!f->wlen || amt == f->page);
	sqlite3_int64 run_end = f->woff + (sqlite3_int64)f->wlen;
	int rc;

	if (f->err != SQLITE_OK)
		return f->err;
	if (f->wlen && (!page || off != run_end || f->wlen + (size_t)amt > BATCH_WRITE)) {
		rc = db_flush(f);
		if (rc == SQLITE_OK)
			rc = db_writeback(f, f->woff, run_end);
		if (rc != SQLITE_OK)
			return rc;
	}
	if (!page || (!f->wbuf && !(f->wbuf = malloc(BATCH_WRITE))))
		return f->real->pMethods->xWrite(f->real, buf, amt, off);
	if (!f->wlen) {
		f->woff = off;
		f->page = amt;
	}
	memcpy(f->wbuf + f->wlen, buf, (size_t)amt);
	f->wlen += (size_t)amt;
	return SQLITE_OK;
}
/*
 * Before a truncate or sync of a database file: its run written (the sync that follows writes
 * it back), and no failed writeback standing.
 */
int main_settle(struct bfile *f)
{
	sqlite3_int64 off = f->woff, end = f->woff + (sqlite3_int64)f->wlen;
	int rc;

	if (f->err != SQLITE_OK)
		return f->err;
	rc = db_flush(f);
	if (rc == SQLITE_OK && end > off)
		db_written(f, off, end);
	return rc;
}
