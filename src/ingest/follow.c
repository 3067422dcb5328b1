/* follow: the follower: reads committed messages from the ledger, indexes them, hands them on. */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/cleanup.h"
#include "base/timeutil.h"
#include "ingest/follow.h"
#include "ingest/logindex.h"
#include "ledger/ledger.h"
#include "store/query.h"
#include "store/store.h"

#define DEFAULT_FLUSH_MS 2000
#define IDLE_WAKE_MS     1000 /* the periodic rules run at least this often */
/* Entries one round reads at most: alerts are raised (the round hook) at least this often,
 * so a burst behind a long backlog waits for this many entries, not for the whole backlog. */
#define ROUND_MAX 16384
/*
 * At most this many entries are read again after a restart for an analysis left behind: the
 * last REWIND_MAX of them when more were left, the others named on stderr (never skipped
 * silently).
 */
#define REWIND_MAX FOLLOW_REWIND_MAX
/*
 * The analysed mark is stored at most this often: each store is a commit, and each commit by
 * another connection makes the ledger writer's connection drop its whole page cache at its
 * next transaction (SQLite's WAL: the header changed). It is also stored once it trails by
 * half of REWIND_MAX, whatever the rate: a crash then leaves at most that plus one round
 * (ROUND_MAX) to analyse again, within REWIND_MAX (at 265k msg/s, 0.2 s is 53,000 entries,
 * and the time rule stores first).
 */
#define MARK_MS 200

struct follower {
	char *dir;
	struct follower_options opt;
	struct store *st;
	struct ledger *lg;
	struct logindex_builder b;
	uint64_t pos;        /* next entry to read */
	uint64_t indexed;    /* entries below were indexed before (a restart re-reads them only to
	                      * analyse what the analysis had not: from `analysed`) */
	uint64_t analysed;   /* entries below were analysed before */
	uint64_t replay_to;  /* entries below are replayed to the analysis (no alerts) */
	int64_t analysed_ms; /* when `analysed` was last stored (monotonic clock) */
	uint64_t rewind_max; /* REWIND_MAX, or the tests' opt.rewind_max */
	int64_t mark_ms;     /* MARK_MS, or the tests' opt.mark_ms */
	uint64_t
	    live_from; /* opt.live: receivers' messages from here are the ingest's to analyse */
	int64_t block_started_ms;
	uint64_t handed; /* messages indexed from the handoff (not parsed again) */
	uint64_t read;   /* entries read from the ledger (the handoff's runs are not) */
	bool cut;        /* the round ended early: the analysis was full (opt.analysis_full) */
	/* Rewound (opt.analysis_rewind): entries below again_end are handed to the analysis
	 * again, the receivers' too; those from there to again_skip (analysed already, or still
	 * the ingest's to analyse) not at all. 0, 0: none. */
	uint64_t again_end, again_skip;
	uint64_t round_from; /* where this round began (it hands on one entry at least) */
	int err_code;
	struct strbuf err;

	pthread_t thread;
	bool started;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	bool woken, stopping;
	uint64_t published_pos, published_handed, published_read;
};

/*
 * A gap between two entries' commit times counts at most this toward the replay's span (and
 * a time that goes back counts nothing): the server's clock stepped forward (NTP) looks like a
 * gap, and counted whole it cut a burst's first messages out of the replay.
 */
#define REPLAY_GAP_MAX_MS 1000
/* Entries whose times follow_replay_from reads at once, walking back. */
#define REPLAY_SCAN 4096

struct times {
	int64_t *t;
	uint64_t first, n;
};

static int on_time(void *ctx, const struct ledger_range_item *it)
{
	struct times *ts = ctx;
	struct ledger_entry e;

	if (it->index != ts->first + ts->n || entry_decode(it->entry, it->len, &e, NULL) < 0)
		return -EBADMSG;
	ts->t[ts->n++] = e.time_ms;
	entry_release(&e);
	return 0;
}

