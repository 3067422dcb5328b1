/* monitor-again: the hits dropped at MAX_PENDING while their raising failed, found again once it
 * works: their messages are analysed again in the running process (monitor_rewind), and only
 * those hits are raised from them. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>

#include "base/cleanup.h"
#include "monitor/monitor-internal.h"

/* A hit's host and key (as hit_text made them), hashed: what it is about, without its text. */
static uint64_t about_hash(const char *host, const char *key)
{
	uint64_t h = 1469598103934665603ULL; /* FNV-1a */

	for (const char *p = host; *p; p++)
		h = (h ^ (unsigned char)*p) * 1099511628211ULL;
	h = (h ^ 0x1f) * 1099511628211ULL;
	for (const char *p = key; *p; p++)
		h = (h ^ (unsigned char)*p) * 1099511628211ULL;
	return h;
}

/*
 * Dropped hits recorded at most (24 bytes each): the follower lets go of those half its
 * rewind behind it (drops_unhold), but while it does not move (its own reads failing with the
 * database) the ingest's analysis would record a flood's without end. Past it, lost at once.
 */
#define DROPS_MAX 65536

static size_t drops_max(const struct monitor *m)
{
	return m->opt.drops_max ? m->opt.drops_max : DROPS_MAX;
}

/*
 * A hit of rule r about key on host, naming first as its lowest entry, dropped (hit_new):
 * recorded, not its text (a flood drops many), and the analysed mark held below it. Under mu.
 */
void drop_record(struct monitor *m, const struct sigma_rule *r, const char *host, const char *key,
                 uint64_t first)
{
	if (m->ndrops >= drops_max(m)) {
		if (!m->drops_full_said)
			fprintf(
			    stderr,
			    "mamori: the log analysis has dropped %zu alerts it cannot raise yet; "
			    "those it drops from now on are lost until their raising works "
			    "again\n",
			    drops_max(m));
		m->drops_full_said = true;
		atomic_fetch_add(&m->dropped_lost, 1);
		return;
	}
	m->drops_full_said = false;
	ALLOC_GROW(m->drops, m->ndrops + 1, m->alloc_drops);
	m->drops[m->ndrops++] = (struct dropped){ r, first, about_hash(host, key) };
	if (first < m->overflow)
		m->overflow = first;
	if (first < atomic_load(&m->unraised))
		atomic_store(&m->unraised, first);
	if (!r->correlation) /* (a correlation's waits for a restart: monitor_rewind) */
		atomic_store(&m->again_due, true);
}

/* Whether a dropped hit waits for the analysis again: a single message's (a correlation's
 * waits for a restart), so the follower's rounds ask monitor_rewind (under its lock). */
static bool drops_sought(const struct monitor *m)
{
	for (size_t i = 0; i < m->ndrops; i++)
		if (!m->drops[i].rule->correlation)
			return true;
	return false;
}

/*
 * Analysing messages again (finding_again): is this hit one dropped there? The same rule,
 * thing and very entry: a single message's (a correlation's are not sought, monitor_rewind).
 * Each is found once (its rule cleared; nseeking counts those not found). Anything else found
 * there was raised, waits, or was suppressed the first time: not a hit now. seeking is sorted
 * by entry (monitor_rewind): a binary search, not a scan of every record for every hit of the
 * range read again (up to ~49k records by as many hits in a flood: review-m3 L2). Under mu.
 */
bool again_sought(struct monitor *m, const struct sigma_rule *r, const char *host, const char *key,
                  uint64_t first)
{
	size_t lo = 0, hi = m->sought;
	uint64_t about = 0;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (m->seeking[mid].first < first)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (size_t i = lo; i < m->sought && m->seeking[i].first == first; i++) {
		struct dropped *d = &m->seeking[i];
		if (i == lo)
			about = about_hash(host, key);
		if (d->rule == r && d->about == about) {
			d->rule = NULL;
			m->nseeking--;
			atomic_fetch_add(&m->dropped_again, 1);
			return true;
		}
	}
	return false;
}

/* The lowest entry the hits still dropped name (UINT64_MAX: none). */
static uint64_t drops_floor(const struct monitor *m)
{
	uint64_t floor = UINT64_MAX;

	for (size_t i = 0; i < m->ndrops; i++)
		if (m->drops[i].first < floor)
			floor = m->drops[i].first;
	return floor;
}

/*
 * The hits dropped that name an entry below `below` hold the analysed mark no more: a restart
 * could no longer find them, and their raising has not worked since (else they were analysed
 * again). Those are lost, said and counted; the others still hold it (review-alerts N2: all
 * were counted lost, the newest too). Under mu.
 */
