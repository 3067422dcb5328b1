/*
 * sqlite-batch: an SQLite VFS over the default one ("unix") that moves the same bytes in fewer
 * system calls, for the connections that append in bulk (store_open's STORE_BATCH_IO: the
 * ledger's group-commit writer, its checkpointer, the log follower, the door's checkpointer),
 * and the same VFS under a second name whose checkpoints also gather the database file's pages
 * (STORE_GATHER_CKPT: the ledger writer's checkpointer; see "Database-file writes" below).
 * The database file's side of that (gathering, writeback, the stop) is in sqlite-batch-db.c.
 *
 * SQLite writes the write-ahead log one frame at a time: two writes (a 24-byte header, then the
 * page) for each 4 KiB page, and a checkpoint reads each frame and writes each page with one
 * call apiece. On a virtual machine a system call costs more than copying the 4 KiB it moves
 * (about 2 us here: a collected message, ~0.12 pages, paid ~1 us in them).
 *
 * Every state here belongs to one connection: its WAL file is linked to its database file
 * (sqlite3_database_file_object, when SQLite opens the WAL), and only calls on that connection,
 * which SQLite serialises whatever thread makes them, read or change it. Nothing is per thread,
 * and no call ever writes another connection's bytes (a writeback's wait, on the process's one
 * descriptor of the file, can report another connection's failed writeback: an earlier latch,
 * see "Writeback").
 *
 * Writes. A run of frames appended to the WAL is gathered in the WAL file's buffer (a run starts
 * with a write longer than a frame header: a page, or the WAL's own header) and written with
 * one call:
 * - when the page of a commit frame (a frame header whose database size is not zero: SQLite's
 *   WAL format) joins it, so that write, and with it the commit, fails if the run cannot be
 *   written; SQLite publishes a commit in the shared index only after its frames are written;
 * - before any other call on the WAL file (read, sync, size, truncate), and at a barrier on
 *   the database file (a backstop: a commit's run is already written by then, at its commit
 *   frame; nothing is gathered without POWERSAFE_OVERWRITE, where SQLite pads a commit and
 *   splits its last frame at a sync).
 * Every other write (a lone frame header, which is also how SQLite writes checksums again after
 * a commit frame) is written at once. A write that fails, gathered or not, is an error that
 * stands: its bytes are lost, so every later write and sync of that WAL file, and every read at
 * or past the first lost byte, fail with it. A commit always writes a frame, so the transaction
 * cannot commit; the error stands until the write transaction ends (SQLite releases the WAL's
 * write lock after rolling it back), or, with locking_mode=EXCLUSIVE, where that lock is never
 * released, until the connection closes.
 * A run still gathered when the write lock is released (or the WAL closed) belongs to a
 * transaction that did not commit (a commit writes its run at its commit frame): it is dropped,
 * not written. Releasing a lock never needs the disk and always reaches the default VFS.
 *
 * Read-ahead. Between SQLite's SQLITE_FCNTL_CKPT_START and _DONE hints on the database file (a
 * checkpoint by this connection) its WAL reads read ahead: a read that follows the previous
 * frame takes the next BATCH_READ bytes at once, and the frames after it are served from
 * memory. The frames a checkpoint copies are committed and stay untouched until it ends;
 * read-ahead stops at the file's size. What was read ahead is forgotten when a checkpoint
 * starts and when it ends (CKPT_DONE, or the checkpoint lock's release should DONE not come),
 * and where this file writes or truncates.
 *
 * Database-file writes, on connections opened through "mamori-batch-ckpt" (STORE_GATHER_CKPT:
 * the ledger writer's checkpointer; every other connection's pass through). A checkpoint writes
 * each page it copies with one call, in the order of the pages, 99% of them right after the one
 * before (59,323 writes in 562 runs for 500,000 collected messages): between CKPT_START and
 * CKPT_DONE, a whole page that follows the run (same size, aligned, the run under BATCH_WRITE)
 * joins it in the database file's buffer. The run is written
 * - before any other write (one that does not follow it, or would pass BATCH_WRITE), and
 *   before a sync or truncate of the file: there a failure is that call's error, and SQLite
 *   fails the checkpoint as it would for the page itself (wal.c walCheckpoint stops and does
 *   not advance nBackfill; the ledger writer then stops: its DB_SYNC_FAILED);
 * - at CKPT_DONE, which ends the copy loop. SQLite ignores that call's result, and for a
 *   checkpoint that copied part of the WAL it makes no other call on the file before it
 *   records the frames as copied (nBackfill), after which every reader, in any process, reads
 *   those pages from the database file. So a run that fails there is written again a page at a
 *   time, in place, and if a page still fails the process stops (db_stop: a message on stderr,
 *   abort()) before SQLite goes on. Nothing acknowledged is lost by stopping: acknowledgements
 *   follow the WAL's sync, so it is all in the WAL; a process that has the database open keeps
 *   the old nBackfill, and the next opener, if none has, rebuilds the WAL index from the WAL and
 *   copies it again. The price: a server stop on a write into the page cache that fails twice,
 *   in practice EIO or a full disk while the database file grows.
 * - before any other call on the file (read, size, lock, shared-memory call, close: backstops,
 *   as CKPT_DONE always follows CKPT_START), the same way as at CKPT_DONE.
 * A short write is completed by the default VFS's own loop (os_unix.c unixWrite), a run too.
 * The buffer is cleared at CKPT_DONE (pages of the database: personal data). store_db_sync
 * calls a database file's sync outside SQLite's mutex, on the thread that runs that
 * connection's checkpoints (the writer's checkpointer), so never while a run is gathered.
 *
 * Writeback, on the same connections. A sync of the database file (the checkpointer's sync
 * ahead, the end of a checkpoint that copied the whole WAL, the writer's restart) wrote every
 * page copied since the last one, up to 16 MiB, and the WAL's flushes queued behind it on the
 * disk: those are the slow acknowledgements (docs/ledger.md, "What the slow acknowledgements
 * wait behind"). So the runs written where an error can still fail the checkpoint (before the
 * next write) are also sent to the disk, a window of up to 1 MiB of them at a time
 * (sync_file_range(SYNC_FILE_RANGE_WRITE); each start is one request, on a virtual machine one
 * notification of the host), and the window started before it is waited for (WAIT_BEFORE |
 * WRITE | WAIT_AFTER): the checkpointer moves at the disk's pace with at most two windows under
 * way, and the sync finds little left to write. The runs of a window not yet full, and the last
 * run, written at CKPT_DONE, where no error could fail the checkpoint, are left for the next
 * checkpoint's first window or the next sync, and so are short runs of pages the file had that
 * do not follow the window, up to a window's bytes of them between two syncs
 * (sqlite-batch-db.c, "Pages the file had"): a lost writeback of those is seen at that sync,
 * which stops the writer, not in the checkpoint. sync_file_range is no durability barrier
 * (nothing is counted durable before the sync, which stays), but its error is a lost writeback:
 * it is that write's error, so SQLite fails the checkpoint, which store_checkpoint latches
 * (store/wal.c), and it stands for every later write, truncate and sync of the file on this
 * connection, so no checkpoint of it succeeds after it. The calls go to the write gate's
 * descriptor of the file (store_gate_pin, open for the process's life: closing a descriptor of
 * ours would drop the process's locks on the file), whose own record of a writeback error it
 * consumes: SQLite's descriptor is still told of it at its sync. The pages a checkpoint added
 * past the file's end then leave the page cache (sqlite-batch-db.c, "New pages").
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/sqlite-batch-internal.h"
#include "store/store-internal.h"

#define BATCH_VFS_NAME  "mamori-batch"
#define GATHER_VFS_NAME "mamori-batch-ckpt"

static sqlite3_vfs *real_vfs;
/* the same methods; a database file opened through the second gathers its checkpoints' pages */
static sqlite3_vfs batch_vfs, gather_vfs;
/* The methods for a default-VFS file of io_methods version 1, 2 and 3: the same version. */
static sqlite3_io_methods batch_io[3];
static pthread_once_t batch_once = PTHREAD_ONCE_INIT;
static bool batch_ok;