uint64_t follow_replay_from(struct ledger *lg, uint64_t start, uint64_t rewind_max, int64_t span_ms,
                            int64_t *ret_oldest_ms)
{
	uint64_t lo = start > rewind_max ? start - rewind_max : 0, hi = start;
	struct strbuf err = STRBUF_INIT;
	struct times ts = { .t = xcalloc(REPLAY_SCAN, sizeof(int64_t)) };
	int64_t span = 0, later = 0, oldest = INT64_MAX;
	bool have_later = false;
	uint64_t from = start;

	while (hi > lo) {
		uint64_t n = hi - lo < REPLAY_SCAN ? hi - lo : REPLAY_SCAN;
		ts.first = hi - n;
		ts.n = 0;
		if (ledger_read_range(lg, ts.first, n, 0, on_time, &ts, &err) != 0 || ts.n != n) {
			fprintf(stderr,
			        "mamori: the log analysis does not replay the entries before %llu "
			        "(its correlations count from there on): cannot read the times of "
			        "entries %llu to %llu: %s\n",
			        (unsigned long long)start, (unsigned long long)ts.first,
			        (unsigned long long)(ts.first + n - 1),
			        err.len ? err.buf : "an entry cannot be read");
			from = start;
			oldest = INT64_MAX;
			break;
		}
		for (uint64_t i = n; i-- > 0;) {
			if (have_later) {
				int64_t gap = later - ts.t[i];
				span += gap < 0                   ? 0
				        : gap > REPLAY_GAP_MAX_MS ? REPLAY_GAP_MAX_MS
				                                  : gap;
			}
			if (span > span_ms)
				goto out;
			later = ts.t[i];
			have_later = true;
			from = ts.first + i;
			if (ts.t[i] < oldest)
				oldest = ts.t[i];
		}
		hi = ts.first;
	}
out:
	free(ts.t);
	strbuf_release(&err);
	if (ret_oldest_ms)
		*ret_oldest_ms = oldest;
	return from;
}

/* Where the replay before start begins (follow_replay_from with opt.replay_ms). */
static uint64_t replay_start(struct follower *f, uint64_t start)
{
	return follow_replay_from(f->lg, start, f->rewind_max, f->opt.replay_ms, NULL);
}

static int on_item(void *ctx, const struct ledger_range_item *it);

/*
 * Replays [from, f->pos) to the analysis now, in the caller's thread: follower_start returns
 * after it, before serve opens the ingest, so a message analysed on arrival finds its
 * correlation group whole (the replay on the follower's thread raced with it: a burst's last
 * message could come first and fire nothing). These entries are all indexed already. A read
 * that fails is said, and the analysis goes on without the rest of the replay.
 */
static void replay_now(struct follower *f, uint64_t from)
{
	struct strbuf err = STRBUF_INIT;
	uint64_t upto = f->pos;

	f->pos = from;
	while (f->pos < upto) {
		uint64_t at = f->pos;
		int r = ledger_read_range(f->lg, f->pos,
		                          upto - f->pos < ROUND_MAX ? upto - f->pos : ROUND_MAX,
		                          LEDGER_RANGE_PAYLOADS, on_item, f, &err);
		if (r != 0 || f->pos == at) {
			if (r != 0)
				fprintf(
				    stderr,
				    "mamori: the log analysis does not replay ledger entries %llu "
				    "to %llu (its correlations count from %llu on): %s\n",
				    (unsigned long long)f->pos, (unsigned long long)(upto - 1),
				    (unsigned long long)upto, err.buf);
			break;
		}
	}
	f->pos = upto;
	strbuf_release(&err);
}

