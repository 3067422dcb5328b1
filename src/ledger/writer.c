/* writer: group commit: one thread appends what many callers submit, acknowledging durable entries.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/cleanup.h"
#include "base/timeutil.h"
#include "ledger/ledger-internal.h"
#include "ledger/ledger.h"
#include "ledger/signer.h"

/* Recent batches remembered to answer "which index did ticket T get". */
#define RING 4096
/*
 * Batches whose commit failed (a full disk, an I/O error): their tickets are refused and the
 * writer goes on with the next batch, so a transient fault costs only the entries it hit.
 * After this many failed batches the fault is no longer transient: the writer stops.
 */
#define MAX_FAILED_BATCHES 64

/*
 * WAL checkpoints: a background thread copies committed pages into the
 * database once the WAL holds CKPT_PASSIVE_PAGES, without blocking commits;
 * the writer itself restarts the WAL past CKPT_RESTART_PAGES, which is quick
 * because the background checkpoints have already copied nearly all of it.
 * (SQLite's own autocheckpoint would run inside COMMIT and delay the
 * acknowledgements of that batch by the whole copy.)
 */
#define CKPT_PASSIVE_PAGES 4096
#define CKPT_RESTART_PAGES 32768

/* Entries submitted but not yet committed, in submission (ticket) order. */
struct batch {
	struct strbuf bytes;  /* entry bytes, back to back */
	struct strbuf sealed; /* salts and payloads, back to back */
	struct item {
		size_t off, len;
		uint8_t leaf[MERKLE_HASH_SIZE];
		size_t seal_off, payload_len; /* seal_off SIZE_MAX: not sealed */
	} * items;
	size_t nr, alloc;
	uint64_t first_ticket;
	int64_t first_ns; /* when the oldest entry arrived */
};

struct ring_rec {
	uint64_t first_ticket, nr, first_index;
};

struct failed_batch {
	uint64_t first_ticket, nr;
	int r;
	char msg[240];
};

struct ledger_writer {
	char *dir;
	struct ledger_writer_options opt;
	pthread_t thread;
	bool started;

	pthread_mutex_t mu;
	pthread_cond_t work;  /* the writer waits for entries */
	pthread_cond_t done;  /* waiters wait for durability */
	pthread_cond_t space; /* submitters wait for room */
	struct batch *cur, *spare;
	uint64_t next_ticket;
	uint64_t durable; /* tickets below are durable */
	bool stopping;
	int failed; /* sticky: nothing more is acknowledged (see MAX_FAILED_BATCHES) */
	struct strbuf fail_msg;
	struct failed_batch fails[MAX_FAILED_BATCHES];
	size_t n_fails;
	struct ring_rec ring[RING];
	uint64_t ring_nr; /* batches committed so far */

	/* Submitters share one hasher and scratch entry for encoding outside the main lock. */
	pthread_mutex_t hash_mu;
	struct merkle_hasher *hasher;
	struct prepared_entry scratch;

	/* Owned by the writer thread. */
	struct store *st;
	struct ledger *lg;
	int64_t last_checkpoint_ms;
	bool can_sign;
	int wal_pages; /* WAL size after the last commit (sqlite3_wal_hook) */

	/* The WAL checkpointer thread and its connection. */
	pthread_t ckpt_thread;
	bool ckpt_started, ckpt_wanted, ckpt_stop;
	pthread_cond_t ckpt_cv;
	struct store *ckpt_st;
};

static int wal_hook(void *arg, sqlite3 *db, const char *name, int pages)
{
	struct ledger_writer *w = arg;

	w->wal_pages = pages;
	return SQLITE_OK;
}

static void *checkpointer_main(void *arg)
{
	struct ledger_writer *w = arg;

	pthread_mutex_lock(&w->mu);
	for (;;) {
		while (!w->ckpt_wanted && !w->ckpt_stop)
			pthread_cond_wait(&w->ckpt_cv, &w->mu);
		if (w->ckpt_stop)
			break;
		w->ckpt_wanted = false;
		pthread_mutex_unlock(&w->mu);
		/* PASSIVE: copies what it can and never blocks the writer; errors just wait for
		 * the next round (the writer's RESTART is the backstop). */
		sqlite3_wal_checkpoint_v2(store_db(w->ckpt_st), NULL, SQLITE_CHECKPOINT_PASSIVE,
		                          NULL, NULL);
		pthread_mutex_lock(&w->mu);
	}
	pthread_mutex_unlock(&w->mu);
	return NULL;
}

