/* fim-read: what people read of file integrity (the web's 改ざん検知 page), on their connection. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "base/cleanup.h"
#include "core/fim.h"
#include "store/query.h"

void fim_report_briefs_release(struct fim_report_briefs *l)
{
	for (size_t i = 0; i < l->nr; i++) {
		free(l->items[i].outcome);
		free(l->items[i].by_login);
		free(l->items[i].via);
	}
	free(l->items);
	memset(l, 0, sizeof(*l));
}

int fim_reports_recent(struct store *st, int64_t config_id, int64_t limit,
                       struct fim_report_briefs *ret, struct strbuf *err)
{
	struct query *q;
	int r = query_prepare(st,
	                      "SELECT id, config_id, at_ms, generation,"
	                      " coalesce(accepted_generation, 0), outcome, by_login, via, added,"
	                      " removed, changed, problems, entries, critical"
	                      " FROM fim_reports WHERE ?1 = 0 OR config_id = ?1"
	                      " ORDER BY id DESC LIMIT ?2",
	                      &q, err);

	if (r < 0)
		return r;
	query_bind_int(q, 1, config_id);
	query_bind_int(q, 2, limit > 0 ? limit : 20);
	while ((r = query_step(q, err)) > 0) {
		ALLOC_GROW(ret->items, ret->nr + 1, ret->alloc);
		struct fim_report_brief *b = &ret->items[ret->nr++];
		memset(b, 0, sizeof(*b));
		b->id = query_int(q, 0);
		b->config_id = query_int(q, 1);
		b->at_ms = query_int(q, 2);
		b->generation = (uint64_t)query_int(q, 3);
		b->accepted_generation = (uint64_t)query_int(q, 4);
		b->outcome = query_strdup(q, 5);
		b->by_login = query_strdup(q, 6);
		b->via = query_strdup(q, 7);
		b->added = query_int(q, 8);
		b->removed = query_int(q, 9);
		b->changed = query_int(q, 10);
		b->problems = query_int(q, 11);
		b->entries = query_int(q, 12);
		b->critical = query_int(q, 13) != 0;
	}
	return r;
}