static int open_conn(struct follower *f, struct strbuf *err)
{
	struct query *q;
	/* (STORE_BATCH_IO: its commits write the index's pages in runs, as the ledger writer) */
	int r = store_open(f->dir, STORE_ANY_BACKEND | STORE_BATCH_IO, &f->st, err);

	if (r < 0)
		return r;
	/*
	 * The index is derived from the ledger and rebuilt from it after a crash, so its commits
	 * need not wait for the disk: the ledger writer's own durable commits follow anyway.
	 */
	if (store_dialect(f->st) == STORE_POSTGRESQL) {
		r = store_exec(f->st, "SET synchronous_commit = off", err);
		if (r < 0)
			return r;
	} else {
		if (query_prepare(f->st, "PRAGMA synchronous=NORMAL", &q, err) == 0)
			query_step(q, err);
		if (f->opt.leave_checkpoints &&
		    query_prepare(f->st, "PRAGMA wal_autocheckpoint=0", &q, err) == 0)
			query_step(q, err);
	}
	r = ledger_open(f->st, &f->lg, err);
	if (r == 0)
		r = logindex_state(f->st, &f->pos, &f->analysed, err);
	f->indexed = f->pos;
	f->analysed_ms = time_mono_ns() / 1000000; /* the mark read counts as just stored */
	/*
	 * Messages indexed but not analysed (the server stopped while the analysis was behind):
	 * read again for the analysis only, the last rewind_max of them at most. A ward whose
	 * analysis never ran (analysed 0) does not raise alerts for its whole history; one whose
	 * analysis ran long ago analyses the last rewind_max, and the others are named.
	 */
	if (r == 0 && f->opt.hooks.event && f->analysed > 0 && f->analysed < f->pos) {
		uint64_t from =
		    f->pos - f->analysed <= f->rewind_max ? f->analysed : f->pos - f->rewind_max;
		if (from > f->analysed)
			fprintf(
			    stderr,
			    "mamori: the log analysis does not read again ledger entries %llu to "
			    "%llu (%llu, indexed before the restart and not analysed): only the "
			    "last %llu are\n",
			    (unsigned long long)f->analysed, (unsigned long long)(from - 1),
			    (unsigned long long)(from - f->analysed),
			    (unsigned long long)f->rewind_max);
		f->pos = from;
	}
	/*
	 * Before the replay: on_item leaves the receivers' messages from live_from on to the
	 * ingest's analysis, and every message of the replay is before it (serve opens the ingest
	 * after follower_start). Read after it, live_from was still 0 during the replay, which
	 * then skipped every syslog message and rebuilt no group.
	 */
	if (r == 0 && f->opt.live) {
		uint8_t root[MERKLE_HASH_SIZE];
		r = ledger_head(f->lg, &f->live_from, root, err);
	}
	/* Read again only to replay: below the mark (an index behind it), or named above. Then
	 * the correlations' window before that (replay_start). */
	f->replay_to = f->analysed > f->pos ? f->analysed : f->pos;
	if (r == 0 && f->opt.hooks.event && f->analysed > 0 && f->opt.replay_ms > 0)
		replay_now(f, replay_start(f, f->pos));
	return r;
}

static int flush(struct follower *f, struct strbuf *err)
{
	int r = logindex_flush(f->st, &f->b, f->pos > f->indexed ? f->pos : f->indexed, err);

	f->block_started_ms = 0;
	return r;
}

/* Takes the message at it from the handoff when it was analysed on arrival (parsed once). */
static bool take_handed(struct follower *f, const struct ledger_range_item *it)
{
	bool empty = f->b.n == 0;

	if (it->index < f->indexed || !f->opt.handoff ||
	    !logindex_handoff_take(f->opt.handoff, it->index, &f->b))
		return false;
	if (empty)
		f->block_started_ms = time_now_ms();
	f->handed++;
	return true;
}

/* on_item's answer that ends the round before the entry (f->cut): not an error. */
#define CUT 1

static int on_item(void *ctx, const struct ledger_range_item *it)
{
	struct follower *f = ctx;
	struct ledger_entry e;
	struct log_event ev;
	struct strbuf err = STRBUF_INIT;
	int r = 0;

	/* The analysis holds its most: the round's hook raises them before this entry. */
	if (it->index >= f->replay_to && it->index > f->round_from && f->opt.analysis_full &&
	    f->opt.hooks.event && f->opt.analysis_full(f->opt.hooks.ctx)) {
		f->cut = true;
		return CUT;
	}
	f->pos = it->index + 1;
	f->read++;
	if (entry_decode(it->entry, it->len, &e, NULL) < 0)
		return 0;
	if (e.kind == ENTRY_INGEST && !take_handed(f, it)) {
		/* An erased payload is still a message that arrived: indexed without its text. */
		log_event_read(&ev, it->index, e.time_ms, e.source, it->payload ? it->payload : "",
		               it->payload ? it->payload_len : 0, f->opt.offset_ms);
		if (it->index >= f->indexed) {
			if (f->b.n == 0)
				f->block_started_ms = time_now_ms();
			logindex_builder_add(&f->b, &ev);
		}
		/* What this server's receivers took since it started was analysed on arrival. */
		if (f->opt.hooks.event &&
		    !(it->index >= f->again_end && it->index < f->again_skip) &&
		    !(f->opt.live && it->index >= f->live_from && it->index >= f->again_end &&
		      log_via_receiver(ev.payload.via)))
			f->opt.hooks.event(f->opt.hooks.ctx, &ev, it->index < f->replay_to);
		log_event_release(&ev);
	}
	if (e.kind == ENTRY_INGEST && f->b.n >= LOGINDEX_BLOCK_MAX) {
		r = flush(f, &err);
		if (r < 0) {
			strbuf_reset(&f->err);
			strbuf_addstr(&f->err, err.buf);
		}
	}
	entry_release(&e);
	strbuf_release(&err);
	return r;
}

