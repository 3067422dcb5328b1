/* writer-restart: the ledger writer's WAL policy: its checkpointer thread's passive copies and
 * syncs ahead, and the restart of the WAL after a commit (writer.c runs the commits). */
#include <errno.h>
#include <pthread.h>
#include <stdint.h>

#include "base/timeutil.h"
#include "ledger/ledger.h"
#include "ledger/writer-internal.h"
#include "store/store.h"

/*
 * WAL checkpoints: a background thread copies committed pages into the
 * database once the WAL holds CKPT_PASSIVE_PAGES, without blocking commits;
 * the writer itself restarts the WAL past CKPT_RESTART_PAGES once those copies
 * have caught up (CKPT_RESTART_LEFT), which is quick because they have already
 * copied nearly all of it.
 * (SQLite's own autocheckpoint would run inside COMMIT and delay the
 * acknowledgements of that batch by the whole copy.)
 */
#define CKPT_PASSIVE_PAGES 4096
#define CKPT_RESTART_PAGES 32768
/*
 * Past CKPT_PASSIVE_PAGES the checkpointer is asked for a copy each time the WAL has grown by
 * CKPT_ROUND_PAGES since it was last asked, not after every commit: at 80% of the maximum rate
 * (~650,000 entries/s) that was ~450 rounds/s of ~130 pages and 0.45-0.69 us of the
 * checkpointer's CPU per entry, against 0.35-0.42 us now (docs/ledger.md); on two cores that
 * CPU is taken from the threads that acknowledge.
 * In the last CKPT_ROUND_PAGES before the restart it is asked after every commit again, so
 * that the restart, on the acknowledgements' path, finds as little left to copy as before
 * while the checkpointer keeps up.
 */
#define CKPT_ROUND_PAGES 512
/*
 * SQLite syncs the database file only at the end of a checkpoint that copied the whole WAL.
 * Under constant commits the passive copies never do, so that sync fell to the writer's
 * restart and wrote every page they had copied since the last one, while every entry waited:
 * 10-240 ms at load 10 (a trace of the 80% row, docs/ledger.md), the tail of the ack latency.
 * So each time the WAL has grown by CKPT_PRESYNC_PAGES the checkpointer syncs the database
 * file before its passive copy (store_db_sync, on its own connection), and the restart syncs
 * only what was copied since. A failed sync there changes nothing: the restart's own sync, on
 * the writer's descriptor, is told of the same failure (as is every descriptor of the file).
 */
#define CKPT_PRESYNC_PAGES 4096
/*
 * The restart waits at most CKPT_RESTART_WAIT_MS for a reader in an older snapshot (a `ledger
 * verify`, an export, a backup) or for the WAL's write lock, not the store's 5 s, while every
 * entry waits; refused after such a wait (not at once, as when a copy holds the checkpoint
 * lock: then it is tried again at the next commit), it is not tried again for
 * CKPT_RESTART_BACKOFF_MS, and the checkpointer is asked for copies as the WAL grows meanwhile
 * (as the door's checkpointer does, core/door-ckpt.c).
 */
#define CKPT_RESTART_WAIT_MS    10
#define CKPT_RESTART_BACKOFF_MS 100
/*
 * The restart copies, on the acknowledgements' path and with a read and a write per page, what
 * no copy of the checkpointer has copied yet. In a stream at full rate (2,000,000 loggen
 * messages over one TCP connection, two cores busy) it found 4,400-5,800 pages left at each
 * restart, 36-83 ms of copying while every entry waited and 10% of the writer's CPU: the
 * checkpointer's copy under way refused it at once, and the next commit's restart copied
 * everything committed meanwhile itself. So past the restart size, while the checkpointer's
 * copy is under way or more than CKPT_RESTART_LEFT pages are not copied, the writer asks for a
 * copy (none under way) and commits on; it restarts once a copy has left at most that much, or
 * in any case past CKPT_RESTART_MOST pages (a quarter more: a checkpointer that cannot keep up,
 * or a reader that holds its copies back, as before).
 */
