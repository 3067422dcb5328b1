/* ingest: received log messages into the ledger, each one entry through group commit. */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/cleanup.h"
#include "base/timeutil.h"
#include "ingest/ingest.h"
#include "ingest/live.h"
#include "ledger/ledger.h"
#include "ledger/sha256x16.h"

#define DEFAULT_QUEUE_BYTES (8u << 20)
/*
 * The ledger writer's batches under a stream (ledger.h, linger_min and linger_entries): a
 * commit costs about 20 pages of WAL and a flush of the disk whatever its size, and the
 * writer's defaults (64 and 256 entries, 1 ms) keep a door's acknowledgements short. Nobody
 * waits for a collected message's commit but the analysis, whose queues hold 16,384
 * (live.h), so the ingest's batches grow to 1,024 while a flush runs and up to 4,096 within
 * 10 ms: a stream of one sender at full rate took 1.8 µs of the server's CPU a message
 * rather than 2.6-2.8 (docs/logs.md, "Cost per message").
 */
#define LINGER_MIN      1024
#define LINGER_ENTRIES  4096
#define LINGER_DELAY_US 10000
#define PREP_POOL       4 /* prepared batches kept for the receivers' threads */

struct ingest {
	struct ledger_writer *w;
	struct live *live;  /* the analysis on arrival, or NULL */
	pthread_mutex_t mu; /* keeps tickets in order with last_ticket */
	uint64_t last_ticket;
	bool any;
	_Atomic uint64_t received, bytes, cut, udp_drops, refused;
	_Atomic int64_t connections;
	/* Submitters prepare (encode, seal, hash) their messages in their own threads with one
	 * of these, then queue them under mu: receivers on several threads hash at once. */
	pthread_mutex_t pool_mu;
	struct ledger_prep *pool[PREP_POOL];
	unsigned n_pool;
};

int ingest_open(const char *dir, const struct ingest_options *o, struct ingest **ret,
                struct strbuf *err)
{
	struct ledger_writer_options wo = { 0 };
	struct ingest *g = xcalloc(1, sizeof(*g));
	int r;

	wo.max_queue_bytes = o && o->max_queue_bytes ? o->max_queue_bytes : DEFAULT_QUEUE_BYTES;
	/* A batch of at most a quarter of the queue keeps a second batch filling meanwhile. */
	wo.max_bytes = wo.max_queue_bytes / 4;
	wo.linger_min = LINGER_MIN;
	wo.linger_entries = LINGER_ENTRIES;
	wo.max_delay_us = LINGER_DELAY_US;
	if (o) {
		wo.on_commit = o->on_commit;
		wo.on_commit_ctx = o->on_commit_ctx;
	}
	pthread_mutex_init(&g->mu, NULL);
	pthread_mutex_init(&g->pool_mu, NULL);
	r = ledger_writer_start(dir, &wo, &g->w, err);
	if (r == 0 && o && o->analysis.event) {
		struct live_next next = { .handoff = o->handoff,
			                  .wake = o->on_analysed,
			                  .wake_ctx = o->on_analysed_ctx };
		r = live_start(g->w, &o->analysis, &next, o->offset_ms, &g->live, err);
		if (r < 0)
			ledger_writer_stop(g->w, NULL);
	}
	if (r < 0) {
		pthread_mutex_destroy(&g->mu);
		pthread_mutex_destroy(&g->pool_mu);
		free(g);
		return r;
	}
	*ret = g;
	return 0;
}

void ingest_source_name(char *buf, size_t size, const char *via, const char *peer)
{
	const char *colon = peer ? strrchr(peer, ':') : NULL;
	int n;

	if (!peer || !*peer) {
		snprintf(buf, size, "%s", via);
		return;
	}
	/* "192.0.2.7:51514" and "[2001:db8::1]:51514" lose the port. */
	if (peer[0] == '[' && colon && colon > peer && colon[-1] == ']')
		n = snprintf(buf, size, "%s:%.*s", via, (int)(colon - peer - 2), peer + 1);
	else if (colon && strchr(peer, ':') == colon)
		n = snprintf(buf, size, "%s:%.*s", via, (int)(colon - peer), peer);
	else
		n = snprintf(buf, size, "%s:%s", via, peer);
	(void)n;
}

