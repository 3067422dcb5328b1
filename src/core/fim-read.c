/* fim-read: what people read of file integrity (the web's 改ざん検知 page), on their connection. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "base/cleanup.h"
#include "core/fim.h"
#include "store/query.h"

void fim_report_brief_release(struct fim_report_brief *b)
{
	free(b->outcome);
	free(b->by_login);
	free(b->via);
	memset(b, 0, sizeof(*b));
}

void fim_report_briefs_release(struct fim_report_briefs *l)
{
	for (size_t i = 0; i < l->nr; i++)
		fim_report_brief_release(&l->items[i]);
	free(l->items);
	memset(l, 0, sizeof(*l));
}

static void brief_row(struct query *q, struct fim_report_brief *b)
{
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

#define BRIEF_COLUMNS                                                                              \
	"r.id, r.config_id, r.at_ms, r.generation, coalesce(r.accepted_generation, 0), r.outcome," \
	" r.by_login, r.via, r.added, r.removed, r.changed, r.problems, r.entries, r.critical"

int fim_report_latest_for_system(struct store *st, const char *system, struct fim_report_brief *ret,
                                 struct strbuf *err)
{
	struct query *q;
	int r = query_prepare(st,
	                      "SELECT " BRIEF_COLUMNS " FROM fim_reports r"
	                      " JOIN fim_configs c ON c.id = r.config_id"
	                      " WHERE ?1 IS NULL OR c.system = ?1 ORDER BY r.id DESC LIMIT 1",
	                      &q, err);

	if (r < 0)
		return r;
	if (system)
		query_bind_text(q, 1, system);
	r = query_step(q, err);
	if (r > 0) {
		brief_row(q, ret);
		query_done(q);
	}
	return r;
}

int fim_reports_recent(struct store *st, int64_t config_id, int64_t limit,
                       struct fim_report_briefs *ret, struct strbuf *err)
{
	struct query *q;
	int r = query_prepare(st,
	                      "SELECT " BRIEF_COLUMNS " FROM fim_reports r"
	                      " WHERE ?1 = 0 OR r.config_id = ?1 ORDER BY r.id DESC LIMIT ?2",
	                      &q, err);

	if (r < 0)
		return r;
	query_bind_int(q, 1, config_id);
	query_bind_int(q, 2, limit > 0 ? limit : 20);
	while ((r = query_step(q, err)) > 0) {
		ALLOC_GROW(ret->items, ret->nr + 1, ret->alloc);
		brief_row(q, &ret->items[ret->nr++]);
	}
	return r;
}
