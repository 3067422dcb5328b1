/* profile-store: the profiles stored in the database (see profile-store.h). */
#include <errno.h>

#include "core/profile-store.h"
#include "policy/policy.h"
#include "store/query.h"

int profile_stored_newest(struct store *st, int64_t *ret_seq, struct strbuf *err)
{
	struct query *q;
	int r = query_prepare(st, "SELECT coalesce(max(seq), 0) FROM profiles", &q, err);

	if (r < 0)
		return r;
	return query_one_int(q, ret_seq, err);
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