void drops_unhold(struct monitor *m, uint64_t below)
{
	uint64_t lowest = UINT64_MAX;
	size_t keep = 0, lost;

	for (size_t i = 0; i < m->ndrops; i++) {
		if (m->drops[i].first >= below)
			m->drops[keep++] = m->drops[i];
		else if (m->drops[i].first < lowest)
			lowest = m->drops[i].first;
	}
	lost = m->ndrops - keep;
	m->ndrops = keep;
	m->overflow = drops_floor(m);
	atomic_store(&m->again_due, drops_sought(m) || m->again_end);
	if (!lost)
		return;
	atomic_fetch_add(&m->dropped_lost, lost);
	fprintf(stderr,
	        "mamori: the log analysis holds its mark no more for %zu alerts it dropped from "
	        "entry %llu on: their raising has not worked since, and a restart would no longer "
	        "find them, so they are lost\n",
	        lost, (unsigned long long)lowest);
}

/* The analysis again is over: what it did not find is lost (said). Under mu. */
static void again_done(struct monitor *m)
{
	size_t found = m->sought - m->nseeking;

	fprintf(stderr,
	        "mamori: the log analysis analysed ledger entries %llu to %llu again and found "
	        "%zu of the %zu alerts it had dropped there%s\n",
	        (unsigned long long)m->again_from, (unsigned long long)(m->again_end - 1), found,
	        m->sought, m->nseeking ? "; the others are lost" : "");
	atomic_fetch_add(&m->dropped_lost, m->nseeking);
	m->nseeking = m->sought = 0;
	again_free(m);
	m->again_from = m->again_end = 0;
	atomic_store(&m->again_due, drops_sought(m));
}

/* Forgets the correlation groups of the analysis again. Under mu (or freeing m). */
void again_free(struct monitor *m)
{
	for (size_t i = 0; m->again_corr && i < m->rules.nr; i++)
		if (m->again_corr[i].rule)
			corr_sweep(&m->again_corr[i], INT64_MAX / 2);
	free(m->again_corr);
	m->again_corr = NULL;
}

static int by_first(const void *a, const void *b)
{
	const struct dropped *x = a, *y = b;

	return x->first < y->first ? -1 : x->first > y->first;
}

uint64_t monitor_rewind(void *ctx, uint64_t pos)
{
	struct monitor *m = ctx;
	uint64_t from = UINT64_MAX;
	size_t keep = 0;

	if (!m->opt.door || !atomic_load(&m->again_due))
		return UINT64_MAX;
	pthread_mutex_lock(&m->mu);
	if (m->again_end && pos >= m->again_end)
		again_done(m);
	/* Raising works: the last round made room, its last try raised, and no back-off. */
	if (m->again_end || !m->ndrops || m->stalled || m->fail_streak || m->retry_at) {
		pthread_mutex_unlock(&m->mu);
		return UINT64_MAX;
	}
	for (size_t i = 0; i < m->ndrops; i++) {
		/* Not read yet: the next time. A correlation's: for a restart only, which reads
		 * back the alerts raised and so tells its dropped window from one raised; a
		 * group rebuilt here cannot (it fired again where an alert was raised the first
		 * time, raised it twice and lost the one dropped: review-m3 M1). */
		if (m->drops[i].first >= pos || m->drops[i].rule->correlation) {
			m->drops[keep++] = m->drops[i];
			continue;
		}
		ALLOC_GROW(m->seeking, m->nseeking + 1, m->alloc_seeking);
		m->seeking[m->nseeking++] = m->drops[i];
		if (m->drops[i].first < from)
			from = m->drops[i].first;
	}
	m->ndrops = keep;
	m->overflow = drops_floor(m);
	m->sought = m->nseeking;
	if (!m->nseeking) /* only those not read yet, or correlations' */
		atomic_store(&m->again_due, drops_sought(m));
	if (m->nseeking) {
		qsort(m->seeking, m->nseeking, sizeof(*m->seeking), by_first);
		m->again_from = from;
		m->again_end = pos;
		m->again_corr = xcalloc(m->rules.nr + 1, sizeof(*m->again_corr));
		for (size_t i = 0; i < m->rules.nr; i++)
			m->again_corr[i].rule = m->corr[i].rule;
		fprintf(
		    stderr,
		    "mamori: the log analysis analyses ledger entries %llu to %llu again for the "
		    "%zu alerts it dropped there: their raising works again\n",
		    (unsigned long long)from, (unsigned long long)(pos - 1), m->nseeking);
	}
	pthread_mutex_unlock(&m->mu);
	return from;
}
