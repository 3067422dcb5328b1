/* ingest: received log messages into the ledger, each one entry through group commit. */
#ifndef MAMORI_INGEST_INGEST_H
#define MAMORI_INGEST_INGEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/strbuf.h"
#include "ingest/event.h"

struct logindex_handoff;

/* One message as a receiver took it. */
struct ingest_msg {
	const char *data; /* the bytes as received (a frame, a datagram, an NDJSON line) */
	size_t len;
	unsigned flags; /* enum log_flags */
	uint64_t seq;   /* its number on its connection or socket: the entry's line */
};

/* Where a batch of messages came from: the origin and the entry's source name. */
struct ingest_source {
	struct log_origin origin;
	const char *name; /* "tcp:192.0.2.7" (entry source: who really sent it) */
};

struct ingest_options {
	size_t max_queue_bytes; /* the ledger writer's queue (back-pressure): 0 = 8 MiB */
	/* Called after each commit with the new durable entries (the follower's wake-up; serve
	 * sets it only without the analysis: with it, on_analysed wakes the follower). */
	void (*on_commit)(void *ctx, uint64_t first_index, uint64_t n);
	void *on_commit_ctx;
	/*
	 * The analysis on arrival (event.h): each message, as soon as it is durable, with its
	 * ledger index, in ledger order, on the ingest's analysis thread (then round()), so an
	 * alert waits for the message's commit and not for the follower. Submitters wait
	 * while 2 x LIVE_QUEUE_MAX messages (live.h) wait for the analysis. event NULL: none.
	 */
	struct log_hooks analysis;
	/*
	 * With the analysis: what it parsed goes to the follower's index through this handoff
	 * (logindex.h; the follower's follower_options.handoff), and on_analysed (the follower's
	 * wake-up) is called once LOGINDEX_BLOCK_MAX messages were analysed, or about WAKE_MS
	 * (20 ms, live.c) after the first one analysed since the last call, checked between
	 * queues (a queue waiting for the disk delays it). NULL: the follower parses.
	 */
	struct logindex_handoff *handoff;
	void (*on_analysed)(void *ctx, uint64_t first_index, uint64_t n);
	void *on_analysed_ctx;
	int64_t offset_ms; /* the ward's zone for timestamps without one: Tokyo */
};

struct ingest_stats {
	uint64_t received;    /* messages submitted */
	uint64_t bytes;       /* their bytes */
	uint64_t durable;     /* of them, committed to the ledger */
	uint64_t cut;         /* messages cut at the size limit */
	uint64_t commits;     /* ledger commits */
	uint64_t udp_drops;   /* datagrams the kernel dropped before we read them */
	uint64_t refused;     /* connections refused (over the limit) */
	uint64_t connections; /* TCP and TLS connections open now */
	uint64_t analysed;    /* messages analysed on arrival */
};

struct ingest;

/*
 * Starts the ingest of data directory dir: a ledger group-commit writer of its own (its own
 * connection and thread). Returns 0 or -errno with err.
 */
int ingest_open(const char *dir, const struct ingest_options *o, struct ingest **ret,
                struct strbuf *err);
/*
 * Appends each message as an ingest entry: source name, line = seq, time received, and the
 * sealed payload (event.h: how it arrived and the bytes as received). Returns once the
 * entries are queued; it waits while the writer's queue is full, which is how receivers
 * apply back-pressure (a TCP receiver stops reading). Returns 0 or -errno (the writer
 * failed: nothing more is accepted).
 */
int ingest_submit(struct ingest *g, const struct ingest_source *src, const struct ingest_msg *m,
                  size_t n, struct strbuf *err);
/*
 * Waits until everything submitted so far is decided; returns the error of the last entry
 * only. To acknowledge messages, take a mark before submitting them and use ingest_sync_since.
 */
int ingest_sync(struct ingest *g, struct strbuf *err);
/* The mark before one's own submits (what ingest_sync_since waits from). */
uint64_t ingest_mark(struct ingest *g);
/*
 * Waits until everything submitted since mark is decided. Returns 0 when every entry is
 * durable, else the error of a batch that failed (then some of them may be missing: the
 * sender must send them again).
 */
int ingest_sync_since(struct ingest *g, uint64_t mark, struct strbuf *err);
/* Counters (receivers add theirs with ingest_count_*). */
void ingest_get_stats(struct ingest *g, struct ingest_stats *ret);
void ingest_count_udp_drops(struct ingest *g, uint64_t n);
void ingest_count_connection(struct ingest *g, int delta, bool refused);
/*
 * The ledger index below which every message submitted so far was analysed (with
 * ingest_options.analysis): UINT64_MAX when none waits or there is no analysis, 0 when not
 * known yet. The follower keeps its analysed position below it (follow.h).
 */
uint64_t ingest_analysed_floor(struct ingest *g);
/* Whether the ingest's ledger writer stopped for good (ledger_writer_failed): 0, or the
 * negative errno with why set. NULL is accepted (0). */
int ingest_failed(struct ingest *g, struct strbuf *why);
/* Commits what is queued, lets the analysis finish it and stops. NULL is accepted. */
int ingest_close(struct ingest *g, struct strbuf *err);

/* A source name "VIA:ADDRESS" (the address without its port) into buf. */
void ingest_source_name(char *buf, size_t size, const char *via, const char *peer);

#endif
