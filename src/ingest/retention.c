/* retention: erasing collected messages at the end of the profile's retention.access_log. */
#include <errno.h>
#include <string.h>

#include "ingest/retention.h"
#include "ledger/ledger.h"
#include "policy/policy.h"
#include "store/query.h"
#include "store/store.h"

int log_retention_plan(struct store *st, const struct profile *p, int64_t now_ms,
                       struct log_retention *ret, struct strbuf *err)
{
	const struct policy_retention *keep = NULL;
	struct query *q;
	int r;

	memset(ret, 0, sizeof(*ret));
	for (unsigned i = 0; p && i < p->n_retention; i++)
		if (p->retention[i].reg && !strcmp(p->retention[i].reg->id, LOG_RETENTION_REGISTER))
			keep = &p->retention[i];
	if (!keep) {
		error_set(err, "the profile sets no retention.access_log: collected logs are kept "
		               "for ever");
		return -ENOENT;
	}
	ret->keep_seconds = keep->keep_seconds;
	ret->cutoff_ms = now_ms - keep->keep_seconds * 1000;
	r = query_prepare(st,
	                  "SELECT count(*), coalesce(sum(n), 0), coalesce(min(first_index), 0),"
	                  " coalesce(max(last_index), 0) FROM log_block WHERE r_max < ?",
	                  &q, err);
	if (r < 0)
		return r;
	query_bind_int(q, 1, ret->cutoff_ms);
	r = query_step(q, err);
	if (r < 0)
		return r;
	if (r > 0) {
		ret->blocks = (uint64_t)query_int(q, 0);
		ret->messages = (uint64_t)query_int(q, 1);
		ret->first = (uint64_t)query_int(q, 2);
		ret->last = (uint64_t)query_int(q, 3);
		query_done(q);
	}
	return 0;
}

int log_retention_apply(struct store *st, struct ledger *lg, struct log_retention *plan,
                        int64_t now_ms, struct strbuf *err)
{
	struct query *q;
	int r;

	if (!plan->messages)
		return 0;
	/*
	 * The payloads first: should the index deletion fail afterwards, the blocks are found
	 * again the next time and erasing what is erased already changes nothing.
	 */
	r = ledger_erase_payloads(lg, plan->first, plan->last, ENTRY_INGEST, "system:retention",
	                          now_ms, "retention.access_log", &plan->erased, &plan->entry, err);
	if (r < 0)
		return r;
	r = store_begin(st, err);
	if (r < 0)
		return r;
	r = query_prepare(st,
	                  "DELETE FROM log_run WHERE block IN"
	                  " (SELECT id FROM log_block WHERE r_max < ?)",
	                  &q, err);
	if (r == 0) {
		query_bind_int(q, 1, plan->cutoff_ms);
		r = query_run(q, err);
	}
	if (r == 0)
		r = query_prepare(st, "DELETE FROM log_block WHERE r_max < ?", &q, err);
	if (r == 0) {
		query_bind_int(q, 1, plan->cutoff_ms);
		r = query_run(q, err);
	}
	if (r == 0)
		r = query_prepare(st, "UPDATE log_state SET erased_before_ms = ? WHERE id = 1", &q,
		                  err);
	if (r == 0) {
		query_bind_int(q, 1, plan->cutoff_ms);
		r = query_run(q, err);
	}
	if (r == 0)
		r = store_commit(st, err);
	else
		store_rollback(st);
	return r;
}
