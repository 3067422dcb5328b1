/* query: the store's small query API over the connection's statement cache. */
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <string.h>

#include "base/cleanup.h"
#include "store/query.h"
#include "store/store-internal.h"

int query_prepare(struct store *st, const char *sql, struct query **ret, struct strbuf *err)
{
	int r = -EIO;
	struct query *q = store_cached(st, sql, &r, err);

	if (!q)
		return r;
	*ret = q;
	return 0;
}

static void bind_result(struct query *q, int rc)
{
	if (rc != SQLITE_OK && q->bind_rc == SQLITE_OK)
		q->bind_rc = rc;
}

void query_bind_int(struct query *q, int i, int64_t v)
{
	if (q->pg)
		return pg_bind_int(q->pg, i, v);
	bind_result(q, sqlite3_bind_int64(q->stmt, i, v));
}

void query_bind_double(struct query *q, int i, double v)
{
	if (q->pg)
		return pg_bind_double(q->pg, i, v);
	bind_result(q, sqlite3_bind_double(q->stmt, i, v));
}

void query_bind_text(struct query *q, int i, const char *text)
{
	if (q->pg)
		return text ? pg_bind_text0(q->pg, i, text) : pg_bind_null(q->pg, i);
	if (!text)
		bind_result(q, sqlite3_bind_null(q->stmt, i));
	else
		bind_result(q, sqlite3_bind_text(q->stmt, i, text, -1, SQLITE_STATIC));
}

void query_bind_textn(struct query *q, int i, const char *text, size_t len)
{
	if (q->pg)
		return text ? pg_bind_text(q->pg, i, text, len) : pg_bind_null(q->pg, i);
	if (!text)
		bind_result(q, sqlite3_bind_null(q->stmt, i));
	else if (len > INT_MAX)
		bind_result(q, SQLITE_TOOBIG);
	else
		bind_result(q, sqlite3_bind_text(q->stmt, i, text, (int)len, SQLITE_STATIC));
}

void query_bind_blob(struct query *q, int i, const void *data, size_t len)
{
	if (q->pg)
		return pg_bind_blob(q->pg, i, data, len);
	if (len > INT_MAX)
		bind_result(q, SQLITE_TOOBIG);
	else
		bind_result(
		    q, sqlite3_bind_blob(q->stmt, i, len ? data : "", (int)len, SQLITE_STATIC));
}

void query_bind_null(struct query *q, int i)
{
	if (q->pg)
		return pg_bind_null(q->pg, i);
	bind_result(q, sqlite3_bind_null(q->stmt, i));
}

void query_bind_bitset(struct query *q, int i, const struct bitset *set)
{
	if (q->pg) {
		pg_bind_bitset(q->pg, i, set);
		return;
	}
	/* SQLite's pointer passing: only mamori_in_set can read it back, by its type name */
	bind_result(
	    q, sqlite3_bind_pointer(q->stmt, i, (void *)(uintptr_t)set, STORE_BITSET_TYPE, NULL));
}

void query_bind_bool(struct query *q, int i, bool v)
{
	if (q->pg)
		return pg_bind_bool(q->pg, i, v);
	bind_result(q, sqlite3_bind_int(q->stmt, i, v));
}
void query_bind_int_or_null(struct query *q, int i, int64_t v)
{
	if (v)
		query_bind_int(q, i, v);
	else
		query_bind_null(q, i);
}

static int fail(struct query *q, int rc, struct strbuf *err)
{
	sqlite3_reset(q->stmt);
	q->bind_rc = SQLITE_OK;
	return store_error(q->st, rc, "query", err);
}

int query_step(struct query *q, struct strbuf *err)
{
	int rc;

	if (q->pg)
		return pg_step(q->st, q->pg, q->sql, err);
	if (q->bind_rc != SQLITE_OK) {
		rc = q->bind_rc;
		sqlite3_reset(q->stmt);
		q->bind_rc = SQLITE_OK;
		if (rc == SQLITE_RANGE) {
			error_set(err, "query: a parameter index is out of range (%s)", q->sql);
			return -EINVAL;
		}
		return store_error(q->st, rc, "binding a query parameter", err);
	}
	rc = sqlite3_step(q->stmt);
	if (rc == SQLITE_ROW)
		return 1;
	if (rc == SQLITE_DONE) {
		sqlite3_reset(q->stmt);
		return 0;
	}
	return fail(q, rc, err);
}

void query_done(struct query *q)
{
	if (!q)
		return;
	if (q->pg)
		return pg_reset(q->pg, false);
	sqlite3_reset(q->stmt);
	q->bind_rc = SQLITE_OK;
}

void query_wipe(struct query *q)
{
	if (!q)
		return;
	if (q->pg)
		return pg_wipe(q->pg);
	sqlite3_reset(q->stmt);
	sqlite3_clear_bindings(q->stmt);
	q->bind_rc = SQLITE_OK;
}

int64_t query_int(struct query *q, int col)
{
	if (q->pg)
		return pg_int(q->pg, col);
	return sqlite3_column_int64(q->stmt, col);
}

double query_double(struct query *q, int col)
{
	if (q->pg)
		return pg_double(q->pg, col);
	return sqlite3_column_double(q->stmt, col);
}

const char *query_text(struct query *q, int col)
{
	if (q->pg)
		return pg_text(q->pg, col);
	return (const char *)sqlite3_column_text(q->stmt, col);
}

const void *query_blob(struct query *q, int col, size_t *ret_len)
{
	const void *p;

	if (q->pg)
		return pg_blob(q->pg, col, ret_len);
	p = sqlite3_column_blob(q->stmt, col);
	*ret_len = (size_t)sqlite3_column_bytes(q->stmt, col);
	return p;
}

bool query_is_null(struct query *q, int col)
{
	if (q->pg)
		return pg_is_null(q->pg, col);
	return sqlite3_column_type(q->stmt, col) == SQLITE_NULL;
}

char *query_strdup(struct query *q, int col)
{
	const char *s = query_text(q, col);

	return s ? xstrdup(s) : NULL;
}

int query_columns(struct query *q)
{
	if (q->pg)
		return pg_columns(q->pg);
	return sqlite3_column_count(q->stmt);
}

int query_run(struct query *q, struct strbuf *err)
{
	int r;

	while ((r = query_step(q, err)) > 0)
		;
	return r;
}

int query_one_int(struct query *q, int64_t *ret, struct strbuf *err)
{
	int r = query_step(q, err);

	if (r <= 0)
		return r < 0 ? r : -ENOENT;
	*ret = query_int(q, 0);
	query_done(q);
	return 0;
}

int query_one_text(struct query *q, char **ret, struct strbuf *err)
{
	int r = query_step(q, err);

	if (r <= 0)
		return r < 0 ? r : -ENOENT;
	*ret = query_strdup(q, 0);
	query_done(q);
	return 0;
}

int64_t query_changes(struct store *st)
{
	if (st->pg)
		return pg_changes(st);
	return sqlite3_changes64(st->db);
}

int64_t query_last_id(struct store *st)
{
	if (st->pg) {
		/* what the last INSERT sent back (pg-stmt.c returning_id), else the value the last
		 * INSERT's identity column drew in this session */
		struct query *q;
		int64_t id = 0;
		if (pg_last_id(st, &id))
			return id;
		if (query_prepare(st, "SELECT lastval()", &q, NULL) < 0 ||
		    query_one_int(q, &id, NULL) < 0)
			return 0;
		return id;
	}
	return sqlite3_last_insert_rowid(st->db);
}
