/* live: the analysis on arrival: every message the ingest takes, once durable, to the rules. */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/cleanup.h"
#include "base/timeutil.h"
#include "ingest/live.h"
#include "ingest/logindex.h"
#include "ledger/ledger.h"

/*
 * A queue holds at most LIVE_QUEUE_MAX messages (live.h), and its bytes stop growing past
 * LIVE_MAX_BYTES.
 * Two queues take turns (one filling, one analysed): the analysis falls at most this far
 * behind the receivers, which then wait, so an alert waits behind at most 16,384 messages
 * (under 40 ms at full rate). As the analysis waits for each queue to be durable, the queues
 * also bound the messages between their receipt and the disk: with 2 x 2,048 a receiver
 * slept for room a third to half of a one-connection stream (perf sched_switch), and 2 x
 * 8,192 halved the analysis's sleeps and the receiver's. The message count also keeps each
 * waiting ticket among the
 * writer's last 65536 batches (its RING), whose indexes it still knows: every batch committed
 * after a waiting ticket's holds only later tickets, and those are all in the two queues or
 * in the submission being added (ingest_submit: at most a receiver's batch of 1024).
 */
#define LIVE_MAX_BYTES (4u << 20)
/* The follower is woken about this long after the first message analysed since its last
 * wake, checked between queues (a queue waiting for the disk delays it; the follower's own
 * 1-s timer is the bound), or once a block's worth was: wake_follower. */
#define WAKE_MS 20
/* Idle this long, a queue's buffers past QUEUE_KEEP_BYTES are freed (wiped), and the handoff's
 * once the follower took everything (blocks that large are mapped of their own under serve:
 * their pages go back to the system; docs/logs.md, the idle memory). */
#define SHRINK_MS        1000
#define QUEUE_KEEP_BYTES (1u << 20)

struct live_rec {
	uint64_t ticket;
	int64_t time_ms;
	size_t src_off, pay_off, pay_len;
};

struct live_queue {
	struct strbuf bytes; /* sources and payloads, back to back (personal data: wiped) */
	struct live_rec *recs;
	size_t nr, alloc;
	size_t last_src; /* offset of the last source added (messages of one sender share it) */
};

struct live {
	struct ledger_writer *w;
	struct log_hooks h;
	struct live_next next;
	int64_t offset_ms;
	pthread_t thread;
	bool started;

	pthread_mutex_t mu;
	pthread_cond_t work;  /* the thread waits for messages */
	pthread_cond_t space; /* live_add waits for room */
	struct live_queue q[2];
	struct live_queue *fill; /* what live_add appends to */
	size_t most;             /* the most messages a queue held when taken (tests) */
	uint64_t next_add;       /* the ticket live_add takes next */
	bool stopping;

	/*
	 * Tickets below were analysed (or were not committed). Written by the thread alone, with
	 * release order (a plain store), as are the counters (no locked add): the locked add and
	 * the exchange of a sequentially consistent store for every message were 4.5% of the
	 * thread's time.
	 */
	_Atomic uint64_t next_done;
	_Atomic uint64_t analysed, missed;
	struct logindex_stage stage; /* index facts not handed over yet (the thread's) */
	/* Messages analysed since the follower was last woken, and when the run of the first of
	 * them began (CLOCK_MONOTONIC ns; the thread's) */
	size_t unwoken;
	int64_t unwoken_ns;
	/* The handoff's buffer kept more than QUEUE_KEEP_BYTES after the last queue, or the
	 * last try to free it (the thread's) */
	bool handoff_big;
};

static void queue_reset(struct live_queue *q)
{
	if (q->bytes.len)
		explicit_bzero(q->bytes.buf, q->bytes.len);
	strbuf_reset(&q->bytes);
	q->nr = 0;
	q->last_src = SIZE_MAX;
}

/*
 * After run, which wiped each payload once analysed: the sources are wiped, and the queue is
 * empty again. The analysis's thread alone has it (the receivers fill the other), so no lock.
 * (queue_reset's wipe of the whole queue, 2 MiB gone from the cache by then, under l->mu,
 * was 4.5% of the thread, and held the receivers off the other queue meanwhile.)
 */