/* After a commit: ask for a background checkpoint, or restart the WAL when it is large. */
static void after_commit(struct ledger_writer *w)
{
	if (w->wal_pages >= CKPT_RESTART_PAGES) {
		sqlite3_wal_checkpoint_v2(store_db(w->st), NULL, SQLITE_CHECKPOINT_RESTART, NULL,
		                          NULL);
		w->wal_pages = 0;
	} else if (w->wal_pages >= CKPT_PASSIVE_PAGES && w->ckpt_started) {
		pthread_mutex_lock(&w->mu);
		w->ckpt_wanted = true;
		pthread_cond_signal(&w->ckpt_cv);
		pthread_mutex_unlock(&w->mu);
	}
}

static void batch_reset(struct batch *b)
{
	strbuf_reset(&b->bytes);
	/* Sealed payloads are personal data: do not leave them in freed memory. */
	if (b->sealed.len)
		explicit_bzero(b->sealed.buf, b->sealed.len);
	strbuf_reset(&b->sealed);
	b->nr = 0;
}

static struct batch *batch_new(void)
{
	struct batch *b = xcalloc(1, sizeof(*b));

	strbuf_init(&b->bytes, 0);
	strbuf_init_secret(&b->sealed, 0);
	return b;
}

static void batch_free(struct batch *b)
{
	if (!b)
		return;
	strbuf_release(&b->bytes);
	strbuf_release_secret(&b->sealed);
	free(b->items);
	free(b);
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
static void fail_batch_locked(struct ledger_writer *w, const struct batch *b, int r,
                              const char *msg)
{
	struct failed_batch *f;

	if (w->n_fails == MAX_FAILED_BATCHES) {
		fail_locked(w, r, msg);
		return;
	}
	f = &w->fails[w->n_fails++];
	f->first_ticket = b->first_ticket;
	f->nr = b->nr;
	f->r = r;
	snprintf(f->msg, sizeof(f->msg), "%s", msg);
	w->durable = b->first_ticket + b->nr;
	pthread_cond_broadcast(&w->done);
}

static const struct failed_batch *failed_batch_of(const struct ledger_writer *w, uint64_t ticket)
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
	r = ledger_checkpoint_sign(w->lg, w->dir, NULL, &err);
	if (r == -EBADMSG) {
		/* The stored tree contradicts a signed checkpoint: stop acknowledging. */
		pthread_mutex_lock(&w->mu);
		fail_locked(w, r, err.buf);
		pthread_mutex_unlock(&w->mu);
	}
	strbuf_release(&err);
}

