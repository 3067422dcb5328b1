/* monitor: the log analysis: rules over every collected message, alerts through the door. */
#include <dirent.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "base/cleanup.h"
#include "base/escape.h"
#include "base/utf8.h"
#include "core/act.h"
#include "core/alert.h"
#include "ledger/ledger.h"
#include "monitor/fields.h"
#include "monitor/monitor.h"
#include "monitor/monitor-internal.h"
#include "monitor/registers.h"
#include "policy/policy.h"
#include "store/query.h"
#include "store/store.h"

#define RULES_FILE_MAX (1 << 20)

/* ---- alerts suppressed (suppressed) ---------------------------------------------------- */

struct suppress {
	char *key;
	int64_t until;
	struct suppress *next;
};

uint32_t hash_str(const char *s)
{
	uint32_t h = 2166136261u;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 16777619u;
	return h;
}

/* ---- loading rules -------------------------------------------------------------------- */

static int load_dir_rules(const char *dir, struct sigma_set *set, struct strbuf *err)
{
	struct strbuf path = STRBUF_INIT, data = STRBUF_INIT;
	struct dirent **names = NULL;
	int n, r = 0;

	strbuf_addf(&path, "%s/rules", dir);
	n = scandir(path.buf, &names, NULL, alphasort);
	if (n < 0) {
		strbuf_release(&path);
		return 0; /* no rules of the ward's own */
	}
	for (int i = 0; i < n; i++) {
		const char *name = names[i]->d_name;
		size_t len = strlen(name);
		bool yaml = (len > 4 && !strcmp(name + len - 4, ".yml")) ||
		            (len > 5 && !strcmp(name + len - 5, ".yaml"));
		if (r == 0 && yaml && name[0] != '.') {
			strbuf_reset(&path);
			strbuf_addf(&path, "%s/rules/%s", dir, name);
			strbuf_reset(&data);
			r = strbuf_read_file(&data, path.buf, RULES_FILE_MAX);
			if (r < 0)
				error_set(err, "cannot read rules file '%s': %s", path.buf,
				          strerror(-r));
			else
				r = sigma_load(set, path.buf, data.buf, data.len, err);
		}
		free(names[i]);
	}
	free(names);
	strbuf_release(&path);
	strbuf_release(&data);
	return r;
}

int monitor_rules_load(const char *profile_id, const char *dir, struct sigma_set *ret,
                       struct strbuf *err)
{
	int r = 0;

	memset(ret, 0, sizeof(*ret));
	for (unsigned i = 0; r == 0 && i < monitor_builtins_nr; i++)
		if (profile_id && !strcmp(monitor_builtins[i].profile, profile_id))
			r = sigma_load(ret, monitor_builtins[i].file, monitor_builtins[i].data,
			               monitor_builtins[i].len, err);
	if (r == 0 && dir)
		r = load_dir_rules(dir, ret, err);
	if (r == 0)
		r = sigma_link(ret, err);
	if (r < 0)
		sigma_set_release(ret);
	return r;
}

/* ---- hits and suppression ------------------------------------------------------------ */

bool suppressed(struct monitor *m, const char *key, int64_t now, bool set)
{
	struct suppress **b = &m->supp[hash_str(key) % GROUP_BUCKETS], *s;
	unsigned ms = m->opt.suppress_ms ? m->opt.suppress_ms : SUPPRESS_MS;

	for (s = *b; s; s = s->next) {
		if (!strcmp(s->key, key)) {
			if (set)
				s->until = now + ms;
			return now < s->until;
		}
	}
	if (set) {
		s = xcalloc(1, sizeof(*s));
		s->key = xstrdup(key);
		s->until = now + ms;
		s->next = *b;
		*b = s;
	}
	return false;
}

/*
 * A host or key for an alert: message text, which the sender chooses (an RFC 3164 message is
 * not checked for UTF-8, and a Japanese Windows device may send CP932), made text the door
 * takes, one to one (base/escape.h text_clean: bytes not UTF-8 as \xNN, control, C1, bidi and
 * zero-width characters escaped, at most HIT_TEXT_MAX bytes). The door refused the alert for
 * good otherwise (-EINVAL: not UTF-8), or its case (a zero-width character in the title).
 * Only spaces (a JSON sender's host of U+3000): （不明）, as the door refuses a field that
 * holds only spaces (the one place the cleaning is not one to one). Empty stays empty.
 */
