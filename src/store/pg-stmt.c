/* pg-stmt: PostgreSQL statements: SQLite's SQL translated, prepared, run (rows, changes, the new
 * row's id), and COPY (store/pg.c holds the connection). */
#include <errno.h>
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/cleanup.h"
#include "store/pg-internal.h"
#include "store/store-internal.h"

static void stmt_reset(struct pg_stmt *s)
{
	PQclear(s->res);
	s->res = NULL;
	s->row = -1;
	s->rows = 0;
	for (int i = 0; i < s->blob_cols; i++) {
		free(s->blob[i]);
		s->blob[i] = NULL;
	}
}

static void params_clear(struct pg_stmt *s)
{
	for (int i = 0; i < s->nparams; i++) {
		free(s->params[i].owned);
		memset(&s->params[i], 0, sizeof(s->params[i]));
	}
	s->bind_err = 0;
}

void pg_stmt_free(struct pg_stmt *s)
{
	if (!s)
		return;
	stmt_reset(s);
	params_clear(s);
	free(s->params);
	free(s->text);
	free(s->blob);
	free(s->blob_len);
	free(s);
}

static bool word_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '_';
}

/* The keyword LIKE at p (any case), a word of its own. */
static bool is_like(const char *sql, const char *p)
{
	return strncasecmp(p, "LIKE", 4) == 0 && !word_char(p[4]) &&
	       (p == sql || !word_char(p[-1]));
}

/*
 * SQLite's placeholders to PostgreSQL's: '?' is the next number, '?NNN' that number. Quoted
 * strings, quoted names and comments are copied as they are. LIKE becomes ILIKE: SQLite's
 * LIKE ignores the case of ASCII letters, and Mamori's searches rely on it. Returns the
 * highest number.
 */
static int translate(const char *sql, struct strbuf *out)
{
	int next = 0, max = 0;

	for (const char *p = sql; *p; p++) {
		if (*p == '\'' || *p == '"') {
			const char *q = strchr(p + 1, *p);
			size_t n = q ? (size_t)(q - p) + 1 : strlen(p);
			strbuf_add(out, p, n);
			p += n - 1;
		} else if (p[0] == '-' && p[1] == '-') {
			const char *q = strchr(p, '\n');
			size_t n = q ? (size_t)(q - p) : strlen(p);
			strbuf_add(out, p, n);
			p += n - 1;
		} else if (is_like(sql, p)) {
			strbuf_addstr(out, "ILIKE"); /* SQLite's LIKE ignores ASCII case */
			p += 3;
		} else if (*p == '?') {
			int v = 0;
			while (p[1] >= '0' && p[1] <= '9' && v < PG_MAX_PARAMS + 1)
				v = v * 10 + (*++p - '0');
			if (!v)
				v = ++next;
			else if (v > next)
				next = v;
			if (v > max)
				max = v;
			strbuf_addf(out, "$%d", v);
		} else {
			strbuf_addch(out, *p);
		}
	}
	return max;
}

/*
 * SQLSTATE 42P18 or 42P08: a parameter whose type the server cannot tell from the statement
 * alone ("? IS NULL" is 42P08).
 */
static bool indeterminate(const PGresult *res)
{
	const char *state = PQresultErrorField(res, PG_DIAG_SQLSTATE);

	return state && (!strcmp(state, "42P18") || !strcmp(state, "42P08"));
}

/* SQLSTATE 42703: a column the statement names does not exist. */
static bool undefined_column(const PGresult *res)
{
	const char *state = PQresultErrorField(res, PG_DIAG_SQLSTATE);

	return state && !strcmp(state, "42703");
}

/* The word w (any case) in sql, not part of a longer name. */
static bool has_word(const char *sql, const char *w)
{
	size_t n = strlen(w);

	for (const char *p = sql; (p = strcasestr(p, w)); p += n)
		if ((p == sql || !word_char(p[-1])) && !word_char(p[n]))
			return true;
	return false;
}

