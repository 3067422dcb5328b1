/* monitor-internal: what the log analysis's files share: monitor.c (the analysis of each
 * message), monitor-corr.c (correlation windows), monitor-round.c (the rounds: log gaps, the
 * correlations' sweep, the day's record) and monitor-raise.c (raising the hits found, kept
 * across failures and restarts). Not for callers outside src/monitor/monitor*.c: they use
 * monitor.h.
 */
#ifndef MAMORI_MONITOR_MONITOR_INTERNAL_H
#define MAMORI_MONITOR_MONITOR_INTERNAL_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/strbuf.h"
#include "monitor/monitor.h"
#include "monitor/registers.h"
#include "monitor/sigma.h"

#define GROUP_BUCKETS 4096
#define SUPPRESS_MS   600000 /* 10 minutes */
/* An alert whose raising failed is tried again after this, doubled at each failure up to
 * RETRY_MAX_MS (raise_pending). */
#define RETRY_MS       1000
#define RETRY_MAX_MS   60000
#define CLOCK_SLACK_MS 60000 /* messages' clocks against the server's */
#define STUCK_TRIES    6     /* failed tries in a row, and ... */
#define STUCK_MS       60000 /* ... this long since the first: the analysis is stuck */
#define MAX_PENDING    10000 /* hits waiting for the next round, or to be tried again */

struct group;
struct ledger;
struct profile;
struct store;
struct suppress;

/* A correlation rule's groups of messages (monitor-corr.c), in buckets by their key. */
struct corr_state {
	const struct sigma_rule *rule;
	struct group *buckets[GROUP_BUCKETS];
	size_t ngroups;
};

/* A host the log-gap rule watches: when it was last heard from, and whether its silence was
 * alerted since. */
struct host_state {
	char *host;
	int64_t last_ms;
	uint64_t last_index;
	bool alerted;
	/* A gap of held_rule found while the most waited (its last message before it): raised at
	 * a later round (gaps), also when the host has spoken again since; another silence is
	 * looked at once it is. In memory only: not across a restart. NULL: none. */
	const struct sigma_rule *held_rule;
	int64_t held_ms;
	uint64_t held_index;
	struct host_state *next;
};

/*
 * An alert the log analysis raised before this start (load_raised): what it is about and the
 * entries it names, so that analysing those messages again raises nothing new, and the
 * suppression it set holds across the restart.
 */
struct raised {
	char *rule, *host, *summary, *severity; /* (the severity as stored: 高) */
	int64_t id, time_ms, created_ms;
	uint64_t *entries; /* ascending */
	size_t n;
	/* No case, and still open (one acknowledged or closed: a person decided): a try that
	 * landed and failed before its case (landed), then a stop or a crash before the retry
	 * opened it. Met again, its case is opened (open_missing_case). */
	bool caseless;
};

/* A hit dropped at MAX_PENDING (hit_new): what finds it again (monitor-again.c). */
struct dropped {
	const struct sigma_rule *rule;
	uint64_t first; /* the lowest entry it named */
	uint64_t about; /* its host and key, hashed (about_hash) */
};

