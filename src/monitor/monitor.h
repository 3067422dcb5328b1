/* monitor: the log analysis: rules over every collected message, alerts through the door. */
#ifndef MAMORI_MONITOR_MONITOR_H
#define MAMORI_MONITOR_MONITOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/strbuf.h"
#include "ingest/event.h"
#include "monitor/sigma.h"

struct alert_input;
struct door;
struct profile;

/* The shipped rules of a profile (policies/rules/<id>.yml), embedded at build time. */
struct monitor_builtin {
	const char *profile; /* "minato" */
	const char *file;    /* "policies/rules/minato.yml" */
	const char *data;
	size_t len;
};
extern const struct monitor_builtin monitor_builtins[];
extern const unsigned monitor_builtins_nr;

/*
 * The rules in force: the profile's shipped rules, then every .yml and .yaml file of DIR/rules
 * in name order (a rule with the id of an earlier one replaces it). dir may be NULL (only
 * the shipped rules). Returns 0 or -EINVAL with err naming the file and line.
 */
int monitor_rules_load(const char *profile_id, const char *dir, struct sigma_set *ret,
                       struct strbuf *err);

/* One alert the analysis found: a rule, the messages that made it, and what it says. */
struct monitor_hit {
	const struct sigma_rule *rule;
	char *host;
	char *key;       /* what it is about, for people: "src_ip=203.0.113.5", "user=tanaka" */
	char *summary;   /* Japanese */
	int64_t time_ms; /* the last message's time */
	uint64_t *entries;
	size_t n_entries;
	uint64_t *lines; /* `log rules test`: the messages' line numbers */
	size_t n_lines;
	/* Its raising (monitor-raise.c): failed tries; not tried again before retry_at. */
	unsigned failures;
	int64_t retry_at;
	/* Its last failed try: when it began (the server's clock), and the alert it would have
	 * written (time, summary, its first tried_n entries), as landed looks for it. */
	int64_t tried_ms, tried_time_ms;
	int64_t tried_after_id; /* the last alert id known before it (0: unknown) */
	char *tried_summary;
	size_t tried_n;
	bool unheld; /* too far back for a restart: holds the analysed mark no more */
};

struct monitor_options {
	const char *dir;      /* data directory: its rules and registers; NULL for a bare test */
	struct door *door;    /* alerts and the daily analysis go through it; NULL: collect hits */
	const char *profile;  /* profile id when there is no door ("minato") */
	int64_t offset_ms;    /* the ward's zone: Tokyo */
	unsigned suppress_ms; /* the same rule and key alert again only after this: 0 = 10 min */
	/* Tests only: at most this many hits wait to be raised (0: 10,000). */
	unsigned max_pending;
	/* Tests only: at most this many alerts raised before are read back (0: 16,384). */
	unsigned raised_max;
	/* Tests only: at most this many dropped alerts are recorded to be found again (0:
	 * 65,536, monitor-again.c); past it each one dropped is lost at once. */
	unsigned drops_max;
	/* Tests only: how long the registers' answers are kept (0: 30 s; -1: not kept). */
	int64_t registers_ms;
	/* Tests only: added to the server's clock when the alerts raised before are read back
	 * (a clock stepped forward before this start). */
	int64_t start_skew_ms;
	/* Tests only: how long the raising fails (6 tries at least) before the analysis is
	 * stuck (0: a minute). */
	int64_t stuck_ms;
	/* Tests only: called instead of alert_raise (core/alert.h) to raise each alert. */
	int (*raise)(struct door *d, const struct alert_input *in, int64_t *ret_id,
	             uint64_t *ret_ledger_index, struct strbuf *err);
};

struct monitor;

int monitor_open(const struct monitor_options *o, struct monitor **ret, struct strbuf *err);
void monitor_free(struct monitor *m);
const struct sigma_set *monitor_rules(struct monitor *m);

/*
 * The follower's hooks (ingest/follow.h): every message in ledger order, then a round
 * that raises what was found (through the door as system actor "monitor"), checks for hosts
 * gone silent and records the day's analysis once the day is over.
 */