static bool is_batch_file(const sqlite3_file *file)
{
	return file && (file->pMethods == &batch_io[0] || file->pMethods == &batch_io[1] ||
	                file->pMethods == &batch_io[2]);
}

/* f's write failed with rc: the error stands for the bytes from off on. Returns it. */
int bfile_fail(struct bfile *f, int rc, sqlite3_int64 off)
{
	if (f->err == SQLITE_OK) {
		f->err = rc;
		f->err_off = off;
	} else if (off < f->err_off) {
		f->err_off = off;
	}
	return f->err;
}

/* Writes out f's gathered run. SQLITE_OK, or the error, which then stands (its bytes lost). */
static int flush(struct bfile *f)
{
	int rc;

	if (!f->wlen)
		return SQLITE_OK;
	rc = f->real->pMethods->xWrite(f->real, f->wbuf, (int)f->wlen, f->woff);
	f->wlen = 0;
	return rc == SQLITE_OK ? SQLITE_OK : bfile_fail(f, rc, f->woff);
}

/* Before a call on f other than a following write: its run written, and no error standing. */
static int settle(struct bfile *f)
{
	int rc = flush(f);

	return rc != SQLITE_OK ? rc : f->err;
}

static void forget_reads(struct bfile *f)
{
	f->rlen = 0;
	f->last_end = -1;
}

