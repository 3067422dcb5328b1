/* follow: the follower: reads committed messages from the ledger, indexes them, hands them on. */
#ifndef MAMORI_INGEST_FOLLOW_H
#define MAMORI_INGEST_FOLLOW_H

#include <stdbool.h>
#include <stdint.h>

#include "base/strbuf.h"
#include "ingest/event.h"

/*
 * Who else reads the messages (the analysis, src/monitor): event() for each message in
 * ledger order (replay: the analysis saw it before a restart, so it only updates its state),
 * then round() after each run of messages (raise alerts, periodic rules). Both run on the
 * follower's thread.
 */
struct follower_hooks {
	void *ctx;
	void (*event)(void *ctx, const struct log_event *ev, bool replay);
	int (*round)(void *ctx, int64_t now_ms, struct strbuf *err);
};

struct follower_options {
	unsigned flush_ms; /* an unfilled block is written after this; 0: 2000 */
	int64_t offset_ms; /* the ward's zone for timestamps without one: Tokyo */
	struct follower_hooks hooks;
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
/* Writes what it holds and stops. NULL is accepted. Returns the thread's error, if any. */
int follower_stop(struct follower *f, struct strbuf *err);

/*
 * Runs the follower once in the caller's thread until it has read everything committed and
 * written its block (`mamori log reindex`, tests). Returns 0 or -errno.
 */
int follower_catch_up(const char *dir, const struct follower_options *o, struct strbuf *err);

#endif