/*
 * A statement that inserts rows by VALUES (one or several) and asks nothing back: it is sent
 * with RETURNING id, so the new row's id comes back with the INSERT's own answer and
 * query_last_id need not ask the server for it (SELECT lastval(), a round trip: the door did
 * that for each act and each record it wrote). A table without an id column refuses it when
 * it is prepared (42703), and the statement is then prepared as written (stmt_prepare).
 * INSERT ... SELECT and ON CONFLICT are left as they are (a copy of many rows would send back
 * every id; an upsert's RETURNING names rows it did not insert).
 */
static bool returning_id(const char *sql)
{
	while (*sql == ' ' || *sql == '\n' || *sql == '\t')
		sql++;
	return strncasecmp(sql, "INSERT INTO ", 12) == 0 && has_word(sql, "VALUES") &&
	       !has_word(sql, "SELECT") && !has_word(sql, "RETURNING") &&
	       !has_word(sql, "CONFLICT") && !strchr(sql, ';');
}

/*
 * PREPAREs s on the server. The server infers each parameter's type from the statement; where
 * it cannot ("? IS NULL", "coalesce(?, x)"), the types the bindings imply are given (an integer
 * is bigint, a double double precision, a blob bytea) and, failing that, text for the rest.
 */
static int stmt_prepare(struct store *st, struct pg_stmt *s, bool typed, struct strbuf *err)
{
	unsigned types[PG_MAX_PARAMS];
	PGresult *res;
	int r = 0;

	for (int pass = typed ? 1 : 0; pass < 3; pass++) {
		for (int i = 0; i < s->nparams; i++)
			types[i] = pass == 0           ? 0
			           : s->params[i].type ? s->params[i].type
			           : pass == 2         ? PG_TEXTOID
			                               : 0;
		/* inside a transaction, a failed PREPARE would abort it: try in a savepoint */
		bool txn = PQtransactionStatus(st->pg->conn) == PQTRANS_INTRANS;
		bool ok;

		if (txn)
			PQclear(PQexec(st->pg->conn, "SAVEPOINT mamori_prepare"));
		res = PQprepare(st->pg->conn, s->name, s->text, s->nparams,
		                pass == 0 ? NULL : (const Oid *)types);
		ok = PQresultStatus(res) == PGRES_COMMAND_OK;
		st->pg->trips += txn ? (ok ? 3 : 4) : 1;
		if (txn && !ok)
			PQclear(PQexec(st->pg->conn, "ROLLBACK TO SAVEPOINT mamori_prepare"));
		if (txn)
			PQclear(PQexec(st->pg->conn, "RELEASE SAVEPOINT mamori_prepare"));
		if (ok) {
			PQclear(res);
			s->prepared = true;
			return 0;
		}
		if (s->returning && undefined_column(res)) {
			/* no id column (returning_id): the statement as written, the same pass */
			s->text[s->plain_len] = '\0';
			s->returning = false;
			PQclear(res);
			pass--;
			continue;
		}
		if (!indeterminate(res) || (pass == 0 && !typed)) {
			bool later = pass == 0 && !typed && indeterminate(res);
			if (!later) {
				/* which statement: its first words, for whoever reads the log */
				struct strbuf what = STRBUF_INIT;
				strbuf_addf(&what, "prepare \"%.80s%s\"", s->text,
				            strlen(s->text) > 80 ? "..." : "");
				r = pg_fail(st, res, what.buf, err);
				strbuf_release(&what);
			}
			PQclear(res);
			return later ? 0 : r;
		}
		PQclear(res);
	}
	error_set(err, "prepare: PostgreSQL cannot tell the type of a parameter (%s)", s->text);
	return -EINVAL;
}

struct pg_stmt *pg_prepare(struct store *st, const char *sql, int *ret_err, struct strbuf *err)
{
	struct strbuf text = STRBUF_INIT;
	struct pg_stmt *s;
	int n = translate(sql, &text);