/* The connection's write transaction ended: a run left belongs to one that did not commit. */
static void end_write(struct bfile *w)
{
	w->wlen = 0;
	w->commit_next = false;
	w->err = SQLITE_OK;
	w->err_off = 0;
}

static void end_checkpoint(struct bfile *w)
{
	w->read_ahead = false;
	forget_reads(w);
	/* (pages of the database: personal data, not kept between checkpoints) */
	if (w->rbuf)
		explicit_bzero(w->rbuf, BATCH_READ);
}

static int b_close(sqlite3_file *file)
{
	struct bfile *f = (struct bfile *)file;
	int rc;

	/* (a database file's run is written first; a WAL file's run still gathered is an
	 * uncommitted transaction's: dropped, see the head comment) */
	db_settle(f);
	if (f->link)
		f->link->link = NULL;
	f->link = NULL;
	rc = f->real->pMethods->xClose(f->real);
	/* The buffers held pages of the database: personal data. */
	if (f->wbuf)
		explicit_bzero(f->wbuf, BATCH_WRITE);
	if (f->rbuf)
		explicit_bzero(f->rbuf, BATCH_READ);
	free(f->wbuf);
	free(f->rbuf);
	f->wbuf = f->rbuf = NULL;
	return rc;
}

/* A WAL read inside this connection's checkpoint, from the read-ahead buffer or into it. */
static int wal_read_ahead(struct bfile *f, void *buf, int amt, sqlite3_int64 off)
{
	sqlite3_int64 size;
	size_t want;
	bool sequential = off == f->last_end || off == f->last_end + WAL_FRAME_HDR;
	int rc;

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
	if (!f->rbuf && !(f->rbuf = malloc(BATCH_READ)))
		return f->real->pMethods->xRead(f->real, buf, amt, off);
	rc = f->real->pMethods->xRead(f->real, f->rbuf, (int)want, off);
	if (rc != SQLITE_OK) {
		forget_reads(f);
		return f->real->pMethods->xRead(f->real, buf, amt, off);
	}
	f->roff = off;
	f->rlen = want;
	memcpy(buf, f->rbuf, (size_t)amt);
	return SQLITE_OK;
}

