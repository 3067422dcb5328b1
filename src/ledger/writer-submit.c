/* writer-submit: the group-commit writer's callers: submit entries, wait for their index and
 * durability, read its counters. */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "base/cleanup.h"
#include "base/timeutil.h"
#include "ledger/ledger-internal.h"
#include "ledger/ledger.h"
#include "ledger/writer-internal.h"

/*
 * With w->mu held, after entries were added to b, the current batch (was before): whether the
 * writer is to be woken. An idle one for the first entries; a lingering one when b reached a
 * size linger_locked waits for (linger_min, linger_entries, a batch's most), or, with no flush
 * running, when its prediction at the learnt rate failed (a stream that slowed in mid-batch:
 * the wake commits it, as every submission's did; review-pace s42 LOW 1). Else nothing it
 * decides has changed: a receiver submits every ~250 messages under a stream, each a wake and
 * a sleep of the writer before (twice as many as its commits).
 */
static bool wakes_writer(const struct ledger_writer *w, size_t was, const struct batch *b)
{
	return was == 0 || (was < w->opt.linger_min && b->nr >= w->opt.linger_min) ||
	       (was < w->opt.linger_entries && b->nr >= w->opt.linger_entries) ||
	       b->nr >= w->opt.max_entries || batch_bytes(b) >= w->opt.max_bytes ||
	       (w->pipelined && !w->syncing && w->ns_per_entry &&
	        writer_rate_fails_locked(w, time_mono_ns()));
}

int ledger_writer_submit(struct ledger_writer *w, const struct ledger_entry *e,
                         uint64_t *ret_ticket, struct strbuf *err)
{
	struct prepared_entry *p = &w->scratch;
	struct batch *b;
	size_t was;
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
	was = b->nr;
	if (b->nr == 0) {
		b->first_ticket = w->next_ticket;
		b->first_ns = time_mono_ns();
	}
	batch_add_prepared(b, p);
	*ret_ticket = w->next_ticket++;
	if (wakes_writer(w, was, b))
		pthread_cond_signal(&w->work);
	pthread_mutex_unlock(&w->mu);
	explicit_bzero(p->salt, sizeof(p->salt));
	pthread_mutex_unlock(&w->hash_mu);
	return 0;
}

int ledger_writer_submit_prep(struct ledger_writer *w, struct ledger_prep *lp,
                              uint64_t *ret_first_ticket, struct strbuf *err)
{
	const struct batch *add = lp->b;
	struct batch *b;
	int r = 0;

	pthread_mutex_lock(&w->mu);
	/* Room for all of them (an empty queue takes any submission: it is bounded by its
	 * submitter, a receiver's read). */
	while (!w->failed && !w->stopping && w->cur->nr &&
	       (w->cur->nr + add->nr > w->opt.max_entries ||
	        batch_bytes(w->cur) + batch_bytes(add) > w->opt.max_queue_bytes))
		pthread_cond_wait(&w->space, &w->mu);
	if (w->failed || w->stopping) {
		error_set(err, "%s", w->failed ? w->fail_msg.buf : "the ledger writer is stopping");
		r = w->failed ? w->failed : -ESHUTDOWN;
	} else if (add->nr) {
		size_t was;
		b = w->cur;
		was = b->nr;
		if (b->nr == 0) {
			b->first_ticket = w->next_ticket;
			b->first_ns = time_mono_ns();
		}
		batch_append(b, add);
		*ret_first_ticket = w->next_ticket;
		w->next_ticket += add->nr;
		if (wakes_writer(w, was, b))
			pthread_cond_signal(&w->work);
	} else {
		*ret_first_ticket = w->next_ticket;
	}
	pthread_mutex_unlock(&w->mu);
	return r;
}

