/* follow: the follower: reads committed messages from the ledger, indexes them, hands them on. */
#ifndef MAMORI_INGEST_FOLLOW_H
#define MAMORI_INGEST_FOLLOW_H

#include <stdbool.h>
#include <stdint.h>

#include "base/strbuf.h"
#include "ingest/event.h"

struct ledger;
struct logindex_handoff;

/* At most this many entries are read again at a start (follower_options.rewind_max: 0). */
#define FOLLOW_REWIND_MAX 65536

struct follower_options {
	unsigned flush_ms; /* an unfilled block is written after this; 0: 2000 */
	int64_t offset_ms; /* the ward's zone for timestamps without one: Tokyo */
	/* The analysis (event.h), run on the follower's thread. */
	struct log_hooks hooks;
	/*
	 * The analysis on arrival (ingest.h, ingest_options.analysis) runs beside it: the
	 * messages that came through this server's receivers after the follower started are
	 * the ingest's to analyse and not handed to hooks; analysed_floor(floor_ctx) says below
	 * which entry the ingest has analysed every message it took (ingest_analysed_floor), so
	 * the position kept for a restart never passes a message not yet analysed.
	 */
	bool live;
	uint64_t (*analysed_floor)(void *ctx);
	void *floor_ctx;
	/*
	 * The analysis's own floor (monitor_raised_floor), called with hooks.ctx after
	 * analysed_floor: entries below it had every alert they made raised. An alert whose
	 * raising failed waits there with its messages, and log_state.analysed is kept below
	 * them, so a restart analyses them again and raises it. NULL: no such wait. unhold_below
	 * is half the rewind limit behind the follower's position: an alert failing below it
	 * holds the mark no more (a restart could no longer find it), and is still tried again.
	 */
	uint64_t (*raised_floor)(void *ctx, uint64_t unhold_below);
	/*
	 * Called with hooks.ctx before each entry the follower hands the analysis (not a
	 * replay): true ends the round there (monitor_full: as many alerts wait as may, and
	 * raising can make room), so the round's hook raises them and the next round goes on
	 * from that entry. NULL: rounds of 16,384 entries.
	 */
	bool (*analysis_full)(void *ctx);
	/*
	 * Called with hooks.ctx and the follower's position after each round (monitor_rewind):
	 * an entry below it to hand the analysis again from (the alerts it dropped while their
	 * raising failed: it works again), or UINT64_MAX. The follower hands it the messages
	 * from there to that position again (the receivers' too), after the replay_ms before
	 * them as a replay, without indexing them again, and goes on. NULL: never.
	 */
	uint64_t (*analysis_rewind)(void *ctx, uint64_t pos);
	/*
	 * At its start the follower hands the analysis again, as a replay (no alert), the
	 * messages committed this long before where it starts analysing (the time between their
	 * entries' commits, each gap counted a second at most: a clock step cannot shorten it;
	 * at most the last rewind limit of them): monitor_replay_ms, so a correlation counts
	 * what came before the stored mark. 0: none.
	 */
	int64_t replay_ms;
	/*
	 * With live: what the ingest's analysis parsed (ingest_options.handoff). The follower
	 * then reads only up to analysed_floor, and takes each message analysed on arrival from
	 * the handoff instead of parsing it again (a message left out is parsed).
	 */
	struct logindex_handoff *handoff;
	/*
	 * The WAL is checkpointed by another connection of this process (serve: the ingest's
	 * ledger writer has a checkpointer thread): the follower's commits do not run SQLite's
	 * automatic checkpoint, which copied the WAL into the database on the follower's thread.
	 */
	bool leave_checkpoints;
	/* Tests only: follow.c's REWIND_MAX and MARK_MS instead (0: theirs). */
	unsigned rewind_max;
	unsigned mark_ms;
};

struct follower;

/*
 * Starts the follower thread on data directory dir (its own connection). It reads what is
 * committed from where the index stopped (log_state.indexed), so a restart or a crash
 * never loses a message for search or analysis. Returns 0 or -errno with err.
 */
int follower_start(const char *dir, const struct follower_options *o, struct follower **ret,
                   struct strbuf *err);
/* Wakes it: new entries are durable (an ingest on_commit hook; ctx is the follower). */
void follower_wake(void *ctx, uint64_t first_index, uint64_t n);
/* Entries below this were read (indexed or in the block being filled) and handed on. */
uint64_t follower_position(struct follower *f);
/* Messages it indexed from the handoff, without parsing them (as of its last round). */
uint64_t follower_handed(struct follower *f);
/* Entries it read from the ledger (as of its last round): the handoff's runs are not read. */
uint64_t follower_read(struct follower *f);
/* Writes what it holds and stops. NULL is accepted. Returns the thread's error, if any. */
int follower_stop(struct follower *f, struct strbuf *err);

/*
 * Where the replay at a start (follower_options.replay_ms) begins, for analysing again from
 * entry start: walking back from the entry before start, as far as the time that passed
 * between the entries' commits adds up to span_ms, and not more than rewind_max entries.
 * That time is summed gap by gap, each counted at most a second and a step back as none, so
 * a clock stepped forward between a burst's first messages and start costs a second of the
 * span at most, and one stepped back, none; a quiet ward's long gaps, counted a second each,
 * replay more entries (within rewind_max), never fewer. Before, the first entry committed
 * within span_ms of the entry before start was searched for, taking the times for ordered: a
 * step forward of more than the window left the burst's first messages out, so its
 * correlation never fired again. *ret_oldest_ms (may be NULL) gets the lowest commit time
 * among the entries from the one returned to start (INT64_MAX: none): the alerts raised since
 * then are those the analysis may meet again (load_raised). Times not readable: start.
 */
uint64_t follow_replay_from(struct ledger *lg, uint64_t start, uint64_t rewind_max, int64_t span_ms,
                            int64_t *ret_oldest_ms);

/*
 * Runs the follower once in the caller's thread until it has read everything committed and
 * written its block (`mamori log reindex`, tests). Returns 0 or -errno.
 */
int follower_catch_up(const char *dir, const struct follower_options *o, struct strbuf *err);

#endif