static struct ledger_prep *prep_get(struct ingest *g)
{
	struct ledger_prep *lp = NULL;

	pthread_mutex_lock(&g->pool_mu);
	if (g->n_pool)
		lp = g->pool[--g->n_pool];
	pthread_mutex_unlock(&g->pool_mu);
	return lp ? lp : ledger_prep_new();
}

static void prep_put(struct ingest *g, struct ledger_prep *lp)
{
	ledger_prep_reset(lp);
	pthread_mutex_lock(&g->pool_mu);
	if (g->n_pool < PREP_POOL) {
		g->pool[g->n_pool++] = lp;
		lp = NULL;
	}
	pthread_mutex_unlock(&g->pool_mu);
	ledger_prep_free(lp);
}

/* Every flag a message can carry (event.h): a submission's headers, one per value met. */
#define FLAG_VALUES ((LOG_CUT | LOG_OCTET | LOG_BAD_LINE) + 1)

/* A submission's headers (one for each flags value met), and the payload of a message whose
 * flags have none kept: built here, wiped when released. */
struct head_bufs {
	struct strbuf of[FLAG_VALUES];
	struct strbuf joined;
};

/*
 * Encodes, seals and hashes m[0..n) into lp, in the receiver's thread, outside every lock; e is
 * the entry they share. Runs of messages whose header is kept are sealed and hashed 16 at once
 * (ledger_prep_add_many). Returns 0 or the first refused message's error; *ret_done says how
 * many went in (those before it).
 */
static int prep_messages(struct ledger_prep *lp, const struct ingest_source *src,
                         const struct ingest_msg *m, size_t n, struct ledger_entry *e,
                         struct head_bufs *hs, size_t *ret_done, struct strbuf *err)
{
	struct ledger_entry es[SHA256X16_LANES];
	const void *heads[SHA256X16_LANES];
	size_t head_lens[SHA256X16_LANES], done = 0;
	int r = 0;

	for (unsigned j = 0; j < SHA256X16_LANES; j++)
		es[j] = *e;
	while (done < n && r == 0) {
		size_t k = 0, added = 0;

		for (; k < SHA256X16_LANES && done + k < n && m[done + k].flags < FLAG_VALUES;
		     k++) {
			const struct ingest_msg *mk = &m[done + k];
			struct strbuf *h = &hs->of[mk->flags];

			if (!h->len)
				log_payload_build(h, &src->origin, src->name, mk->flags, NULL, 0);
			es[k].line = mk->seq;
			es[k].payload = mk->data;
			es[k].payload_len = mk->len;
			heads[k] = h->buf;
			head_lens[k] = h->len;
		}
		if (k) {
			r = ledger_prep_add_many(lp, es, heads, head_lens, k, &added, err);
		} else {
			/* flags no header was kept for: its header and message joined here */
			strbuf_reset(&hs->joined);
			log_payload_build(&hs->joined, &src->origin, src->name, m[done].flags,
			                  m[done].data, m[done].len);
			e->line = m[done].seq;
			e->payload = hs->joined.buf;
			e->payload_len = hs->joined.len;
			r = ledger_prep_add(lp, e, err);
			added = r < 0 ? 0 : 1;
		}
		done += added;
	}
	*ret_done = done;
	return r;
}

