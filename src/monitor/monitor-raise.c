/* monitor-raise: raising the hits the log analysis found (monitor.c), once: those whose raising
 * failed are kept and tried again with back-off, and those raised before a restart are not
 * raised again. */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/cleanup.h"
#include "base/timeutil.h"
#include "core/act.h"
#include "core/alert.h"
#include "core/incident.h"
#include "ingest/follow.h"
#include "ingest/logindex.h"
#include "ledger/ledger.h"
#include "monitor/monitor-internal.h"
#include "store/store.h"

/* Alerts raised before a start that its analysis may meet again (load_raised): at most. */
#define RAISED_MAX 16384

/* How many alerts raised before a start are read back at most (load_raised). */
static unsigned raised_max(const struct monitor *m)
{
	return m->opt.raised_max ? m->opt.raised_max : RAISED_MAX;
}

/* What an alert's summary begins with: the rule and what it is about (before the count). */
static void summary_about(const struct monitor_hit *h, struct strbuf *s)
{
	strbuf_addf(s, "%s: %s（", h->rule->title, h->key);
}

void summarise(struct monitor_hit *h)
{
	struct strbuf s = STRBUF_INIT;

	summary_about(h, &s);
	strbuf_addf(&s, "%zu 件）", h->n_entries);
	free(h->summary);
	h->summary = strbuf_detach(&s, NULL);
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static bool entries_meet(const uint64_t *sorted, size_t n, const struct monitor_hit *h)
{
	for (size_t i = 0; i < h->n_entries; i++) {
		size_t lo = 0, hi = n;
		while (lo < hi) {
			size_t mid = lo + (hi - lo) / 2;
			if (sorted[mid] < h->entries[i])
				lo = mid + 1;
			else
				hi = mid;
		}
		if (lo < n && sorted[lo] == h->entries[i])
			return true;
	}
	return false;
}

/*
 * Is a summary (summarise) the one about this thing? Exactly "<title>: <key>（N 件）": the key
 * is message text and may hold a '（' itself, so a prefix test took an alert about
 * "src_ip=1.2.3.4（x" for one about "src_ip=1.2.3.4".
 */
static bool summary_is_about(const char *summary, const struct strbuf *about)
{
	const char *p = summary + about->len;

	if (strncmp(summary, about->buf, about->len) || !isdigit((unsigned char)*p))
		return false;
	while (isdigit((unsigned char)*p))
		p++;
	return !strcmp(p, " 件）");
}

/*
 * Was this hit raised before the restart? An alert of the same rule and host raised then,
 * about the same thing (its summary: a message is about one thing for a rule, so two alerts
 * naming the same message are too), that names one of its messages (the analysis read them
 * again), or whose quiet time is not over: a correlation's window after its last message, a
 * single message's suppression after it was raised (as monitor_round keeps them in memory).
 * A correlation's window is in the messages' time, which a sender chooses (a forged 2099): it
 * holds only while the server's clock is within the window and a minute of the alert's
 * raising too, as a group in memory is forgotten by then (corr_sweep).
 */
static struct raised *raised_before(struct monitor *m, const struct monitor_hit *h, int64_t now)
{
	unsigned ms = m->opt.suppress_ms ? m->opt.suppress_ms : SUPPRESS_MS;
	struct strbuf about = STRBUF_INIT;
	struct raised *found = NULL;

	summary_about(h, &about);
	/* (the first that matches; one without its case if one matches: open_missing_case) */
	for (size_t i = 0; i < m->nraised && !(found && found->caseless); i++) {
		struct raised *a = &m->raised[i];
		bool yes;
		if (strcmp(a->rule, h->rule->id) || strcmp(a->host ? a->host : "", h->host) ||
		    !a->summary || !summary_is_about(a->summary, &about) || (found && !a->caseless))
			continue;
		if (entries_meet(a->entries, a->n, h))
			yes = true;
		else if (h->rule->log_gap_ms)
			continue; /* a gap: load_hosts knows which hosts were alerted */
		else
			yes = h->rule->correlation
			          ? h->time_ms < a->time_ms + h->rule->timespan_ms &&
			                now < a->created_ms + h->rule->timespan_ms + CLOCK_SLACK_MS
			          : now < a->created_ms + ms;
		if (yes)
			found = a;
	}
	strbuf_release(&about);
	return found;
}

/*
 * An alert raised before this start met again (raised_before) without its case: a try landed
 * but failed before its case (landed), and the server stopped or crashed before the retry that
 * opened it. Opened now, as that retry did, with the alert as it was raised (its severity as
 * stored, not the rule's now); once (a severity that opens none: nothing; a case that lists
 * it already is only linked, incident_from_alert). Before, the restart took it for done and
 * the case never opened (review-alerts L8). Returns 0 or the failure (err): one that may pass
 * keeps the hit, tried again (raise_one).
 */
static int open_missing_case(struct monitor *m, struct raised *a, struct strbuf *err)
{
	struct alert_input in = { .source = ACT_SYSTEM_MONITOR,
		                  .rule = a->rule,
		                  .severity = a->severity,
		                  .time_ms = a->time_ms,
		                  .host = a->host,
		                  .summary = a->summary,
		                  .entries = a->entries,
		                  .n_entries = a->n };
	int64_t incident = 0;
	int r;

	if (!a->caseless || !a->severity)
		return 0;
	strbuf_reset(err);
	r = incident_from_alert(m->opt.door, a->id, &in, &incident, err);
	if (r < 0) {
		struct strbuf why = STRBUF_INIT;
		strbuf_addf(&why,
		            "cannot open the case of alert %" PRId64 ", raised before the "
		            "restart without it: %s",
		            a->id, err->buf);
		strbuf_reset(err);
		strbuf_addstr(err, why.buf);
		strbuf_release(&why);
		return r;
	}
	a->caseless = false;
	if (incident)
		fprintf(stderr,
		        "mamori: the log analysis opens the case of alert %" PRId64
		        " ('%s'), raised before the restart without it: case %" PRId64 "\n",
		        a->id, a->rule, incident);
	return 0;
}

/*
 * Did an alert raised before this start come from this hit's messages: the same rule, host
 * and thing, naming one of them? *ret_time_ms gets the newest such alert's time (its last
 * message's). A correlation group rebuilt from the messages read again before the analysed
 * mark (monitor_event's replay) takes its quiet time from it, as the group in memory did.
 */
bool raised_about(struct monitor *m, const struct monitor_hit *h, int64_t *ret_time_ms)
{
	struct strbuf about = STRBUF_INIT;
	int64_t now = time_now_ms();
	bool yes = false;

	summary_about(h, &about);
	for (size_t i = 0; i < m->nraised; i++) {
		const struct raised *a = &m->raised[i];
		/* and, as raised_before, only while the server's clock is within its window and a
		 * minute of its raising (a forged far-future burst is not quiet for longer) */
		if (strcmp(a->rule, h->rule->id) || strcmp(a->host ? a->host : "", h->host) ||
		    !a->summary || !summary_is_about(a->summary, &about) ||
		    now >= a->created_ms + h->rule->timespan_ms + CLOCK_SLACK_MS ||
		    !entries_meet(a->entries, a->n, h))
			continue;
		if (!yes || a->time_ms > *ret_time_ms)
			*ret_time_ms = a->time_ms;
		yes = true;
	}
	strbuf_release(&about);
	return yes;
}

/*
 * What may pass (the store's: an I/O error or a lost connection, a full disk, busy, out of
 * memory, a database read-only for now, as a PostgreSQL standby during a switchover): the
 * alert is kept and tried again, and holds the analysed mark (until monitor_raised_floor
 * gives it up). A corrupt database (-EPROTO: SQLite's CORRUPT or NOTADB, PostgreSQL's XX)
 * fails every alert until it is restored: kept too, each try said, rather than dropped one
 * by one. Anything else (invalid input, a refusal, a constraint, a PostgreSQL limit) fails
 * the same the next time: refused for good.
 */
static bool may_pass(int r)
{
	switch (-r) {
	case EPROTO:
	case EIO:
	case ENOSPC:
	case EDQUOT:
	case EBUSY:
	case EAGAIN:
	case ENOMEM:
	case ETIMEDOUT:
	case EINTR:
	case EROFS:
	case EACCES:
		return true;
	default:
		return false;
	}
}

/* How long a hit that failed `failures` times waits: 1 s, doubled up to a minute. */
static unsigned backoff_ms(unsigned failures)
{
	unsigned ms = RETRY_MS;

	while (--failures > 0 && ms < RETRY_MAX_MS)
		ms *= 2;
	return ms < RETRY_MAX_MS ? ms : RETRY_MAX_MS;
}

/* The lowest entry h names (UINT64_MAX: a log gap, found again anyway). */
static uint64_t hit_first(const struct monitor_hit *h)
{
	uint64_t first = UINT64_MAX;

	for (size_t k = 0; !h->rule->log_gap_ms && k < h->n_entries; k++)
		if (h->entries[k] < first)
			first = h->entries[k];
	return first;
}

/* Lines said for refused hits in one round at most; the rest are counted in one line. */
#define REFUSED_SAID_MAX 20

/* A hit not raised, for good: said, counted (monitor_unraised) and dropped by the caller. */
static void refuse(struct monitor *m, const struct monitor_hit *h, const char *why)
{
	atomic_fetch_add(&m->refused, 1);
	if (m->refused_round++ < REFUSED_SAID_MAX)
		fprintf(stderr,
		        "mamori: the log analysis cannot raise alert '%s' (%s, host '%s'), and "
		        "drops it: %s\n",
		        h->rule->id, h->key, h->host, why);
}

/* Alerts of a rule read back to find one a try landed (landed): at most. */
#define LANDED_READ_MAX 1024

/*
 * Did the last failed try of h raise it after all? A failure that may pass can come after the
 * commit landed (an I/O error once the transaction was written, a PostgreSQL connection lost
 * during COMMIT): the alert is there and its raiser was told it failed, so the next try
 * raised it twice (a restart's analysis found it again, load_raised, but the rounds of the
 * same process did not). Read back before every try after a failure (the tries before the
 * last were read back before it): the analysis's own alerts of its rule created since that
 * try began (a second less), oldest first, and the one it wrote is the alert exactly as that
 * try had it: the same host, summary, time and entries in the same order (h->tried_*: the
 * hit's messages only grow, hit_add appends), and no case (a try that landed never got to
 * it). Not any alert of the thing naming one of its messages: a correlation's next window
 * keeps the message that fired the one before, so its failed try took that earlier alert
 * for its own and was never raised (review-alerts M1).
 * 1 with *ret_id: it landed; 0: it did not; <0: cannot tell now (err), tried again later.
 */
static int landed(struct monitor *m, const struct monitor_hit *h, int64_t *ret_id,
                  struct strbuf *err)
{
	/* Above the last alert id known before that try (a range of the index: it walked every
	 * alert the ward had from the oldest, under the analysis's lock, review-alerts L2), or
	 * else by time. */
	struct alert_filter f = { .rule = h->rule->id,
		                  .source = ACT_SYSTEM_MONITOR,
		                  .after_id = h->tried_after_id,
		                  .since_ms = h->tried_after_id        ? 0
		                              : h->tried_ms - 1000 > 1 ? h->tried_ms - 1000
		                                                       : 1,
		                  .limit = LANDED_READ_MAX,
		                  .oldest_first = true };
	struct alert_list l = { 0 };
	int r;

	if (!m->st || !h->tried_summary)
		return 0;
	r = alerts_list(m->st, &f, &l, err);
	for (size_t i = 0; r == 0 && i < l.nr; i++) {
		const struct alert *a = &l.items[i];
		if (!strcmp(a->host ? a->host : "", h->host) && a->summary &&
		    !strcmp(a->summary, h->tried_summary) && a->time_ms == h->tried_time_ms &&
		    !a->incident_id && a->n_entries == h->tried_n &&
		    !memcmp(a->entries, h->entries, h->tried_n * sizeof(*h->entries))) {
			*ret_id = a->id;
			r = 1;
		}
	}
	alert_list_release(&l);
	return r;
}

/* A try of h that began at started, when after_id was the last alert id known, failed as
 * in: what landed looks for at the next. */
static void tried(struct monitor_hit *h, int64_t started, int64_t after_id,
                  const struct alert_input *in)
{
	h->tried_ms = started;
	h->tried_after_id = after_id;
	h->tried_time_ms = in->time_ms;
	h->tried_n = in->n_entries < ALERT_MAX_ENTRIES ? in->n_entries : ALERT_MAX_ENTRIES;
	free(h->tried_summary);
	h->tried_summary = xstrdup(in->summary);
}

enum raised_how { RAISE_DONE, RAISE_REFUSED, RAISE_FAILED };

static void said_raising(struct monitor *m);
static void count_failure(struct monitor *m, int64_t now);

/*
 * Raises one hit: done (raised, suppressed, raised before), refused for good (invalid input
 * or a refusal: said and counted), or failed for a reason that may pass (an I/O error, a full
 * disk): then it is kept and tried again.
 */
static enum raised_how raise_one(struct monitor *m, struct monitor_hit *h, int64_t now,
                                 struct strbuf *err)
{
	struct strbuf skey = STRBUF_INIT;
	struct alert_input in = { 0 };
	struct raised *before = NULL;
	int64_t id = 0;
	int r;

	summarise(h);
	strbuf_addf(&skey, "%s\x1f%s\x1f%s", h->rule->id, h->host, h->key);
	/* Correlations suppress per group themselves; single messages here. */
	if ((!h->rule->correlation && !h->rule->log_gap_ms &&
	     suppressed(m, skey.buf, now, false)) ||
	    (m->nraised && (before = raised_before(m, h, now)))) {
		strbuf_release(&skey);
		r = before ? open_missing_case(m, before, err) : 0;
		if (r == 0 || !may_pass(r)) {
			if (r < 0)
				fprintf(stderr, "mamori: the log analysis %s\n", err->buf);
			return RAISE_DONE;
		}
		goto failed; /* (its case: tried again, backed off) */
	}
	in.source = ACT_SYSTEM_MONITOR;
	in.rule = h->rule->id;
	in.severity = h->rule->level ? h->rule->level : "medium";
	in.time_ms = h->time_ms;
	in.host = h->host;
	in.summary = h->summary;
	in.entries = h->entries;
	in.n_entries = h->n_entries;
	strbuf_reset(err);
	/* A try failed before: did it land? (Not raised twice.) */
	r = h->failures ? landed(m, h, &id, err) : 0;
	if (r > 0) {
		int64_t incident = 0;
		fprintf(stderr,
		        "mamori: the log analysis finds alert %" PRId64 " ('%s') raised by a try "
		        "that had failed (its outcome was not known): not raised again\n",
		        id, h->rule->id);
		/* its case was not opened: the try failed before alert_raise got there */
		strbuf_reset(err);
		r = incident_from_alert(m->opt.door, id, &in, &incident, err);
	} else if (r == 0) {
		int64_t started = time_now_ms(), after_id = m->last_alert_id;
		r = (m->opt.raise ? m->opt.raise : alert_raise)(m->opt.door, &in, &id, NULL, err);
		if (r < 0 && id <= 0)
			tried(h, started, after_id, &in);
	} else {
		/* cannot tell: not tried, so not raised twice; as a failure that may pass */
		struct strbuf why = STRBUF_INIT;
		strbuf_addf(&why, "cannot tell whether an earlier try raised it: %s", err->buf);
		strbuf_reset(err);
		strbuf_addstr(err, why.buf);
		strbuf_release(&why);
		r = may_pass(r) ? r : -EIO;
	}
	/* id: the alert was raised and only its case failed (incident_from_alert): not again. */
	if ((r == 0 || id > 0) && !h->rule->correlation)
		suppressed(m, skey.buf, now, true);
	strbuf_release(&skey);
	if (r == 0 || id > 0) {
		m->alerts++;
		if (id > m->last_alert_id)
			m->last_alert_id = id;
		if (h->failures)
			atomic_fetch_add(&m->retried, 1);
		said_raising(m);
		if (r < 0)
			fprintf(stderr,
			        "mamori: the log analysis raised alert %" PRId64 " ('%s'), but not "
			        "its case: %s\n",
			        id, h->rule->id, err->buf);
		return RAISE_DONE;
	}
	if (!may_pass(r)) {
		refuse(m, h, err->buf);
		return RAISE_REFUSED;
	}
failed:
	/* (counted before it is said: the page never shows fewer tries than the log) */
	m->fail_code = r;
	strbuf_reset(&m->fail_why);
	strbuf_addstr(&m->fail_why, err->buf);
	count_failure(m, now);
	fprintf(stderr,
	        "mamori: the log analysis cannot raise alert '%s' now (tried again in %u s, "
	        "and after a restart): %s\n",
	        h->rule->id, backoff_ms(h->failures + 1) / 1000, err->buf);
	return RAISE_FAILED;
}

/* Hits named on stderr when the analysis becomes stuck, at most (then a count). */
#define STUCK_SAID_MAX 20

/*
 * A try failed (raise_one, at the round's clock now): after STUCK_TRIES in a row with no alert
 * raised between them, and at least a minute (opt.stuck_ms) since the first, the analysis is
 * stuck, and says so loudly once: on stderr at the round's end (say_stuck), with the alerts
 * waiting (rule, what, host, first entry: a restore from a backup loses their messages), and
 * on the alert page and the dashboard's alert card (monitor_unraised: since when, how many
 * tries, why). A corrupt
 * database (-EPROTO) fails every alert until it is restored: it kept them and said each try,
 * with nothing to tell an operator it would not pass by itself. Not by tries alone: with two
 * or more waiting each round tries two, so six came 3 s after the first (review-alerts L1).
 * The alerts are still kept and tried again.
 */
static void count_failure(struct monitor *m, int64_t now)
{
	int64_t wait_ms = m->opt.stuck_ms ? m->opt.stuck_ms : STUCK_MS;

	if (!m->fail_streak++)
		m->fail_since_ms = now;
	atomic_store(&m->stuck_code, -m->fail_code); /* (the last try's: what to do now) */
	atomic_store(&m->stuck_tries, m->fail_streak);
	if (m->stuck || m->fail_streak < STUCK_TRIES || now - m->fail_since_ms < wait_ms)
		return;
	m->stuck = true;
	atomic_store(&m->stuck_since_ms, m->fail_since_ms);
}

/*
 * Says that the analysis became stuck (count_failure), once, at the end of the round
 * (raise_pending): the alerts waiting are those kept after it. Said at the try, it counted
 * those the round raised or refused after it as waiting (review-alerts N4).
 */
static void say_stuck(struct monitor *m)
{
	struct strbuf since = STRBUF_INIT;
	size_t said = 0;

	if (!m->stuck || m->stuck_said)
		return;
	m->stuck_said = true;
	time_format_rfc3339(&since, m->fail_since_ms);
	fprintf(stderr,
	        "mamori: ERROR: the log analysis has raised no alert for %u tries in a row "
	        "(since %s; the %zu found and not raised are kept, at most %u, and tried again at "
	        "most a minute apart): %s%s\n",
	        m->fail_streak, since.buf, m->npending, max_pending(m), m->fail_why.buf,
	        m->fail_code == -EPROTO
	            ? "; the database may be damaged: check it with 'mamori doctor', restore it "
	              "from a backup if it says so, and restart the server"
	            : "");
	for (size_t i = 0; i < m->npending && said < STUCK_SAID_MAX; i++, said++)
		fprintf(
		    stderr,
		    "mamori: the log analysis has not raised alert '%s' (%s, host '%s', from "
		    "ledger entry %llu)\n",
		    m->pending[i].rule->id, m->pending[i].key, m->pending[i].host,
		    (unsigned long long)(m->pending[i].n_entries ? m->pending[i].entries[0] : 0));
	if (m->npending > said)
		fprintf(stderr, "mamori: the log analysis has not raised %zu more\n",
		        m->npending - said);
	strbuf_release(&since);
}

/* An alert was raised: the failures in a row end (said when they had made it stuck). */
static void said_raising(struct monitor *m)
{
	if (m->stuck_said)
		fprintf(stderr,
		        "mamori: the log analysis raises alerts again, after %u tries in a row "
		        "failed\n",
		        m->fail_streak);
	m->fail_streak = 0;
	m->stuck = m->stuck_said = false;
	/* (since first: the page shows the notice only with both) */
	atomic_store(&m->stuck_since_ms, 0);
	atomic_store(&m->stuck_tries, 0);
}

/*
 * Raises the hits found, and those whose raising failed before once their back-off is over
 * (RETRY_MS after a failure, doubled at each up to RETRY_MAX_MS). A failure that may pass is
 * the hit's own unless the next hit tried fails so too: then the door failed for them all,
 * and the rest wait with them, tried again after the door's own back-off. So one hit that
 * keeps failing holds back no other; it is kept, however long, and holds the analysed mark at
 * the lowest entry it names (monitor_raised_floor), as every hit kept does. A refusal is
 * said, counted and dropped at once (raise_one), and is no sign of the door failing. Once the
 * server is stopping for good (a door or database file failed: every act fails until the
 * restart) none is tried again.
 */
void raise_pending(struct monitor *m, int64_t now)
{
	struct strbuf err = STRBUF_INIT;
	uint64_t floor = UINT64_MAX, unheld = 0;
	size_t keep = 0;
	bool last_failed = false, door_down = false; /* the hit just tried failed */

	/*
	 * Not tried now (the door backed off, or the server stopping): all wait, those found
	 * since the last round too (the page: it undercounted while the door failed). Not at
	 * every start: a long round raising thousands would show them all as failing.
	 */
	if (!m->npending || (now < m->retry_at && m->retry_at - now <= RETRY_MAX_MS)) {
		atomic_store(&m->waiting, m->npending);
		return;
	}
	if (door_failed(m->opt.door, NULL) || store_any_db_failed(NULL)) {
		atomic_store(&m->waiting, m->npending);
		if (!m->stopping_said)
			fprintf(
			    stderr,
			    "mamori: the log analysis does not raise its %zu waiting alerts: the "
			    "server is stopping; they are raised after the restart\n",
			    m->npending);
		m->stopping_said = true;
		return;
	}
	m->refused_round = 0;
	for (size_t i = 0; i < m->npending; i++) {
		struct monitor_hit *h = &m->pending[i];
		bool due = !(now < h->retry_at && h->retry_at - now <= RETRY_MAX_MS);
		enum raised_how how = door_down || !due ? RAISE_FAILED : raise_one(m, h, now, &err);

		if (how != RAISE_FAILED) {
			hit_release(h);
			last_failed = false;
			continue;
		}
		if (!door_down && due) {
			h->failures++;
			h->retry_at = now + backoff_ms(h->failures);
			door_down = last_failed; /* two in a row: the door, not the alerts */
			last_failed = true;
		}
		if (h->unheld)
			unheld++;
		else if (hit_first(h) < floor)
			floor = hit_first(h);
		m->pending[keep++] = *h;
	}
	m->npending = keep;
	say_stuck(m);
	if (m->refused_round > REFUSED_SAID_MAX)
		fprintf(stderr,
		        "mamori: the log analysis dropped %u more alerts it cannot raise (%u in "
		        "this round; the first %d are said above)\n",
		        m->refused_round - REFUSED_SAID_MAX, m->refused_round, REFUSED_SAID_MAX);
	atomic_store(&m->waiting, keep);
	atomic_store(&m->unheld, unheld);
	atomic_store(&m->unraised, floor < m->overflow ? floor : m->overflow);
	if (door_down) {
		m->retry_at = now + m->retry_ms;
		m->retry_ms = m->retry_ms * 2 < RETRY_MAX_MS ? m->retry_ms * 2 : RETRY_MAX_MS;
	} else {
		m->retry_at = 0;
		m->retry_ms = RETRY_MS;
	}
	strbuf_release(&err);
}

/*
 * The hits that failed and name an entry below `below` hold the analysed mark no more, nor
 * do the dropped hits that do (drops_unhold: lost): a restart could no longer find them, so
 * holding the mark only cost (each restart analysed the rewind's 65,536 entries again). The
 * failed are still tried again until the server stops (said, and counted while they wait:
 * lost if it stops first). Under mu.
 */
static void unhold(struct monitor *m, uint64_t below)
{
	uint64_t floor = UINT64_MAX, unheld = 0;
	unsigned said = 0;

	for (size_t i = 0; i < m->npending; i++) {
		struct monitor_hit *h = &m->pending[i];
		uint64_t first = hit_first(h);

		if (!h->unheld && h->failures > 0 && first < below) {
			h->unheld = true;
			if (said++ < REFUSED_SAID_MAX)
				fprintf(
				    stderr,
				    "mamori: the log analysis holds its mark no more for alert "
				    "'%s' (%s, host '%s'), failing since entry %llu: a restart "
				    "would no longer find it; it is tried again until the server "
				    "stops\n",
				    h->rule->id, h->key, h->host, (unsigned long long)first);
		}
		if (h->unheld)
			unheld++;
		else if (first < floor)
			floor = first;
	}
	if (said > REFUSED_SAID_MAX)
		fprintf(stderr, "mamori: the log analysis holds its mark no more for %u more\n",
		        said - REFUSED_SAID_MAX);
	atomic_store(&m->unheld, unheld);
	if (m->overflow < below)
		drops_unhold(m, below);
	atomic_store(&m->unraised, floor < m->overflow ? floor : m->overflow);
}

uint64_t monitor_raised_floor(void *ctx, uint64_t unhold_below)
{
	struct monitor *m = ctx;

	/* without a door the hits are the caller's to read, not raised */
	if (!m->opt.door)
		return UINT64_MAX;
	if (atomic_load(&m->unraised) < unhold_below) {
		pthread_mutex_lock(&m->mu);
		unhold(m, unhold_below);
		pthread_mutex_unlock(&m->mu);
	}
	return atomic_load(&m->unraised);
}

/*
 * The alerts the analysis raised before this start that it could raise again: after a crash
 * the follower analyses again the messages from log_state.analysed on (follow.c), and what
 * suppressed an alert (monitor_round) was only in memory; and it replays the longest window
 * before them to rebuild the correlation groups (raised_about). Those raised since the first
 * of them was committed, less the longest quiet time (suppression, a correlation's window)
 * and a minute for senders' clocks; at most RAISED_MAX, the newest of the analysis's own (in
 * the query: the budget was spent on file-integrity alerts too, filtered after it).
 */
int load_raised(struct monitor *m, struct strbuf *err)
{
	struct alert_filter f = { .limit = raised_max(m), .source = ACT_SYSTEM_MONITOR };
	struct alert_list l = { 0 };
	uint64_t indexed = 0, analysed = 0, at;
	int64_t from = time_now_ms() + m->opt.start_skew_ms, oldest = INT64_MAX;
	int64_t quiet = m->opt.suppress_ms ? m->opt.suppress_ms : SUPPRESS_MS;
	int r = logindex_state(m->st, &indexed, &analysed, err);

	if (r < 0)
		return r;
	/*
	 * The follower starts again at the lower of the two, and replays a correlation's window
	 * before it (monitor_replay_ms, follow_replay_from): from the oldest commit among the
	 * entries it replays and the entry before it. Before, from that entry's time: a clock
	 * stepped forward between an alert and the mark left the alert out, and the burst the
	 * replay rebuilt, with no quiet time from it, raised it again at its next message.
	 */
	at = analysed < indexed ? analysed : indexed;
	if (at > 0)
		follow_replay_from(m->lg, at, FOLLOW_REWIND_MAX, monitor_replay_ms(m), &oldest);
	if (oldest < from)
		from = oldest;
	for (size_t i = 0; i < m->rules.nr; i++)
		if (m->rules.rules[i].correlation && m->rules.rules[i].timespan_ms > quiet)
			quiet = m->rules.rules[i].timespan_ms;
	f.since_ms = from - quiet - CLOCK_SLACK_MS;
	if (f.since_ms < 1)
		f.since_ms = 1;
	/* The newest alert of any source: a try's read-back looks above it (landed). */
	r = alerts_list(m->st, &(struct alert_filter){ .limit = 1 }, &l, err);
	if (r < 0)
		return r;
	m->last_alert_id = l.nr ? l.items[0].id : 0;
	alert_list_release(&l);
	r = alerts_list(m->st, &f, &l, err);
	if (r < 0)
		return r;
	for (size_t i = 0; i < l.nr; i++) {
		struct alert *a = &l.items[i];
		struct raised *w;
		if (!a->rule || !a->source || strcmp(a->source, ACT_SYSTEM_MONITOR) ||
		    !a->n_entries)
			continue;
		m->raised = xrealloc(m->raised, (m->nraised + 1) * sizeof(*m->raised));
		w = &m->raised[m->nraised++];
		w->rule = a->rule;
		w->host = a->host;
		w->summary = a->summary;
		w->severity = a->severity;
		w->id = a->id;
		w->caseless = !a->incident_id && a->state && !strcmp(a->state, "open");
		w->time_ms = a->time_ms;
		w->created_ms = a->created_ms;
		w->entries = a->entries;
		w->n = a->n_entries;
		qsort(w->entries, w->n, sizeof(*w->entries), cmp_u64);
		a->rule = a->host = a->summary = a->severity = NULL;
		a->entries = NULL;
	}
	alert_list_release(&l);
	return 0;
}
