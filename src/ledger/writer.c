/* writer: group commit: one thread appends what many callers submit, acknowledging durable entries.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "base/timeutil.h"
#include "ledger/ledger-internal.h"
#include "ledger/ledger.h"
#include "ledger/signer.h"
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

static void fail_locked(struct ledger_writer *w, int r, const char *msg);

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
			fail_locked(w, -EIO, DB_SYNC_FAILED);
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
static void after_commit(struct ledger_writer *w)
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
			fail_locked(w, -EIO, DB_SYNC_FAILED);
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

int ledger_writer_failed(struct ledger_writer *w, struct strbuf *why)
{
	int r;

	pthread_mutex_lock(&w->mu);
	r = w->failed;
	if (r)
		error_set(why, "%s", w->fail_msg.buf);
	pthread_mutex_unlock(&w->mu);
	return r;
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

static void set_defaults(struct ledger_writer_options *o)
{
	if (!o->max_entries)
		o->max_entries = 16384;
	if (!o->max_bytes)
		o->max_bytes = 8u << 20;
	if (!o->max_delay_us)
		o->max_delay_us = 1000;
	if (!o->max_queue_bytes)
		o->max_queue_bytes = 64u << 20;
	if (!o->checkpoint_ms)
		o->checkpoint_ms = 60000;
}

static void fail_locked(struct ledger_writer *w, int r, const char *msg)
{
	if (!w->failed) {
		w->failed = r;
		error_set(&w->fail_msg, "%s", msg);
	}
	pthread_cond_broadcast(&w->done);
	pthread_cond_broadcast(&w->space);
}

/*
 * With w->mu held: the batch b could not be committed. Its tickets are decided (refused) and
 * the writer goes on; after MAX_FAILED_BATCHES failures it stops for good.
 */
static void fail_range_locked(struct ledger_writer *w, uint64_t first, uint64_t nr, int r,
                              const char *msg)
{
	struct failed_batch *f;

	if (w->n_fails == MAX_FAILED_BATCHES) {
		fail_locked(w, r, msg);
		return;
	}
	f = &w->fails[w->n_fails++];
	f->first_ticket = first;
	f->nr = nr;
	f->r = r;
	snprintf(f->msg, sizeof(f->msg), "%s", msg);
	w->durable = first + nr;
	if (w->committed < w->durable)
		w->committed = w->durable;
	pthread_cond_broadcast(&w->done);
}

static void fail_batch_locked(struct ledger_writer *w, const struct batch *b, int r,
                              const char *msg)
{
	/* Tickets are decided in order: wait for the syncer to decide the batches before. */
	while (w->pipelined && w->durable < b->first_ticket && !w->failed)
		pthread_cond_wait(&w->done, &w->mu);
	if (!w->failed)
		fail_range_locked(w, b->first_ticket, b->nr, r, msg);
}

/* With w->mu held, after the batch ending before ticket end was committed. */
static void committed_locked(struct ledger_writer *w, uint64_t end)
{
	w->committed = end;
	if (w->pipelined) {
		pthread_cond_signal(&w->sync_cv);
		return;
	}
	w->durable = end;
	w->syncs++;
	pthread_cond_broadcast(&w->done);
}

/* Flushes the WAL file to the disk (the syncer's own descriptor). 0 or -errno. */
static int wal_sync(struct ledger_writer *w)
{
	if (w->wal_fd < 0) {
		/* Write-only: opening needs no read right (the server's Landlock rules are on
		 * reading), and it is never written through. */
		w->wal_fd = open(w->wal_path, O_WRONLY | O_CLOEXEC);
		if (w->wal_fd < 0)
			return -errno;
	}
	if (w->opt.flush)
		return w->opt.flush(w->wal_fd) < 0 ? -errno : 0;
	return fdatasync(w->wal_fd) < 0 ? -errno : 0;
}