static void *writer_main(void *arg)
{
	struct ledger_writer *w = arg;

	pthread_mutex_lock(&w->mu);
	for (;;) {
		struct batch *b;
		struct strbuf err = STRBUF_INIT;
		uint64_t first = 0;
		int r;

		while (w->cur->nr == 0 && !w->stopping && !w->failed)
			pthread_cond_wait(&w->work, &w->mu);
		if (w->failed || (w->cur->nr == 0 && w->stopping))
			break;
		/* Linger briefly for a small batch to grow: fewer, larger commits. */
		while (!w->stopping && w->cur->nr < w->opt.max_entries &&
		       w->cur->bytes.len + w->cur->sealed.len < w->opt.max_bytes) {
			int64_t deadline = w->cur->first_ns + (int64_t)w->opt.max_delay_us * 1000;
			int64_t now = time_mono_ns();
			struct timespec ts;

			if (now >= deadline)
				break;
			clock_gettime(CLOCK_REALTIME, &ts);
			ts.tv_nsec += (long)(deadline - now);
			ts.tv_sec += ts.tv_nsec / 1000000000L;
			ts.tv_nsec %= 1000000000L;
			pthread_cond_timedwait(&w->work, &w->mu, &ts);
		}
		b = w->cur;
		w->cur = w->spare;
		w->spare = NULL;
		pthread_cond_broadcast(&w->space);
		pthread_mutex_unlock(&w->mu);

		r = commit_batch(w, b, &first, &err);

		pthread_mutex_lock(&w->mu);
		if (r < 0) {
			fail_batch_locked(w, b, r, err.buf);
		} else {
			struct ring_rec *rec = &w->ring[w->ring_nr++ % RING];
			rec->first_ticket = b->first_ticket;
			rec->nr = b->nr;
			rec->first_index = first;
			w->durable = b->first_ticket + b->nr;
			pthread_cond_broadcast(&w->done);
		}
		batch_reset(b);
		w->spare = b;
		strbuf_release(&err);
		if (r == 0) {
			uint64_t n = w->durable - w->ring[(w->ring_nr - 1) % RING].first_ticket;
			pthread_mutex_unlock(&w->mu);
			if (w->opt.on_commit)
				w->opt.on_commit(w->opt.on_commit_ctx, first, n);
			after_commit(w);
			maybe_checkpoint(w, false);
			pthread_mutex_lock(&w->mu);
		}
	}
	pthread_mutex_unlock(&w->mu);
	if (!w->failed)
		maybe_checkpoint(w, true);
	return NULL;
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
	w->cur = batch_new();
	w->spare = batch_new();
	strbuf_init(&w->fail_msg, 0);
	w->hasher = merkle_hasher_new();
	strbuf_init(&w->scratch.bytes, 0);
	r = store_open(dir, 0, &w->st, err);
	if (r < 0)
		goto fail;
	r = ledger_open(w->st, &w->lg, err);
	if (r < 0)
		goto fail;
	/* This connection's checkpoints move to the checkpointer (see CKPT_PASSIVE_PAGES). */
	sqlite3_wal_hook(store_db(w->st), wal_hook, w);
	if (store_open(dir, 0, &w->ckpt_st, &e2) == 0 &&
	    pthread_create(&w->ckpt_thread, NULL, checkpointer_main, w) == 0)
		w->ckpt_started = true;
	strbuf_reset(&e2);
	/* Checkpoints are signed only where the key is; a read-only copy just appends. */
	w->can_sign = ledger_can_sign(dir);
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

int ledger_writer_submit(struct ledger_writer *w, const struct ledger_entry *e,
                         uint64_t *ret_ticket, struct strbuf *err)
{
	struct prepared_entry *p = &w->scratch;
	struct batch *b;
	struct item *it;
	int r;

	/* Encoded and hashed in the caller's thread: the writer thread only stores. */
	pthread_mutex_lock(&w->hash_mu);
	r = ledger_prepare(w->hasher, e, p, err);
	if (r < 0) {
		pthread_mutex_unlock(&w->hash_mu);
		return r;
	}
	pthread_mutex_lock(&w->mu);
	while (!w->failed && !w->stopping &&
	       (w->cur->nr >= w->opt.max_entries ||
	        w->cur->bytes.len + w->cur->sealed.len >= w->opt.max_queue_bytes))
		pthread_cond_wait(&w->space, &w->mu);
	if (w->failed || w->stopping) {
		error_set(err, "%s", w->failed ? w->fail_msg.buf : "the ledger writer is stopping");
		r = w->failed ? w->failed : -ESHUTDOWN;
		pthread_mutex_unlock(&w->mu);
		explicit_bzero(p->salt, sizeof(p->salt));
		pthread_mutex_unlock(&w->hash_mu);
		return r;
	}
	b = w->cur;
	if (b->nr == 0) {
		b->first_ticket = w->next_ticket;
		b->first_ns = time_mono_ns();
	}
	ALLOC_GROW(b->items, b->nr, b->alloc);
	it = &b->items[b->nr++];
	it->off = b->bytes.len;
	it->len = p->bytes.len;
	memcpy(it->leaf, p->leaf, MERKLE_HASH_SIZE);
	strbuf_add(&b->bytes, p->bytes.buf, p->bytes.len);
	if (p->sealed) {
		it->seal_off = b->sealed.len;
		it->payload_len = p->payload_len;
		strbuf_add(&b->sealed, p->salt, ENTRY_SALT_SIZE);
		strbuf_add(&b->sealed, p->payload, p->payload_len);
	} else {
		it->seal_off = SIZE_MAX;
		it->payload_len = 0;
	}
	*ret_ticket = w->next_ticket++;
	if (b->nr == 1 || b->nr >= w->opt.max_entries ||
	    b->bytes.len + b->sealed.len >= w->opt.max_bytes)
		pthread_cond_signal(&w->work);
	pthread_mutex_unlock(&w->mu);
	explicit_bzero(p->salt, sizeof(p->salt));
	pthread_mutex_unlock(&w->hash_mu);
	return 0;
}

int ledger_writer_wait(struct ledger_writer *w, uint64_t ticket, uint64_t *ret_index,
                       struct strbuf *err)
{
	const struct failed_batch *f;
	int r = 0;

	pthread_mutex_lock(&w->mu);
	while (w->durable <= ticket && !w->failed)
		pthread_cond_wait(&w->done, &w->mu);
	if (w->durable <= ticket) {
		error_set(err, "%s", w->fail_msg.buf);
		r = w->failed;
	} else if ((f = failed_batch_of(w, ticket))) {
		error_set(err, "%s", f->msg);
		r = f->r;
	} else if (ret_index) {
		*ret_index = UINT64_MAX;
		for (uint64_t k = 0; k < RING && k < w->ring_nr; k++) {
			const struct ring_rec *rec = &w->ring[(w->ring_nr - 1 - k) % RING];
			if (ticket >= rec->first_ticket && ticket < rec->first_ticket + rec->nr) {
				*ret_index = rec->first_index + (ticket - rec->first_ticket);
				break;
			}
		}
	}
	pthread_mutex_unlock(&w->mu);
	return r;
}

int ledger_writer_wait_range(struct ledger_writer *w, uint64_t first, uint64_t last,
                             struct strbuf *err)
{
	int r = 0;

	pthread_mutex_lock(&w->mu);
	while (w->durable <= last && !w->failed)
		pthread_cond_wait(&w->done, &w->mu);
	if (w->durable <= last) {
		error_set(err, "%s", w->fail_msg.buf);
		r = w->failed;
	} else {
		for (size_t i = 0; i < w->n_fails; i++) {
			const struct failed_batch *f = &w->fails[i];
			if (f->first_ticket <= last && first < f->first_ticket + f->nr) {
				error_set(err, "%s", f->msg);
				r = f->r;
				break;
			}
		}
	}
	pthread_mutex_unlock(&w->mu);
	return r;
}

uint64_t ledger_writer_next_ticket(struct ledger_writer *w)
{
	uint64_t t;

	pthread_mutex_lock(&w->mu);
	t = w->next_ticket;
	pthread_mutex_unlock(&w->mu);
	return t;
}

int ledger_writer_append(struct ledger_writer *w, const struct ledger_entry *e, uint64_t *ret_index,
                         struct strbuf *err)
{
	uint64_t ticket;
	int r = ledger_writer_submit(w, e, &ticket, err);

	if (r < 0)
		return r;
	return ledger_writer_wait(w, ticket, ret_index, err);
}

uint64_t ledger_writer_commits(struct ledger_writer *w)
{
	uint64_t n;

	pthread_mutex_lock(&w->mu);
	n = w->ring_nr;
	pthread_mutex_unlock(&w->mu);
	return n;
}

uint64_t ledger_writer_durable(struct ledger_writer *w)
{
	uint64_t d;

	pthread_mutex_lock(&w->mu);
	d = w->durable;
	pthread_mutex_unlock(&w->mu);
	return d;
}

int ledger_writer_stop(struct ledger_writer *w, struct strbuf *err)
{
	int r;

	if (!w)
		return 0;
	pthread_mutex_lock(&w->mu);
	w->stopping = true;
	pthread_cond_broadcast(&w->work);
	pthread_cond_broadcast(&w->space);
	pthread_mutex_unlock(&w->mu);
	if (w->started)
		pthread_join(w->thread, NULL);
	if (w->ckpt_started) {
		pthread_mutex_lock(&w->mu);
		w->ckpt_stop = true;
		pthread_cond_signal(&w->ckpt_cv);
		pthread_mutex_unlock(&w->mu);
		pthread_join(w->ckpt_thread, NULL);
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
	free(w->dir);
	free(w);
	return r;
}
