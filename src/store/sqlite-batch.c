/*
 * sqlite-batch: an SQLite VFS over the default one ("unix") that moves the same bytes in fewer
 * system calls, for the connections that append in bulk (the ledger's group-commit writer and
 * its checkpointer; store_open's STORE_BATCH_IO).
 *
 * SQLite writes the write-ahead log one frame at a time: two writes (a 24-byte header, then the
 * page) for each 4 KiB page, and a checkpoint reads each frame and writes each page with one
 * call apiece. On a virtual machine a system call costs more than copying the 4 KiB it moves
 * (about 2 us here: a collected message, ~0.12 pages, paid ~1 us in them). So:
 *
 * - A run of frames appended to the WAL is gathered in a buffer and written with one call. The
 *   run is written out, and its error returned, when the page of a commit frame (a frame
 *   header whose database size is not zero: SQLite's WAL format) joins it, before any other
 *   call on the file (read, sync, size, truncate, lock, close ...) and, in the thread that
 *   gathered it, before a call on another file of this VFS. SQLite publishes a commit in the
 *   shared index only after its commit frame is written (then a barrier on the database file,
 *   which writes out anything left), so no reader, checkpoint or sync ever sees the file
 *   without the frames it counts. Writes outside a run of appended frames (a frame rewritten
 *   in place, checksums written again after the commit frame, a lone frame header) are
 *   written at once, so each such write's error is returned by its own call. A crash with
 *   bytes still gathered is a crash during the commit: SQLite's recovery drops frames whose
 *   checksums do not hold, as after a torn write, and nothing was acknowledged (the ledger
 *   acknowledges after a sync, and a sync writes the run first).
 * - Inside a checkpoint (between SQLite's SQLITE_FCNTL_CKPT_START and _DONE hints on the
 *   database file, in the thread that runs it) WAL reads read ahead: a read that follows the
 *   previous frame takes the next BATCH_READ bytes at once and the frames after it are served
 *   from memory. The frames a checkpoint copies are committed and stay untouched until it ends;
 *   read-ahead stops at the file's size and is forgotten when the checkpoint ends.
 *
 * Database-file writes are passed through as they come: a checkpoint's last write must fail
 * the checkpoint itself when it fails, and SQLite gives no later call to report it in.
 *
 * A connection on this VFS runs each write transaction in one thread (the gathered run is
 * that thread's until written), as the ledger's writer and checkpointer do.
 */
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/cleanup.h"
#include "store/store-internal.h"

#define BATCH_VFS_NAME "mamori-batch"
/*
 * WAL bytes gathered before they are written, and read at once inside a checkpoint. The
 * default VFS moves at most 128 KiB - 1 bytes a call (os_unix.c, seekAndWriteFd and
 * seekAndRead mask the count with 0x1ffff): a larger write would fail as a full disk.
 */
#define BATCH_WRITE   (96 * 1024)
#define BATCH_READ    (96 * 1024)
#define WAL_FRAME_HDR 24 /* a WAL frame's header (SQLite's file format) */

enum bkind { B_OTHER, B_MAIN, B_WAL };

struct bfile {
	sqlite3_file base; /* pMethods: batch_io */
	enum bkind kind;
	/* WAL: writes waiting in wbuf, for the bytes [woff, woff + wlen) of the file */
	char *wbuf;
	size_t wlen;
	sqlite3_int64 woff;
	bool commit_next; /* the last write was a commit frame's header: its page ends the commit */
	/* WAL inside a checkpoint: the bytes [roff, roff + rlen) of the file, read ahead */
	char *rbuf;
	size_t rlen;
	sqlite3_int64 roff;
	sqlite3_int64 last_end; /* where the previous read ended (a sequential reader) */
	uint64_t repoch;        /* the checkpoint rbuf belongs to */
	sqlite3_file *real;     /* the default VFS's file, right after this struct */
};

static sqlite3_vfs *real_vfs;
static sqlite3_vfs batch_vfs;
static sqlite3_io_methods batch_io;
static pthread_once_t batch_once = PTHREAD_ONCE_INIT;
static bool batch_ok;

