/* monitor-round: the log analysis's rounds, between messages: log gaps, raising what was found,
 * forgetting correlation groups gone quiet, and the day's record and retention. */
#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>

#include "ingest/retention.h"
#include "monitor/monitor-internal.h"
#include "monitor/registers.h"

/* While the most wait (hit_new), a gap found is looked at again this much later: every round
 * walked every host (review-m3 L3). */
#define GAP_HELD_MS 1000

/*
 * A gap of rule r on host h (its last message index at ms) to be raised; held in h when the
 * most wait (raised at a later round, also if the host speaks again first: before, it was
 * never raised then). Whether it waits so.
 */
static bool gap_hit(struct monitor *m, const struct sigma_rule *r, struct host_state *h,
                    uint64_t index, int64_t ms)
{
	struct strbuf key = STRBUF_INIT;
	struct monitor_hit *hit;

	strbuf_addf(&key, "host=%s", h->host);
	hit = hit_new(m, r, h->host, key.buf, index);
	strbuf_release(&key);
	if (hit) {
		hit_add(m, hit, index, 0, ms);
		h->held_rule = NULL;
		return false;
	}
	h->held_rule = r;
	h->held_index = index;
	h->held_ms = ms;
	return true;
}

static void gaps(struct monitor *m, int64_t now)
{
	bool held = false;

	/*
	 * Every host's state is looked at only when one may be due: walking the 4,096 buckets at
	 * every round (the analysis's and the follower's, thousands a second at full rate) was a
	 * tenth of the follower's time. m->gap_check_ms is the earliest a host not alerted goes
	 * silent for the shortest log-gap time, as of the last walk, lowered by host_seen.
	 */
	m->gap_ms = 0;
	for (size_t i = 0; i < m->rules.nr; i++) {
		const struct sigma_rule *r = &m->rules.rules[i];
		if (r->log_gap_ms && !r->disabled && (!m->gap_ms || r->log_gap_ms < m->gap_ms))
			m->gap_ms = r->log_gap_ms;
	}
	if (!m->gap_ms || now < m->gap_check_ms)
		return;
	for (size_t i = 0; i < m->rules.nr; i++) {
		const struct sigma_rule *r = &m->rules.rules[i];
		if (!r->log_gap_ms || r->disabled)
			continue;
		for (size_t b = 0; b < GROUP_BUCKETS; b++) {
			for (struct host_state *h = m->hosts[b]; h; h = h->next) {
				if (h->held_rule == r) {
					held |= gap_hit(m, r, h, h->held_index, h->held_ms);
					continue;
				}
				/* (one held gap a host: a new silence once it is raised) */
				if (h->held_rule || h->alerted || now - h->last_ms < r->log_gap_ms)
					continue;
				h->alerted = true;
				held |= gap_hit(m, r, h, h->last_index, h->last_ms);
			}
		}
	}
	m->gap_check_ms = held ? now + GAP_HELD_MS : INT64_MAX;
	for (size_t b = 0; b < GROUP_BUCKETS; b++)
		for (struct host_state *h = m->hosts[b]; h; h = h->next)
			if (!h->alerted && gap_due(m, h) < m->gap_check_ms)
				m->gap_check_ms = gap_due(m, h);
}

int monitor_round(void *ctx, int64_t now, struct strbuf *err)
{
	struct monitor *m = ctx;
	int64_t day = (now + m->opt.offset_ms) / 86400000;

	if (!m->opt.door)
		return 0; /* a test: the caller reads the hits */
	pthread_mutex_lock(&m->mu);
	/* (a gap found while raising makes room waits beyond the most: hit_new) */
	gaps(m, now);
	raise_pending(m, now);
	/* Room made, or none could be (its raising failing): found from now on are dropped. */
	m->stalled = m->npending >= max_pending(m);
	atomic_store(&m->full, false);
	if (m->dropped) {
		fprintf(stderr,
		        "mamori: the log analysis dropped %" PRIu64 " alerts it found: %u were "
		        "waiting to be raised, its most%s; the analysed mark stays before them "
		        "(ledger entry %" PRIu64 "): it analyses them again once their raising "
		        "works, as a restart does, if that comes before the log is 32,768 entries "
		        "past that one (then they are lost: said here)\n",
		        m->dropped, max_pending(m),
		        m->stalled ? ", and their raising is failing" : "", m->overflow);
		m->dropped = 0;
	}
	for (size_t i = 0; i < m->rules.nr; i++)
		if (m->rules.rules[i].correlation)
			corr_sweep(&m->corr[i], now);
	if (m->day == 0) {
		m->day = day;
	} else if (day > m->day) {
		/* The analysis ran through the end of that day: record it (the duty's evidence). */
		struct strbuf e = STRBUF_INIT;
		struct log_retention plan;
		if (registers_record_day(&m->reg, m->opt.door, m->lg,
		                         m->day * 86400000 - m->opt.offset_ms, m->opt.offset_ms,
		                         m->rules.nr, &e) < 0)
			fprintf(stderr, "mamori: the day's log analysis cannot be recorded: %s\n",
			        e.buf);
		/* And once a day, retention: what is older than retention.access_log goes. */
		strbuf_reset(&e);
		if (m->profile && log_retention_plan(m->st, m->profile, now, &plan, &e) == 0 &&
		    log_retention_apply(m->st, m->lg, &plan, now, &e) < 0)
			fprintf(stderr, "mamori: retention of collected logs failed: %s\n", e.buf);
		strbuf_release(&e);
		m->day = day;
	}
	pthread_mutex_unlock(&m->mu);
	(void)err;
	return 0;
}