static void queue_done(struct live_queue *q)
{
	size_t last = SIZE_MAX;

	/* the messages of one source follow each other (add_locked), so each is wiped once */
	for (size_t i = 0; i < q->nr; i++)
		if (q->recs[i].src_off != last) {
			last = q->recs[i].src_off;
			explicit_bzero(q->bytes.buf + last, strlen(q->bytes.buf + last));
		}
	strbuf_reset(&q->bytes);
	q->nr = 0;
	q->last_src = SIZE_MAX;
}

static bool queue_full(const struct live_queue *q)
{
	return q->nr >= LIVE_QUEUE_MAX || (q->nr && q->bytes.len >= LIVE_MAX_BYTES);
}

/* One more on a counter the thread alone writes. */
static void count(_Atomic uint64_t *c)
{
	atomic_store_explicit(c, atomic_load_explicit(c, memory_order_relaxed) + 1,
	                      memory_order_relaxed);
}

/* Hands the follower the index facts staged (one lock for a run of messages). */
static void hand_over(struct live *l)
{
	if (l->next.handoff)
		logindex_handoff_put_staged(l->next.handoff, &l->stage);
}

/* Analyses one queue: each message once its batch is durable, then one round. */
static void run(struct live *l, struct live_queue *q)
{
	struct strbuf err = STRBUF_INIT;
	/* Tickets [run_ticket, run_ticket + run_n) are durable at run_index on: the writer's lock
	 * is taken once for each of its batches, not for each message. */
	uint64_t run_ticket = 0, run_n = 0, run_index = 0;

	for (size_t i = 0; i < q->nr; i++) {
		const struct live_rec *rec = &q->recs[i];
		struct log_event ev;
		uint64_t index = UINT64_MAX;
		int r = 0;

		if (rec->ticket >= run_ticket && rec->ticket - run_ticket < run_n) {
			index = run_index + (rec->ticket - run_ticket);
		} else {
			/* what was analysed is handed over before waiting for the writer */
			hand_over(l);
			strbuf_reset(&err);
			r = ledger_writer_wait_run(l->w, rec->ticket, &index, &run_n, &err);
			run_ticket = rec->ticket;
			run_index = index;
		}
		/* A batch that failed is not in the ledger: nothing to analyse, the sender
		 * was not acknowledged and sends it again. */
		if (r == 0) {
			if (index == UINT64_MAX) {
				count(&l->missed);
			} else {
				log_event_read(
				    &ev, index, rec->time_ms, q->bytes.buf + rec->src_off,
				    q->bytes.buf + rec->pay_off, rec->pay_len, l->offset_ms);
				l->h.event(l->h.ctx, &ev, false);
				if (l->next.handoff)
					logindex_handoff_stage(&l->stage, &ev);
				log_event_release(&ev);
				count(&l->analysed);
			}
		}
		/* wiped while in the cache (personal data): queue_done wipes the sources */
		explicit_bzero(q->bytes.buf + rec->pay_off, rec->pay_len);
		/* The queue's last: handed over first, so that nothing analysed waits staged once
		 * the floor says nothing waits (the follower then reads up to the ledger's
		 * size). */
		if (i + 1 == q->nr)
			hand_over(l);
		atomic_store_explicit(&l->next_done, rec->ticket + 1, memory_order_release);
	}
	strbuf_reset(&err);
	if (l->h.round && l->h.round(l->h.ctx, time_now_ms(), &err) < 0)
		fprintf(stderr, "mamori: the log analysis: %s\n", err.buf);
	strbuf_release(&err);
}

/*
 * With l->mu held: the follower may index what was handed over. It is woken once a block's
 * worth waits (LOGINDEX_BLOCK_MAX), or about WAKE_MS after the first message not woken for,
 * at any rate, checked between queues and while idle: a queue that waits for the disk delays
 * it, and the follower's own 1-s timer is then the bound (an idle timer, re-armed by each
 * queue, as first written, left a steady stream of more than 50 messages a second to that
 * timer). Woken after each
 * queue (about 1,000 messages at full rate), it took a quarter of a block a round, each round
 * with its own wake, sleep and switch of both threads (4,000 in a 2,000,000-message stream)
 * and its hooks' round.
 */
