/* live: the analysis on arrival: every message the ingest takes, once durable, to the rules. */
#ifndef MAMORI_INGEST_LIVE_H
#define MAMORI_INGEST_LIVE_H

#include <stddef.h>
#include <stdint.h>

#include "base/strbuf.h"
#include "ingest/event.h"

struct ledger_prep;
struct ledger_writer;
struct live;
struct logindex_handoff;

/* A queue of the analysis holds at most this many messages (live.c; two take turns). */
#define LIVE_QUEUE_MAX 8192

/* Where the analysed messages go next: the follower's index (parse once). */
struct live_next {
	struct logindex_handoff *handoff; /* each analysed message's index facts, or NULL */
	/* Called once LOGINDEX_BLOCK_MAX messages were analysed since the last call, or about
	 * 20 ms after the first of them was, checked between queues (live.c, WAKE_MS); or NULL. */
	void (*wake)(void *ctx, uint64_t first_index, uint64_t n);
	void *wake_ctx;
};

/*
 * Starts the analysis thread over the writer w, whose every ticket from now on is given to
 * live_add. next may be NULL. Returns 0 or -errno with err.
 */
int live_start(struct ledger_writer *w, const struct log_hooks *h, const struct live_next *next,
               int64_t offset_ms, struct live **ret, struct strbuf *err);
/*
 * Queues the message of ticket (each ticket of the writer, in order) for the analysis: its
 * entry's time, source and payload as submitted. Waits while the queue is full (the
 * analysis is behind: receivers slow down rather than memory growing). It signals the
 * analysis after letting go of the queue's lock: a call must not race live_stop (the
 * ingest's submissions hold its lock, which ingest_close takes before stopping this).
 */
void live_add(struct live *l, uint64_t ticket, int64_t time_ms, const char *source,
              const char *payload, size_t len);
/*
 * live_add for the first n messages of lp, whose tickets are first, first + 1, ... (one
 * submission of one source), under one lock: each still waits for room as live_add does.
 */
void live_add_prep(struct live *l, uint64_t first, int64_t time_ms, const char *source,
                   const struct ledger_prep *lp, size_t n);
/*
 * The ledger index below which every message of the writer's tickets handed out so far has
 * been analysed: UINT64_MAX when none waits, 0 when that is not known (the writer has
 * committed nothing yet, or the oldest waiting was refused). Ask it after reading the ledger:
 * a message committed before the call is then below it only once analysed.
 */
uint64_t live_floor(struct live *l);
/* The most messages a queue held when the analysis took it (tests). */
size_t live_most_queued(struct live *l);
/* Messages analysed, and those left out because their index was no longer known. */
uint64_t live_analysed(struct live *l);
uint64_t live_missed(struct live *l);
/*
 * Analyses what is queued (every ticket must be decided: the writer drained) and stops.
 * NULL is accepted.
 */
void live_stop(struct live *l);

#endif