void hit_text(struct strbuf *out, const char *s)
{
	strbuf_reset(out);
	text_clean(out, s, strlen(s), HIT_TEXT_MAX);
	if (out->len && utf8_blank(out->buf)) {
		strbuf_reset(out);
		strbuf_addstr(out, "（不明）");
	}
}

unsigned max_pending(const struct monitor *m)
{
	return m->opt.max_pending ? m->opt.max_pending : MAX_PENDING;
}

/*
 * The hit of rule r about raw_key on raw_host, new or found in this round already (merged).
 * NULL when MAX_PENDING wait: counted and recorded (drop_record), and first (the lowest entry
 * it would name) holds the analysed mark (m->overflow), so its messages are analysed again
 * once raising works (monitor_rewind), or by a restart. NULL too when its messages are
 * analysed again and it is not one of those dropped (again_sought), and for a log gap at
 * MAX_PENDING (its host is looked at again at a later round, gaps).
 */
struct monitor_hit *hit_new(struct monitor *m, const struct sigma_rule *r, const char *raw_host,
                            const char *raw_key, uint64_t first)
{
	struct strbuf host = STRBUF_INIT, key = STRBUF_INIT;
	struct monitor_hit *h = NULL;

	hit_text(&host, raw_host);
	hit_text(&key, raw_key);
	if (m->finding_again && !again_sought(m, r, host.buf, key.buf, first))
		goto out;
	/* The same rule about the same thing in one round: one alert with every message. */
	for (size_t i = 0; i < m->npending; i++) {
		if (m->pending[i].rule == r && !strcmp(m->pending[i].key, key.buf) &&
		    !strcmp(m->pending[i].host, host.buf)) {
			h = &m->pending[i];
			goto out;
		}
	}
	/* While raising makes room, more may wait for a moment (the follower's cut keeps them
	 * near the most; the ingest's own analysis adds a queue before its round raises them, a
	 * message may make several): dropped only once raising could not make room, or past
	 * twice the most. */
	if (m->npending >= max_pending(m) &&
	    (m->stalled || m->npending >= 2 * (size_t)max_pending(m))) {
		if (r->log_gap_ms)
			goto out; /* (not counted: found again at a later round, gaps) */
		m->dropped++;     /* said at the round (monitor_round) */
		/* (found again and dropped again: counted once) */
		if (m->finding_again)
			atomic_fetch_sub(&m->dropped_again, 1);
		else
			atomic_fetch_add(&m->dropped_all, 1);
		drop_record(m, r, host.buf, key.buf, first);
		goto out;
	}
	ALLOC_GROW(m->pending, m->npending + 1, m->alloc_pending);
	h = &m->pending[m->npending++];
	memset(h, 0, sizeof(*h));
	h->rule = r;
	h->host = strbuf_detach(&host, NULL);
	h->key = strbuf_detach(&key, NULL);
	/* The most wait: the follower's round ends here, unless raising could not make room. */
	if (m->opt.door && m->npending >= max_pending(m) && !m->stalled)
		atomic_store(&m->full, true);
out:
	strbuf_release(&host);
	strbuf_release(&key);
	return h;
}

void hit_add(struct monitor *m, struct monitor_hit *h, uint64_t index, uint64_t line, int64_t t)
{
	if (h->n_entries < ALERT_MAX_ENTRIES) {
		h->entries = xrealloc(h->entries, (h->n_entries + 1) * sizeof(*h->entries));
		h->entries[h->n_entries++] = index;
		h->lines = xrealloc(h->lines, (h->n_lines + 1) * sizeof(*h->lines));
		h->lines[h->n_lines++] = line;
		/* Before the message counts as analysed (the live analysis's floor moves after
		 * monitor_event returns): a log gap names an old message, found again anyway. */
		if (!h->rule->log_gap_ms && index < atomic_load(&m->unraised))
			atomic_store(&m->unraised, index);
	}
	if (t > h->time_ms)
		h->time_ms = t;
}

void hit_release(struct monitor_hit *h)
{
	free(h->host);
	free(h->key);
	free(h->summary);
	free(h->tried_summary);
	free(h->entries);
	free(h->lines);
}

/* What the alert is about: the user and address a message names, else its host. */
static void key_of(const struct log_event *ev, struct strbuf *key)
{
	if (ev->fields.user.n)
		strbuf_addf(key, "user=%.*s", (int)ev->fields.user.n, ev->fields.user.p);
	if (ev->fields.src_ip.n)
		strbuf_addf(key, "%ssrc_ip=%.*s", key->len ? " " : "", (int)ev->fields.src_ip.n,
		            ev->fields.src_ip.p);
	if (!key->len)
		strbuf_addf(key, "host=%s", ev->host);
}