/* With w->mu held: the batch ticket was committed in, from the ring; NULL when not there. */
static const struct ring_rec *ring_rec_locked(const struct ledger_writer *w, uint64_t ticket)
{
	/* ring[j % RING] for j in [lo, hi) are the last batches, first_ticket increasing */
	uint64_t lo = w->ring_nr > RING ? w->ring_nr - RING : 0, hi = w->ring_nr;
	const struct ring_rec *rec;

	if (lo == hi || ticket < w->ring[lo % RING].first_ticket)
		return NULL;
	while (hi - lo > 1) { /* the last batch whose first ticket is at most ticket */
		uint64_t mid = lo + (hi - lo) / 2;
		if (w->ring[mid % RING].first_ticket <= ticket)
			lo = mid;
		else
			hi = mid;
	}
	rec = &w->ring[lo % RING];
	return ticket - rec->first_ticket < rec->nr ? rec : NULL;
}

/* With w->mu held: the index ticket got, from the ring; UINT64_MAX when no longer there. */
static uint64_t ring_index_locked(const struct ledger_writer *w, uint64_t ticket)
{
	const struct ring_rec *rec = ring_rec_locked(w, ticket);

	return rec ? rec->first_index + (ticket - rec->first_ticket) : UINT64_MAX;
}

/* With w->mu held: waits for ticket to be decided; 0, or its batch's error. */
static int wait_locked(struct ledger_writer *w, uint64_t ticket, struct strbuf *err)
{
	const struct failed_batch *f;

	while (w->durable <= ticket && !w->failed)
		pthread_cond_wait(&w->done, &w->mu);
	if (w->durable <= ticket) {
		error_set(err, "%s", w->fail_msg.buf);
		return w->failed;
	}
	if ((f = failed_batch_of(w, ticket))) {
		error_set(err, "%s", f->msg);
		return f->r;
	}
	return 0;
}

int ledger_writer_wait(struct ledger_writer *w, uint64_t ticket, uint64_t *ret_index,
                       struct strbuf *err)
{
	int r;

	pthread_mutex_lock(&w->mu);
	r = wait_locked(w, ticket, err);
	if (r == 0 && ret_index)
		*ret_index = ring_index_locked(w, ticket);
	pthread_mutex_unlock(&w->mu);
	return r;
}

int ledger_writer_wait_run(struct ledger_writer *w, uint64_t ticket, uint64_t *ret_index,
                           uint64_t *ret_run, struct strbuf *err)
{
	const struct ring_rec *rec;
	uint64_t end;
	int r;

	*ret_index = UINT64_MAX;
	*ret_run = 0;
	pthread_mutex_lock(&w->mu);
	r = wait_locked(w, ticket, err);
	if (r == 0 && (rec = ring_rec_locked(w, ticket))) {
		*ret_index = rec->first_index + (ticket - rec->first_ticket);
		/* the rest of its batch that is durable, up to a refused range that begins in it */
		end = rec->first_ticket + rec->nr;
		if (end > w->durable)
			end = w->durable;
		for (size_t i = 0; i < w->n_fails; i++)
			if (w->fails[i].first_ticket > ticket && w->fails[i].first_ticket < end)
				end = w->fails[i].first_ticket;
		*ret_run = end - ticket;
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

uint64_t ledger_writer_index_floor(struct ledger_writer *w, uint64_t ticket)
{
	uint64_t index = UINT64_MAX;

	/* The ring and `committed` move together, under w->mu, after each commit. */
	pthread_mutex_lock(&w->mu);
	if (ticket < w->committed) {
		if (!failed_batch_of(w, ticket))
			index = ring_index_locked(w, ticket);
	} else if (w->ring_nr) {
		const struct ring_rec *last = &w->ring[(w->ring_nr - 1) % RING];
		index = last->first_index + last->nr;
	}
	pthread_mutex_unlock(&w->mu);
	return index;
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
	return writer_count(w, &w->ring_nr);
}

uint64_t ledger_writer_syncs(struct ledger_writer *w)
{
	return writer_count(w, &w->syncs);
}

size_t ledger_writer_kept(struct ledger_writer *w)
{
	size_t n;

	pthread_mutex_lock(&w->mu);
	n = batch_kept(w->cur) + (w->spare ? batch_kept(w->spare) : 0) + w->lg_kept;
	pthread_mutex_unlock(&w->mu);
	return n;
}

uint64_t ledger_writer_durable(struct ledger_writer *w)
{
	return writer_count(w, &w->durable);
}