static void *syncer_main(void *arg)
{
	struct ledger_writer *w = arg;

	pthread_setname_np(pthread_self(), "mamori-sync");
	pthread_mutex_lock(&w->mu);
	for (;;) {
		uint64_t target;
		int r;

		/* (after a sticky failure nothing more is decided: only wait for the stop) */
		while ((w->failed || (w->durable >= w->committed && !w->flush_wanted)) &&
		       !w->sync_stop)
			pthread_cond_wait(&w->sync_cv, &w->mu);
		if (w->failed || (w->durable >= w->committed && !w->flush_wanted))
			break;
		w->flush_wanted = false;
		/* Everything committed before the flush begins is durable when it returns. */
		target = w->committed;
		w->syncing = true;
		pthread_mutex_unlock(&w->mu);
		r = wal_sync(w);
		pthread_mutex_lock(&w->mu);
		w->syncing = false;
		pthread_cond_signal(&w->work); /* a lingering writer commits now */
		if (r < 0 && !w->sync_broken) {
			/*
			 * The kernel may have dropped what it could not write, so a later
			 * flush proves nothing about these entries, nor about any entry
			 * after them in the WAL: refuse them, and refuse all that follows
			 * until a full checkpoint has put everything into the database file
			 * (the writer does it before its next commit).
			 */
			w->sync_broken = true;
			snprintf(w->sync_msg, sizeof(w->sync_msg),
			         "the disk did not confirm writing the ledger (fsync: %s)",
			         strerror(-r));
		}
		if (w->failed)
			continue;
		if (w->sync_broken && target > w->durable)
			fail_range_locked(w, w->durable, target - w->durable, -EIO, w->sync_msg);
		else if (target > w->durable) {
			w->durable = target;
			w->syncs++;
			pthread_cond_broadcast(&w->done);
		}
	}
	pthread_mutex_unlock(&w->mu);
	return NULL;
}

/*
 * After a failed flush: a FULL checkpoint copies every committed frame into the database file
 * and syncs it, so what follows stands on durable ground again. 0, or -EIO with err.
 */
static int sync_recover(struct ledger_writer *w, struct strbuf *err)
{
	if (store_checkpoint(w->st, STORE_CHECKPOINT_FULL) < 0) {
		pthread_mutex_lock(&w->mu);
		error_set(err, "%s", w->sync_msg);
		pthread_mutex_unlock(&w->mu);
		return -EIO;
	}
	pthread_mutex_lock(&w->mu);
	w->sync_broken = false;
	pthread_mutex_unlock(&w->mu);
	return 0;
}

const struct failed_batch *failed_batch_of(const struct ledger_writer *w, uint64_t ticket)
{
	for (size_t i = 0; i < w->n_fails; i++)
		if (ticket >= w->fails[i].first_ticket &&
		    ticket < w->fails[i].first_ticket + w->fails[i].nr)
			return &w->fails[i];
	return NULL;
}

/* Appends one batch in one transaction. Returns 0 or -errno with err. */
static int commit_batch(struct ledger_writer *w, struct batch *b, uint64_t *ret_first,
                        struct strbuf *err)
{
	struct ledger_item *items = xcalloc(b->nr, sizeof(*items));
	int r;

	for (size_t i = 0; i < b->nr; i++) {
		struct item *it = &b->items[i];
		items[i].bytes = (const uint8_t *)b->bytes.buf + it->off;
		items[i].len = it->len;
		items[i].leaf = it->leaf;
		if (it->seal_off != SIZE_MAX) {
			items[i].salt = (const uint8_t *)b->sealed.buf + it->seal_off;
			items[i].payload = b->sealed.buf + it->seal_off + ENTRY_SALT_SIZE;
			items[i].payload_len = it->payload_len;
		}
	}
	r = store_begin(w->st, err);
	if (r == 0) {
		r = ledger_append_items(w->lg, items, b->nr, ret_first, err);
		if (r == 0)
			r = store_commit(w->st, err);
		if (r < 0)
			store_rollback(w->st);
	}
	free(items);
	return r;
}

/* With w->mu held: waits until everything committed is decided (the syncer has caught up). */
static void drain_locked(struct ledger_writer *w)
{
	while (w->pipelined && w->durable < w->committed && !w->failed)
		pthread_cond_wait(&w->done, &w->mu);
}