struct monitor {
	/* The ingest's analysis thread and the follower both hand it messages. */
	pthread_mutex_t mu;
	struct sigma_cache *fields; /* the message being matched (under mu) */
	struct monitor_options opt;
	const struct profile *profile;
	struct profile *own_profile;
	struct sigma_set rules;
	unsigned **counted_by; /* per rule: the correlations counting it */
	unsigned *n_counted_by;
	struct corr_state *corr; /* per rule (correlations only) */
	struct store *st;
	struct ledger *lg;
	struct registers reg;
	struct host_state *hosts[GROUP_BUCKETS];
	struct host_state *last_host; /* the last message's */
	/* The shortest log-gap time of the rules in force (0: none), and the earliest a host
	 * not alerted may go silent that long (gaps: none is looked at before) */
	int64_t gap_ms, gap_check_ms;
	struct suppress *supp[GROUP_BUCKETS];
	struct raised *raised; /* before this start */
	size_t nraised;
	struct monitor_hit *pending; /* found, or whose raising failed (to be tried again) */
	size_t npending, alloc_pending;
	/* The lowest entry a pending hit names (monitor_raised_floor), UINT64_MAX: none. Written
	 * under mu, read without it (the follower). */
	_Atomic uint64_t unraised;
	int64_t retry_at;   /* after a failure, nothing is raised before this (server's clock) */
	unsigned retry_ms;  /* how long the next failure waits */
	bool stopping_said; /* the server is stopping for good: said once */
	uint64_t dropped;   /* hits refused since the last round: MAX_PENDING were waiting */
	/* For the alert page, read without mu (monitor_unraised): since the start, hits dropped
	 * so and refused for good; and those waiting after the last round. */
	_Atomic uint64_t dropped_all, refused, waiting;
	_Atomic uint64_t unheld; /* of those waiting: too far back for a restart (unhold) */
	/* Of dropped_all, those a restart can no longer find (their hold ended: unhold), or that
	 * were not found again (again_done); and those found again (monitor_rewind). */
	_Atomic uint64_t dropped_lost, dropped_again;
	_Atomic uint64_t retried; /* raised after their raising had failed */
	/*
	 * Failed tries in a row with no alert raised (count_failure), since when (the server's
	 * clock), and the last failure's code and message. From STUCK_TRIES on the analysis is
	 * stuck: stuck_since_ms, stuck_code (a positive errno) and stuck_tries for the page.
	 */
	unsigned fail_streak;
	int64_t fail_since_ms;
	int fail_code;
	struct strbuf fail_why;
	bool stuck, stuck_said; /* became so (count_failure), said (say_stuck) */
	_Atomic int64_t stuck_since_ms;
	_Atomic int stuck_code;
	_Atomic unsigned stuck_tries;
	/*
	 * MAX_PENDING hits wait and the last round could make room (stalled: it could not, its
	 * raising failing): the follower ends its round (monitor_full), so the round's hook
	 * raises them before more are found; a restart's backlog dropped again at the cap what
	 * it dropped before. Written under mu, full read without it.
	 */
	bool stalled;
	_Atomic bool full;
	unsigned refused_round; /* refused in this round (each said, up to REFUSED_SAID_MAX) */
	/*
	 * The hits dropped (monitor-again.c): their messages are analysed again once raising
	 * works (monitor_rewind, the follower's rewind), and only they are raised from them,
	 * those sought by the analysis again running in seeking. The lowest entry they name is
	 * overflow: the analysed mark stays below it (unraised), so a restart finds them again
	 * too (UINT64_MAX: none), until the log is half the rewind past it (unhold: lost).
	 */
	struct dropped *drops, *seeking;
	size_t ndrops, alloc_drops, nseeking, alloc_seeking, sought;
	uint64_t overflow;
	uint64_t again_from, again_end; /* analysed again: [again_from, again_end) (0: none) */
	struct corr_state *again_corr;  /* its correlation groups (as corr) */
	bool finding_again;             /* the message monitor_event analyses is analysed again */
	_Atomic bool again_due;         /* drops wait, or the analysis again runs (under mu too) */
	bool drops_full_said;           /* DROPS_MAX were recorded: said once (drop_record) */
	int64_t last_alert_id;          /* the highest alert id known (load_raised, then raised) */
	uint64_t messages, alerts, line;
	int64_t day; /* the ward's day (days since epoch) the analysis is running in */
};

/* An alert's host and key (what it is about) are cut beyond this (hit_text). */
#define HIT_TEXT_MAX 512

/* When host h goes silent for the shortest log-gap time (gaps), saturated. */
static inline int64_t gap_due(const struct monitor *m, const struct host_state *h)
{
	return h->last_ms > INT64_MAX - m->gap_ms ? INT64_MAX : h->last_ms + m->gap_ms;
}

/* monitor.c */
uint32_t hash_str(const char *s);
unsigned max_pending(const struct monitor *m);
void hit_text(struct strbuf *out, const char *s);
bool suppressed(struct monitor *m, const char *key, int64_t now, bool set);
struct monitor_hit *hit_new(struct monitor *m, const struct sigma_rule *r, const char *raw_host,
                            const char *raw_key, uint64_t first);
void hit_add(struct monitor *m, struct monitor_hit *h, uint64_t index, uint64_t line, int64_t t);
void hit_release(struct monitor_hit *h);

/* monitor-again.c */
bool again_sought(struct monitor *m, const struct sigma_rule *r, const char *host, const char *key,
                  uint64_t first);
void drop_record(struct monitor *m, const struct sigma_rule *r, const char *host, const char *key,
                 uint64_t first);
void drops_unhold(struct monitor *m, uint64_t below);
void again_free(struct monitor *m);

/* monitor-corr.c */
void corr_add(struct monitor *m, struct corr_state *cs, const struct log_event *ev, bool replay);
void corr_sweep(struct corr_state *cs, int64_t now);

/* monitor-raise.c */
void summarise(struct monitor_hit *h);
void raise_pending(struct monitor *m, int64_t now);
bool raised_about(struct monitor *m, const struct monitor_hit *h, int64_t *ret_time_ms);
int load_raised(struct monitor *m, struct strbuf *err);

#endif
