/* sqlite-batch-internal: what sqlite-batch.c (the VFS) and sqlite-batch-db.c (a database file's
 * gathered checkpoint writes and their writeback) share. Not for the rest of store/. */
#ifndef MAMORI_STORE_SQLITE_BATCH_INTERNAL_H
#define MAMORI_STORE_SQLITE_BATCH_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>

#include <sqlite3.h>

/*
 * WAL bytes gathered before they are written, and read at once inside a checkpoint. The
 * default VFS moves at most 128 KiB - 1 bytes a call (os_unix.c, seekAndWriteFd and
 * seekAndRead mask the count with 0x1ffff): a larger write would fail as a full disk.
 */
#define BATCH_WRITE   (96 * 1024)
#define BATCH_READ    (96 * 1024)
#define WAL_FRAME_HDR 24 /* a WAL frame's header (SQLite's file format) */
/* SQLite's WAL-index locks (wal.c): the one writer's and the checkpointer's. */
#define WAL_WRITE_LOCK 0
#define WAL_CKPT_LOCK  1

/* The bytes of a checkpoint's runs whose writeback is started at once (WB_WINDOW,
 * sqlite-batch-db.c; tests set it before they open a connection). */
extern size_t batch_wb_window;
/* A run shorter than this of pages the file had may be left to the sync (sqlite-batch-db.c,
 * "Pages the file had"). */
#define LEFT_RUN_MAX (32 * 1024)

enum bkind { B_OTHER, B_MAIN, B_WAL };

struct bfile {
	sqlite3_file base; /* pMethods: one of batch_io */
	enum bkind kind;
	/* MAIN: its connection's WAL file (NULL: none open); WAL: its database file */
	struct bfile *link;
	/*
	 * WAL: frames, MAIN: a checkpoint's pages, waiting in wbuf (NULL: nothing is gathered),
	 * for [woff, woff + wlen)
	 */
	char *wbuf;
	size_t wlen;
	sqlite3_int64 woff;
	/* MAIN: its checkpoints gather page writes (mamori-batch-ckpt), and one is under way */
	bool gather, gathering;
	int page;         /* MAIN: the size of the pages gathered in wbuf */
	const char *name; /* MAIN: its path (SQLite keeps it until xClose), for the stop message */
	bool commit_next; /* the last write was a commit frame's header: its page ends the commit */
	/*
	 * WAL: the first failed write's error (SQLITE_OK: none), standing for bytes from err_off;
	 * MAIN: a failed writeback's, standing for every write, truncate and sync of the file
	 */
	int err;
	sqlite3_int64 err_off;
	/*
	 * MAIN, gathering: the file's pinned descriptor for sync_file_range (-1: none); the bytes
	 * [wb_off, wb_end) its checkpoints wrote whose writeback was started, not yet waited for
	 * or synced; and the bytes [pd_off, pd_end) written since, whose writeback is not started
	 * yet (a window of runs: WB_WINDOW, sqlite-batch-db.c)
	 */
	int wb_fd;
	sqlite3_int64 wb_off, wb_end;
	sqlite3_int64 pd_off, pd_end;
	/* MAIN, gathering: the bytes of short runs of pages the file had, written since this
	 * connection's last sync and left to the next one (sqlite-batch-db.c, "Pages the file
	 * had") */
	size_t left;
	/*
	 * MAIN, gathering: the file's size when the checkpoint under way began (INT64_MAX between
	 * checkpoints): its pages from there on are new to the file; and where the new pages of the
	 * started and the pending window begin (sqlite-batch-db.c, "New pages")
	 */
	sqlite3_int64 grow_from, wb_new, pd_new;
	/* WAL: inside a checkpoint (read_ahead), the bytes [roff, roff + rlen), read ahead */
	bool read_ahead;
	char *rbuf;
	size_t rlen;
	sqlite3_int64 roff;
	sqlite3_int64 last_end; /* where the previous read ended (a sequential reader) */
	sqlite3_file *real;     /* the default VFS's file, right after this struct */
};

/* f's write failed with rc: the error stands for the bytes from off on. Returns it. */
int bfile_fail(struct bfile *f, int rc, sqlite3_int64 off);
/*
 * Before a call on a database file whose error cannot fail the checkpoint (CKPT_DONE, a read,
 * its size, a lock, close): its gathered pages written, or the process stops (sqlite-batch-db.c).
 */
void db_settle(struct bfile *f);
/* A write to a database file: gathered inside a checkpoint, else written at once. */
int db_write(struct bfile *f, const void *buf, int amt, sqlite3_int64 off);
/* Before a truncate or sync of a database file: its run written, no failed writeback standing. */
int main_settle(struct bfile *f);
/* At a gathering checkpoint's start: where the database file ends (its new pages: "New pages"). */
void db_ckpt_start(struct bfile *f);
/* The pages of [off, end) from new_from on, written and clean, leave the page cache. */
void db_drop_new(struct bfile *f, sqlite3_int64 off, sqlite3_int64 end, sqlite3_int64 new_from);

#endif