/* This thread's file with buffered writes, and its checkpoint (0: none running). */
static _Thread_local struct bfile *pending;
static _Thread_local uint64_t ckpt_epoch, ckpt_count;

/* Writes out what f buffered. SQLITE_OK, or the default VFS's error (nothing is kept). */
static int flush(struct bfile *f)
{
	int rc = SQLITE_OK;

	if (pending == f)
		pending = NULL;
	if (f->wlen) {
		rc = f->real->pMethods->xWrite(f->real, f->wbuf, (int)f->wlen, f->woff);
		f->wlen = 0;
	}
	return rc;
}

/* Before any call other than a following write: this thread's buffered bytes first. */
static int flush_pending(void)
{
	return pending ? flush(pending) : SQLITE_OK;
}

/* Before a call on f: its own buffer (a file another thread wrote) and this thread's. */
static int settle(struct bfile *f)
{
	int rc = flush_pending();

	if (f->wlen) {
		int r2 = flush(f);
		if (rc == SQLITE_OK)
			rc = r2;
	}
	return rc;
}

static void forget_reads(struct bfile *f)
{
	f->rlen = 0;
	f->repoch = 0;
	f->last_end = -1;
}

static int b_close(sqlite3_file *file)
{
	struct bfile *f = (struct bfile *)file;
	int rc = settle(f), r2;

	r2 = f->real->pMethods ? f->real->pMethods->xClose(f->real) : SQLITE_OK;
	/* The buffers held pages of the database: personal data. */
	if (f->wbuf)
		explicit_bzero(f->wbuf, BATCH_WRITE);
	if (f->rbuf)
		explicit_bzero(f->rbuf, BATCH_READ);
	free(f->wbuf);
	free(f->rbuf);
	f->wbuf = f->rbuf = NULL;
	return rc != SQLITE_OK ? rc : r2;
}

/* A WAL read inside a checkpoint, from the read-ahead buffer or into it. */
static int wal_read_ahead(struct bfile *f, void *buf, int amt, sqlite3_int64 off)
{
	sqlite3_int64 size;
	size_t want;
	bool sequential = off == f->last_end || off == f->last_end + WAL_FRAME_HDR;
	int rc;

	if (f->repoch != ckpt_epoch)
		forget_reads(f);
	f->last_end = off + amt;
	if (f->rlen && off >= f->roff && off + amt <= f->roff + (sqlite3_int64)f->rlen) {
		memcpy(buf, f->rbuf + (off - f->roff), (size_t)amt);
		return SQLITE_OK;
	}
	if (!sequential)
		return f->real->pMethods->xRead(f->real, buf, amt, off);
	/* A run of frames: read ahead, but never past the end of the file. */
	rc = f->real->pMethods->xFileSize(f->real, &size);
	if (rc != SQLITE_OK || off + amt > size)
		return f->real->pMethods->xRead(f->real, buf, amt, off);
	want = size - off < BATCH_READ ? (size_t)(size - off) : BATCH_READ;
	if (!f->rbuf)
		f->rbuf = xmalloc(BATCH_READ);
	rc = f->real->pMethods->xRead(f->real, f->rbuf, (int)want, off);
	if (rc != SQLITE_OK) {
		forget_reads(f);
		return f->real->pMethods->xRead(f->real, buf, amt, off);
	}
	f->roff = off;
	f->rlen = want;
	f->repoch = ckpt_epoch;
	memcpy(buf, f->rbuf, (size_t)amt);
	return SQLITE_OK;
}

static int b_read(sqlite3_file *file, void *buf, int amt, sqlite3_int64 off)
{
	struct bfile *f = (struct bfile *)file;
	int rc = settle(f);

	if (rc != SQLITE_OK)
		return rc;
	if (f->kind == B_WAL && ckpt_epoch && amt > 0 && amt <= BATCH_READ / 2)
		return wal_read_ahead(f, buf, amt, off);
	return f->real->pMethods->xRead(f->real, buf, amt, off);
}