	if (n > PG_MAX_PARAMS) {
		error_set(err, "a statement with more than %d parameters", PG_MAX_PARAMS);
		*ret_err = -EINVAL;
		strbuf_release(&text);
		return NULL;
	}
	s = xcalloc(1, sizeof(*s));
	snprintf(s->name, sizeof(s->name), "s%u", ++st->pg->next_name);
	s->nparams = n;
	s->params = xcalloc(n ? (size_t)n : 1, sizeof(*s->params));
	s->row = -1;
	s->inserts = has_word(sql, "INSERT");
	if (returning_id(sql)) {
		s->returning = true;
		s->plain_len = text.len;
		strbuf_addstr(&text, " RETURNING id");
	}
	s->text = strbuf_detach(&text, NULL);
	/* at once when the statement alone tells the types, else at the first step */
	pg_conn_enter(st, s->text);
	bool again = pg_may_retry(st);
	*ret_err = pg_flush_savepoints(st, err);
	if (*ret_err == 0)
		*ret_err = stmt_prepare(st, s, false, err);
	if (*ret_err < 0 && again && pg_retry(st)) {
		if (err)
			strbuf_reset(err);
		*ret_err = stmt_prepare(st, s, false, err);
	}
	pg_conn_leave(st);
	if (*ret_err < 0) {
		pg_stmt_free(s);
		return NULL;
	}
	return s;
}

void pg_reset(struct pg_stmt *s, bool clear_bindings)
{
	stmt_reset(s);
	if (clear_bindings)
		params_clear(s);
	s->bind_err = 0;
}

/*
 * Runs s with its parameters (prepared first when it is not yet), once more on a new connection
 * when the connection was lost outside a transaction (pg_may_retry): its result in s->res, its
 * status into *ret_status. 0, or a negative errno with s reset.
 */
static int stmt_exec(struct store *st, struct pg_stmt *s, ExecStatusType *ret_status,
                     struct strbuf *err)
{
	const char *values[PG_MAX_PARAMS];
	int lengths[PG_MAX_PARAMS], formats[PG_MAX_PARAMS];
	ExecStatusType status;
	int r = 0;

	pg_conn_enter(st, s->text);
	r = pg_flush_savepoints(st, err);
	if (r < 0) {
		pg_conn_leave(st);
		pg_reset(s, false);
		return r;
	}
	for (int i = 0; i < s->nparams; i++) {
		values[i] = s->params[i].value;
		lengths[i] = s->params[i].len;
		formats[i] = s->params[i].format;
	}
	for (bool again = pg_may_retry(st);; again = false) {
		if (!s->prepared)
			r = stmt_prepare(st, s, true, err);
		if (r < 0 && again && pg_retry(st)) {
			if (err)
				strbuf_reset(err);
			r = 0;
			continue;
		}
		if (r < 0) {
			pg_conn_leave(st);
			pg_reset(s, false);
			return r;
		}
		st->pg->trips++;
		s->res =
		    PQexecPrepared(st->pg->conn, s->name, s->nparams, values, lengths, formats, 0);
		status = PQresultStatus(s->res);
		if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK || !again ||
		    !pg_retry(st))
			break;
		PQclear(s->res);
		s->res = NULL;
	}
	pg_conn_leave(st);
	if (s->inserts)
		st->pg->last_id_ok = false;
	*ret_status = status;
	return 0;
}

