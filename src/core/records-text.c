/* records-text: the records' trigram index (schema/0018) brought up to date in batches
 * (schema/0029: the records noted in records_text_pending). */
#include "core/records-internal.h"
#include "store/query.h"
#include "store/store.h"

int records_text_fold(struct store *st, int64_t min, struct strbuf *err)
{
	struct query *q;
	int64_t n = 0;
	int r;

	if (store_dialect(st) != STORE_SQLITE)
		return 0; /* PostgreSQL's triggers keep its records_text themselves */
	r = query_prepare(st, "SELECT count(*) FROM records_text_pending", &q, err);
	if (r == 0)
		r = query_one_int(q, &n, err);
	if (r < 0 || n < min)
		return r;
	/* A noted record's former text goes; its present text comes in, all at once: FTS5
	 * writes one segment for them (per act it wrote one each). */
	r = query_prepare(st,
	                  "DELETE FROM records_text"
	                  " WHERE rowid IN (SELECT id FROM records_text_pending)",
	                  &q, err);
	if (r == 0)
		r = query_run(q, err);
	if (r == 0)
		r = query_prepare(st,
		                  "INSERT INTO records_text(rowid, text)"
		                  " SELECT r.id, (SELECT group_concat(value, char(10))"
		                  " FROM json_each(r.fields)) FROM records r"
		                  " WHERE r.id IN (SELECT id FROM records_text_pending)",
		                  &q, err);
	if (r == 0)
		r = query_run(q, err);
	if (r == 0)
		r = query_prepare(st, "DELETE FROM records_text_pending", &q, err);
	if (r == 0)
		r = query_run(q, err);
	return r < 0 ? r : (int)(n > INT32_MAX ? INT32_MAX : n);
}
