/* monitor-corr: the correlation rules' windows: the messages a rule counts, in groups by the
 * rule's group-by fields, and a hit once a group's count crosses the rule's. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/cleanup.h"
#include "base/timeutil.h"
#include "ingest/event.h"
#include "ingest/syslog.h"
#include "monitor/fields.h"
#include "monitor/monitor-internal.h"

#define GROUP_MAX_KEEP 256 /* events kept per group (the alert's entries) */

struct group {
	char *key;
	struct group *next;
	int64_t *t;
	uint64_t *idx, *line;
	uint64_t *v; /* value_count: a hash of each event's counted value */
	size_t n, cap;
	int64_t quiet_until; /* fired: no new alert for this group before */
	int64_t touched_ms;  /* when the analysis last added to it (the server's clock) */
	char host[SYSLOG_MAX_HOSTNAME + 1];
};

static void group_key(const struct sigma_rule *c, const struct log_event *ev, struct strbuf *key)
{
	struct strbuf buf = STRBUF_INIT;

	for (unsigned i = 0; i < c->ngroup; i++) {
		size_t n = 0;
		const char *v;
		strbuf_reset(&buf);
		v = log_event_field(ev, c->group_by[i], &buf, &n);
		strbuf_addf(key, "%s%s=%.*s", i ? " " : "", c->group_by[i], v ? (int)n : 0,
		            v ? v : "");
	}
	if (!c->ngroup)
		strbuf_addstr(key, "all");
	strbuf_release(&buf);
}

/* The value a value_count correlation counts, hashed (an empty field is a value too). */
static uint64_t value_hash(const struct log_event *ev, const char *field)
{
	struct strbuf buf = STRBUF_INIT;
	size_t n = 0;
	const char *v = log_event_field(ev, field, &buf, &n);
	uint64_t h = 1469598103934665603ULL; /* FNV-1a */

	for (size_t i = 0; v && i < n; i++)
		h = (h ^ (unsigned char)v[i]) * 1099511628211ULL;
	strbuf_release(&buf);
	return h;
}

/* How many distinct values the group's events in the window hold (at most GROUP_MAX_KEEP). */
static int64_t distinct_values(const struct group *g)
{
	int64_t d = 0;

	for (size_t i = 0; i < g->n; i++) {
		size_t k = 0;

		while (k < i && g->v[k] != g->v[i])
			k++;
		d += k == i;
	}
	return d;
}

/*
 * A group that fires in messages read again before the analysed mark: quiet only after an
 * alert raised from these messages, as it was then. A fire that did not alert (its raising
 * failed: the mark stayed below its last message, which fires again) must not hold it back.
 */
static void quiet_as_raised(struct monitor *m, const struct sigma_rule *c, struct group *g)
{
	struct strbuf host = STRBUF_INIT, text = STRBUF_INIT;
	struct monitor_hit h = { .rule = c };
	int64_t t;

	hit_text(&host, g->host);
	hit_text(&text, g->key);
	h.host = host.buf;
	h.key = text.buf;
	h.entries = g->idx;
	h.n_entries = g->n;
	if (raised_about(m, &h, &t))
		g->quiet_until = t + c->timespan_ms;
	strbuf_release(&host);
	strbuf_release(&text);
}

void corr_add(struct monitor *m, struct corr_state *cs, const struct log_event *ev, bool replay)
{
	const struct sigma_rule *c = cs->rule;
	struct strbuf key = STRBUF_INIT;
	struct group **b, *g;
	size_t keep = 0;
	int64_t count;
	bool fire;

	group_key(c, ev, &key);
	b = &cs->buckets[hash_str(key.buf) % GROUP_BUCKETS];
	for (g = *b; g && strcmp(g->key, key.buf); g = g->next)
		;
	if (!g) {
		g = xcalloc(1, sizeof(*g));
		g->key = strbuf_detach(&key, NULL);
		g->next = *b;
		*b = g;
		cs->ngroups++;
	}
	/* Drop what fell out of the window, and the oldest beyond what is kept. */
	for (size_t i = 0; i < g->n; i++)
		if (g->t[i] >= ev->time_ms - c->timespan_ms && g->n - i <= GROUP_MAX_KEEP - 1) {
			g->t[keep] = g->t[i];
			g->idx[keep] = g->idx[i];
			g->line[keep] = g->line[i];
			g->v[keep] = g->v[i];
			keep++;
		}
	g->n = keep;
	if (g->n == g->cap) {
		g->cap = g->cap ? g->cap * 2 : 8;
		g->t = xrealloc(g->t, g->cap * sizeof(*g->t));
		g->idx = xrealloc(g->idx, g->cap * sizeof(*g->idx));
		g->line = xrealloc(g->line, g->cap * sizeof(*g->line));
		g->v = xrealloc(g->v, g->cap * sizeof(*g->v));
	}
	g->t[g->n] = ev->time_ms;
	g->idx[g->n] = ev->index;
	g->line[g->n] = m->line;
	g->v[g->n] = c->value_field ? value_hash(ev, c->value_field) : 0;
	g->n++;
	g->touched_ms = time_now_ms();
	snprintf(g->host, sizeof(g->host), "%s", ev->host);
	count = c->value_field ? distinct_values(g) : (int64_t)g->n;
	fire = c->cmp == CMP_GTE ? count >= c->count : count > c->count;
	if (fire && ev->time_ms >= g->quiet_until && !replay) {
		/* Once per window and group: a continuing attack is one alert, not one a message.
		 */
		uint64_t first = UINT64_MAX;
		struct monitor_hit *h;
		for (size_t i = 0; i < g->n; i++)
			first = g->idx[i] < first ? g->idx[i] : first;
		h = hit_new(m, c, g->host, g->key, first);
		g->quiet_until = ev->time_ms + c->timespan_ms;
		for (size_t i = 0; h && i < g->n; i++)
			hit_add(m, h, g->idx[i], g->line[i], g->t[i]);
	} else if (fire && ev->time_ms >= g->quiet_until) {
		quiet_as_raised(m, c, g);
	}
	strbuf_release(&key);
}

/*
 * Forgets groups nothing was added to for a window and a minute, by the server's clock: the
 * window itself is in the messages' time (corr_add), which a sender's clock behind the server's
 * or a backlog analysed after a restart puts in the past, and sweeping by it lost such a group
 * at every round (a burst spread over rounds never alerted, one over two rounds alerted twice).
 */
void corr_sweep(struct corr_state *cs, int64_t now)
{
	/* (each round: walking 4,096 empty buckets was most of a round without alerts) */
	for (size_t b = 0; cs->ngroups && b < GROUP_BUCKETS; b++) {
		struct group **pp = &cs->buckets[b];
		while (*pp) {
			struct group *g = *pp;
			if (g->n && g->touched_ms >= now - cs->rule->timespan_ms - 60000) {
				pp = &g->next;
				continue;
			}
			*pp = g->next;
			free(g->key);
			free(g->t);
			free(g->idx);
			free(g->line);
			free(g->v);
			free(g);
			cs->ngroups--;
		}
	}
}