/* A frame header of a commit: 24 bytes whose second word (the database size) is not zero. */
static bool commit_header(const void *buf, int amt, sqlite3_int64 off)
{
	const unsigned char *p = buf;

	return amt == WAL_FRAME_HDR && off >= 32 && (p[4] | p[5] | p[6] | p[7]) != 0;
}

static int b_write(sqlite3_file *file, const void *buf, int amt, sqlite3_int64 off)
{
	struct bfile *f = (struct bfile *)file;
	bool ends_commit = f->commit_next;
	int rc;

	f->commit_next = f->kind == B_WAL && commit_header(buf, amt, off);
	/*
	 * Gathered: the bytes right after those waiting, or a page-sized write starting a run.
	 * Written now: anything else, so a write SQLite makes apart from a run of appended frames
	 * (a frame rewritten in place, its checksums written again after the commit frame) has
	 * its error returned by this call.
	 */
	if (f->kind != B_WAL || amt <= 0 ||
	    (f->wlen ? off != f->woff + (sqlite3_int64)f->wlen || f->wlen + amt > BATCH_WRITE
	             : amt == WAL_FRAME_HDR || amt > BATCH_WRITE)) {
		rc = settle(f);
		if (rc != SQLITE_OK)
			return rc;
		if (f->rlen && off < f->roff + (sqlite3_int64)f->rlen && off + amt > f->roff)
			forget_reads(f);
		return f->real->pMethods->xWrite(f->real, buf, amt, off);
	}
	/* Another file's bytes first (this thread wrote them). */
	if (pending && pending != f && (rc = flush(pending)) != SQLITE_OK)
		return rc;
	if (f->rlen && off < f->roff + (sqlite3_int64)f->rlen && off + amt > f->roff)
		forget_reads(f);
	if (!f->wbuf)
		f->wbuf = xmalloc(BATCH_WRITE);
	if (!f->wlen)
		f->woff = off;
	memcpy(f->wbuf + f->wlen, buf, (size_t)amt);
	f->wlen += (size_t)amt;
	pending = f;
	/* The commit frame's page is in: written now, before SQLite may publish the commit. */
	if (ends_commit) {
		rc = flush(f);
		f->commit_next = false;
		return rc;
	}
	return SQLITE_OK;
}

static int b_truncate(sqlite3_file *file, sqlite3_int64 size)
{
	struct bfile *f = (struct bfile *)file;
	int rc = settle(f);

	forget_reads(f);
	return rc != SQLITE_OK ? rc : f->real->pMethods->xTruncate(f->real, size);
}

static int b_sync(sqlite3_file *file, int flags)
{
	struct bfile *f = (struct bfile *)file;
	int rc = settle(f);

	return rc != SQLITE_OK ? rc : f->real->pMethods->xSync(f->real, flags);
}

static int b_file_size(sqlite3_file *file, sqlite3_int64 *size)
{
	struct bfile *f = (struct bfile *)file;
	int rc = settle(f);

	return rc != SQLITE_OK ? rc : f->real->pMethods->xFileSize(f->real, size);
}

static int b_lock(sqlite3_file *file, int level)
{
	struct bfile *f = (struct bfile *)file;
	int rc = settle(f);

	return rc != SQLITE_OK ? rc : f->real->pMethods->xLock(f->real, level);
}

static int b_unlock(sqlite3_file *file, int level)
{
	struct bfile *f = (struct bfile *)file;
	int rc = settle(f);

	return rc != SQLITE_OK ? rc : f->real->pMethods->xUnlock(f->real, level);
}

static int b_check_reserved(sqlite3_file *file, int *out)
{
	struct bfile *f = (struct bfile *)file;
	int rc = settle(f);

	return rc != SQLITE_OK ? rc : f->real->pMethods->xCheckReservedLock(f->real, out);
}