#define CKPT_RESTART_LEFT CKPT_ROUND_PAGES
#define CKPT_RESTART_MOST (CKPT_RESTART_PAGES + CKPT_RESTART_PAGES / 4)
_Static_assert((int64_t)CKPT_RESTART_MOST * 4096 + ((int64_t)16 << 20) <= LEDGER_WRITER_WAL_BYTES,
               "LEDGER_WRITER_WAL_BYTES (ledger.h) is what serve's WAL backstop leaves alone");
/*
 * The restart, on the acknowledgements' path, copies what was committed since the last passive
 * copy and syncs what the copies wrote since the last sync ahead. The checkpointer writes the
 * database file back as it copies (store/sqlite-batch.c, "Writeback"), so both are small while
 * the checkpointer keeps up: on the quiet machine the restarts took 1.1-1.6 ms at 80% of the
 * maximum rate. (A fresh round of the checkpointer, a copy of the whole WAL and a sync of the
 * file made just before the restart, had cut them from up to 2 x 4,096 pages; with the
 * writeback it gave nothing: 1.1-2.3 ms with it, docs/ledger.md, and it was removed.) A
 * restart refused because the checkpointer's copy holds the checkpoint lock returns at once
 * and is tried again at the next commit, and a copy asked for but not begun is dropped (so it
 * waits behind at most the copy under way); one refused by a reader waits CKPT_RESTART_WAIT_MS
 * at most and backs off (above).
 */

/*
 * A failed sync or copy of the database file is fatal for the writer: Linux reports a failed
 * writeback once per open file description, so a sync tried again could succeed with pages
 * lost, and a restart after it would reset the WAL that still holds them. The writer stops
 * acknowledging (as after a failed WAL flush), and its connections do not checkpoint when
 * they close (ledger_writer_stop): the next start recovers from the WAL.
 */
#define DB_SYNC_FAILED                                                                             \
	"the disk did not confirm a write of the database file; nothing more is acknowledged "     \
	"until Mamori is restarted"

static void *checkpointer_main(void *arg)
{
	struct ledger_writer *w = arg;

	pthread_setname_np(pthread_self(), "mamori-ckpt");
	pthread_mutex_lock(&w->mu);
	for (;;) {
		bool presync, synced, bad;
		uint64_t gen;
		int r, done = 0;

		while (!w->ckpt_wanted && !w->ckpt_stop)
			pthread_cond_wait(&w->ckpt_cv, &w->mu);
		if (w->ckpt_stop)
			break;
		presync = w->presync_wanted;
		w->ckpt_wanted = false;
		w->presync_wanted = false;
		w->ckpt_running = true;
		gen = w->wal_gen;
		while (w->ckpt_hold && !w->ckpt_stop)
			pthread_cond_wait(&w->ckpt_cv, &w->mu);
		pthread_mutex_unlock(&w->mu);
		/* what earlier rounds copied goes to the disk now, not inside the restart */
		bad = presync && store_db_sync(w->ckpt_st) < 0;
		synced = presync && !bad;
		/* PASSIVE: copies what it can and never blocks the writer (busy: the next round the
		 * writer asks for) */
		r = bad ? -EIO : store_checkpoint_done(w->ckpt_st, STORE_CHECKPOINT_PASSIVE, &done);
		bad = bad || (r < 0 && r != -EBUSY);
		pthread_mutex_lock(&w->mu);
		w->ckpt_running = false;
		/* (of the WAL the writer knew when the copy began: one started afresh since is
		 * another's count) */
		w->ckpt_progress = false;
		if (done > 0 && gen == w->wal_gen) {
			w->ckpt_progress = w->ckpt_copied_gen != gen || done > w->ckpt_copied;
			w->ckpt_copied = done;
			w->ckpt_copied_gen = gen;
		}
		if (bad)
			writer_fail_locked(w, -EIO, DB_SYNC_FAILED);
		if (synced)
			w->presyncs++;
	}
	pthread_mutex_unlock(&w->mu);
	return NULL;
}

