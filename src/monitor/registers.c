/* registers: what the analysis asks the ward's registers (people, devices, admin rights), cached.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "base/cleanup.h"
#include "base/timeutil.h"
#include "core/act.h"
#include "core/alert.h"
#include "ingest/logindex.h"
#include "monitor/registers.h"
#include "store/query.h"

static uint32_t hash_str(const char *s)
{
	uint32_t h = 2166136261u;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 16777619u;
	return h;
}

void registers_init(struct registers *g, struct store *st, const struct profile *p)
{
	memset(g, 0, sizeof(*g));
	g->st = st;
	g->p = p;
	g->cache_ms = REG_CACHE_MS;
}

static void cache_free(struct reg_cache_entry **buckets)
{
	for (size_t i = 0; i < REG_CACHE_BUCKETS; i++) {
		while (buckets[i]) {
			struct reg_cache_entry *e = buckets[i];
			buckets[i] = e->next;
			free(e->key);
			free(e->a);
			free(e->b);
			free(e);
		}
	}
}

void registers_release(struct registers *g)
{
	cache_free(g->users);
	cache_free(g->devices);
	cache_free(g->admins);
}

/* The fresh cached entry for key, or a new empty one to fill (ival -1). */
static struct reg_cache_entry *cache_get(struct reg_cache_entry **buckets, const char *key,
                                         int64_t keep_ms, bool *ret_fresh)
{
	struct reg_cache_entry **b = &buckets[hash_str(key) % REG_CACHE_BUCKETS], *e;
	int64_t now = time_now_ms();

	for (e = *b; e; e = e->next) {
		if (!strcmp(e->key, key)) {
			*ret_fresh = now < e->expires_ms;
			if (!*ret_fresh)
				e->expires_ms = now + keep_ms;
			return e;
		}
	}
	e = xcalloc(1, sizeof(*e));
	e->key = xstrdup(key);
	e->expires_ms = now + keep_ms;
	e->next = *b;
	*b = e;
	*ret_fresh = false;
	return e;
}

int registers_user_status(struct registers *g, const char *login)
{
	struct reg_cache_entry *e;
	struct query *q;
	bool fresh;
	int r;

	if (!g->st || !login || !*login)
		return REG_USER_UNKNOWN;
	e = cache_get(g->users, login, g->cache_ms, &fresh);
	if (fresh)
		return e->ival;
	e->ival = REG_USER_UNKNOWN;
	if (query_prepare(g->st, "SELECT status FROM users WHERE login = ?", &q, NULL) < 0)
		return e->ival;
	query_bind_text(q, 1, login);
	r = query_step(q, NULL);
	if (r > 0) {
		const char *s = query_text(q, 0);
		e->ival = !s                        ? REG_USER_UNKNOWN
		          : !strcmp(s, "retired")   ? REG_USER_RETIRED
		          : !strcmp(s, "suspended") ? REG_USER_SUSPENDED
		                                    : REG_USER_ACTIVE;
		query_done(q);
	}
	return e->ival;
}

bool registers_device(struct registers *g, const char *host, struct reg_device *ret)
{
	struct reg_cache_entry *e;
	struct query *q;
	bool fresh;
	int r;

	memset(ret, 0, sizeof(*ret));
	if (!g->st || !host || !*host)
		return false;
	e = cache_get(g->devices, host, g->cache_ms, &fresh);
	if (!fresh) {
		free(e->a);
		free(e->b);
		e->a = e->b = NULL;
		e->ival = 0;
		if (query_prepare(g->st,
		                  "SELECT level, coalesce(system, json_extract(fields, '$.system'))"
		                  " FROM records WHERE register = 'device'"
		                  " AND lower(json_extract(fields, '$.hostname')) = lower(?)"
		                  " AND state <> 'disposed' ORDER BY id DESC LIMIT 1",
		                  &q, NULL) == 0) {
			query_bind_text(q, 1, host);
			r = query_step(q, NULL);
			if (r > 0) {
				e->ival = 1;
				e->a = query_strdup(q, 0);
				e->b = query_strdup(q, 1);
				query_done(q);
			}
		}
	}
	if (!e->ival)
		return false;
	snprintf(ret->level, sizeof(ret->level), "%s", e->a ? e->a : "");
	snprintf(ret->system, sizeof(ret->system), "%s", e->b ? e->b : "");
	return true;
}