static int b_file_control(sqlite3_file *file, int op, void *arg)
{
	struct bfile *f = (struct bfile *)file;
	int rc = settle(f);

	if (rc != SQLITE_OK)
		return rc;
	if (f->kind == B_MAIN && op == SQLITE_FCNTL_CKPT_START)
		ckpt_epoch = ++ckpt_count; /* this thread's checkpoint: WAL reads may read ahead */
	else if (f->kind == B_MAIN && op == SQLITE_FCNTL_CKPT_DONE)
		ckpt_epoch = 0;
	return f->real->pMethods->xFileControl(f->real, op, arg);
}

static int b_sector_size(sqlite3_file *file)
{
	struct bfile *f = (struct bfile *)file;

	return f->real->pMethods->xSectorSize(f->real);
}

static int b_device_characteristics(sqlite3_file *file)
{
	struct bfile *f = (struct bfile *)file;

	return f->real->pMethods->xDeviceCharacteristics(f->real);
}

static int b_shm_map(sqlite3_file *file, int pg, int pgsz, int extend, void volatile **pp)
{
	struct bfile *f = (struct bfile *)file;
	int rc = settle(f);

	return rc != SQLITE_OK ? rc : f->real->pMethods->xShmMap(f->real, pg, pgsz, extend, pp);
}

static int b_shm_lock(sqlite3_file *file, int offset, int n, int flags)
{
	struct bfile *f = (struct bfile *)file;
	int rc = settle(f);

	return rc != SQLITE_OK ? rc : f->real->pMethods->xShmLock(f->real, offset, n, flags);
}

static void b_shm_barrier(sqlite3_file *file)
{
	struct bfile *f = (struct bfile *)file;

	/*
	 * Before SQLite publishes a commit: its frames were written at its commit frame (b_write),
	 * so nothing is buffered here but by a caller that broke that order; publishing frames
	 * that are not in the file would hand readers pages that are not there.
	 */
	if (settle(f) != SQLITE_OK) {
		fprintf(stderr, "mamori: cannot write the database's log before publishing a "
		                "commit; stopping rather than let readers see missing pages\n");
		abort();
	}
	f->real->pMethods->xShmBarrier(f->real);
}

static int b_shm_unmap(sqlite3_file *file, int del)
{
	struct bfile *f = (struct bfile *)file;
	int rc = settle(f);

	return rc != SQLITE_OK ? rc : f->real->pMethods->xShmUnmap(f->real, del);
}

static int b_fetch(sqlite3_file *file, sqlite3_int64 off, int amt, void **pp)
{
	struct bfile *f = (struct bfile *)file;
	int rc = settle(f);

	return rc != SQLITE_OK ? rc : f->real->pMethods->xFetch(f->real, off, amt, pp);
}

static int b_unfetch(sqlite3_file *file, sqlite3_int64 off, void *p)
{
	struct bfile *f = (struct bfile *)file;

	return f->real->pMethods->xUnfetch(f->real, off, p);
}

static int b_open(sqlite3_vfs *vfs, sqlite3_filename name, sqlite3_file *file, int flags,
                  int *out_flags)
{
	struct bfile *f = (struct bfile *)file;
	int rc;

	(void)vfs;
	memset(f, 0, sizeof(*f));
	f->real = (sqlite3_file *)(f + 1);
	f->kind = (flags & SQLITE_OPEN_MAIN_DB) ? B_MAIN
	          : (flags & SQLITE_OPEN_WAL)   ? B_WAL
	                                        : B_OTHER;
	f->last_end = -1;
	rc = flush_pending();
	if (rc != SQLITE_OK)
		return rc;
	rc = real_vfs->xOpen(real_vfs, name, f->real, flags, out_flags);
	/* Only a file the default VFS opened is closed through us. */
	f->base.pMethods = f->real->pMethods ? &batch_io : NULL;
	return rc;
}

static int b_delete(sqlite3_vfs *vfs, const char *name, int sync_dir)
{
	(void)vfs;
	int rc = flush_pending();

	return rc != SQLITE_OK ? rc : real_vfs->xDelete(real_vfs, name, sync_dir);
}