static void wake_follower(struct live *l)
{
	l->unwoken = 0;
	if (!l->next.wake)
		return;
	pthread_mutex_unlock(&l->mu);
	l->next.wake(l->next.wake_ctx, 0, 0);
	pthread_mutex_lock(&l->mu);
}

/* With l->mu held: waits for work until due (CLOCK_MONOTONIC ns, as l->work's clock). */
static int wait_until(struct live *l, int64_t due)
{
	struct timespec ts = { .tv_sec = due / 1000000000, .tv_nsec = due % 1000000000 };

	return pthread_cond_timedwait(&l->work, &l->mu, &ts);
}

/*
 * With l->mu held: whether a queue, or the handoff to the follower, keeps more than
 * QUEUE_KEEP_BYTES (after a burst: the handoff's buffer kept up to 4 MiB after a stream).
 */
static bool queues_big(const struct live *l)
{
	return l->q[0].bytes.alloc > QUEUE_KEEP_BYTES || l->q[1].bytes.alloc > QUEUE_KEEP_BYTES ||
	       (l->next.handoff && l->handoff_big);
}

/*
 * With l->mu held and both queues empty: frees their buffers (wiped: they held messages), and
 * the handoff's once the follower took everything from it (else at the next idle second),
 * with l->mu let go meanwhile (its wipe of up to 4 MiB).
 */
static void queues_shrink(struct live *l)
{
	if (l->next.handoff) {
		pthread_mutex_unlock(&l->mu);
		l->handoff_big =
		    logindex_handoff_shrink(l->next.handoff, QUEUE_KEEP_BYTES) > QUEUE_KEEP_BYTES;
		pthread_mutex_lock(&l->mu);
		if (l->fill->nr)
			return; /* messages came meanwhile: the queues are in use */
	}
	for (int i = 0; i < 2; i++) {
		struct live_queue *q = &l->q[i];
		strbuf_release_secret(&q->bytes);
		strbuf_init_secret(&q->bytes, 0);
		free(q->recs);
		q->recs = NULL;
		q->nr = q->alloc = 0;
		q->last_src = SIZE_MAX;
	}
}

static void *live_main(void *arg)
{
	struct live *l = arg;

	pthread_setname_np(pthread_self(), "mamori-analyse");

	pthread_mutex_lock(&l->mu);
	for (;;) {
		struct live_queue *q;

		while (l->fill->nr == 0 && !l->stopping) {
			if (l->unwoken) {
				/* what was analysed is for the follower, WAKE_MS after the first */
				int64_t due = l->unwoken_ns + (int64_t)WAKE_MS * 1000000;
				if (time_mono_ns() >= due)
					wake_follower(l);
				else
					wait_until(l, due);
			} else if (queues_big(l)) {
				/* idle: a burst's buffers go after SHRINK_MS without more */
				int64_t due = time_mono_ns() + (int64_t)SHRINK_MS * 1000000;
				if (wait_until(l, due) == ETIMEDOUT && l->fill->nr == 0)
					queues_shrink(l);
			} else {
				pthread_cond_wait(&l->work, &l->mu);
			}
		}
		if (l->fill->nr == 0)
			break; /* stopping, and everything analysed */
		q = l->fill;
		if (q->nr > l->most)
			l->most = q->nr;
		l->fill = q == &l->q[0] ? &l->q[1] : &l->q[0];
		pthread_cond_broadcast(&l->space);
		pthread_mutex_unlock(&l->mu);
		int64_t began = time_mono_ns();
		run(l, q);
		if (!l->unwoken)
			l->unwoken_ns = began;
		l->unwoken += q->nr;
		queue_done(q);
		if (l->next.handoff)
			l->handoff_big = logindex_handoff_kept(l->next.handoff) > QUEUE_KEEP_BYTES;
		pthread_mutex_lock(&l->mu);
		if (l->unwoken >= LOGINDEX_BLOCK_MAX ||
		    time_mono_ns() - l->unwoken_ns >= (int64_t)WAKE_MS * 1000000)
			wake_follower(l);
	}
	if (l->unwoken)
		wake_follower(l);
	pthread_mutex_unlock(&l->mu);
	return NULL;
}