bool registers_has_admin(struct registers *g, const char *login, const char *host,
                         const char *system)
{
	struct strbuf key = STRBUF_INIT;
	struct reg_cache_entry *e;
	struct query *q;
	bool fresh;
	int64_t n = 0;

	if (!g->st)
		return true; /* cannot tell: never alert on a guess */
	strbuf_addf(&key, "%s\x1f%s\x1f%s", login, host, system ? system : "");
	e = cache_get(g->admins, key.buf, g->cache_ms, &fresh);
	strbuf_release(&key);
	if (fresh)
		return e->ival;
	e->ival = 1;
	if (query_prepare(g->st,
	                  "SELECT count(*) FROM records r"
	                  " WHERE r.register = 'admin' AND json_extract(r.fields, '$.holder') = ?1"
	                  " AND r.state <> 'revoked'"
	                  " AND (lower(json_extract(r.fields, '$.system')) = lower(?2)"
	                  "  OR lower(json_extract(r.fields, '$.system')) = lower(?3)"
	                  "  OR lower(r.system) = lower(?3))",
	                  &q, NULL) == 0) {
		query_bind_text(q, 1, login);
		query_bind_text(q, 2, host);
		query_bind_text(q, 3, system ? system : host);
		if (query_one_int(q, &n, NULL) == 0)
			e->ival = n > 0;
	}
	return e->ival;
}

int registers_record_day(struct registers *g, struct door *d, struct ledger *lg,
                         int64_t day_start_ms, int64_t offset_ms, size_t rules, struct strbuf *err)
{
	struct strbuf day = STRBUF_INIT, msgs = STRBUF_INIT, alerts = STRBUF_INIT,
	              finding = STRBUF_INIT;
	struct log_query lq = { .since_ms = day_start_ms,
		                .until_ms = day_start_ms + 86400000 - 1,
		                .count_only = true };
	struct log_result res = { 0 };
	struct alert_filter af = { .since_ms = day_start_ms };
	struct alert_list al = { 0 };
	struct act_input in = { .kind = ACT_RECORD,
		                .system_actor = ACT_SYSTEM_MONITOR,
		                .action = "log_analysis.record" };
	struct act_result ar = ACT_RESULT_INIT;
	struct query *q;
	uint64_t n_alerts = 0;
	int64_t done = 0;
	int r;

	time_format_local(&day, day_start_ms, offset_ms);
	strbuf_setlen(&day, 10); /* "2026-11-22" */
	/* Once a day: the period of a record already there is not recorded again. */
	r = query_prepare(g->st,
	                  "SELECT count(*) FROM records WHERE register = 'log_analysis'"
	                  " AND json_extract(fields, '$.period') = ?",
	                  &q, err);
	if (r == 0) {
		query_bind_text(q, 1, day.buf);
		r = query_one_int(q, &done, err);
	}
	if (r < 0 || done)
		goto out;
	r = logindex_search(g->st, lg, &lq, offset_ms, &res, err);
	if (r < 0)
		goto out;
	r = alerts_list(g->st, &af, &al, err);
	if (r < 0)
		goto out;
	for (size_t i = 0; i < al.nr; i++)
		if (al.items[i].created_ms < day_start_ms + 86400000 && al.items[i].source &&
		    !strcmp(al.items[i].source, ACT_SYSTEM_MONITOR))
			n_alerts++;
	strbuf_addf(&msgs, "%" PRIu64, res.count);
	strbuf_addf(&alerts, "%" PRIu64, n_alerts);
	strbuf_addf(&finding,
	            "%s の収集ログ %" PRIu64 " 件を Mamori のログ分析が規則 %zu 件で分析した。警告 "
	            "%" PRIu64 " 件。",
	            day.buf, res.count, rules, n_alerts);
	{
		struct act_attr f[] = { { "period", day.buf },
			                { "messages", msgs.buf },
			                { "alerts", alerts.buf },
			                { "finding", finding.buf } };
		in.fields = f;
		in.n_fields = 4;
		r = act_run(d, &in, &ar, err);
		act_result_release(&ar);
	}
out:
	log_result_release(&res);
	alert_list_release(&al);
	strbuf_release(&day);
	strbuf_release(&msgs);
	strbuf_release(&alerts);
	strbuf_release(&finding);
	return r;
}