void monitor_event(void *m, const struct log_event *ev, bool replay);
int monitor_round(void *m, int64_t now_ms, struct strbuf *err);
/*
 * The ledger index below which every alert the analysis found has been raised (or needs no
 * raising): UINT64_MAX when none waits. An alert whose raising failed for a reason that may
 * pass (an I/O error, a full disk: not a refusal) is kept and tried again by later rounds,
 * backed off from 1 s to a minute, and not at all once the server is stopping for good (its
 * door or database file failed); it waits here with the first message it names, so the
 * follower keeps log_state.analysed below it (follower_options.raised_floor) and a restart
 * analyses those messages again and raises it then (once: load_raised). An alert found but
 * not raised yet (the round has not run) waits here too. Not for a log gap: a restart finds
 * those again from log_host. Asked without the analysis's lock, except that an alert that
 * failed and names an entry below unhold_below holds it no more (it is still tried again;
 * said on stderr and counted, monitor_unraised), nor do the alerts dropped at 10,000: the
 * follower passes where a restart could no longer find them (half its rewind behind it).
 */
uint64_t monitor_raised_floor(void *m, uint64_t unhold_below);

/*
 * Whether the analysis holds as many alerts as may wait to be raised (10,000) and its next
 * round could make room (follower_options.analysis_full): the follower then ends its round
 * there, and the round raises them before more are found. Without it a restart's backlog
 * (rounds of 16,384 entries) dropped again at the cap the alerts dropped before, whose
 * hold brought them back: never raised. Once a round could not make room (their raising
 * failing), those found are dropped (counted, and holding the mark: monitor_unraised).
 */
bool monitor_full(void *m);

/*
 * The follower's rewind (follower_options.analysis_rewind), after each of its rounds at
 * position pos: the entry below pos from which the analysis reads the messages again, or
 * UINT64_MAX. Once the alerts dropped at 10,000 while their raising failed (monitor_full)
 * can be raised (the last round made room, its last try raised one, no back-off), their
 * messages are analysed again from the first they name to pos, with correlation groups of
 * their own (after the replay before it), and only the alerts dropped are raised from them,
 * each once; what is not found again is lost (said, counted). Single messages' only: a
 * dropped correlation alert waits for a restart, which tells it from one raised. Before, they
 * waited for a restart, and their hold ended once 8,192 alerts were raised since (a restart raised
 * the rest twice): lost.
 */
uint64_t monitor_rewind(void *m, uint64_t pos);

/*
 * How long before where it starts again the analysis reads the messages again, without
 * raising anything, to rebuild its correlation groups (follower_options.replay_ms): the
 * longest correlation window and a minute for senders' clocks; 0 without correlations. A
 * correlation alert whose raising failed holds the analysed mark from when it fired, but its
 * first messages may lie before the mark stored before that: without them it never fired
 * again after a restart. Messages read again count in no alert and in monitor_messages.
 */
int64_t monitor_replay_ms(struct monitor *m);

/* Without a door: the hits found so far (owned by m). */
const struct monitor_hit *monitor_hits(struct monitor *m, size_t *ret_nr);
/* The line number of the next message (`log rules test` reads a file). */
void monitor_set_line(struct monitor *m, uint64_t line);

/* Counters: messages analysed, alerts raised (or hits found). */
uint64_t monitor_messages(struct monitor *m);
uint64_t monitor_alerts(struct monitor *m);

/*
 * What the analysis found and did not raise, since the server started: refused for good by
 * the door (each said in the server's log); dropped (10,000 were waiting and their raising
 * failed: found again once it works, dropped_again of them, or by a restart, unless the log
 * went 32,768 entries past them first or they were not found again: dropped_lost of them,
 * lost); waiting after the last round to be tried again (their raising
 * failed, or the door's did), and of those how many are too far back for a restart to find
 * them again (lost if the server stops before they are raised); raised after their raising
 * had failed (retried). And whether it is stuck: stuck_tries tries in a row failed with no
 * alert raised, since stuck_since_ms (the server's clock; 0: not stuck: from the 6th try a
 * minute or more after the first),
 * the last one with stuck_code (a positive errno: EPROTO, the database is damaged). For the
 * alert page and the dashboard: read without the analysis's lock.
 */
struct monitor_unraised {
	uint64_t refused, dropped, waiting, unheld, dropped_lost, dropped_again, retried;
	int64_t stuck_since_ms;
	int stuck_code;
	unsigned stuck_tries;
	unsigned max_pending; /* how many may wait to be raised: 10,000 */
};
void monitor_unraised(struct monitor *m, struct monitor_unraised *ret);

#endif
