/* writer-internal: the group-commit writer's state, shared by writer.c (its writer and syncer
 * threads), writer-restart.c (its WAL checkpointer and restart) and writer-submit.c (its
 * callers). */
#ifndef MAMORI_LEDGER_WRITER_INTERNAL_H
#define MAMORI_LEDGER_WRITER_INTERNAL_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "ledger/ledger-internal.h"
#include "ledger/ledger.h"

/*
 * Recent batches remembered to answer "which index did ticket T get" (found by binary
 * search: they are in ticket order). The log analysis asks for tickets up to two queues
 * and a submission (ingest/live.c) old, and a batch holds at least one.
 */
#define RING 65536
/*
 * Batches whose commit failed (a full disk, an I/O error): their tickets are refused and the
 * writer goes on with the next batch, so a transient fault costs only the entries it hit.
 * After this many failed batches the fault is no longer transient: the writer stops.
 */
#define MAX_FAILED_BATCHES 64

/*
 * Durability is pipelined: the writer commits without waiting for the disk (WAL,
 * synchronous=NORMAL on its connection) and a syncer thread makes the WAL durable with
 * fdatasync, acknowledging everything committed before that call began. The next batch is
 * appended while the disk confirms the last, so an entry waits for about two flushes of the
 * disk and a commit's work never adds to the flush.
 *
 * A commit rewrites the partial bundle and tiles: about 20 pages of WAL whatever its size
 * (commits of fewer than 16 entries wrote 8-12 KiB of WAL per 256-byte entry, commits of
 * 256 or more 0.4-0.5 KiB), and the WAL's volume is what the disk's flushes and the
 * checkpoints must carry. So a batch waits to grow:
 * - while a flush runs: fewer than LINGER_MIN entries wait for it to end (they could not be
 *   durable before the flush after it anyway), at most LINGER_FLUSH_NS (a flush that hangs);
 *   from LINGER_MIN on, up to max_delay_us after the first, so that the next flush has them
 *   as soon as this one ends; LINGER_ENTRIES are committed at once;
 * - when no flush runs and entries come fast (the arrival rate of the last batches), while
 *   LINGER_MIN of them would come by max_delay_us after the first; at a slower rate it commits at
 *   once, so a lone entry never waits, nor the first after a pause (a batch begun more than
 *   LINGER_MIN entries' time at that rate, and more than max_delay_us, after the last was
 *   taken).
 *
 * A commit that ends inside a bundle (LEDGER_TILE_WIDTH entries) stores its part of that
 * bundle in a tail row, and the commit that fills the bundle writes those entries and payloads
 * again, in the bundle's row (ledger.c, schema/0026). So a batch that reaches the end of a
 * bundle is committed up to the last bundle end it reaches, and its remaining entries (fewer
 * than a bundle) go first into the next batch, which under a steady stream holds more: its
 * entries are written once. A batch that reaches no bundle end is committed whole.
 */
#define LINGER_ENTRIES  256 /* the defaults of opt.linger_entries and linger_min (ledger.h) */
#define LINGER_MIN      64
#define LINGER_FLUSH_NS (1000 * 1000000LL)
/*
 * Idle this long (nothing submitted, and nothing woke the writer meanwhile), the writer frees
 * both batches' buffers once either keeps more than WRITER_KEEP_BYTES: a full-rate stream grows
 * them to its queue's 8 MiB of payloads and entries, which an idle server kept (docs/logs.md,
 * the idle memory). Under a trickle that never leaves such a gap, a batch that keeps more is
 * freed after its commit once no batch of more than a quarter of that was committed for as long
 * (review-pace L1).
 */