/* With w->mu held: asks the checkpointer for a copy (and a sync ahead when due). */
static void ask_copy_locked(struct ledger_writer *w)
{
	w->ckpt_asked_at = w->wal_pages;
	w->rounds_asked++;
	w->ckpt_wanted = true;
	if (w->wal_pages >= w->presync_at) {
		w->presync_wanted = true;
		w->presync_at = w->wal_pages + w->presync_pages;
	}
	pthread_cond_signal(&w->ckpt_cv);
}

/*
 * Past the restart size: true while the restart waits for the checkpointer (CKPT_RESTART_LEFT),
 * which is asked for a copy when none is under way, if its last copy got further or the WAL
 * has grown by round_pages since it was last asked (a reader in an old snapshot that holds the
 * copies back would otherwise have it build SQLite's iterator over the whole WAL after every
 * commit, for nothing).
 */
static bool restart_waits(struct ledger_writer *w)
{
	bool wait;
	int left;

	if (!w->ckpt_started || w->wal_pages >= w->restart_most)
		return false;
	pthread_mutex_lock(&w->mu);
	left = w->ckpt_copied_gen == w->wal_gen && w->ckpt_copied <= w->wal_pages
	           ? w->wal_pages - w->ckpt_copied
	           : w->wal_pages;
	wait = w->ckpt_running || left > w->restart_left;
	if (wait) {
		w->restarts_waited++;
		if (!w->ckpt_running && !w->ckpt_wanted &&
		    (w->ckpt_progress || w->wal_pages < w->ckpt_asked_at ||
		     w->wal_pages - w->ckpt_asked_at >= w->round_pages))
			ask_copy_locked(w);
	}
	pthread_mutex_unlock(&w->mu);
	return wait;
}

/* After a commit: ask for a background checkpoint, or restart the WAL when it is large. */
void writer_after_commit(struct ledger_writer *w)
{
	int64_t t0 = time_mono_ns();
	bool backing_off = t0 < w->restart_retry_ns;

	/* the WAL started afresh since the last commit, whoever restarted it (wal_resets:
	 * tests) */
	if (w->wal_pages < w->last_wal_pages) {
		pthread_mutex_lock(&w->mu);
		w->wal_resets++;
		w->wal_gen++;
		w->ckpt_progress = false;
		pthread_mutex_unlock(&w->mu);
	}
	w->last_wal_pages = w->wal_pages;
	if (w->wal_pages >= w->restart_pages && !backing_off && restart_waits(w))
		return;
	if (w->wal_pages >= w->restart_pages && !backing_off) {
		int r;

		/* a copy asked for and not begun would hold the lock after the one under way */
		pthread_mutex_lock(&w->mu);
		w->ckpt_wanted = false;
		pthread_mutex_unlock(&w->mu);
		r = store_checkpoint_wait(w->st, STORE_CHECKPOINT_RESTART, CKPT_RESTART_WAIT_MS);
		pthread_mutex_lock(&w->mu);
		if (time_mono_ns() - t0 > w->restart_longest_ns)
			w->restart_longest_ns = time_mono_ns() - t0;
		if (r == 0) {
			w->restarts++;
		} else if (r != -EBUSY) {
			writer_fail_locked(w, -EIO, DB_SYNC_FAILED);
		} else {
			w->restarts_busy++;
		}
		pthread_mutex_unlock(&w->mu);
		/* refused at once: a copy holds the checkpoint lock (SQLite takes it without the
		 * busy handler); after a wait: a reader or another's write, which a retry at every
		 * commit would wait for again */
		if (r == -EBUSY && time_mono_ns() - t0 >= CKPT_RESTART_WAIT_MS * 1000000LL / 2) {
			w->restart_retry_ns =
			    time_mono_ns() + (int64_t)CKPT_RESTART_BACKOFF_MS * 1000000;
			pthread_mutex_lock(&w->mu);
			w->restart_backoffs++;
			pthread_mutex_unlock(&w->mu);
		}
		w->wal_pages = 0;
		w->ckpt_asked_at = 0;
		w->presync_at = w->presync_pages;
	} else if (w->wal_pages >= w->passive_pages && w->ckpt_started) {
		/* (a WAL smaller than when last asked was restarted meanwhile: ask now; and after
		 * every commit in the last round_pages before the restart, which copies what the
		 * copies left, but not while the restart backs off: a reader in an old snapshot
		 * holds the copies back too) */
		if (w->wal_pages >= w->ckpt_asked_at &&
		    w->wal_pages - w->ckpt_asked_at < w->round_pages &&
		    (w->wal_pages < w->restart_pages - w->round_pages || backing_off))
			return;
		pthread_mutex_lock(&w->mu);
		ask_copy_locked(w);
		pthread_mutex_unlock(&w->mu);
	} else if (w->wal_pages < w->presync_at - w->presync_pages) {
		w->presync_at = w->presync_pages; /* the WAL started afresh (another's restart) */
	}
}

