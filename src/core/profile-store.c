/* profile-store: the profiles stored in the database (see profile-store.h). */
#include <errno.h>

#include "core/profile-store.h"
#include "policy/policy.h"
#include "store/query.h"
#include "store/store.h"

int profile_stored_newest(struct store *st, int64_t *ret_seq, struct strbuf *err)
{
	struct query *q;
	int r = query_prepare(st, "SELECT coalesce(max(seq), 0) FROM profiles", &q, err);

	if (r < 0)
		return r;
	return query_one_int(q, ret_seq, err);
}

int profile_stored_stamp(struct store *st, int64_t *ret_version, int64_t *ret_seq,
                         struct strbuf *err)
{
	struct query *q;
	int r;

	*ret_seq = -1;
	if (store_dialect(st) != STORE_POSTGRESQL)
		return store_data_version(st, ret_version, err);
	/* store_data_version's stamp on PostgreSQL (store/inspect.c), and the newest profile */
	r = query_prepare(st,
	                  "SELECT (pg_current_wal_insert_lsn() - '0/0'::pg_lsn)::bigint,"
	                  " (SELECT coalesce(max(seq), 0) FROM profiles)",
	                  &q, err);
	if (r < 0)
		return r;
	r = query_step(q, err);
	if (r <= 0) {
		if (r == 0)
			error_set(err, "the store's change stamp: no row");
		return r < 0 ? r : -EIO;
	}
	*ret_version = query_int(q, 0);
	*ret_seq = query_int(q, 1);
	query_done(q);
	return 0;
}

int profile_stored_load(struct store *st, struct profile **ret, int64_t *ret_seq,
                        struct strbuf *why, struct strbuf *err)
{
	struct query *q;
	size_t len = 0;
	const void *content;
	int r = query_prepare(
	    st, "SELECT seq, name, content FROM profiles ORDER BY seq DESC LIMIT 1", &q, err);

	if (r < 0)
		return r;
	r = query_step(q, err);
	if (r <= 0)
		return r < 0 ? r : -ENOENT;
	content = query_blob(q, 2, &len);
	r = profile_load_buffer(query_text(q, 1), content, len, ret, why);
	*ret_seq = query_int(q, 0);
	query_done(q);
	return r < 0 ? -EPROTO : 0;
}