#define WRITER_IDLE_MS    1000
#define WRITER_KEEP_BYTES (1u << 20)

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
	char sync_msg[160];   /* why the last flush failed */
	struct batch *cur, *spare;
	uint64_t next_ticket;
	uint64_t committed; /* tickets below are committed: visible, durable once synced */
	uint64_t durable;   /* tickets below are decided: durable, or refused (fails[]) */
	uint64_t syncs;     /* flushes that made entries durable */
	bool stopping;
	int failed; /* sticky: nothing more is acknowledged (see MAX_FAILED_BATCHES) */
	struct strbuf fail_msg;
	struct failed_batch fails[MAX_FAILED_BATCHES];
	size_t n_fails;
	struct ring_rec ring[RING];
	uint64_t ring_nr; /* batches committed so far */
	size_t lg_kept;   /* ledger_pre_kept(lg) after the last commit or free (the writer's) */

	/* Submitters share one hasher and scratch entry for encoding outside the main lock. */
	pthread_mutex_t hash_mu;
	struct merkle_hasher *hasher;
	struct prepared_entry scratch;

	/* Owned by the writer thread. */
	struct store *st;
	struct ledger *lg;
	int64_t last_checkpoint_ms;
	int64_t last_take_ns, ns_per_entry; /* arrival rate (see LINGER_MIN), 0: unknown */
	uint64_t linger_waits; /* waits in linger, woken or timed out (under mu; tests) */
	int64_t last_big_ns;   /* when a batch over WRITER_KEEP_BYTES / 4 was last committed
	                        (at first idle_ms before the start) */
	uint64_t size_hint;    /* the ledger's size after this writer's last commit (bundle_cut) */
	bool can_sign;
	int wal_pages;     /* WAL size after the last commit (store_wal_watch) */
	int restart_pages; /* CKPT_RESTART_PAGES, or the tests' opt.restart_pages */
	int presync_at;    /* the WAL size at which the checkpointer next syncs the database file */
	int ckpt_asked_at; /* the WAL size when a copy was last asked for (CKPT_ROUND_PAGES) */
	/* CKPT_PASSIVE_PAGES, CKPT_ROUND_PAGES, CKPT_PRESYNC_PAGES, scaled down with a tests'
	 * restart_pages */
	int passive_pages, round_pages, presync_pages;
	/* CKPT_RESTART_LEFT, CKPT_RESTART_MOST, scaled the same way */
	int restart_left, restart_most;
	int64_t restart_retry_ns; /* no restart tried before (CKPT_RESTART_BACKOFF_MS) */
	int last_wal_pages;       /* wal_pages after the previous commit (wal_resets) */
	bool pipelined; /* WAL mode: the syncer acknowledges; else each commit syncs itself */

	/* The syncer thread (pipelined durability) and its descriptor of the WAL file. */
	pthread_t sync_thread;
	bool sync_started, sync_stop, syncing;
	bool sync_broken;  /* a flush failed: nothing is acknowledged until a full checkpoint */
	bool flush_wanted; /* flush even without new entries (a stored signed checkpoint) */
	pthread_cond_t sync_cv;
	char *wal_path;
	int wal_fd;

	/* The WAL checkpointer thread and its connection. */
	pthread_t ckpt_thread;
	bool ckpt_started, ckpt_wanted, ckpt_stop;
	bool presync_wanted;       /* sync the database file before the next passive copy */
	uint64_t presyncs;         /* those done (tests) */
	uint64_t rounds_asked;     /* passive copies asked for past CKPT_PASSIVE_PAGES (tests) */
	uint64_t restarts;         /* WAL restarts done (tests) */
	uint64_t restarts_busy;    /* restarts tried and refused (busy; tests) */
	uint64_t restart_backoffs; /* refusals after a wait, each followed by a back-off (tests) */
	uint64_t wal_resets; /* the WAL found started afresh after a commit, by anyone (tests) */
	/*
	 * The restart's wait for the checkpointer (CKPT_RESTART_LEFT): a copy is under way; the
	 * WAL's frames, from its start, in the database file after the last copy, valid while
	 * wal_gen (bumped by the writer each time it finds the WAL started afresh) is still
	 * ckpt_copied_gen; the commits after which the restart waited (tests)
	 */
	bool ckpt_running;
	bool ckpt_progress; /* the last copy got further than the one before (same WAL) */
	bool ckpt_hold;     /* tests: a copy taken waits, before it copies, until this is false */
	int ckpt_copied;
	uint64_t wal_gen, ckpt_copied_gen;
	uint64_t restarts_waited;
	int64_t restart_longest_ns; /* the longest restart tried, in ns (tests) */
	pthread_cond_t ckpt_cv;
	struct store *ckpt_st;
};

/* How many passive copies the writer asked its checkpointer for (CKPT_ROUND_PAGES; tests). */
uint64_t ledger_writer_rounds_asked(struct ledger_writer *w);
/* How many times the checkpointer synced the database file ahead of a restart (tests). */
uint64_t ledger_writer_presyncs(struct ledger_writer *w);
/*
 * writer.c, with w->mu held: whether linger_min entries would no longer come into the current
 * batch by its deadline at the learnt rate (ns_per_entry), as of now: then a writer lingering
 * on that rate (no flush running) commits it. A submission short of linger_min wakes the writer
 * only then (writer-submit.c, wakes_writer).
 */
bool writer_rate_fails_locked(const struct ledger_writer *w, int64_t now);
/* How many WAL restarts the writer made (tests). */
uint64_t ledger_writer_restarts(struct ledger_writer *w);
/* The bytes the writer's two batches and its ledger's pre-hash buffers keep allocated (tests). */
size_t ledger_writer_kept(struct ledger_writer *w);

/* writer-restart.c: the WAL's thresholds (CKPT_*, scaled down with opt.restart_pages), set once
 * before the writer's threads start. */
void writer_restart_init(struct ledger_writer *w);
/* writer-restart.c: starts the checkpointer thread on its own connection (SQLite only; without
 * it the writer's restarts copy everything themselves). */
void writer_ckpt_start(struct ledger_writer *w);
/* writer-restart.c: stops and joins the checkpointer thread, if started. */
void writer_ckpt_stop(struct ledger_writer *w);
/* writer-restart.c, in the writer thread after each commit: asks the checkpointer for a copy, or
 * restarts the WAL when it is large. */
void writer_after_commit(struct ledger_writer *w);
/* With w->mu held: the writer stops for good with r and msg (the first failure's stays). */
void writer_fail_locked(struct ledger_writer *w, int r, const char *msg);

/* The failed batch that ticket was in, or NULL. */
const struct failed_batch *failed_batch_of(const struct ledger_writer *w, uint64_t ticket);

/* A counter the writer's threads move under its lock, read from another thread. */
static inline uint64_t writer_count(struct ledger_writer *w, const uint64_t *c)
{
	uint64_t n;

	pthread_mutex_lock(&w->mu);
	n = *c;
	pthread_mutex_unlock(&w->mu);
	return n;
}

#endif
