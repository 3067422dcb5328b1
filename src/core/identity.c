/* identity: the TOTP credential as login reads it, and its login state (core/identity.h). */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "base/cleanup.h"
#include "core/identity.h"
#include "store/query.h"
#include "store/store.h"

int identity_totp_get(struct store *st, int64_t user_id, struct strbuf *ret_sealed,
                      int64_t *ret_last_step, struct strbuf *err)
{
	struct query *q;
	const void *blob;
	size_t len = 0;
	int r;

	r = query_prepare(st,
	                  "SELECT t.secret, coalesce(s.last_step, 0) FROM user_totp t "
	                  "LEFT JOIN totp_state s ON s.user_id = t.user_id WHERE t.user_id = ?",
	                  &q, err);
	if (r < 0)
		return r;
	query_bind_int(q, 1, user_id);
	r = query_step(q, err);
	if (r <= 0)
		return r;
	blob = query_blob(q, 0, &len);
	if (blob && len)
		strbuf_add(ret_sealed, blob, len);
	*ret_last_step = query_int(q, 1);
	query_done(q);
	return 1;
}

int identity_totp_enrolled(struct store *st, int64_t user_id, struct strbuf *err)
{
	struct query *q;
	int64_t n = 0;
	int r = query_prepare(st, "SELECT count(*) FROM user_totp WHERE user_id = ?", &q, err);

	if (r < 0)
		return r;
	query_bind_int(q, 1, user_id);
	r = query_one_int(q, &n, err);
	return r < 0 ? r : n > 0;
}

int identity_totp_step(struct store *st, int64_t user_id, int64_t step, struct strbuf *err)
{
	struct query *q;
	int r = query_prepare(st,
	                      "INSERT INTO totp_state(user_id, last_step) VALUES (?1, ?2) "
	                      "ON CONFLICT(user_id) DO UPDATE SET last_step = excluded.last_step "
	                      "WHERE totp_state.last_step < excluded.last_step",
	                      &q, err);

	if (r < 0)
		return r;
	query_bind_int(q, 1, user_id);
	query_bind_int(q, 2, step);
	if ((r = query_run(q, err)) < 0)
		return r;
	return query_changes(st) == 1 ? 0 : -EACCES;
}

int identity_recovery_use(struct store *st, int64_t user_id, const char *hex, int64_t now_ms,
                          int64_t *ret_left, struct strbuf *err)
{
	struct query *q;
	int r;

	r = query_prepare(st,
	                  "INSERT INTO totp_recovery_used(user_id, code_sha256, used_ms) "
	                  "SELECT user_id, code_sha256, ?3 FROM user_recovery_codes "
	                  "WHERE user_id = ?1 AND code_sha256 = ?2 ON CONFLICT DO NOTHING",
	                  &q, err);
	if (r < 0)
		return r;
	query_bind_int(q, 1, user_id);
	query_bind_text(q, 2, hex);
	query_bind_int(q, 3, now_ms);
	if ((r = query_run(q, err)) < 0)
		return r;
	if (query_changes(st) != 1)
		return -EACCES;
	if (ret_left) {
		r = query_prepare(st,
		                  "SELECT count(*) FROM user_recovery_codes c WHERE c.user_id = ? "
		                  "AND NOT EXISTS (SELECT 1 FROM totp_recovery_used u WHERE "
		                  "u.user_id = c.user_id AND u.code_sha256 = c.code_sha256)",
		                  &q, err);
		if (r < 0)
			return r;
		query_bind_int(q, 1, user_id);
		r = query_one_int(q, ret_left, err);
		if (r < 0)
			return r;
	}
	return 0;
}

int identity_token_find(struct store *st, const char *digest, int64_t *ret_id, int64_t *ret_user_id,
                        char scope[16], int64_t *ret_last_used_ms, struct strbuf *err)
{
	struct query *q;
	int r;

	r = query_prepare(st,
	                  "SELECT t.id, t.user_id, t.scope, coalesce(g.last_used_ms, 0) "
	                  "FROM api_tokens t LEFT JOIN api_token_use g ON g.token_id = t.id "
	                  "WHERE t.token_sha256 = ? AND t.revoked_ms IS NULL",
	                  &q, err);
	if (r < 0)
		return r;
	query_bind_text(q, 1, digest);
	r = query_step(q, err);
	if (r <= 0)
		return r;
	*ret_id = query_int(q, 0);
	*ret_user_id = query_int(q, 1);
	snprintf(scope, 16, "%s", query_text(q, 2) ? query_text(q, 2) : "");
	*ret_last_used_ms = query_int(q, 3);
	query_done(q);
	return 1;
}