static int b_read(sqlite3_file *file, void *buf, int amt, sqlite3_int64 off)
{
	struct bfile *f = (struct bfile *)file;
	int rc;

	if (f->kind == B_MAIN) {
		db_settle(f);
		return f->real->pMethods->xRead(f->real, buf, amt, off);
	}
	rc = flush(f);
	if (rc != SQLITE_OK)
		return rc;
	/* Bytes a failed write lost are not read back as if they were there. */
	if (f->err != SQLITE_OK && off + amt > f->err_off)
		return f->err;
	if (f->read_ahead && amt > 0 && amt <= BATCH_READ / 2)
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
	bool ends_commit;
	int rc;

	if (f->kind == B_MAIN)
		return db_write(f, buf, amt, off);
	if (f->kind != B_WAL)
		return f->real->pMethods->xWrite(f->real, buf, amt, off);
	if (f->err != SQLITE_OK)
		return f->err;
	ends_commit = f->commit_next;
	f->commit_next = commit_header(buf, amt, off);
	if (f->rlen && off < f->roff + (sqlite3_int64)f->rlen && off + amt > f->roff)
		forget_reads(f);
	/* A write that does not extend the run: the run first. */
	if (f->wlen && (off != f->woff + (sqlite3_int64)f->wlen || f->wlen + amt > BATCH_WRITE)) {
		rc = flush(f);
		if (rc != SQLITE_OK)
			return rc;
	}
	/* Written at once: a write that neither extends a run nor starts one. */
	if (!f->wbuf || amt <= 0 || (!f->wlen && (amt <= WAL_FRAME_HDR || amt > BATCH_WRITE))) {
		rc = f->real->pMethods->xWrite(f->real, buf, amt, off);
		return rc == SQLITE_OK ? SQLITE_OK : bfile_fail(f, rc, off);
	}
	if (!f->wlen)
		f->woff = off;
	memcpy(f->wbuf + f->wlen, buf, (size_t)amt);
	f->wlen += (size_t)amt;
	/* The commit frame's page is in: written now, and its error is this call's. */
	if (ends_commit) {
		f->commit_next = false;
		return flush(f);
	}
	return SQLITE_OK;
}

static int b_truncate(sqlite3_file *file, sqlite3_int64 size)
{
	struct bfile *f = (struct bfile *)file;
	int rc = f->kind == B_MAIN ? main_settle(f) : settle(f);

	forget_reads(f);
	return rc != SQLITE_OK ? rc : f->real->pMethods->xTruncate(f->real, size);
}

/*
 * (store_db_sync calls a database file's xSync outside SQLite's mutex, on the thread that runs
 * that connection's checkpoints: between them, nothing is gathered and wlen stays 0.)
 */
static int b_sync(sqlite3_file *file, int flags)
{
	struct bfile *f = (struct bfile *)file;
	int rc = f->kind == B_WAL ? settle(f) : f->kind == B_MAIN ? main_settle(f) : SQLITE_OK;

	if (rc == SQLITE_OK)
		rc = f->real->pMethods->xSync(f->real, flags);
	/* (what the checkpoints wrote is on the disk: nothing left to write back or wait for, and
	 * their new pages may go) */
	if (rc == SQLITE_OK && f->kind == B_MAIN) {
		db_drop_new(f, f->wb_off, f->wb_end, f->wb_new);
		db_drop_new(f, f->pd_off, f->pd_end, f->pd_new);
		f->wb_off = f->wb_end = f->pd_off = f->pd_end = 0;
		f->left = 0;
	}
	return rc;
}

static int b_file_size(sqlite3_file *file, sqlite3_int64 *size)
{
	struct bfile *f = (struct bfile *)file;
	int rc;

	db_settle(f);
	rc = f->kind == B_MAIN ? SQLITE_OK : settle(f);

	return rc != SQLITE_OK ? rc : f->real->pMethods->xFileSize(f->real, size);
}

static int b_lock(sqlite3_file *file, int level)
{
	struct bfile *f = (struct bfile *)file;

	db_settle(f);
	return f->real->pMethods->xLock(f->real, level);
}