/* Entries from f->pos up to end, at most ROUND_MAX. */
static uint64_t round_to(const struct follower *f, uint64_t end)
{
	return end <= f->pos ? 0 : end - f->pos < ROUND_MAX ? end - f->pos : ROUND_MAX;
}

/*
 * How many entries this round reads: ROUND_MAX, but with the handoff only up to the ingest's
 * analysed floor and what the analysis handed over, so the messages analysed on arrival are
 * taken from it and not parsed again (their analysis wakes the follower). Not known yet: none
 * now. When the floor says nothing waits: up to the ledger's size read before the floor is
 * asked again (below).
 */
static uint64_t round_size(struct follower *f)
{
	uint64_t floor, end, size;
	uint8_t root[MERKLE_HASH_SIZE];
	struct strbuf err = STRBUF_INIT;
	int r;

	if (!f->opt.handoff || !f->opt.analysed_floor)
		return ROUND_MAX;
	floor = f->opt.analysed_floor(f->opt.floor_ctx);
	if (floor == UINT64_MAX) {
		/*
		 * Nothing waits now: every message the analysis took was handed over before the
		 * floor said so. That says nothing of a burst the receivers take after it and
		 * commit before this round's read reaches it: read to the end of the log, as it
		 * was, the round met such a burst and read it from the ledger, parsing it again, or
		 * taking it from the handoff inside the read when the analysis was quicker (indexed
		 * once either way; test-pipeline's parsed_once failed on it now and then). So the
		 * round ends at the ledger's size read here, one row, before the floor is asked
		 * again: every message committed by then was analysed and handed over if the floor
		 * still says nothing waits, and else the floor says where the analysis is. (A size
		 * not read: to the end, as it was; the read says why.)
		 */
		r = ledger_head(f->lg, &size, root, &err);
		strbuf_release(&err);
		if (r < 0)
			return ROUND_MAX;
		floor = f->opt.analysed_floor(f->opt.floor_ctx);
		if (floor == UINT64_MAX)
			return round_to(f, size);
	}
	/* It hands over a run of messages at a time: not past what it handed over, so those
	 * analysed and still staged are taken from the handoff, not parsed again. */
	end = logindex_handoff_end(f->opt.handoff);
	if (f->opt.live && end < f->live_from)
		end = f->live_from; /* (nothing before it came to the analysis on arrival) */
	if (end && end < floor)
		floor = end;
	return round_to(f, floor);
}

/*
 * Takes the run of messages the analysis handed over from f->pos on (at most up to end)
 * without reading the ledger: they are this server's receivers' messages, analysed and parsed
 * on arrival. *next gets the index of the next handed message after the run (UINT64_MAX:
 * none known). Returns how many were taken, or -errno when a full block could not be written.
 */
static int64_t take_run(struct follower *f, uint64_t end, uint64_t *next, struct strbuf *err)
{
	uint64_t n, room;
	bool empty = f->b.n == 0;
	int r;

	*next = UINT64_MAX;
	if (!f->opt.handoff || f->pos < f->indexed)
		return 0;
	room = LOGINDEX_BLOCK_MAX - (f->b.n < LOGINDEX_BLOCK_MAX ? f->b.n : LOGINDEX_BLOCK_MAX);
	n = logindex_handoff_take_run(f->opt.handoff, f->pos,
	                              end - f->pos < room ? end - f->pos : room, &f->b, next);
	if (n && empty)
		f->block_started_ms = time_now_ms();
	f->pos += n;
	f->handed += n;
	if (f->b.n >= LOGINDEX_BLOCK_MAX && (r = flush(f, err)) < 0)
		return r;
	return (int64_t)n;
}

/*
 * Indexes entries [f->pos, f->pos + limit): runs the analysis handed over are taken from the
 * handoff, the entries between them read from the ledger. Returns 0 or as ledger_read_range.
 */
static int read_round(struct follower *f, uint64_t limit, struct strbuf *err)
{
	uint64_t end = f->pos + limit;

	while (f->pos < end) {
		uint64_t next, upto, at;
		int64_t took = take_run(f, end, &next, err);
		int r;

		if (took < 0)
			return (int)took;
		if (took > 0)
			continue;
		/* Not handed: read up to the next handed message (or the round's end). */
		upto = next > f->pos && next < end ? next : end;
		at = f->pos;
		r = ledger_read_range(f->lg, f->pos, upto - f->pos, LEDGER_RANGE_PAYLOADS, on_item,
		                      f, err);
		if (r == CUT && f->cut)
			return 0;
		if (r != 0)
			return r;
		if (f->pos == at || f->pos < upto)
			break; /* the ledger ends sooner */
	}
	return 0;
}