int identity_token_used(struct store *st, int64_t id, int64_t now_ms, struct strbuf *err)
{
	struct query *q;
	int r = query_prepare(
	    st,
	    "INSERT INTO api_token_use(token_id, last_used_ms) VALUES (?, ?) "
	    "ON CONFLICT(token_id) DO UPDATE SET last_used_ms = excluded.last_used_ms",
	    &q, err);

	if (r < 0)
		return r;
	query_bind_int(q, 1, id);
	query_bind_int(q, 2, now_ms);
	return query_run(q, err);
}

int identity_stamp(struct store *st, int64_t *ret, struct strbuf *err)
{
	struct query *q;
	int r;

	/* PostgreSQL has none (schema/pg/0030-identity-stamp.sql says why), and a stamp whose
	 * triggers are missing would not move: as good as none (store/schema.c) */
	r = store_identity_stamped(st, err);
	if (r <= 0)
		return r;
	r = query_prepare(st, "SELECT n FROM identity_stamp WHERE id = 1", &q, err);
	if (r < 0)
		return r;
	r = query_one_int(q, ret, err);
	if (r == -ENOENT)
		return 0; /* no row (never so after 0030): nothing to memoise against */
	return r < 0 ? r : 1;
}

int identity_iccard_check(struct store *st, const char *login, const char *serial,
                          struct strbuf *why, struct strbuf *err)
{
	struct query *q;
	bool found = false;
	int r = query_prepare(st,
	                      "SELECT state, json_extract(fields, '$.holder') FROM records"
	                      " WHERE register = 'iccard'"
	                      " AND upper(json_extract(fields, '$.card_id')) = upper(?1)"
	                      " ORDER BY state = 'active' DESC, id DESC",
	                      &q, err);

	if (r < 0)
		return r;
	query_bind_text(q, 1, serial);
	while ((r = query_step(q, err)) > 0) {
		const char *state = query_text(q, 0), *holder = query_text(q, 1);

		found = true;
		if (!holder || strcmp(holder, login))
			continue;
		if (state && !strcmp(state, "active")) {
			query_done(q);
			return 1;
		}
		strbuf_addf(why, "card %s of %s is %s", serial, login, state ? state : "?");
		query_done(q);
		return 0;
	}
	if (r < 0)
		return r;
	strbuf_addf(why, found ? "card %s is not held by %s" : "no IC card %s in the register",
	            serial, login);
	return 0;
}

int identity_tokens_list(struct store *st, struct identity_token_list *ret, struct strbuf *err)
{
	struct query *q;
	size_t alloc = 0;
	int r = query_prepare(st,
	                      "SELECT t.id, u.login, u.name, t.label, t.created_ms, g.last_used_ms,"
	                      " t.revoked_ms, t.scope FROM api_tokens t"
	                      " JOIN users u ON u.id = t.user_id"
	                      " LEFT JOIN api_token_use g ON g.token_id = t.id ORDER BY t.id DESC",
	                      &q, err);

	memset(ret, 0, sizeof(*ret));
	if (r < 0)
		return r;
	while ((r = query_step(q, err)) > 0) {
		struct identity_token *t;

		ALLOC_GROW(ret->items, ret->nr, alloc);
		t = &ret->items[ret->nr++];
		t->id = query_int(q, 0);
		t->login = query_strdup(q, 1);
		t->name = query_strdup(q, 2);
		t->label = query_strdup(q, 3);
		t->created_ms = query_int(q, 4);
		t->last_used_ms = query_int(q, 5); /* NULL reads as 0 */
		t->revoked_ms = query_int(q, 6);
		t->scope = query_strdup(q, 7);
	}
	if (r < 0)
		identity_token_list_release(ret);
	return r;
}

void identity_token_list_release(struct identity_token_list *l)
{
	for (size_t i = 0; i < l->nr; i++) {
		free(l->items[i].login);
		free(l->items[i].name);
		free(l->items[i].label);
		free(l->items[i].scope);
	}
	free(l->items);
	memset(l, 0, sizeof(*l));
}
