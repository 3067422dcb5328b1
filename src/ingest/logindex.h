/* logindex: the search index of collected logs (schema/0006-logs.sql), and searching it. */
#ifndef MAMORI_INGEST_LOGINDEX_H
#define MAMORI_INGEST_LOGINDEX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/strbuf.h"
#include "ingest/event.h"

struct store;
struct ledger;

#define LOGINDEX_BLOCK_MAX 4096 /* messages in one block */

/* A block being filled by the follower (ingest/follow.c). */
struct logindex_builder {
	uint64_t first_index, last_index;
	size_t n;
	int64_t t_min, t_max, r_min, r_max;
	struct strbuf hosts, apps, users; /* "\nA\nB\n": the dictionaries, in id order */
	size_t n_hosts, n_apps, n_users;
	/* Per dictionary, the name found last (its offset, length and id; id 0: none), compared
	 * first: most messages name the host and program of the one before. */
	struct logindex_last {
		size_t off, n;
		uint16_t id;
	} last_host, last_app, last_user;
	struct strbuf data; /* records */
	/* Per host: the latest received time and count, for log_host. */
	struct logindex_host {
		char *host;
		int64_t first_ms, last_ms;
		uint64_t n, last_index;
	} * seen;
	size_t n_seen, alloc_seen;
};

/* What the index keeps of one message (from a log_event, or from the handoff). */
struct logindex_facts {
	uint64_t index;
	int64_t time_ms, received_ms;
	const char *host; /* NUL-terminated, lowercased; "" when none */
	const char *app, *user;
	size_t app_n, user_n;
	int pri;
	unsigned format, flags;
};

void logindex_facts_of(const struct log_event *ev, struct logindex_facts *ret);

void logindex_builder_init(struct logindex_builder *b);
void logindex_builder_release(struct logindex_builder *b);
/* Adds one message (events must come in ledger order). */
void logindex_builder_add(struct logindex_builder *b, const struct log_event *ev);
void logindex_builder_add_facts(struct logindex_builder *b, const struct logindex_facts *f);

/*
 * The handoff (loghandoff.c): the ingest's analysis parses each message it takes (ingest.h);
 * it puts what the index needs here, in ledger order, and the follower takes it instead of
 * parsing the message again. Bounded (4 MiB): past it messages are left out and the follower
 * parses those. Thread-safe.
 */
struct logindex_handoff;
struct logindex_handoff *logindex_handoff_new(void);
void logindex_handoff_free(struct logindex_handoff *h);
void logindex_handoff_put(struct logindex_handoff *h, const struct log_event *ev);
/*
 * The same for a run of messages under one lock (the analysis on arrival took it for each
 * message, 4-5% of its time): each message's facts staged without the lock, then put at
 * once. A stage holds personal data (user names): wiped when put.
 */
struct logindex_stage {
	struct strbuf bytes;
	uint64_t n, end; /* messages staged; the index after the last */
};
void logindex_stage_init(struct logindex_stage *s);
void logindex_stage_release(struct logindex_stage *s);
void logindex_handoff_stage(struct logindex_stage *s, const struct log_event *ev);
void logindex_handoff_put_staged(struct logindex_handoff *h, struct logindex_stage *s);
/*
 * The ledger index below which every message the analysis handled was offered (put, or left
 * out: the follower parses those): 0 before the first. The follower reads no further (with
 * the analysis's floor), so it takes those it staged from the handoff rather than parsing
 * them again.
 */
uint64_t logindex_handoff_end(struct logindex_handoff *h);
/* Adds the message at ledger index `index` to b when it was handed over (dropping those
 * before it, which the follower read itself); false when it was not. */
bool logindex_handoff_take(struct logindex_handoff *h, uint64_t index, struct logindex_builder *b);
/*
 * Adds the run of handed messages at index, index + 1, ... (at most max) to b, dropping those
 * before index; returns how many. *ret_next (when not NULL) gets the index of the first message
 * still waiting after the run (UINT64_MAX: none), so the follower reads from the ledger only
 * the entries between runs (the door's acts, imported files, what was left out).
 */
uint64_t logindex_handoff_take_run(struct logindex_handoff *h, uint64_t index, uint64_t max,
                                   struct logindex_builder *b, uint64_t *ret_next);
void logindex_handoff_counts(struct logindex_handoff *h, uint64_t *put, uint64_t *taken,
                             uint64_t *left_out);
/*
 * The bytes the handoff's buffer keeps (allocated: it keeps its largest size while messages
 * flow), and, when nothing waits in it and it keeps more than keep, frees it (wiped): the
 * analysis calls it once idle, as for its own queues (live.c). Returns what it keeps then.
 */
size_t logindex_handoff_kept(struct logindex_handoff *h);
size_t logindex_handoff_shrink(struct logindex_handoff *h, size_t keep);
/*
 * Writes the block (when it holds any message) and moves log_state.indexed to next_index,
 * in one transaction; then empties b. Returns 0 or -errno.
 */
int logindex_flush(struct store *st, struct logindex_builder *b, uint64_t next_index,
                   struct strbuf *err);

/* log_state: how far the index and the analysis got. */
int logindex_state(struct store *st, uint64_t *ret_indexed, uint64_t *ret_analysed,
                   struct strbuf *err);
int logindex_set_analysed(struct store *st, uint64_t analysed, struct strbuf *err);

/* What to search for; every filter that is set must hold. */
struct log_query {
	int64_t since_ms, until_ms; /* the messages' own times, inclusive; 0: open */
	const char *host;           /* exact, case-insensitive */
	const char *app;            /* exact */
	const char *user;           /* exact (the user the message names) */
	const char *grep;           /* a substring of the raw message, ASCII case-insensitive */
	int64_t limit;              /* hits returned; 0: 100 */
	int64_t offset;             /* hits skipped (paging), newest first */
	bool count_only;            /* only count */
};

/* One hit: the message, read back from the ledger. */
struct log_hit {
	uint64_t index;
	int64_t time_ms, received_ms;
	char *source;
	struct strbuf payload; /* the sealed payload (personal data: wiped on release) */
	struct log_event ev;   /* read from payload */
};

struct log_result {
	uint64_t count; /* every match (count_only, or the total behind the page) */
	struct log_hit *hits;
	size_t nr;
};

/*
 * Searches the collected messages: the index's blocks, then the entries the follower has
 * not indexed yet, read from the ledger, so a message is found as soon as it is durable.
 * Hits come newest first (message time, then ledger index). offset_ms: the ward's zone
 * for timestamps without one. Returns 0 or -errno.
 */
int logindex_search(struct store *st, struct ledger *lg, const struct log_query *q,
                    int64_t offset_ms, struct log_result *ret, struct strbuf *err);
void log_result_release(struct log_result *r);

/*
 * A time as people give it to --since/--until and the search page: "2026-11-22" (midnight,
 * ward's time), "2026-11-22 11:46[:00]" (ward's time), RFC 3339, or a duration ago ("1h",
 * "30m", "7d"). 0 with UTC ms, or -EINVAL.
 */
int log_parse_when(const char *s, int64_t now_ms, int64_t offset_ms, int64_t *ret_ms);

/* JSON of one hit: {"index","time","received","host","app","procid","msgid","facility",
 * "severity","user","src_ip","message","format","flags","via","peer","tls","source"}. */
struct json_writer;
void log_hit_json(const struct log_hit *h, struct json_writer *w);

#endif