int ingest_submit(struct ingest *g, const struct ingest_source *src, const struct ingest_msg *m,
                  size_t n, struct strbuf *err)
{
	/* The payload header depends only on the source and a message's flags: built once for
	 * each flags value a submission meets (a stream: one, `flags=octet` for octet counting),
	 * not again for every message, and given beside the message (ledger_prep_add_many),
	 * which copies both into its batch once: they are not joined here first. */
	struct head_bufs hs;
	struct ledger_prep *lp = prep_get(g);
	int64_t now = time_now_ms();
	/* Every message's entry differs only in its line and payload: cleared once, not for each
	 * message (GCC made the 176-byte clear a `rep stosq`, about 13 ns to start). */
	struct ledger_entry e = {
		.kind = ENTRY_INGEST, .time_ms = now, .source = src->name, .has_line = true
	};
	uint64_t bytes = 0, cut = 0, first = 0;
	size_t done = 0;
	int r;

	for (unsigned f = 0; f < FLAG_VALUES; f++)
		strbuf_init(&hs.of[f], 0);
	strbuf_init(&hs.joined, 0);
	r = prep_messages(lp, src, m, n, &e, &hs, &done, err);
	for (size_t j = 0; j < done; j++) {
		bytes += m[j].len;
		cut += (m[j].flags & LOG_CUT) != 0;
	}
	/* Queued in ticket order, and handed to the analysis in the same order. */
	pthread_mutex_lock(&g->mu);
	if (done > 0) {
		int q = ledger_writer_submit_prep(g->w, lp, &first, r < 0 ? NULL : err);
		if (q < 0) {
			r = q;
		} else {
			g->last_ticket = first + done - 1;
			g->any = true;
			if (g->live)
				live_add_prep(g->live, first, now, src->name, lp, done);
		}
	}
	pthread_mutex_unlock(&g->mu);
	atomic_fetch_add(&g->received, (uint64_t)n);
	atomic_fetch_add(&g->bytes, bytes);
	atomic_fetch_add(&g->cut, cut);
	prep_put(g, lp);
	/* Messages name people: no copy is left in freed memory. */
	strbuf_release_secret(&hs.joined);
	for (unsigned f = 0; f < FLAG_VALUES; f++)
		strbuf_release_secret(&hs.of[f]); /* a certificate's subject, a peer's address */
	return r;
}

int ingest_sync(struct ingest *g, struct strbuf *err)
{
	uint64_t t;
	bool any;

	pthread_mutex_lock(&g->mu);
	t = g->last_ticket;
	any = g->any;
	pthread_mutex_unlock(&g->mu);
	return any ? ledger_writer_wait(g->w, t, NULL, err) : 0;
}

uint64_t ingest_mark(struct ingest *g)
{
	uint64_t t;

	/* Under g->mu: every submit of this ingest takes its tickets in order under it. */
	pthread_mutex_lock(&g->mu);
	t = ledger_writer_next_ticket(g->w);
	pthread_mutex_unlock(&g->mu);
	return t;
}

int ingest_sync_since(struct ingest *g, uint64_t mark, struct strbuf *err)
{
	uint64_t t;
	bool any;

	pthread_mutex_lock(&g->mu);
	t = g->last_ticket;
	any = g->any;
	pthread_mutex_unlock(&g->mu);
	if (!any || t < mark)
		return 0; /* nothing submitted since mark */
	return ledger_writer_wait_range(g->w, mark, t, err);
}

void ingest_get_stats(struct ingest *g, struct ingest_stats *s)
{
	memset(s, 0, sizeof(*s));
	s->received = atomic_load(&g->received);
	s->bytes = atomic_load(&g->bytes);
	s->cut = atomic_load(&g->cut);
	s->udp_drops = atomic_load(&g->udp_drops);
	s->refused = atomic_load(&g->refused);
	s->connections = (uint64_t)atomic_load(&g->connections);
	s->durable = ledger_writer_durable(g->w);
	s->commits = ledger_writer_commits(g->w);
	s->analysed = g->live ? live_analysed(g->live) : 0;
}

uint64_t ingest_analysed_floor(struct ingest *g)
{
	return g->live ? live_floor(g->live) : UINT64_MAX;
}

void ingest_count_udp_drops(struct ingest *g, uint64_t n)
{
	atomic_fetch_add(&g->udp_drops, n);
}

void ingest_count_connection(struct ingest *g, int delta, bool refused)
{
	if (refused)
		atomic_fetch_add(&g->refused, 1);
	else
		atomic_fetch_add(&g->connections, delta);
}

int ingest_failed(struct ingest *g, struct strbuf *why)
{
	return g ? ledger_writer_failed(g->w, why) : 0;
}

int ingest_close(struct ingest *g, struct strbuf *err)
{
	int r;

	if (!g)
		return 0;
	if (g->live) {
		/* Every ticket decided first: the analysis waits for each one's commit. */
		ingest_sync(g, NULL);
		live_stop(g->live);
	}
	r = ledger_writer_stop(g->w, err);
	while (g->n_pool)
		ledger_prep_free(g->pool[--g->n_pool]);
	pthread_mutex_destroy(&g->mu);
	pthread_mutex_destroy(&g->pool_mu);
	free(g);
	return r;
}