/*
 * The analysis asks for messages again (opt.analysis_rewind): from the entry it names to here,
 * after the replay before it, as at a start; they are not indexed again (indexed moves here,
 * what the block holds is written as it is). Not while the start's replay or the messages
 * read only to analyse them again after a restart are still ahead (replay_to). Returns
 * whether it rewound.
 */
static bool rewind_analysis(struct follower *f)
{
	uint64_t from, end = f->pos, floor;

	if (!f->opt.analysis_rewind || !f->opt.hooks.event || f->pos < f->replay_to ||
	    f->pos < f->indexed)
		return false;
	/* not past what the ingest's analysis has analysed: the rest is still its own to */
	floor = f->opt.analysed_floor ? f->opt.analysed_floor(f->opt.floor_ctx) : UINT64_MAX;
	if (floor < end)
		end = floor;
	from = f->opt.analysis_rewind(f->opt.hooks.ctx, end);
	if (from >= end)
		return false;
	f->indexed = f->pos;
	f->again_end = end;
	f->again_skip = f->pos;
	f->replay_to = from;
	f->pos = f->opt.replay_ms > 0
	             ? follow_replay_from(f->lg, from, f->rewind_max, f->opt.replay_ms, NULL)
	             : from;
	return true;
}

/*
 * One round: read what is committed (at most ROUND_MAX entries; *more says whether more
 * waits), write a block when due, run the hooks' round.
 */
static int round_once(struct follower *f, bool force_flush, bool *more, struct strbuf *err)
{
	uint64_t before = f->pos;
	int r;

	*more = false;
	f->cut = false;
	f->round_from = f->pos;
	r = read_round(f, round_size(f), err);
	*more = r == 0 && (f->pos - before >= ROUND_MAX || f->cut);
	if (r != 0) {
		if (r > 0 || !err->len) {
			strbuf_reset(err);
			strbuf_addstr(err, f->err.buf);
		}
		return r > 0 ? -r : r;
	}
	/* A block due, or only other entries read: then the flush just moves the position. */
	if ((f->b.n && ((force_flush && !*more) ||
	                time_now_ms() - f->block_started_ms >= (int64_t)f->opt.flush_ms)) ||
	    (!f->b.n && f->pos != before))
		r = flush(f, err);
	if (r == 0 && f->opt.hooks.round)
		r = f->opt.hooks.round(f->opt.hooks.ctx, time_now_ms(), err);
	if (r == 0) {
		/*
		 * Asked after reading: what the ingest took and has not analysed stays ahead.
		 * Then what the analysis found and has not raised (its raising failed: the hooks'
		 * round tries it again, backed off), asked after the ingest's floor: a message
		 * below that floor had its alert found before (monitor.h).
		 */
		uint64_t floor =
		    f->opt.analysed_floor ? f->opt.analysed_floor(f->opt.floor_ctx) : UINT64_MAX;
		uint64_t held =
		    f->opt.raised_floor
		        ? f->opt.raised_floor(f->opt.hooks.ctx, f->pos > f->rewind_max / 2
		                                                    ? f->pos - f->rewind_max / 2
		                                                    : 0)
		        : UINT64_MAX;
		uint64_t mark = f->pos < floor ? f->pos : floor;
		if (held < mark)
			mark = held;
		int64_t now = time_mono_ns() / 1000000;
		if (mark > f->analysed && (force_flush || now - f->analysed_ms >= f->mark_ms ||
		                           mark - f->analysed >= f->rewind_max / 2)) {
			r = logindex_set_analysed(f->st, mark, err);
			if (r == 0) {
				f->analysed = mark;
				f->analysed_ms = now;
			}
		}
	}
	if (r == 0 && rewind_analysis(f))
		*more = true;
	pthread_mutex_lock(&f->mu);
	f->published_pos = f->pos > f->indexed ? f->pos : f->indexed;
	f->published_handed = f->handed;
	f->published_read = f->read;
	pthread_mutex_unlock(&f->mu);
	return r;
}