/* ---- register-aware conditions --------------------------------------------------------- */

static bool outside_hours(const struct sigma_hours *h, int64_t t, int64_t offset)
{
	int64_t local = t + offset;
	int64_t days = (local >= 0 ? local : local - 86399999) / 86400000;
	unsigned weekday = (unsigned)(((days % 7) + 7 + 4) % 7); /* 1970-01-01 was a Thursday */
	int minute = (int)((local - days * 86400000) / 60000);

	return !((h->days & (1u << weekday)) && minute >= h->from_min && minute < h->to_min);
}

static bool mamori_holds(struct monitor *m, const struct sigma_rule *r, const struct log_event *ev)
{
	char user[256];
	struct reg_device dev = { 0 };
	bool has_dev = false;

	log_event_user(ev, user, sizeof(user));
	if (r->outside_hours && !outside_hours(r->outside_hours, ev->time_ms, m->opt.offset_ms))
		return false;
	if ((r->user_status || r->level_at_least || r->no_admin_record) && !m->st)
		return false; /* the registers are needed: none without a data directory */
	if (r->user_status) {
		int st = registers_user_status(&m->reg, user);
		if (!((st == REG_USER_RETIRED && (r->user_status & SIGMA_USER_RETIRED)) ||
		      (st == REG_USER_SUSPENDED && (r->user_status & SIGMA_USER_SUSPENDED))))
			return false;
	}
	if (r->level_at_least || r->no_admin_record)
		has_dev = registers_device(&m->reg, ev->host, &dev);
	if (r->level_at_least) {
		const struct policy_level *want =
		    m->profile ? policy_level(m->profile, r->level_at_least) : NULL;
		const struct policy_level *got = has_dev && dev.level[0] && m->profile
		                                     ? policy_level(m->profile, dev.level)
		                                     : NULL;
		if (!want || !got || got->rank > want->rank)
			return false;
	}
	if (r->no_admin_record) {
		if (!user[0] || registers_has_admin(&m->reg, user, ev->host,
		                                    has_dev && dev.system[0] ? dev.system : NULL))
			return false;
	}
	return true;
}

/* ---- the analysis of one message --------------------------------------------------------- */

static void host_seen(struct monitor *m, const struct log_event *ev)
{
	struct host_state **b, *h = m->last_host;

	if (!ev->host[0])
		return;
	/* most messages come from the host of the one before: no hashing for them */
	if (!h || strcmp(h->host, ev->host)) {
		b = &m->hosts[hash_str(ev->host) % GROUP_BUCKETS];
		for (h = *b; h && strcmp(h->host, ev->host); h = h->next)
			;
		if (!h) {
			h = xcalloc(1, sizeof(*h));
			h->host = xstrdup(ev->host);
			h->next = *b;
			*b = h;
		}
		m->last_host = h;
	}
	if (ev->received_ms >= h->last_ms) {
		h->last_ms = ev->received_ms;
		h->last_index = ev->index;
		h->alerted = false;
		if (m->gap_ms && gap_due(m, h) < m->gap_check_ms)
			m->gap_check_ms = gap_due(m, h);
	}
}

void monitor_event(void *ctx, const struct log_event *ev, bool replay)
{
	struct monitor *m = ctx;
	struct strbuf key = STRBUF_INIT;
	const unsigned *cand;
	size_t ncand;

	pthread_mutex_lock(&m->mu);
	/* Analysed again (monitor_rewind): with groups of its own, finding only those dropped. */
	m->finding_again = m->again_end && ev->index < m->again_end;
	if (!m->finding_again) {
		m->messages += !replay;
		host_seen(m, ev);
	}
	sigma_cache_reset(m->fields);
	/* Only the rules the prefilter leaves: most messages touch none (sigma_candidates). */
	ncand = sigma_candidates(&m->rules, log_event_field, ev, m->fields, &cand);
	for (size_t c = 0; c < ncand; c++) {
		size_t i = cand[c];
		const struct sigma_rule *r = &m->rules.rules[i];
		if (replay && !m->n_counted_by[i])
			continue;
		if (!sigma_match_cached(r, log_event_field, ev, m->fields))
			continue;
		/* Analysed again, a hit is made only for one dropped, which held then: what the
		 * registers say now (an admin record filed since, a status changed) does not
		 * undo it (it did, and the dropped alert was lost: review-m3 L4). */
		if ((r->user_status || r->level_at_least || r->outside_hours ||
		     r->no_admin_record) &&
		    !m->finding_again && !mamori_holds(m, r, ev))
			continue;
		for (unsigned k = 0; k < m->n_counted_by[i]; k++)
			corr_add(m,
			         &(m->finding_again ? m->again_corr : m->corr)[m->counted_by[i][k]],
			         ev, replay);
		if (!r->referenced && !replay) {
			struct monitor_hit *h;
			strbuf_reset(&key);
			key_of(ev, &key);
			h = hit_new(m, r, ev->host, key.buf, ev->index);
			if (h)
				hit_add(m, h, ev->index, m->line, ev->time_ms);
		}
	}
	m->finding_again = false;
	sigma_cache_reset(m->fields); /* parts of the message: wiped */
	pthread_mutex_unlock(&m->mu);
	strbuf_release(&key);
}

