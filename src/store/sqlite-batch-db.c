/*
 * sqlite-batch-db: a database file's side of the batch VFS (sqlite-batch.c, whose head comment
 * says why, under "Database-file writes" and "Writeback"): a checkpoint's page writes gathered
 * into runs, each run written back as the next begins, and the process stopped where SQLite
 * could not take a write's error.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
	fprintf(stderr,
	        "mamori: stopping: a checkpoint could not write the database file %s at byte %lld "
	        "(%s%s%s), also page by page; nothing acknowledged is lost (it is in the "
	        "write-ahead log, which the next start copies again): free disk space or replace "
	        "the disk, then start Mamori again\n",
	        f->name ? f->name : "?", (long long)off, sqlite3_errstr(rc), e ? ": " : "",
	        e ? strerror(e) : "");
	(void)fflush(stderr);
	abort();
}

/*
 * New pages, written around the page cache. A run that lies wholly past where the file ended
 * when the checkpoint began (the ledger's growth: nearly all the checkpointer copies) is
 * written with O_DIRECT on the file's pinned direct descriptor, up to batch_direct_run bytes
 * at once, so it takes no page-cache page at all. A new page-cache page is memory the kernel
 * hands out free, and on this kind of virtual machine free memory is given back to the host
 * (free page reporting: /sys/module/page_reporting), whose first touch faults in the host:
 * timed here, 2-3 us a page while the guest still holds free memory of its own, 10-28 us once
 * that is used up (a whole core at the ledger's rate). Dropping the new pages once written back
 * (below) reuses freed pages only while the kernel hands those out first. Written direct, a
 * run costs the same whatever the host did with free memory: 1 MiB extending a file, 0.46 us of
 * system CPU a page, against 1.0-1.2 us buffered with its writeback on warm memory
 * (docs/ledger.md, "Cold memory"). The write returns once the disk has the bytes; durability is
 * unchanged (the syncs that follow flush the disk's cache and the file's size, and stay the
 * only barrier), and so is an error's meaning (the run was not written: the checkpoint fails,
 * or at CKPT_DONE it is written again page by page through the page cache, or the process
 * stops). A file system that refuses O_DIRECT (EINVAL: tmpfs, an unaligned run) gets buffered
 * writes from then on, as before.
 */
#define DIRECT_RUN (1024 * 1024)
size_t batch_direct_run = DIRECT_RUN;

/* The most bytes a run beginning at start may gather. */
static size_t run_most(const struct bfile *f, sqlite3_int64 start)
{
	size_t most = batch_direct_run < f->wcap ? batch_direct_run : f->wcap;

	return f->dio_fd >= 0 && start >= f->grow_from && most > BATCH_WRITE ? most : BATCH_WRITE;
}

/* The gathered run's bytes from done on, written with O_DIRECT: 0, or the errno with *done
 * the bytes written (a short write goes on where it stopped). */
static int write_direct(struct bfile *f, size_t *done)
{
	batch_pwrite_fn wr = batch_pwrite();

	*done = 0;
	if (!wr || (uintptr_t)f->wbuf % 4096 || f->woff % 4096 || f->wlen % 4096)
		return EINVAL;
	while (*done < f->wlen) {
		ssize_t n = wr(f->dio_fd, f->wbuf + *done, f->wlen - *done,
		               (off_t)(f->woff + (sqlite3_int64)*done));

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? errno : EIO;
		*done += (size_t)n;
	}
	return 0;
}

/*
 * Writes out a database file's gathered pages: new ones with O_DIRECT (*direct: nothing of
 * them in the page cache, nothing to write back), the rest through the default VFS in pieces
 * it takes. SQLITE_OK or the error (the run is dropped: it belongs to a checkpoint that then
 * fails, and is copied again by the next; wbuf still holds it for db_settle).
 */
static int db_flush(struct bfile *f, bool *direct)
{
	size_t at = 0;
	int rc = SQLITE_OK;

	*direct = false;
	if (!f->wlen)
		return SQLITE_OK;
	if (f->dio_fd >= 0 && f->woff >= f->grow_from) {
		int e = write_direct(f, &at);

		if (!e) {
			f->wlen = 0;
			*direct = true;
			return SQLITE_OK;
		}
		if (e != EINVAL) {
			f->wlen = 0;
			return e == ENOSPC ? SQLITE_FULL : SQLITE_IOERR_WRITE;
		}
		f->dio_fd = -1; /* (refused here: buffered from now on, the rest of this run too) */
	}
	for (; at < f->wlen && rc == SQLITE_OK; at += BATCH_WRITE) {
		size_t n = f->wlen - at < BATCH_WRITE ? f->wlen - at : BATCH_WRITE;

		rc = f->real->pMethods->xWrite(f->real, f->wbuf + at, (int)n,
		                               f->woff + (sqlite3_int64)at);
	}
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
 * New pages where O_DIRECT is refused (above: otherwise none of them is in the page cache). A
 * checkpoint that copies pages past the database file's end (the ledger's appends:
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
void db_ckpt_start(struct bfile *f)
{
	sqlite3_int64 size;

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
	bool direct;
	int rc;

	if (f->kind != B_MAIN || !len)
		return;
	if (db_flush(f, &direct) != SQLITE_OK) {
		direct = false;
		for (size_t at = 0; at < len; at += (size_t)f->page) {
			rc = f->real->pMethods->xWrite(f->real, f->wbuf + at, f->page,
			                               f->woff + (sqlite3_int64)at);
			if (rc != SQLITE_OK)
				db_stop(f, rc, f->woff + (sqlite3_int64)at);
		}
	}
	if (!direct)
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
	bool direct;
	int rc;

	if (f->err != SQLITE_OK)
		return f->err;
	/* (a run ends at the file's old end: the new pages begin a run of their own) */
	if (f->wlen && (!page || off != run_end || f->wlen + (size_t)amt > run_most(f, f->woff) ||
	                (off == f->grow_from && f->dio_fd >= 0))) {
		rc = db_flush(f, &direct);
		if (rc == SQLITE_OK && !direct)
			rc = db_writeback(f, f->woff, run_end);
		if (rc != SQLITE_OK)
			return rc;
	}
	if (page && !f->wbuf) {
		/* (aligned for O_DIRECT, and large enough for its runs) */
		size_t cap = batch_direct_run > BATCH_WRITE ? batch_direct_run : BATCH_WRITE;

		cap = (cap + 4095) / 4096 * 4096;
		f->wbuf = aligned_alloc(4096, cap);
		f->wcap = f->wbuf ? cap : 0;
	}
	if (!page || !f->wbuf)
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
	bool direct;
	int rc;

	if (f->err != SQLITE_OK)
		return f->err;
	rc = db_flush(f, &direct);
	if (rc == SQLITE_OK && end > off && !direct)
		db_written(f, off, end);
	return rc;
}
