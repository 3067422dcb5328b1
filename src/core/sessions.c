/* sessions: the web's browser sessions as stored (web_sessions), by the digest of their token. */
#include <errno.h>
#include <stdio.h>

#include "core/sessions.h"
#include "store/query.h"

int sessions_check(struct store *st, struct strbuf *err)
{
	struct query *q;

	if (query_prepare(st, "SELECT count(*) FROM web_sessions", &q, err) < 0)
		return -EPROTO;
	query_done(q);
	return 0;
}

int sessions_find(struct store *st, const char *digest, struct session_row *row, struct strbuf *err)
{
	struct query *q;
	int r = query_prepare(st,
	                      "SELECT user_id, created_ms, seen_ms, stage, card_serial "
	                      "FROM web_sessions WHERE token_sha256 = ?",
	                      &q, err);

	if (r < 0)
		return r;
	query_bind_text(q, 1, digest);
	r = query_step(q, err);
	if (r <= 0)
		return r;
	row->user_id = query_int(q, 0);
	row->created_ms = query_int(q, 1);
	row->seen_ms = query_int(q, 2);
	snprintf(row->stage, sizeof(row->stage), "%s", query_text(q, 3) ? query_text(q, 3) : "");
	snprintf(row->card_serial, sizeof(row->card_serial), "%s",
	         query_text(q, 4) ? query_text(q, 4) : "");
	query_done(q);
	return 1;
}

int sessions_add(struct store *st, const char *digest, int64_t user_id, int64_t now,
                 const char *remote, const char *stage, const char *card_serial, struct strbuf *err)
{
	struct query *q;
	int r =
	    query_prepare(st,
	                  "INSERT INTO web_sessions(token_sha256, user_id, created_ms, seen_ms, "
	                  "remote, stage, card_serial) VALUES (?, ?, ?, ?, ?, ?, ?)",
	                  &q, err);

	if (r < 0)
		return r;
	query_bind_text(q, 1, digest);
	query_bind_int(q, 2, user_id);
	query_bind_int(q, 3, now);
	query_bind_int(q, 4, now);
	query_bind_text(q, 5, remote);
	query_bind_text(q, 6, stage);
	query_bind_text(q, 7, card_serial); /* NULL binds NULL */
	return query_run(q, err);
}

int sessions_touch(struct store *st, const char *digest, int64_t now, struct strbuf *err)
{
	struct query *q;
	int r = query_prepare(st, "UPDATE web_sessions SET seen_ms = ? WHERE token_sha256 = ?", &q,
	                      err);

	if (r < 0)
		return r;
	query_bind_int(q, 1, now);
	query_bind_text(q, 2, digest);
	return query_run(q, err);
}

int sessions_delete(struct store *st, const char *digest, struct strbuf *err)
{
	struct query *q;
	int r = query_prepare(st, "DELETE FROM web_sessions WHERE token_sha256 = ?", &q, err);

	if (r < 0)
		return r;
	query_bind_text(q, 1, digest);
	return query_run(q, err);
}

int sessions_forget(struct store *st, int64_t seen_before, int64_t created_before,
                    struct strbuf *err)
{
	struct query *q;
	int r = query_prepare(st, "DELETE FROM web_sessions WHERE seen_ms < ? OR created_ms < ?",
	                      &q, err);

	if (r < 0)
		return r;
	query_bind_int(q, 1, seen_before);
	query_bind_int(q, 2, created_before);
	return query_run(q, err);
}

int sessions_end_user(struct store *st, int64_t user_id, const char *except_digest,
                      struct strbuf *err)
{
	struct query *q;
	int r = query_prepare(
	    st, "DELETE FROM web_sessions WHERE user_id = ? AND token_sha256 != ?", &q, err);

	if (r < 0)
		return r;
	query_bind_int(q, 1, user_id);
	query_bind_text(q, 2, except_digest ? except_digest : "");
	return query_run(q, err);
}

int sessions_pending_secret_set(struct store *st, const char *digest, const void *sealed,
                                size_t len, struct strbuf *err)
{
	struct query *q;
	int r = query_prepare(
	    st, "UPDATE web_sessions SET pending_secret = ? WHERE token_sha256 = ?", &q, err);

	if (r < 0)
		return r;
	query_bind_blob(q, 1, sealed, len);
	query_bind_text(q, 2, digest);
	return query_run(q, err);
}

int sessions_pending_secret_get(struct store *st, const char *digest, struct strbuf *sealed,
                                struct strbuf *err)
{
	struct query *q;
	int r = query_prepare(st, "SELECT pending_secret FROM web_sessions WHERE token_sha256 = ?",
	                      &q, err);

	if (r < 0)
		return r;
	query_bind_text(q, 1, digest);
	r = query_step(q, err);
	if (r > 0) {
		size_t len = 0;
		const void *b = query_blob(q, 0, &len);
		if (b && len)
			strbuf_add(sealed, b, len);
		query_done(q);
	}
	return r < 0 ? r : 0;
}

int sessions_password_failed(struct store *st, const char *digest, int64_t fallback,
                             int64_t *ret_count, struct strbuf *err)
{
	struct query *q;
	int r = query_prepare(st,
	                      "UPDATE web_sessions SET password_failures = password_failures + 1 "
	                      "WHERE token_sha256 = ? RETURNING password_failures",
	                      &q, err);

	if (r < 0)
		return r;
	query_bind_text(q, 1, digest);
	r = query_one_int(q, ret_count, err);
	if (r == -ENOENT) {
		*ret_count = fallback; /* the session is gone already */
		return 0;
	}
	return r;
}