static int b_unlock(sqlite3_file *file, int level)
{
	struct bfile *f = (struct bfile *)file;

	db_settle(f);
	return f->real->pMethods->xUnlock(f->real, level);
}

static int b_check_reserved(sqlite3_file *file, int *out)
{
	struct bfile *f = (struct bfile *)file;

	db_settle(f);
	return f->real->pMethods->xCheckReservedLock(f->real, out);
}

static int b_file_control(sqlite3_file *file, int op, void *arg)
{
	struct bfile *f = (struct bfile *)file;

	/*
	 * (SQLite ignores these hints' results: they are taken whatever else happens. So the
	 * pages gathered are written at CKPT_DONE, or the process stops: db_settle.)
	 */
	db_settle(f);
	if (f->kind == B_MAIN && op == SQLITE_FCNTL_CKPT_START) {
		f->gathering = f->gather;
		db_ckpt_start(f);
		if (f->link) {
			forget_reads(f->link);
			f->link->read_ahead = true;
		}
	} else if (f->kind == B_MAIN && op == SQLITE_FCNTL_CKPT_DONE) {
		f->gathering = false;
		f->grow_from = INT64_MAX;
		/* (pages of the database: personal data, not kept between checkpoints) */
		if (f->wbuf)
			explicit_bzero(f->wbuf, BATCH_WRITE);
		if (f->link)
			end_checkpoint(f->link);
	}
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

	db_settle(f);
	return f->real->pMethods->xShmMap(f->real, pg, pgsz, extend, pp);
}

static int b_shm_lock(sqlite3_file *file, int offset, int n, int flags)
{
	struct bfile *f = (struct bfile *)file;

	/* (a backstop: a checkpoint's pages are written at its CKPT_DONE) */
	db_settle(f);
	if (f->kind == B_MAIN && f->link && (flags & SQLITE_SHM_UNLOCK)) {
		if (offset <= WAL_WRITE_LOCK && WAL_WRITE_LOCK < offset + n)
			end_write(f->link);
		if (offset <= WAL_CKPT_LOCK && WAL_CKPT_LOCK < offset + n)
			end_checkpoint(f->link);
	}
	return f->real->pMethods->xShmLock(f->real, offset, n, flags);
}

static void b_shm_barrier(sqlite3_file *file)
{
	struct bfile *f = (struct bfile *)file;

	/*
	 * A backstop: a commit's run was written at its commit frame, and one whose commit
	 * frame's page was split at a sync point by the sync. Should a run still be here, it is
	 * written before SQLite goes on; if that fails, the error stands on the WAL file.
	 */
	db_settle(f);
	if (f->kind == B_MAIN && f->link)
		(void)flush(f->link);
	f->real->pMethods->xShmBarrier(f->real);
}

static int b_shm_unmap(sqlite3_file *file, int del)
{
	struct bfile *f = (struct bfile *)file;

	db_settle(f);
	return f->real->pMethods->xShmUnmap(f->real, del);
}

static int b_fetch(sqlite3_file *file, sqlite3_int64 off, int amt, void **pp)
{
	struct bfile *f = (struct bfile *)file;
	int rc;

	db_settle(f);
	rc = f->kind == B_MAIN ? SQLITE_OK : settle(f);

	return rc != SQLITE_OK ? rc : f->real->pMethods->xFetch(f->real, off, amt, pp);
}

static int b_unfetch(sqlite3_file *file, sqlite3_int64 off, void *p)
{
	struct bfile *f = (struct bfile *)file;

	db_settle(f);
	return f->real->pMethods->xUnfetch(f->real, off, p);
}