void monitor_set_line(struct monitor *m, uint64_t line)
{
	m->line = line;
}

/* (the rounds, monitor_round: monitor-round.c) */

/* ---- what the callers read ------------------------------------------------------------- */

const struct monitor_hit *monitor_hits(struct monitor *m, size_t *ret_nr)
{
	for (size_t i = 0; i < m->npending; i++)
		summarise(&m->pending[i]);
	*ret_nr = m->npending;
	return m->pending;
}

uint64_t monitor_messages(struct monitor *m)
{
	uint64_t n;

	pthread_mutex_lock(&m->mu);
	n = m->messages;
	pthread_mutex_unlock(&m->mu);
	return n;
}

uint64_t monitor_alerts(struct monitor *m)
{
	uint64_t n;

	pthread_mutex_lock(&m->mu);
	n = m->opt.door ? m->alerts : m->npending;
	pthread_mutex_unlock(&m->mu);
	return n;
}

int64_t monitor_replay_ms(struct monitor *m)
{
	int64_t span = 0;

	for (size_t i = 0; i < m->rules.nr; i++)
		if (m->corr[i].rule && m->rules.rules[i].timespan_ms > span)
			span = m->rules.rules[i].timespan_ms;
	return span ? span + CLOCK_SLACK_MS : 0;
}

void monitor_unraised(struct monitor *m, struct monitor_unraised *ret)
{
	/* without the lock: a round raising many alerts holds it for long */
	ret->refused = atomic_load(&m->refused);
	/* (lost first: a part of those dropped, however they move between the two loads) */
	ret->dropped_lost = atomic_load(&m->dropped_lost);
	ret->dropped_again = atomic_load(&m->dropped_again);
	ret->dropped = atomic_load(&m->dropped_all);
	ret->waiting = atomic_load(&m->waiting);
	ret->unheld = atomic_load(&m->unheld);
	ret->retried = atomic_load(&m->retried);
	/* (tries first: cleared after since, so a notice never shows 0 tries) */
	ret->stuck_tries = atomic_load(&m->stuck_tries);
	ret->stuck_since_ms = atomic_load(&m->stuck_since_ms);
	ret->stuck_code = atomic_load(&m->stuck_code);
	ret->max_pending = max_pending(m);
}

bool monitor_full(void *ctx)
{
	struct monitor *m = ctx;

	return atomic_load(&m->full);
}

const struct sigma_set *monitor_rules(struct monitor *m)
{
	return &m->rules;
}

/* ---- opening ------------------------------------------------------------------------ */

static int load_hosts(struct monitor *m, struct strbuf *err)
{
	struct strbuf clean = STRBUF_INIT;
	struct query *q;
	int r = query_prepare(m->st, "SELECT host, last_ms, last_index FROM log_host", &q, err);

	if (r < 0)
		return r;
	while ((r = query_step(q, err)) > 0) {
		const char *host = query_text(q, 0);
		struct host_state *h;
		if (!host)
			continue;
		h = xcalloc(1, sizeof(*h));
		h->host = xstrdup(host);
		h->last_ms = query_int(q, 1);
		h->last_index = (uint64_t)query_int(q, 2);
		h->next = m->hosts[hash_str(host) % GROUP_BUCKETS];
		m->hosts[hash_str(host) % GROUP_BUCKETS] = h;
	}
	if (r < 0)
		return r;
	/* A gap already alerted before a restart is not alerted again. */
	for (size_t i = 0; i < m->rules.nr; i++) {
		struct alert_filter f = { .rule = m->rules.rules[i].id };
		struct alert_list l = { 0 };
		if (!m->rules.rules[i].log_gap_ms || alerts_list(m->st, &f, &l, err) < 0)
			continue;
		for (size_t b = 0; l.nr && b < GROUP_BUCKETS; b++)
			for (struct host_state *h = m->hosts[b]; h; h = h->next) {
				hit_text(&clean, h->host); /* as the alert has it */
				for (size_t k = 0; k < l.nr; k++)
					if (l.items[k].host &&
					    !strcmp(clean.buf, l.items[k].host) &&
					    l.items[k].time_ms >= h->last_ms)
						h->alerted = true;
			}
		alert_list_release(&l);
	}
	strbuf_release(&clean);
	return 0;
}