int pg_step(struct store *st, struct pg_stmt *s, const char *sql, struct strbuf *err)
{
	if (s->bind_err) {
		int r = s->bind_err;
		pg_reset(s, false);
		if (r == -ERANGE) {
			error_set(err, "query: a parameter index is out of range (%s)", sql);
			return -EINVAL;
		}
		error_set(err, "query: a parameter PostgreSQL cannot hold (%s)",
		          r == -EINVAL ? "text with a NUL byte" : "too large");
		return r;
	}
	if (!s->res) {
		ExecStatusType status;
		int r = stmt_exec(st, s, &status, err);

		if (r < 0)
			return r;
		if (status == PGRES_TUPLES_OK && s->returning) {
			/* an INSERT's RETURNING id (returning_id): the last row's id, as lastval()
			 */
			int n = PQntuples(s->res);
			unsigned type = PQftype(s->res, 0);
			st->pg->changes = n;
			if (n > 0 && !PQgetisnull(s->res, n - 1, 0) &&
			    (type == PG_INT8OID || type == PG_INT4OID)) {
				st->pg->last_id = strtoll(PQgetvalue(s->res, n - 1, 0), NULL, 10);
				st->pg->last_id_ok = true;
			}
			pg_reset(s, false);
			return 0;
		}
		if (status == PGRES_COMMAND_OK) {
			const char *n = PQcmdTuples(s->res);
			st->pg->changes = *n ? strtoll(n, NULL, 10) : 0;
			pg_reset(s, false);
			return 0;
		}
		if (status != PGRES_TUPLES_OK) {
			r = pg_fail(st, s->res, "query", err);
			pg_reset(s, false);
			return r;
		}
		s->rows = PQntuples(s->res);
		s->row = -1;
		if (PQnfields(s->res) > s->blob_cols) {
			int n = PQnfields(s->res);
			s->blob = xrealloc(s->blob, (size_t)n * sizeof(*s->blob));
			s->blob_len = xrealloc(s->blob_len, (size_t)n * sizeof(*s->blob_len));
			for (int i = s->blob_cols; i < n; i++)
				s->blob[i] = NULL;
			s->blob_cols = n;
		}
	}
	for (int i = 0; i < s->blob_cols; i++) {
		free(s->blob[i]);
		s->blob[i] = NULL;
	}
	if (++s->row >= s->rows) {
		pg_reset(s, false);
		return 0;
	}
	return 1;
}

int64_t pg_changes(struct store *st)
{
	return st->pg->changes;
}

int pg_exec(struct store *st, const char *sql, struct strbuf *err)
{
	struct strbuf text = STRBUF_INIT;
	PGresult *res;
	ExecStatusType status;
	int r = 0;

	pg_conn_enter(st, sql);
	if (has_word(sql, "INSERT"))
		st->pg->last_id_ok = false;
	if (pg_pending(st)) {
		/* the savepoints not sent yet, in the same message */
		pg_pending_text(st, &text);
		strbuf_addstr(&text, sql);
		sql = text.buf;
		st->sp_sent = st->depth;
	}
	for (bool again = pg_may_retry(st);; again = false) {
		st->pg->trips++;
		res = PQexec(st->pg->conn, sql);
		status = PQresultStatus(res);
		if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK || !again ||
		    !pg_retry(st))
			break;
		PQclear(res);
	}
	if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK)
		r = pg_fail(st, res, "exec", err);
	pg_conn_leave(st);
	PQclear(res);
	strbuf_release(&text);
	return r;
}

static int copy_in(struct store *st, const char *sql, const void *data, size_t len,
                   struct strbuf *err)
{
	PGresult *res;
	int r = 0;

	st->pg->last_id_ok = false;
	r = pg_flush_savepoints(st, err);
	if (r < 0)
		return r;
	st->pg->trips += 2; /* COPY ... FROM STDIN, then the data and its end */
	res = PQexec(st->pg->conn, sql);
	if (PQresultStatus(res) != PGRES_COPY_IN) {
		r = pg_fail(st, res, "COPY", err);
		PQclear(res);
		return r;
	}
	PQclear(res);
	for (size_t off = 0; off < len && r == 0;) {
		size_t n = len - off > (1u << 20) ? (1u << 20) : len - off;
		if (PQputCopyData(st->pg->conn, (const char *)data + off, (int)n) != 1)
			r = -EIO;
		off += n;
	}
	if (PQputCopyEnd(st->pg->conn, r == 0 ? NULL : "mamori: sending failed") != 1 && r == 0)
		r = -EIO;
	while ((res = PQgetResult(st->pg->conn))) {
		if (PQresultStatus(res) != PGRES_COMMAND_OK && r == 0)
			r = pg_fail(st, res, "COPY", err);
		PQclear(res);
	}
	if (r == -EIO && err && !err->len)
		r = pg_fail(st, NULL, "COPY", err);
	return r;
}

int pg_copy_in(struct store *st, const char *sql, const void *data, size_t len, struct strbuf *err)
{
	int r;

	pg_conn_enter(st, sql);
	r = copy_in(st, sql, data, len, err);
	pg_conn_leave(st);
	return r;
}

bool pg_last_id(struct store *st, int64_t *ret)
{
	*ret = st->pg->last_id;
	return st->pg->last_id_ok;
}