/* Links a WAL file to its connection's database file, or lets its calls pass through. */
static void link_wal(struct bfile *f, sqlite3_filename name)
{
	sqlite3_file *db = name ? sqlite3_database_file_object(name) : NULL;
	struct bfile *m = (struct bfile *)db;

	if (is_batch_file(db) && m->kind == B_MAIN && !m->link) {
		f->link = m;
		m->link = f;
		/*
		 * (NULL: every write is written at once.) Without POWERSAFE_OVERWRITE SQLite pads a
		 * commit to the sector and splits a frame at a sync (wal.c walWriteToLog): the
		 * tail after that sync would be gathered with no later call to report its error
		 * in, so nothing is gathered (SQLite reads this when it opens the WAL, as here).
		 */
		if (m->real->pMethods->xDeviceCharacteristics(m->real) &
		    SQLITE_IOCAP_POWERSAFE_OVERWRITE)
			f->wbuf = malloc(BATCH_WRITE);
	} else {
		f->kind = B_OTHER;
	}
}

static int b_open(sqlite3_vfs *vfs, sqlite3_filename name, sqlite3_file *file, int flags,
                  int *out_flags)
{
	struct bfile *f = (struct bfile *)file;
	int rc, version;

	memset(f, 0, sizeof(*f));
	f->real = (sqlite3_file *)(f + 1);
	f->kind = (flags & SQLITE_OPEN_MAIN_DB) ? B_MAIN
	          : (flags & SQLITE_OPEN_WAL)   ? B_WAL
	                                        : B_OTHER;
	f->last_end = -1;
	f->gather = f->kind == B_MAIN && vfs == &gather_vfs;
	f->name = name;
	f->wb_fd = -1;
	f->grow_from = INT64_MAX;
	rc = real_vfs->xOpen(real_vfs, name, f->real, flags, out_flags);
	/* Only a file the default VFS opened is closed through us, with its methods' version. */
	if (!f->real->pMethods) {
		f->base.pMethods = NULL;
		return rc;
	}
	version = f->real->pMethods->iVersion;
	f->base.pMethods = &batch_io[version < 1 ? 0 : version > 3 ? 2 : version - 1];
	if (f->kind == B_WAL) {
		if (rc == SQLITE_OK && f->base.pMethods->iVersion >= 2)
			link_wal(f, name);
		else
			f->kind = B_OTHER;
	}
	/* (the gate's descriptor: one of ours, closed, would drop the process's locks on it) */
	if (f->gather && rc == SQLITE_OK && name)
		f->wb_fd = store_gate_pin(store_gate_for(name), name);
	return rc;
}

static int b_delete(sqlite3_vfs *vfs, const char *name, int sync_dir)
{
	(void)vfs;
	return real_vfs->xDelete(real_vfs, name, sync_dir);
}

static int b_access(sqlite3_vfs *vfs, const char *name, int flags, int *out)
{
	(void)vfs;
	return real_vfs->xAccess(real_vfs, name, flags, out);
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
	const sqlite3_io_methods all = {
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

	real_vfs = sqlite3_vfs_find(NULL);
	/* A VFS of version 2 (xCurrentTimeInt64, which ours passes on); the default one is. */
	if (!real_vfs || real_vfs->iVersion < 2)
		return;
	/* Version 1 has no shared memory (no WAL: nothing is gathered), 2 no memory mapping. */
	batch_io[0] = batch_io[1] = batch_io[2] = all;
	batch_io[0].iVersion = 1;
	batch_io[0].xShmMap = NULL;
	batch_io[0].xShmLock = NULL;
	batch_io[0].xShmBarrier = NULL;
	batch_io[0].xShmUnmap = NULL;
	batch_io[1].iVersion = 2;
	batch_io[0].xFetch = batch_io[1].xFetch = NULL;
	batch_io[0].xUnfetch = batch_io[1].xUnfetch = NULL;
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
	gather_vfs = batch_vfs;
	gather_vfs.zName = GATHER_VFS_NAME;
	batch_ok = sqlite3_vfs_register(&batch_vfs, 0) == SQLITE_OK &&
	           sqlite3_vfs_register(&gather_vfs, 0) == SQLITE_OK;
}

const char *store_batch_vfs(bool gather)
{
	pthread_once(&batch_once, batch_register);
	return !batch_ok ? NULL : gather ? GATHER_VFS_NAME : BATCH_VFS_NAME;
}
