/* query: the store's small query API: prepare with typed binds, step rows, read columns. */
#ifndef MAMORI_STORE_QUERY_H
#define MAMORI_STORE_QUERY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/strbuf.h"

struct store;

/*
 * A prepared statement in use (Fossil's db_prepare / db_step / db_int are the model). Code above
 * store/ sees only this opaque type, never the database library's: SQL is the only thing that
 * names the dialect, and it uses '?' placeholders numbered from 1.
 *
 *	struct query *q;
 *	int r = query_prepare(st, "SELECT id, name FROM sections WHERE parent = ?", &q, err);
 *	if (r < 0)
 *		return r;
 *	query_bind_text(q, 1, parent);
 *	while ((r = query_step(q, err)) > 0)
 *		use(query_int(q, 0), query_text(q, 1));
 *	if (r < 0)
 *		return r;                 (the statement was reset; err says why)
 *
 * Statements are cached per connection (keyed on the SQL text, so sql must be a string literal
 * or otherwise constant for the connection's life) and come back reset with no bindings. A
 * query_step that returns 0 (no more rows) or an error resets the statement; a caller that
 * stops early calls query_done. One statement may not be stepped in two loops at once: a nested
 * use of the same SQL text restarts it (prepare resets), so nested loops use different text.
 */
struct query;

/* 0 with *ret, or a negative errno-style code (store_error's mapping) with err set. */
int query_prepare(struct store *st, const char *sql, struct query **ret, struct strbuf *err);
/*
 * query_prepare for a caller that answers any failure to prepare the same way (-EIO): the
 * statement, or NULL with err set. In terms of query_prepare, whatever the backend.
 */
static inline struct query *query_get(struct store *st, const char *sql, struct strbuf *err)
{
	struct query *q = NULL;

	return query_prepare(st, sql, &q, err) < 0 ? NULL : q;
}

/*
 * Binds parameter i (1-based). A binding that fails (an index out of range, no memory) is
 * remembered and reported by the next query_step, so callers need not check each bind.
 * Text and blobs are copied by the database only when needed: they must stay valid until the
 * statement is stepped to its end or reset.
 */
void query_bind_int(struct query *q, int i, int64_t v);
/* A truth value: 1/0 on SQLite, a boolean on PostgreSQL (for `?N OR ...`). */
void query_bind_bool(struct query *q, int i, bool v);
void query_bind_double(struct query *q, int i, double v);
void query_bind_text(struct query *q, int i, const char *text); /* NULL binds NULL */
void query_bind_textn(struct query *q, int i, const char *text, size_t len);
void query_bind_blob(struct query *q, int i, const void *data, size_t len);
void query_bind_null(struct query *q, int i);
void query_bind_int_or_null(struct query *q, int i, int64_t v); /* 0 binds NULL */
/*
 * Binds a set of ids (base/bitset.h) for the SQL function mamori_in_set(?i, id), which is
 * true when id is in the set: a set a caller computed in C (a person's visible records) used
 * as a filter. The set must stay unchanged until the statement is reset.
 */
struct bitset;
void query_bind_bitset(struct query *q, int i, const struct bitset *set);

/* 1: a row is ready; 0: done (reset); < 0: error (reset, err set). */
int query_step(struct query *q, struct strbuf *err);
/* Resets a statement that was not stepped to its end; NULL is accepted. */
void query_done(struct query *q);
/*
 * query_done after reading a secret: on PostgreSQL the current row's values (as received and
 * as decoded) are zeroed first, and the bindings cleared. SQLite's values live in its page
 * cache, out of reach: a SQLite ward keeps its secrets in files (core/secret.h), not here.
 */
void query_wipe(struct query *q);

/* Columns of the current row, 0-based. Text and blobs are valid until the next step or reset. */
int64_t query_int(struct query *q, int col);
double query_double(struct query *q, int col);
const char *query_text(struct query *q, int col); /* NULL for SQL NULL */
const void *query_blob(struct query *q, int col, size_t *ret_len);
bool query_is_null(struct query *q, int col);
char *query_strdup(struct query *q, int col); /* an owned copy, or NULL for SQL NULL */
int query_columns(struct query *q);

/* Steps a statement that returns no rows to its end: 0 or a negative errno with err. */
int query_run(struct query *q, struct strbuf *err);
/*
 * Steps a statement expected to return one row and reads column 0: 0 with *ret, -ENOENT when
 * there was no row (err untouched), or another negative errno with err. The statement is reset.
 */
int query_one_int(struct query *q, int64_t *ret, struct strbuf *err);
int query_one_text(struct query *q, char **ret, struct strbuf *err); /* *ret owned, NULL for NULL */

/* Rows changed by the last INSERT/UPDATE/DELETE on this connection, and the last row id. */
int64_t query_changes(struct store *st);
int64_t query_last_id(struct store *st);

#endif