uint64_t ledger_writer_restarts(struct ledger_writer *w)
{
	return writer_count(w, &w->restarts);
}

uint64_t ledger_writer_rounds_asked(struct ledger_writer *w)
{
	return writer_count(w, &w->rounds_asked);
}

uint64_t ledger_writer_presyncs(struct ledger_writer *w)
{
	return writer_count(w, &w->presyncs);
}

void writer_restart_init(struct ledger_writer *w)
{
	w->restart_pages = w->opt.restart_pages && w->opt.restart_pages < CKPT_RESTART_PAGES
	                       ? (int)w->opt.restart_pages
	                       : CKPT_RESTART_PAGES;
	/* the tests' small restart sizes scale the checkpointer's thresholds with them, so that
	 * its copies and syncs run beside the restarts there too */
	w->passive_pages = CKPT_PASSIVE_PAGES * w->restart_pages / CKPT_RESTART_PAGES;
	w->round_pages = CKPT_ROUND_PAGES * w->restart_pages / CKPT_RESTART_PAGES;
	w->presync_pages = CKPT_PRESYNC_PAGES * w->restart_pages / CKPT_RESTART_PAGES;
	w->restart_left = CKPT_RESTART_LEFT * w->restart_pages / CKPT_RESTART_PAGES;
	w->restart_most = CKPT_RESTART_MOST * w->restart_pages / CKPT_RESTART_PAGES;
	if (w->round_pages < 1)
		w->round_pages = 1;
	if (w->passive_pages < 1)
		w->passive_pages = 1;
	if (w->presync_pages < 1)
		w->presync_pages = 1;
	w->presync_at = w->presync_pages;
}

void writer_ckpt_start(struct ledger_writer *w)
{
	struct strbuf e2 = STRBUF_INIT;

	/* (STORE_GATHER_CKPT: its copies write the database file's pages in runs; a last run
	 * that cannot be written even page by page stops the process, store.h) */
	if (store_dialect(w->st) == STORE_SQLITE &&
	    store_open(w->dir, STORE_BATCH_IO | STORE_GATHER_CKPT, &w->ckpt_st, &e2) == 0 &&
	    pthread_create(&w->ckpt_thread, NULL, checkpointer_main, w) == 0)
		w->ckpt_started = true;
	strbuf_release(&e2);
}

void writer_ckpt_stop(struct ledger_writer *w)
{
	if (w->ckpt_started) {
		pthread_mutex_lock(&w->mu);
		w->ckpt_stop = true;
		pthread_cond_signal(&w->ckpt_cv);
		pthread_mutex_unlock(&w->mu);
		pthread_join(w->ckpt_thread, NULL);
	}
}