static void maybe_checkpoint(struct ledger_writer *w, bool force)
{
	struct strbuf err = STRBUF_INIT;
	int64_t now = time_now_ms();
	int r;

	if (!w->can_sign || w->opt.checkpoint_ms == UINT32_MAX)
		return;
	if (!force && now - w->last_checkpoint_ms < (int64_t)w->opt.checkpoint_ms)
		return;
	w->last_checkpoint_ms = now;
	/* Only a durable tree is signed. */
	pthread_mutex_lock(&w->mu);
	drain_locked(w);
	pthread_mutex_unlock(&w->mu);
	r = ledger_checkpoint_sign(w->lg, w->dir, NULL, &err);
	pthread_mutex_lock(&w->mu);
	if (r == -EBADMSG) {
		/* The stored tree contradicts a signed checkpoint: stop acknowledging. */
		fail_locked(w, r, err.buf);
	} else if (w->pipelined) {
		/* the stored checkpoint reaches the disk with the next flush: ask for one */
		w->flush_wanted = true;
		pthread_cond_signal(&w->sync_cv);
	}
	pthread_mutex_unlock(&w->mu);
	strbuf_release(&err);
}

/*
 * With w->mu held: true while the current batch should wait for more entries, until
 * *deadline (CLOCK_MONOTONIC ns) at the latest.
 */
static bool linger_locked(struct ledger_writer *w, int64_t *deadline)
{
	const struct batch *c = w->cur;
	size_t bytes = c->bytes.len + c->sealed.len;
	int64_t now = time_mono_ns();

	*deadline = c->first_ns + (int64_t)w->opt.max_delay_us * 1000;
	if (w->stopping || c->nr >= w->opt.max_entries || bytes >= w->opt.max_bytes)
		return false;
	if (!w->pipelined)
		return now < *deadline;
	if (c->nr >= LINGER_ENTRIES)
		return false;
	if (w->syncing) {
		if (c->nr < LINGER_MIN)
			*deadline = c->first_ns + LINGER_FLUSH_NS;
		return now < *deadline;
	}
	if (c->nr >= LINGER_MIN || !w->ns_per_entry)
		return false;
	return now + (int64_t)(LINGER_MIN - c->nr) * w->ns_per_entry < *deadline;
}

/* With w->mu held: waits while linger_locked says so (submit and the syncer wake it). */
static void linger(struct ledger_writer *w)
{
	int64_t deadline;

	while (linger_locked(w, &deadline)) {
		int64_t now = time_mono_ns();
		struct timespec ts;

		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_nsec += (long)(deadline - now);
		ts.tv_sec += ts.tv_nsec / 1000000000L;
		ts.tv_nsec %= 1000000000L;
		pthread_cond_timedwait(&w->work, &w->mu, &ts);
	}
}

/* With w->mu held, as batch b is taken: the mean time between entries, smoothed. */
static void note_rate_locked(struct ledger_writer *w, const struct batch *b)
{
	int64_t now = time_mono_ns();

	if (w->last_take_ns && b->nr) {
		int64_t per = (now - w->last_take_ns) / (int64_t)b->nr;
		w->ns_per_entry = w->ns_per_entry ? (3 * w->ns_per_entry + per) / 4 : per;
	}
	w->last_take_ns = now;
}

/* How many of b's entries to commit now: up to the last bundle end they reach, else all
 * (writer-internal.h). w->size_hint is only a hint (the door appends too): a wrong one costs
 * a tail row, as before, never an entry. */
static size_t bundle_cut(const struct ledger_writer *w, const struct batch *b)
{
	size_t over = (size_t)((w->size_hint + b->nr) % LEDGER_TILE_WIDTH);

	return over < b->nr ? b->nr - over : b->nr;
}