static void *follower_main(void *arg)
{
	struct follower *f = arg;
	struct strbuf err = STRBUF_INIT;
	bool more = false;
	int r = 0;

	pthread_setname_np(pthread_self(), "mamori-follow");

	for (;;) {
		struct timespec ts;
		bool stopping;

		pthread_mutex_lock(&f->mu);
		/* (f->cv's clock: a step of the wall clock does not move the deadline) */
		clock_gettime(CLOCK_MONOTONIC, &ts);
		ts.tv_nsec += (long)IDLE_WAKE_MS * 1000000L;
		ts.tv_sec += ts.tv_nsec / 1000000000L;
		ts.tv_nsec %= 1000000000L;
		while (!more && !f->woken && !f->stopping)
			if (pthread_cond_timedwait(&f->cv, &f->mu, &ts) == ETIMEDOUT)
				break;
		f->woken = false;
		stopping = f->stopping;
		pthread_mutex_unlock(&f->mu);
		strbuf_reset(&err);
		r = round_once(f, stopping, &more, &err);
		if (r < 0 || (stopping && !more))
			break;
	}
	if (r < 0) {
		f->err_code = r;
		strbuf_reset(&f->err);
		strbuf_addstr(&f->err, err.buf);
	}
	strbuf_release(&err);
	return NULL;
}

static struct follower *follower_new(const char *dir, const struct follower_options *o)
{
	struct follower *f = xcalloc(1, sizeof(*f));

	f->dir = xstrdup(dir);
	if (o)
		f->opt = *o;
	if (!f->opt.flush_ms)
		f->opt.flush_ms = DEFAULT_FLUSH_MS;
	f->rewind_max = f->opt.rewind_max ? f->opt.rewind_max : REWIND_MAX;
	f->mark_ms = f->opt.mark_ms ? f->opt.mark_ms : MARK_MS;
	logindex_builder_init(&f->b);
	strbuf_init(&f->err, 0);
	pthread_mutex_init(&f->mu, NULL);
	pthread_condattr_t ca;
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&f->cv, &ca);
	pthread_condattr_destroy(&ca);
	return f;
}

static void follower_free(struct follower *f)
{
	ledger_close(f->lg);
	store_close(f->st);
	logindex_builder_release(&f->b);
	strbuf_release(&f->err);
	pthread_mutex_destroy(&f->mu);
	pthread_cond_destroy(&f->cv);
	free(f->dir);
	free(f);
}

int follower_start(const char *dir, const struct follower_options *o, struct follower **ret,
                   struct strbuf *err)
{
	struct follower *f = follower_new(dir, o);
	int r = open_conn(f, err);

	if (r == 0 && pthread_create(&f->thread, NULL, follower_main, f) != 0) {
		error_set(err, "cannot start the log follower thread");
		r = -EAGAIN;
	}
	if (r < 0) {
		follower_free(f);
		return r;
	}
	f->started = true;
	*ret = f;
	return 0;
}

void follower_wake(void *ctx, uint64_t first_index, uint64_t n)
{
	struct follower *f = ctx;

	(void)first_index;
	(void)n;
	pthread_mutex_lock(&f->mu);
	f->woken = true;
	pthread_mutex_unlock(&f->mu);
	/* after letting go: signalled under the lock, the follower woke only to wait for it
	 * again (a fifth of its switches) */
	pthread_cond_signal(&f->cv);
}

uint64_t follower_position(struct follower *f)
{
	uint64_t p;

	pthread_mutex_lock(&f->mu);
	p = f->published_pos;
	pthread_mutex_unlock(&f->mu);
	return p;
}

uint64_t follower_handed(struct follower *f)
{
	uint64_t n;

	pthread_mutex_lock(&f->mu);
	n = f->published_handed;
	pthread_mutex_unlock(&f->mu);
	return n;
}

uint64_t follower_read(struct follower *f)
{
	uint64_t n;

	pthread_mutex_lock(&f->mu);
	n = f->published_read;
	pthread_mutex_unlock(&f->mu);
	return n;
}

int follower_stop(struct follower *f, struct strbuf *err)
{
	int r;

	if (!f)
		return 0;
	pthread_mutex_lock(&f->mu);
	f->stopping = true;
	pthread_cond_signal(&f->cv);
	pthread_mutex_unlock(&f->mu);
	if (f->started)
		pthread_join(f->thread, NULL);
	r = f->err_code;
	if (r < 0 && err)
		error_set(err, "%s", f->err.buf);
	follower_free(f);
	return r;
}

int follower_catch_up(const char *dir, const struct follower_options *o, struct strbuf *err)
{
	struct follower *f = follower_new(dir, o);
	int r = open_conn(f, err);

	bool more = r == 0;

	while (r == 0 && more)
		r = round_once(f, true, &more, err);
	follower_free(f);
	return r;
}