static int b_access(sqlite3_vfs *vfs, const char *name, int flags, int *out)
{
	(void)vfs;
	int rc = flush_pending();

	return rc != SQLITE_OK ? rc : real_vfs->xAccess(real_vfs, name, flags, out);
}

static int b_full_pathname(sqlite3_vfs *vfs, const char *name, int n, char *out)
{
	(void)vfs;
	return real_vfs->xFullPathname(real_vfs, name, n, out);
}

static void *b_dlopen(sqlite3_vfs *vfs, const char *name)
{
	(void)vfs;
	return real_vfs->xDlOpen(real_vfs, name);
}

static void b_dlerror(sqlite3_vfs *vfs, int n, char *msg)
{
	(void)vfs;
	real_vfs->xDlError(real_vfs, n, msg);
}

static void (*b_dlsym(sqlite3_vfs *vfs, void *h, const char *sym))(void)
{
	(void)vfs;
	return real_vfs->xDlSym(real_vfs, h, sym);
}

static void b_dlclose(sqlite3_vfs *vfs, void *h)
{
	(void)vfs;
	real_vfs->xDlClose(real_vfs, h);
}

static int b_randomness(sqlite3_vfs *vfs, int n, char *out)
{
	(void)vfs;
	return real_vfs->xRandomness(real_vfs, n, out);
}

static int b_sleep(sqlite3_vfs *vfs, int us)
{
	(void)vfs;
	return real_vfs->xSleep(real_vfs, us);
}

static int b_current_time(sqlite3_vfs *vfs, double *out)
{
	(void)vfs;
	return real_vfs->xCurrentTime(real_vfs, out);
}

static int b_last_error(sqlite3_vfs *vfs, int n, char *msg)
{
	(void)vfs;
	return real_vfs->xGetLastError(real_vfs, n, msg);
}

static int b_current_time64(sqlite3_vfs *vfs, sqlite3_int64 *out)
{
	(void)vfs;
	return real_vfs->xCurrentTimeInt64(real_vfs, out);
}

static void batch_register(void)
{
	real_vfs = sqlite3_vfs_find(NULL);
	/* The methods used here are those of version 3 (xFetch); the default VFS has them. */
	if (!real_vfs || real_vfs->iVersion < 2)
		return;
	batch_io = (sqlite3_io_methods){
		.iVersion = 3,
		.xClose = b_close,
		.xRead = b_read,
		.xWrite = b_write,
		.xTruncate = b_truncate,
		.xSync = b_sync,
		.xFileSize = b_file_size,
		.xLock = b_lock,
		.xUnlock = b_unlock,
		.xCheckReservedLock = b_check_reserved,
		.xFileControl = b_file_control,
		.xSectorSize = b_sector_size,
		.xDeviceCharacteristics = b_device_characteristics,
		.xShmMap = b_shm_map,
		.xShmLock = b_shm_lock,
		.xShmBarrier = b_shm_barrier,
		.xShmUnmap = b_shm_unmap,
		.xFetch = b_fetch,
		.xUnfetch = b_unfetch,
	};
	batch_vfs = (sqlite3_vfs){
		.iVersion = 2,
		.szOsFile = (int)sizeof(struct bfile) + real_vfs->szOsFile,
		.mxPathname = real_vfs->mxPathname,
		.zName = BATCH_VFS_NAME,
		.xOpen = b_open,
		.xDelete = b_delete,
		.xAccess = b_access,
		.xFullPathname = b_full_pathname,
		.xDlOpen = b_dlopen,
		.xDlError = b_dlerror,
		.xDlSym = b_dlsym,
		.xDlClose = b_dlclose,
		.xRandomness = b_randomness,
		.xSleep = b_sleep,
		.xCurrentTime = b_current_time,
		.xGetLastError = b_last_error,
		.xCurrentTimeInt64 = b_current_time64,
	};
	batch_ok = sqlite3_vfs_register(&batch_vfs, 0) == SQLITE_OK;
}

const char *store_batch_vfs(void)
{
	pthread_once(&batch_once, batch_register);
	return batch_ok ? BATCH_VFS_NAME : NULL;
}
