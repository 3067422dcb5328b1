/* fim-agents: the register of file integrity agents (mamori fim agents) and their silence. */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "base/cleanup.h"
#include "base/timeutil.h"
#include "core/alert.h"
#include "core/fim-internal.h"
#include "store/query.h"
#include "store/store.h"

/* ---- silence ---- */

struct silent {
	int64_t id;
	const struct fim_agent_row *a;
};

/* Remembers the alert of this silence (unless the agent spoke meanwhile). */
static int mark_silent(struct door *d, void *arg, struct strbuf *err)
{
	struct silent *x = arg;
	struct query *q;
	int r = query_prepare(door_store(d),
	                      "UPDATE fim_agents SET silent_alert = ? WHERE id = ? AND last_ms = ?",
	                      &q, err);

	if (r < 0)
		return r;
	query_bind_int(q, 1, x->id);
	query_bind_text(q, 2, x->a->id);
	query_bind_int(q, 3, x->a->last_ms);
	return query_run(q, err);
}

int fim_agents_watch(struct door *d, int64_t now_ms, struct strbuf *err)
{
	struct fim_agent_rows l = { 0 };
	int r = fim_agents_list(d, &l, err);

	for (size_t i = 0; r == 0 && i < l.nr; i++) {
		struct fim_agent_row *a = &l.items[i];
		int64_t quiet = 3 * a->interval_s * 1000;
		if (a->silent || now_ms - a->last_ms < quiet || !a->last_index)
			continue;
		struct strbuf sum = STRBUF_INIT, t = STRBUF_INIT;
		time_format_local(&t, a->last_ms, TOKYO_OFFSET_MS);
		strbuf_addf(&sum, "エージェント %s（%s）からの報告が途絶えている（最終 %s）",
		            a->host, a->id, t.buf);
		struct alert_input in = { .source = ACT_SYSTEM_FIM,
			                  .rule = "agent-silent",
			                  .severity = "high",
			                  .time_ms = now_ms,
			                  .host = a->host,
			                  .summary = sum.buf,
			                  .entries = &a->last_index,
			                  .n_entries = 1 };
		int64_t id = 0;
		uint64_t ai;
		r = alert_raise(d, &in, &id, &ai, err);
		if (r == 0) {
			struct silent x = { .id = id, .a = a };
			r = fim_txn(d, mark_silent, &x, err);
		} else if (r == -ENOENT) {
			strbuf_reset(err);
			r = 0;
		}
		strbuf_release(&sum);
		strbuf_release(&t);
	}
	fim_agent_rows_release(&l);
	return r;
}

void fim_agent_rows_release(struct fim_agent_rows *l)
{
	for (size_t i = 0; i < l->nr; i++) {
		free(l->items[i].id);
		free(l->items[i].host);
		free(l->items[i].version);
		free(l->items[i].login);
	}
	free(l->items);
	memset(l, 0, sizeof(*l));
}

static int agents_led(struct door *d, void *arg, struct strbuf *err)
{
	return fim_agents_read(door_store(d), arg, err);
}

/* The server's watch calls this on its own thread while workers lead the door: led. */
int fim_agents_list(struct door *d, struct fim_agent_rows *ret, struct strbuf *err)
{
	return fim_led(d, agents_led, ret, err);
}

int fim_agents_read(struct store *st, struct fim_agent_rows *ret, struct strbuf *err)
{
	struct query *q;
	int r = query_prepare(
	    st,
	    "SELECT a.id, a.host, a.version, a.login, a.interval_s, a.first_ms, a.last_ms,"
	    " a.last_seq, a.gaps, a.silent_alert IS NOT NULL,"
	    " coalesce((SELECT max(r.ledger_index) FROM fim_reports r JOIN fim_batches b"
	    "  ON b.report_id = r.id WHERE b.agent = a.id), a.ledger_index)"
	    " FROM fim_agents a ORDER BY a.host, a.id",
	    &q, err);

	if (r < 0)
		return r;
	while ((r = query_step(q, err)) > 0) {
		ALLOC_GROW(ret->items, ret->nr, ret->alloc);
		struct fim_agent_row *a = &ret->items[ret->nr++];
		a->id = query_strdup(q, 0);
		a->host = query_strdup(q, 1);
		a->version = query_strdup(q, 2);
		a->login = query_strdup(q, 3);
		a->interval_s = query_int(q, 4);
		a->first_ms = query_int(q, 5);
		a->last_ms = query_int(q, 6);
		a->last_seq = query_int(q, 7);
		a->gaps = query_int(q, 8);
		a->silent = query_int(q, 9) != 0;
		a->last_index = (uint64_t)query_int(q, 10);
	}
	return r;
}