static void *writer_main(void *arg)
{
	struct ledger_writer *w = arg;
	int failed;

	pthread_setname_np(pthread_self(), "mamori-ledger");

	pthread_mutex_lock(&w->mu);
	for (;;) {
		struct batch *b;
		struct strbuf err = STRBUF_INIT;
		uint64_t first = 0, nr;
		bool recover;
		int r;

		while (w->cur->nr == 0 && !w->stopping && !w->failed)
			pthread_cond_wait(&w->work, &w->mu);
		if (w->failed || (w->cur->nr == 0 && w->stopping))
			break;
		linger(w);
		b = w->cur;
		note_rate_locked(w, b);
		w->cur = w->spare;
		w->spare = NULL;
		/* the entries past the last bundle end lead the next batch (its tickets follow),
		 * which lingers for more from now on, as a new one would */
		batch_move_tail(b, bundle_cut(w, b), w->cur);
		if (w->cur->nr)
			w->cur->first_ns = time_mono_ns();
		recover = w->sync_broken;
		pthread_cond_broadcast(&w->space);
		pthread_mutex_unlock(&w->mu);

		r = recover ? sync_recover(w, &err) : 0;
		if (r == 0)
			r = commit_batch(w, b, &first, &err);

		pthread_mutex_lock(&w->mu);
		nr = b->nr;
		if (r < 0) {
			fail_batch_locked(w, b, r, err.buf);
		} else {
			struct ring_rec *rec = &w->ring[w->ring_nr++ % RING];
			rec->first_ticket = b->first_ticket;
			rec->nr = b->nr;
			rec->first_index = first;
			w->size_hint = first + b->nr;
			committed_locked(w, b->first_ticket + b->nr);
		}
		batch_reset(b);
		w->spare = b;
		strbuf_release(&err);
		if (r == 0) {
			pthread_mutex_unlock(&w->mu);
			if (w->opt.on_commit)
				w->opt.on_commit(w->opt.on_commit_ctx, first, nr);
			after_commit(w);
			maybe_checkpoint(w, false);
			pthread_mutex_lock(&w->mu);
		}
	}
	drain_locked(w);
	failed = w->failed;
	pthread_mutex_unlock(&w->mu);
	if (!failed)
		maybe_checkpoint(w, true);
	return NULL;
}

/* In WAL mode, commits stop waiting for the disk and the syncer confirms them (see
 * LINGER_ENTRIES); otherwise each commit syncs (synchronous=FULL) as before. */
static int start_syncer(struct ledger_writer *w, struct strbuf *err)
{
	w->wal_path = store_wal_path(w->st);
	if (!w->wal_path)
		return 0;
	if (store_wal_sync_deferred(w->st, true, err) < 0)
		return -EIO;
	if (pthread_create(&w->sync_thread, NULL, syncer_main, w) != 0)
		return store_wal_sync_deferred(w->st, false, err) < 0 ? -EIO : 0;
	w->sync_started = true;
	w->pipelined = true;
	return 0;
}

int ledger_writer_start(const char *dir, const struct ledger_writer_options *opts,
                        struct ledger_writer **ret, struct strbuf *err)
{
	struct ledger_writer *w = xcalloc(1, sizeof(*w));
	struct strbuf e2 = STRBUF_INIT;
	int r;

	w->dir = xstrdup(dir);
	if (opts)
		w->opt = *opts;
	set_defaults(&w->opt);
	pthread_mutex_init(&w->mu, NULL);
	pthread_mutex_init(&w->hash_mu, NULL);
	pthread_cond_init(&w->work, NULL);
	pthread_cond_init(&w->done, NULL);
	pthread_cond_init(&w->space, NULL);
	pthread_cond_init(&w->ckpt_cv, NULL);
	pthread_cond_init(&w->sync_cv, NULL);
	w->wal_fd = -1;
	w->cur = batch_new();
	w->spare = batch_new();
	strbuf_init(&w->fail_msg, 0);
	w->hasher = merkle_hasher_new();
	strbuf_init(&w->scratch.bytes, 0);
	r = store_open(dir, STORE_ANY_BACKEND | STORE_BATCH_IO, &w->st, err);
	if (r < 0)
		goto fail;
	r = ledger_open(w->st, &w->lg, err);
	if (r < 0)
		goto fail;
	/*
	 * SQLite: this connection's checkpoints move to the checkpointer (CKPT_PASSIVE_PAGES)
	 * and the syncer confirms commits. PostgreSQL checkpoints its own log, and a commit
	 * returns once it is durable (synchronous_commit): each batch is acknowledged by it.
	 */
	store_wal_watch(w->st, &w->wal_pages);
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
	{
		uint8_t root[MERKLE_HASH_SIZE];
		if (ledger_head(w->lg, &w->size_hint, root, &e2) < 0)
			w->size_hint = 0; /* a hint: the first commit reads the head anyway */
		strbuf_reset(&e2);
	}
	r = start_syncer(w, err);
	if (r < 0)
		goto fail;
	/* (STORE_GATHER_CKPT: its copies write the database file's pages in runs; a last run
	 * that cannot be written even page by page stops the process, store.h) */
	if (store_dialect(w->st) == STORE_SQLITE &&
	    store_open(dir, STORE_BATCH_IO | STORE_GATHER_CKPT, &w->ckpt_st, &e2) == 0 &&
	    pthread_create(&w->ckpt_thread, NULL, checkpointer_main, w) == 0)
		w->ckpt_started = true;
	strbuf_reset(&e2);
	/*
	 * Checkpoints are signed only where the key is; a read-only copy just appends. On
	 * PostgreSQL several servers share the ward and one of them signs (the checkpoint leader,
	 * web/http.c: once a minute and at its stop), so a server's log collection does not.
	 */
	w->can_sign = ledger_can_sign(dir) && store_dialect(w->st) == STORE_SQLITE;
	strbuf_release(&e2);
	w->last_checkpoint_ms = time_now_ms();
	if (pthread_create(&w->thread, NULL, writer_main, w) != 0) {
		error_set(err, "cannot start the ledger writer thread");
		r = -EAGAIN;
		goto fail;
	}
	w->started = true;
	*ret = w;
	return 0;
fail:
	ledger_close(w->lg);
	store_close(w->st);
	w->lg = NULL;
	w->st = NULL;
	w->stopping = true;
	ledger_writer_stop(w, NULL);
	return r;
}

