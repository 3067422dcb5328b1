/* writer: group commit: one thread appends what many callers submit, acknowledging durable entries.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
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

static void set_defaults(struct ledger_writer_options *o)
{
	if (!o->max_entries)
		o->max_entries = 16384;
	if (!o->max_bytes)
		o->max_bytes = 8u << 20;
	if (!o->max_delay_us)
		o->max_delay_us = 1000;
	if (!o->linger_min)
		o->linger_min = LINGER_MIN;
	if (!o->linger_entries)
		o->linger_entries = LINGER_ENTRIES;
	/* (beyond a batch's size they would mean nothing) */
	if (o->linger_entries > o->max_entries)
		o->linger_entries = o->max_entries;
	if (o->linger_min > o->linger_entries)
		o->linger_min = o->linger_entries;
	if (!o->max_queue_bytes)
		o->max_queue_bytes = 64u << 20;
	if (!o->checkpoint_ms)
		o->checkpoint_ms = 60000;
	if (!o->idle_ms)
		o->idle_ms = WRITER_IDLE_MS;
}

void writer_fail_locked(struct ledger_writer *w, int r, const char *msg)
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
		writer_fail_locked(w, r, msg);
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
	if (w->opt.flush) {
		/* (a hook that fails without setting errno still fails: never acknowledged) */
		errno = 0;
		if (w->opt.flush(w->wal_fd) < 0)
			return errno > 0 ? -errno : -EIO;
		return 0;
	}
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
		items[i].framed = true; /* (batch.c keeps them in their stored form) */
		if (it->seal_off != SIZE_MAX) {
			items[i].rec = (uint8_t *)b->sealed.buf + it->seal_off;
			items[i].salt = items[i].rec + 2;
			items[i].payload = items[i].rec + SEALED_HEAD;
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
		writer_fail_locked(w, r, err.buf);
	} else if (w->pipelined) {
		/* the stored checkpoint reaches the disk with the next flush: ask for one */
		w->flush_wanted = true;
		pthread_cond_signal(&w->sync_cv);
	}
	pthread_mutex_unlock(&w->mu);
	strbuf_release(&err);
}

/* The time n entries take at per ns each, at most INT64_MAX (no overflow whatever the rate). */
static int64_t entries_ns(size_t n, int64_t per)
{
	return per > 0 && n > (size_t)(INT64_MAX / per) ? INT64_MAX : (int64_t)n * per;
}

bool writer_rate_fails_locked(const struct ledger_writer *w, int64_t now)
{
	const struct batch *c = w->cur;
	int64_t deadline = c->first_ns + (int64_t)w->opt.max_delay_us * 1000;

	return c->nr >= w->opt.linger_min ||
	       entries_ns(w->opt.linger_min - c->nr, w->ns_per_entry) >= deadline - now;
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
	if (c->nr >= w->opt.linger_entries)
		return false;
	if (w->syncing) {
		if (c->nr < w->opt.linger_min)
			*deadline = c->first_ns + LINGER_FLUSH_NS;
		return now < *deadline;
	}
	if (c->nr >= w->opt.linger_min || !w->ns_per_entry)
		return false;
	/* The rate is the last batches': a batch begun long after the last was taken (more than
	 * linger_min entries' time at it, and than max_delay_us: a sender's stall in a stream is
	 * not a pause) follows a pause, and its first entries do not wait for a stream that may
	 * have ended (review-pace LOW 6). */
	if (c->first_ns - w->last_take_ns > entries_ns(w->opt.linger_min, w->ns_per_entry) &&
	    c->first_ns - w->last_take_ns > (int64_t)w->opt.max_delay_us * 1000)
		return false;
	return !writer_rate_fails_locked(w, now);
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
		w->linger_waits++;
	}
}

/*
 * With w->mu held, as batch b is taken: the mean time between entries, smoothed, and at most
 * max_delay_us (any slower rate means the same to linger_locked, not to wait, and a first batch
 * after months idle would otherwise make it past what linger_min times it can hold).
 */