int monitor_open(const struct monitor_options *o, struct monitor **ret, struct strbuf *err)
{
	struct monitor *m = xcalloc(1, sizeof(*m));
	const char *pid;
	int r = 0;

	pthread_mutex_init(&m->mu, NULL);
	m->fields = sigma_cache_new();
	m->opt = *o;
	atomic_init(&m->unraised, UINT64_MAX);
	m->overflow = UINT64_MAX;
	m->retry_ms = RETRY_MS;
	strbuf_init(&m->fail_why, 0);
	if (o->door)
		m->profile = door_profile(o->door);
	else if (o->profile && profile_load_named(o->profile, &m->own_profile, err) == 0)
		m->profile = m->own_profile;
	pid = m->profile ? m->profile->id : o->profile;
	r = monitor_rules_load(pid, o->dir, &m->rules, err);
	if (r < 0)
		goto fail;
	m->counted_by = xcalloc(m->rules.nr + 1, sizeof(*m->counted_by));
	m->n_counted_by = xcalloc(m->rules.nr + 1, sizeof(*m->n_counted_by));
	m->corr = xcalloc(m->rules.nr + 1, sizeof(*m->corr));
	for (size_t i = 0; i < m->rules.nr; i++) {
		const struct sigma_rule *c = &m->rules.rules[i];
		if (!c->correlation || c->disabled)
			continue;
		m->corr[i].rule = c;
		for (unsigned k = 0; k < c->nrules; k++) {
			unsigned j = c->rule_idx[k];
			m->counted_by[j] =
			    xrealloc(m->counted_by[j], (m->n_counted_by[j] + 1) * sizeof(unsigned));
			m->counted_by[j][m->n_counted_by[j]++] = (unsigned)i;
		}
	}
	if (o->dir && store_open(o->dir, STORE_ANY_BACKEND, &m->st, err) == 0) {
		r = ledger_open(m->st, &m->lg, err);
		if (r == 0) {
			registers_init(&m->reg, m->st, m->profile);
			if (o->registers_ms)
				m->reg.cache_ms = o->registers_ms < 0 ? 0 : o->registers_ms;
			if (o->door)
				r = load_hosts(m, err);
			if (r == 0 && o->door)
				r = load_raised(m, err);
		}
		if (r < 0)
			goto fail;
	} else {
		strbuf_reset(err);
	}
	*ret = m;
	return 0;
fail:
	monitor_free(m);
	return r;
}

void monitor_free(struct monitor *m)
{
	if (!m)
		return;
	for (size_t i = 0; i < m->rules.nr; i++) {
		if (m->corr[i].rule)
			corr_sweep(&m->corr[i], INT64_MAX / 2);
		free(m->counted_by ? m->counted_by[i] : NULL);
	}
	for (size_t b = 0; b < GROUP_BUCKETS; b++) {
		while (m->hosts[b]) {
			struct host_state *h = m->hosts[b];
			m->hosts[b] = h->next;
			free(h->host);
			free(h);
		}
		while (m->supp[b]) {
			struct suppress *s = m->supp[b];
			m->supp[b] = s->next;
			free(s->key);
			free(s);
		}
	}
	for (size_t i = 0; i < m->nraised; i++) {
		free(m->raised[i].rule);
		free(m->raised[i].host);
		free(m->raised[i].summary);
		free(m->raised[i].severity);
		free(m->raised[i].entries);
	}
	free(m->raised);
	again_free(m);
	free(m->drops);
	free(m->seeking);
	for (size_t i = 0; i < m->npending; i++)
		hit_release(&m->pending[i]);
	free(m->pending);
	strbuf_release(&m->fail_why);
	free(m->counted_by);
	free(m->n_counted_by);
	free(m->corr);
	registers_release(&m->reg);
	ledger_close(m->lg);
	store_close(m->st);
	sigma_set_release(&m->rules);
	sigma_cache_free(m->fields);
	profile_free(m->own_profile);
	pthread_mutex_destroy(&m->mu);
	free(m);
}
