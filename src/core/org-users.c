/* org-users: searching and paging the people of the ward for the administrator's list. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/cleanup.h"
#include "core/org.h"
#include "store/query.h"

#define USERS_WHERE                                                                                \
	" FROM users WHERE (?1 IS NULL OR instr(lower(login), ?1) > 0"                             \
	" OR instr(lower(name), ?1) > 0 OR instr(lower(coalesce(title, '')), ?1) > 0"              \
	" OR instr(lower(coalesce(email, '')), ?1) > 0)"                                           \
	" AND (?2 IS NULL OR section = ?2) AND (?3 IS NULL OR status = ?3)"

static void bind_filter(struct query *q, const char *text, const struct org_user_query *f)
{
	query_bind_text(q, 1, text);
	query_bind_text(q, 2, f->section && *f->section ? f->section : NULL);
	query_bind_text(q, 3, f->status && *f->status ? f->status : NULL);
}

static void user_from_query(struct query *q, struct org_user *u)
{
	u->id = query_int(q, 0);
	u->login = query_strdup(q, 1);
	u->name = query_strdup(q, 2);
	u->section = query_strdup(q, 3);
	u->employment = query_strdup(q, 4);
	u->status = query_strdup(q, 5);
	u->must_change = query_int(q, 6) != 0;
	u->has_password = query_int(q, 7) != 0;
	u->created_ms = query_int(q, 8);
	u->changed_ms = query_int(q, 9);
	u->title = query_strdup(q, 10);
	u->email = query_strdup(q, 11);
}

int org_users_search(struct store *st, const struct org_user_query *f, struct org_users *ret,
                     int64_t *ret_total, struct strbuf *err)
{
	struct query *q;
	char *text = NULL;
	int r;

	/* lower() folds ASCII only: "Sato" finds "sato"; Japanese text matches as written. */
	if (f->text && *f->text) {
		text = xstrdup(f->text);
		for (char *c = text; *c; c++)
			if (*c >= 'A' && *c <= 'Z')
				*c = (char)(*c - 'A' + 'a');
	}
	r = query_prepare(st, "SELECT count(*)" USERS_WHERE, &q, err);
	if (r == 0) {
		bind_filter(q, text, f);
		r = query_one_int(q, ret_total, err);
	}
	if (r == 0)
		r = query_prepare(
		    st,
		    "SELECT id, login, name, section, employment, status, must_change,"
		    " password_hash IS NOT NULL, created_ms, changed_ms, title, email" USERS_WHERE
		    " ORDER BY login LIMIT ?4 OFFSET ?5",
		    &q, err);
	if (r == 0) {
		bind_filter(q, text, f);
		query_bind_int(q, 4, f->limit > 0 ? f->limit : INT64_MAX);
		query_bind_int(q, 5, f->offset > 0 ? f->offset : 0);
		while ((r = query_step(q, err)) > 0) {
			ALLOC_GROW(ret->items, ret->nr, ret->alloc);
			memset(&ret->items[ret->nr], 0, sizeof(ret->items[0]));
			user_from_query(q, &ret->items[ret->nr++]);
		}
	}
	free(text);
	return r < 0 ? r : 0;
}