int ledger_writer_stop(struct ledger_writer *w, struct strbuf *err)
{
	int r, failed;

	if (!w)
		return 0;
	pthread_mutex_lock(&w->mu);
	w->stopping = true;
	pthread_cond_broadcast(&w->work);
	pthread_cond_broadcast(&w->space);
	pthread_mutex_unlock(&w->mu);
	if (w->started)
		pthread_join(w->thread, NULL);
	if (w->sync_started) {
		pthread_mutex_lock(&w->mu);
		w->sync_stop = true;
		pthread_cond_signal(&w->sync_cv);
		pthread_mutex_unlock(&w->mu);
		pthread_join(w->sync_thread, NULL);
		/* the final signed checkpoint, stored after the last flush (under w->mu: the
		 * checkpointer, still running, may fail the writer meanwhile) */
		pthread_mutex_lock(&w->mu);
		failed = w->failed;
		pthread_mutex_unlock(&w->mu);
		if (!failed && wal_sync(w) < 0) {
			pthread_mutex_lock(&w->mu);
			if (!w->failed)
				fail_locked(
				    w, -EIO,
				    "the disk did not confirm the ledger's last checkpoint");
			pthread_mutex_unlock(&w->mu);
		}
	}
	if (w->wal_fd >= 0)
		close(w->wal_fd);
	free(w->wal_path);
	if (w->ckpt_started) {
		pthread_mutex_lock(&w->mu);
		w->ckpt_stop = true;
		pthread_cond_signal(&w->ckpt_cv);
		pthread_mutex_unlock(&w->mu);
		pthread_join(w->ckpt_thread, NULL);
	}
	/* after a failure the WAL is what recovery needs: no checkpoint at close resets it */
	if (w->failed) {
		store_no_checkpoint_on_close(w->ckpt_st);
		store_no_checkpoint_on_close(w->st);
	}
	store_close(w->ckpt_st);
	r = w->failed;
	if (r && err)
		error_set(err, "%s", w->fail_msg.buf);
	ledger_close(w->lg);
	store_close(w->st);
	merkle_hasher_free(w->hasher);
	prepared_release(&w->scratch);
	batch_free(w->cur);
	batch_free(w->spare);
	strbuf_release(&w->fail_msg);
	pthread_mutex_destroy(&w->mu);
	pthread_mutex_destroy(&w->hash_mu);
	pthread_cond_destroy(&w->work);
	pthread_cond_destroy(&w->done);
	pthread_cond_destroy(&w->space);
	pthread_cond_destroy(&w->ckpt_cv);
	pthread_cond_destroy(&w->sync_cv);
	free(w->dir);
	free(w);
	return r;
}