int live_start(struct ledger_writer *w, const struct log_hooks *h, const struct live_next *next,
               int64_t offset_ms, struct live **ret, struct strbuf *err)
{
	struct live *l = xcalloc(1, sizeof(*l));

	l->w = w;
	l->h = *h;
	if (next)
		l->next = *next;
	l->offset_ms = offset_ms;
	logindex_stage_init(&l->stage);
	pthread_mutex_init(&l->mu, NULL);
	/* (timed waits on the monotonic clock: a step of the wall clock does not move them) */
	pthread_condattr_t ca;
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&l->work, &ca);
	pthread_condattr_destroy(&ca);
	pthread_cond_init(&l->space, NULL);
	for (int i = 0; i < 2; i++) {
		strbuf_init_secret(&l->q[i].bytes, 0);
		l->q[i].last_src = SIZE_MAX;
	}
	l->fill = &l->q[0];
	l->next_add = ledger_writer_next_ticket(w);
	atomic_store(&l->next_done, l->next_add);
	if (pthread_create(&l->thread, NULL, live_main, l) != 0) {
		error_set(err, "cannot start the log analysis thread");
		l->started = false;
		live_stop(l);
		return -EAGAIN;
	}
	l->started = true;
	*ret = l;
	return 0;
}

/* With l->mu held: queues one message, waiting while the queue is full. */
static void add_locked(struct live *l, uint64_t ticket, int64_t time_ms, const char *source,
                       const char *payload, size_t len)
{
	struct live_queue *q;
	struct live_rec *rec;

	while (queue_full(l->fill) && !l->stopping) {
		/* the analysis must take the full queue (added() comes after the submission) */
		pthread_cond_signal(&l->work);
		pthread_cond_wait(&l->space, &l->mu);
	}
	q = l->fill;
	ALLOC_GROW(q->recs, q->nr + 1, q->alloc);
	rec = &q->recs[q->nr++];
	rec->ticket = ticket;
	rec->time_ms = time_ms;
	if (q->last_src == SIZE_MAX || strcmp(q->bytes.buf + q->last_src, source)) {
		q->last_src = q->bytes.len;
		strbuf_add(&q->bytes, source, strlen(source) + 1);
	}
	rec->src_off = q->last_src;
	rec->pay_off = q->bytes.len;
	rec->pay_len = len;
	strbuf_grow(&q->bytes, len + 1);
	strbuf_add(&q->bytes, payload, len);
	strbuf_addch(&q->bytes, '\0');
	l->next_add = ticket + 1;
}

/*
 * After messages were queued, with l->mu released: the analysis may be waiting for them.
 * Signalled with the lock held (as it was), it woke only to wait again for the lock, held by
 * the receiver for the rest of its submission: two sleeps and switches for each queue.
 */
static void added(struct live *l)
{
	pthread_cond_signal(&l->work);
}

void live_add(struct live *l, uint64_t ticket, int64_t time_ms, const char *source,
              const char *payload, size_t len)
{
	pthread_mutex_lock(&l->mu);
	add_locked(l, ticket, time_ms, source, payload, len);
	pthread_mutex_unlock(&l->mu);
	added(l);
}

/*
 * With l->mu held: how many of lp's messages from i on (at most n in all) the fill queue takes
 * before it is full (queue_full before each, as add_locked), and their bytes with a NUL each.
 */
static size_t prep_run(const struct live *l, const struct ledger_prep *lp, size_t i, size_t n,
                       size_t *ret_bytes)
{
	const struct live_queue *q = l->fill;
	size_t k = 0, bytes = 0, len;

	while (i + k < n && q->nr + k < LIVE_QUEUE_MAX &&
	       (q->nr + k == 0 || q->bytes.len + bytes < LIVE_MAX_BYTES)) {
		ledger_prep_payload(lp, i + k, &len);
		bytes += len + 1;
		k++;
	}
	*ret_bytes = bytes;
	return k;
}