static void note_rate_locked(struct ledger_writer *w, const struct batch *b)
{
	int64_t now = time_mono_ns(), most = (int64_t)w->opt.max_delay_us * 1000;

	if (w->last_take_ns && b->nr) {
		int64_t per = (now - w->last_take_ns) / (int64_t)b->nr;
		if (per > most)
			per = most;
		w->ns_per_entry = w->ns_per_entry ? (3 * w->ns_per_entry + per) / 4 : per;
		if (w->ns_per_entry > most)
			w->ns_per_entry = most;
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

/* With w->mu held, idle: whether the batches keep more than WRITER_KEEP_BYTES. */
static bool batches_big(const struct ledger_writer *w)
{
	return batch_kept(w->cur) > WRITER_KEEP_BYTES ||
	       (w->spare && batch_kept(w->spare) > WRITER_KEEP_BYTES);
}

/*
 * Whether b, just committed, keeps more than WRITER_KEEP_BYTES though no batch of more than a
 * quarter of that was committed for opt.idle_ms: a steady trickle never leaves the writer idle
 * that long (idle_wait), and would keep a burst's buffers for ever.
 */
static bool trickle_keeps(const struct ledger_writer *w, const struct batch *b)
{
	return batch_kept(b) > WRITER_KEEP_BYTES &&
	       time_mono_ns() - w->last_big_ns >= (int64_t)w->opt.idle_ms * 1000000;
}

/* With w->mu held, on the writer thread: frees its ledger's pre-hash buffers (ledger.c), which
 * the largest append grew (~1.3 MiB after 16,384 entries), with the batches' (review-pace N1). */
static void pre_release_locked(struct ledger_writer *w)
{
	ledger_pre_release(w->lg);
	w->lg_kept = 0;
}

/* With w->mu held, after b's commit under a trickle (trickle_keeps): frees b's buffers and the
 * ledger's pre-hash ones. */
static void trickle_free_locked(struct ledger_writer *w, struct batch *b)
{
	w->lg_kept = 0;
	/* (the writer's own batch and ledger: wiped and freed without the lock, which submitters
	 * wait for: review-ack-api2 K6) */
	pthread_mutex_unlock(&w->mu);
	ledger_pre_release(w->lg);
	batch_shrink(b);
	pthread_mutex_lock(&w->mu);
}

/*
 * With w->mu held, while nothing was submitted: waits for entries, and frees the batches'
 * buffers and the ledger's pre-hash ones after the writer was idle for opt.idle_ms (submitters
 * add to w->cur under w->mu; the spare and the ledger are the writer's).
 */
static void idle_wait(struct ledger_writer *w)
{
	struct timespec ts;

	if (!batches_big(w)) {
		pthread_cond_wait(&w->work, &w->mu);
		return;
	}
	clock_gettime(CLOCK_REALTIME, &ts); /* (w->work's clock, as linger's) */
	ts.tv_sec += w->opt.idle_ms / 1000;
	ts.tv_nsec += (long)(w->opt.idle_ms % 1000) * 1000000L;
	ts.tv_sec += ts.tv_nsec / 1000000000L;
	ts.tv_nsec %= 1000000000L;
	if (pthread_cond_timedwait(&w->work, &w->mu, &ts) == ETIMEDOUT && w->cur->nr == 0) {
		batch_shrink(w->cur);
		if (w->spare)
			batch_shrink(w->spare);
		pre_release_locked(w);
	}
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
			idle_wait(w);
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
		w->lg_kept = ledger_pre_kept(w->lg);
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
		/* a quarter: what a freed batch regrows to for the same content (doublings, the
		 * items) stays under WRITER_KEEP_BYTES, so a steady stream is not freed and regrown
		 * at every commit; and a batch's own commit counts, however long it took. (For
		 * sealed messages, 100 bytes or more an entry: over 4,100 entries of under 64
		 * bytes, the items' 64 bytes each could keep past it again: review-train2 N3.) */
		if (batch_bytes(b) > WRITER_KEEP_BYTES / 4)
			w->last_big_ns = time_mono_ns();
		batch_reset(b);
		if (trickle_keeps(w, b))
			trickle_free_locked(w, b);
		w->spare = b;
		strbuf_release(&err);
		if (r == 0) {
			pthread_mutex_unlock(&w->mu);
			if (w->opt.on_commit)
				w->opt.on_commit(w->opt.on_commit_ctx, first, nr);
			writer_after_commit(w);
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
	/* (no large batch for idle_ms yet: the trickle free's clock does not start at the host's
	 * boot, which it did from 0) */
	w->last_big_ns = time_mono_ns() - (int64_t)w->opt.idle_ms * 1000000;
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
	writer_restart_init(w);
	{
		uint8_t root[MERKLE_HASH_SIZE];
		if (ledger_head(w->lg, &w->size_hint, root, &e2) < 0)
			w->size_hint = 0; /* a hint: the first commit reads the head anyway */
		strbuf_reset(&e2);
	}
	r = start_syncer(w, err);
	if (r < 0)
		goto fail;
	writer_ckpt_start(w);
	/*
	 * Checkpoints are signed only where the key is; a read-only copy just appends. On
	 * PostgreSQL several servers share the ward and one of them signs (the checkpoint leader,
	 * web/http-serve.c: once a minute and at its stop), so a server's log collection does not.
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
				writer_fail_locked(
				    w, -EIO,
				    "the disk did not confirm the ledger's last checkpoint");
			pthread_mutex_unlock(&w->mu);
		}
	}
	if (w->wal_fd >= 0)
		close(w->wal_fd);
	free(w->wal_path);
	writer_ckpt_stop(w);
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