void live_add_prep(struct live *l, uint64_t first, int64_t time_ms, const char *source,
                   const struct ledger_prep *lp, size_t n)
{
	/* One lock for the submission, not one for each message: the lock's line went back and
	 * forth between the receivers and the analysis 2 x 300,000 times a second. And the
	 * messages go in runs, as many as the queue takes: its room is looked at and its buffers
	 * grown once a run, not for each message (5% of the receiving thread). */
	size_t i = 0, src_len = strlen(source) + 1;

	pthread_mutex_lock(&l->mu);
	while (i < n) {
		struct live_queue *q;
		size_t k, bytes, src_off;
		char *d;

		while (queue_full(l->fill) && !l->stopping) {
			/* the analysis must take the full queue (added() comes after the
			 * submission) */
			pthread_cond_signal(&l->work);
			pthread_cond_wait(&l->space, &l->mu);
		}
		q = l->fill;
		k = prep_run(l, lp, i, n, &bytes);
		if (!k) { /* (stopping: the rest goes in all the same, as in add_locked) */
			ledger_prep_payload(lp, i, &bytes);
			bytes++;
			k = 1;
		}
		ALLOC_GROW(q->recs, q->nr + k, q->alloc);
		strbuf_grow(&q->bytes, src_len + bytes);
		if (q->last_src == SIZE_MAX || strcmp(q->bytes.buf + q->last_src, source)) {
			q->last_src = q->bytes.len;
			strbuf_add(&q->bytes, source, src_len);
		}
		src_off = q->last_src;
		d = q->bytes.buf + q->bytes.len;
		for (size_t j = 0; j < k; j++, i++) {
			struct live_rec *rec = &q->recs[q->nr++];
			size_t len;
			const char *p = ledger_prep_payload(lp, i, &len);

			rec->ticket = first + i;
			rec->time_ms = time_ms;
			rec->src_off = src_off;
			rec->pay_off = (size_t)(d - q->bytes.buf);
			rec->pay_len = len;
			if (len)
				memcpy(d, p, len);
			d[len] = '\0';
			d += len + 1;
		}
		strbuf_setlen(&q->bytes, (size_t)(d - q->bytes.buf));
		l->next_add = first + i;
	}
	pthread_mutex_unlock(&l->mu);
	if (n)
		added(l);
}

uint64_t live_floor(struct live *l)
{
	/* The oldest ticket not analysed: every one below was (or was refused). It is queued, or
	 * handed out by the writer and about to be (ingest_submit queues under its lock). */
	uint64_t t = atomic_load_explicit(&l->next_done, memory_order_acquire), index;

	if (ledger_writer_next_ticket(l->w) <= t)
		return UINT64_MAX; /* nothing waits */
	/*
	 * Its index once committed, durable or not (the follower may read it then); before that,
	 * the end of the writer's last commit, where it lands or later. Waiting for durability
	 * instead left the floor unknown whenever the analysis kept up with the disk: the follower
	 * then took nothing, the handoff filled (logindex_handoff_put leaves messages out past
	 * 4 MiB) and the follower read and parsed 13-31% of a steady stream again.
	 */
	index = ledger_writer_index_floor(l->w, t);
	return index == UINT64_MAX ? 0 : index;
}

size_t live_most_queued(struct live *l)
{
	size_t n;

	pthread_mutex_lock(&l->mu);
	n = l->most;
	pthread_mutex_unlock(&l->mu);
	return n;
}

uint64_t live_analysed(struct live *l)
{
	return atomic_load(&l->analysed);
}

uint64_t live_missed(struct live *l)
{
	return atomic_load(&l->missed);
}

void live_stop(struct live *l)
{
	if (!l)
		return;
	pthread_mutex_lock(&l->mu);
	l->stopping = true;
	pthread_cond_broadcast(&l->work);
	pthread_cond_broadcast(&l->space);
	pthread_mutex_unlock(&l->mu);
	if (l->started)
		pthread_join(l->thread, NULL);
	for (int i = 0; i < 2; i++) {
		queue_reset(&l->q[i]);
		strbuf_release_secret(&l->q[i].bytes);
		free(l->q[i].recs);
	}
	logindex_stage_release(&l->stage);
	pthread_mutex_destroy(&l->mu);
	pthread_cond_destroy(&l->work);
	pthread_cond_destroy(&l->space);
	free(l);
}
