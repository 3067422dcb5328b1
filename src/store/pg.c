/* pg: the store on PostgreSQL through libpq: connection, prepared statements, COPY, errors. */
#include <errno.h>
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/cleanup.h"
#include "base/timeutil.h"
#include "store/pg-internal.h"
#include "store/store-internal.h"

/* Around every call that talks to the server: see store/pg-owner.h. */
static void conn_enter(struct store *st, const char *what)
{
	pg_owner_enter(&st->pg->owner, what);
}

static void conn_leave(struct store *st)
{
	pg_owner_leave(&st->pg->owner, PQtransactionStatus(st->pg->conn) != PQTRANS_IDLE);
}

/*
 * libpq's own messages (PQerrorMessage) run over several lines ("...failed: ...\n\tIs the
 * server running...\n"): in one line for an error that is one line, whitespace runs made one
 * space and the end trimmed.
 */
static const char *one_line(const char *msg, struct strbuf *out)
{
	bool space = false;

	strbuf_reset(out);
	for (const char *p = msg; *p; p++) {
		if (*p == '\n' || *p == '\r' || *p == '\t' || *p == ' ') {
			space = true;
			continue;
		}
		if (space && out->len)
			strbuf_addch(out, ' ');
		space = false;
		strbuf_addch(out, *p);
	}
	return out->buf;
}

/* SQLSTATE classes and codes to the store's errno mapping (store.h). */
static int fail_state(struct store *st, const char *state, const char *msg, const char *what,
                      struct strbuf *err)
{
	const char *where = st->location ? st->location : "PostgreSQL";

	if (!state)
		state = "";
	if (!strncmp(state, "23", 2)) {
		error_set(err, "%s: %s", what, msg);
		return -EEXIST;
	}
	if (!strcmp(state, "40001") || !strcmp(state, "40P01") || !strcmp(state, "55P03")) {
		error_set(err, "'%s' is busy (%s: %s); another mamori is writing, retry shortly",
		          where, what, msg);
		return -EBUSY;
	}
	if (!strcmp(state, "53100")) {
		error_set(err,
		          "the disk of the PostgreSQL server '%s' is full (%s); free some "
		          "space and retry",
		          where, what);
		return -ENOSPC;
	}
	if (!strncmp(state, "28", 2) || !strcmp(state, "42501")) {
		error_set(err,
		          "PostgreSQL '%s' refused access (%s: %s); check the role and its "
		          "rights",
		          where, what, msg);
		return -EACCES;
	}
	if (!strcmp(state, "25006")) {
		error_set(err, "PostgreSQL '%s' is read-only (%s: %s)", where, what, msg);
		return -EROFS;
	}
	if (!strncmp(state, "08", 2) || !strncmp(state, "57", 2) || *state == '\0') {
		error_set(err,
		          "lost the connection to PostgreSQL '%s' (%s: %s); check that the "
		          "server is running and retry",
		          where, what, msg);
		return -EIO;
	}
	error_set(err, "database error on '%s' (%s: %s)", where, what, msg);
	return -EIO;
}

/* A failed libpq call or result: its SQLSTATE and message (fail_state). */
static int pg_fail(struct store *st, const PGresult *res, const char *what, struct strbuf *err)
{
	const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
	const char *msg = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : NULL;
	struct strbuf flat = STRBUF_INIT;
	int r;

	if (!msg)
		msg = st->pg && st->pg->conn ? PQerrorMessage(st->pg->conn) : "no connection";
	r = fail_state(st, state, one_line(msg, &flat), what, err);
	strbuf_release(&flat);
	return r;
}

/* Keeps a URL or connection string for people: any password is dropped. */
static char *pg_location(const char *url)
{
	PQconninfoOption *opts = PQconninfoParse(url, NULL);
	struct strbuf out = STRBUF_INIT;

	if (!opts)
		return xstrdup("postgresql://(unreadable)");
	strbuf_addstr(&out, "postgresql://");
	for (PQconninfoOption *o = opts; o->keyword; o++) {
		if (o->val && !strcmp(o->keyword, "user"))
			strbuf_addf(&out, "%s@", o->val);
	}
	for (PQconninfoOption *o = opts; o->keyword; o++) {
		if (o->val && !strcmp(o->keyword, "dbname"))
			strbuf_addf(&out, "/%s", o->val);
	}
	for (PQconninfoOption *o = opts; o->keyword; o++) {
		if (o->val && (!strcmp(o->keyword, "host") || !strcmp(o->keyword, "port")))
			strbuf_addf(&out, "%c%s=%s", strchr(out.buf, '?') ? '&' : '?', o->keyword,
			            o->val);
	}
	PQconninfoFree(opts);
	return strbuf_detach(&out, NULL);
}

int pg_url_check(const char *url, struct strbuf *err)
{
	char *why = NULL;
	PQconninfoOption *opts;
	int r = 0;

	if (strncmp(url, "postgresql://", 13) && strncmp(url, "postgres://", 11)) {
		error_set(err, "'%s' is not a PostgreSQL URL (postgresql://USER@HOST/DATABASE)",
		          url);
		return -EINVAL;
	}
	/* the first use of PostgreSQL in the process: libpq is not linked (store/pg-lib.h) */
	if (pg_lib_load(err) < 0)
		return -ENOENT;
	opts = PQconninfoParse(url, &why);
	if (!opts) {
		error_set(err, "cannot read the PostgreSQL URL: %s", why ? why : "out of memory");
		PQfreemem(why);
		return -EINVAL;
	}
	for (PQconninfoOption *o = opts; o->keyword; o++) {
		if (o->val && !strcmp(o->keyword, "password")) {
			error_set(err,
			          "the PostgreSQL URL carries a password: mamori.conf holds no "
			          "secrets; put it in a password file (PGPASSFILE, ~/.pgpass, "
			          "mode 0600) and give the URL without it");
			r = -EINVAL;
		}
		if (o->val && !strcmp(o->keyword, "dbname") && !*o->val) {
			error_set(err, "the PostgreSQL URL names no database: "
			               "postgresql://USER@HOST/DATABASE");
			r = -EINVAL;
		}
	}
	PQconninfoFree(opts);
	return r;
}

static void notice_quiet(void *arg, const char *message)
{
	(void)arg;
	(void)message; /* NOTICEs (IF NOT EXISTS ...) are not for people */
}

/* The session's settings, at connecting and after a reconnect. */
static int session_setup(struct store *st, struct strbuf *err)
{
	PGresult *res;
	int r = 0;

	PQsetNoticeProcessor(st->pg->conn, notice_quiet, NULL);
	/*
	 * UTF-8 text, UTC, and Mamori's own statements never wait forever on a lock. A session
	 * idle inside a transaction for a minute is ended by the server: its locks (the
	 * writers' lock every other node waits for) are not held for ever by a process that
	 * hangs or a network that fails; Mamori leaves no transaction idle that long. The
	 * records' search index (pg_trgm GIN, schema/pg/0018) takes new rows into a pending list
	 * that every search reads whole until it is folded in (4 MB by default: a search of
	 * 20,000 records took 52 ms instead of 1): Mamori's writes fold it in at 64 kB.
	 */
	st->pg->trips++;
	res = PQexec(st->pg->conn, "SET client_encoding = 'UTF8'; SET TimeZone = 'UTC'; "
	                           "SET lock_timeout = '30s'; "
	                           "SET idle_in_transaction_session_timeout = '60s'; "
	                           "SET gin_pending_list_limit = '64kB'");
	if (PQresultStatus(res) != PGRES_COMMAND_OK)
		r = pg_fail(st, res, "setting up the session", err);
	PQclear(res);
	return r;
}

/* Seconds a first connection may take unless the URL says connect_timeout (docs/operations.md). */
#define PG_CONNECT_TIMEOUT      10
#define PG_CONNECT_TIMEOUT_TEXT "10"

/* The connect timeout in force for url: its own connect_timeout, or Mamori's default. */
static long connect_timeout(const char *url)
{
	PQconninfoOption *opts = PQconninfoParse(url, NULL);
	long secs = PG_CONNECT_TIMEOUT;

	for (PQconninfoOption *o = opts; o && o->keyword; o++)
		if (o->val && !strcmp(o->keyword, "connect_timeout"))
			secs = strtol(o->val, NULL, 10);
	PQconninfoFree(opts);
	return secs;
}

int pg_open(struct store *st, const char *url, struct strbuf *err)
{
	int r;

	r = pg_url_check(url, err);
	if (r < 0)
		return r;
	st->location = pg_location(url);
	st->pg = xcalloc(1, sizeof(*st->pg));
	/*
	 * Mamori's defaults come first, so the URL's own parameters (expanded from dbname) win
	 * over them: a server that does not answer (a host down behind a firewall that drops the
	 * packets, a listener that never replies) is given up after PG_CONNECT_TIMEOUT seconds
	 * instead of never, at start and at every reconnect (PQreset keeps them); a server that
	 * vanishes during a statement is noticed by TCP keepalives within about a minute.
	 */
	const char *const keys[] = { "connect_timeout",  "keepalives_idle", "keepalives_interval",
		                     "keepalives_count", "dbname",          NULL };
	const char *const values[] = { PG_CONNECT_TIMEOUT_TEXT, "30", "10", "3", url, NULL };
	int64_t began = time_mono_ns();
	st->pg->conn = PQconnectdbParams(keys, values, 1);
	if (!st->pg->conn) {
		error_set(err, "out of memory connecting to PostgreSQL");
		return -ENOMEM;
	}
	if (PQstatus(st->pg->conn) != CONNECTION_OK) {
		struct strbuf flat = STRBUF_INIT;
		int64_t waited_ms = (time_mono_ns() - began) / 1000000;
		long limit = connect_timeout(url);
		/* libpq counts its deadline in whole seconds of time(): it can give up to a second
		 * before the limit by our clock, so a wait within a second of it is the timeout */
		if (limit > 0 && waited_ms + 1000 >= (int64_t)limit * 1000)
			error_set(err,
			          "PostgreSQL '%s' did not answer within %ld seconds: check that "
			          "the server runs and that this host can reach it (mamori.conf "
			          "[store] url; add connect_timeout=SECONDS to the URL to wait "
			          "longer)",
			          st->location, limit);
		else
			error_set(err,
			          "cannot connect to PostgreSQL '%s': %s; check the URL in "
			          "mamori.conf [store] and that the server runs",
			          st->location, one_line(PQerrorMessage(st->pg->conn), &flat));
		strbuf_release(&flat);
		return -EIO;
	}
	return session_setup(st, err);
}

/*
 * A connection the server ended (a restart, a failover, idle_in_transaction_session_timeout)
 * is made again before the next statement that runs outside a transaction: the statement
 * that found it lost, when it began no transaction of the store's, is run once more on the new
 * one; inside a transaction the transaction is lost and its caller says so. Every cached
 * statement is prepared again on the new session at its next step.
 */
static int reconnect(struct store *st)
{
	PQreset(st->pg->conn);
	st->pg->last_id_ok = false; /* a new session: lastval() is not defined there yet */
	if (PQstatus(st->pg->conn) != CONNECTION_OK)
		return -EIO;
	for (size_t i = 0; i < STORE_CACHE_BUCKETS; i++)
		for (struct query *q = st->cache[i]; q; q = q->next)
			if (q->pg)
				q->pg->prepared = false;
	return session_setup(st, NULL);
}

/* Before a statement: whether it may run again on a new connection if this one is lost (no
 * transaction open on it), after making one if the last statement found it lost. */
static bool may_retry(struct store *st)
{
	PGTransactionStatusType ts = PQtransactionStatus(st->pg->conn);

	if (ts == PQTRANS_UNKNOWN && st->depth == 0 && reconnect(st) == 0)
		ts = PQtransactionStatus(st->pg->conn);
	return ts == PQTRANS_IDLE && st->depth == 0;
}

/* After a failed statement that may run again: the connection was lost and is made again. */
static bool retry(struct store *st)
{
	return PQstatus(st->pg->conn) == CONNECTION_BAD && reconnect(st) == 0;
}

/*
 * What store.c did and the server has not been sent yet (store-internal.h): RELEASEs (the
 * door's act ending), then savepoints store_begin opened (the next act beginning).
 */
static bool pending(const struct store *st)
{
	return st->n_released > 0 || (st->depth > 1 && st->sp_sent < st->depth);
}

static void pending_text(struct store *st, struct strbuf *out)
{
	for (int i = 0; i < st->n_released; i++)
		strbuf_addf(out, "%s; ", st->released[i]);
	st->n_released = 0;
	for (int level = st->sp_sent + 1; level <= st->depth; level++)
		strbuf_addf(out, "SAVEPOINT sp%d; ", level - 1);
}

/*
 * Sends the pending savepoints before a statement that cannot go in the same message (a
 * prepared one, a PREPARE, a COPY). Made or not, they count as sent: a failure leaves the
 * transaction failed, and rolling it back is what follows.
 */
static int flush_savepoints(struct store *st, struct strbuf *err)
{
	struct strbuf text = STRBUF_INIT;
	PGresult *res;
	int r = 0;

	if (!pending(st))
		return 0;
	pending_text(st, &text);
	st->pg->trips++;
	res = PQexec(st->pg->conn, text.buf);
	if (PQresultStatus(res) != PGRES_COMMAND_OK && PQresultStatus(res) != PGRES_TUPLES_OK)
		r = pg_fail(st, res, "savepoint", err);
	PQclear(res);
	strbuf_release(&text);
	st->sp_sent = st->depth;
	return r;
}

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

void pg_close(struct store *st)
{
	if (!st->pg)
		return;
	conn_enter(st, "closing");
	PQfinish(st->pg->conn);
	free(st->pg);
	st->pg = NULL;
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
	conn_enter(st, s->text);
	bool again = may_retry(st);
	*ret_err = flush_savepoints(st, err);
	if (*ret_err == 0)
		*ret_err = stmt_prepare(st, s, false, err);
	if (*ret_err < 0 && again && retry(st)) {
		if (err)
			strbuf_reset(err);
		*ret_err = stmt_prepare(st, s, false, err);
	}
	conn_leave(st);
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
		const char *values[PG_MAX_PARAMS];
		int lengths[PG_MAX_PARAMS], formats[PG_MAX_PARAMS];
		ExecStatusType status;
		int r = 0;

		conn_enter(st, s->text);
		r = flush_savepoints(st, err);
		if (r < 0) {
			conn_leave(st);
			pg_reset(s, false);
			return r;
		}
		for (int i = 0; i < s->nparams; i++) {
			values[i] = s->params[i].value;
			lengths[i] = s->params[i].len;
			formats[i] = s->params[i].format;
		}
		for (bool again = may_retry(st);; again = false) {
			if (!s->prepared)
				r = stmt_prepare(st, s, true, err);
			if (r < 0 && again && retry(st)) {
				if (err)
					strbuf_reset(err);
				r = 0;
				continue;
			}
			if (r < 0) {
				conn_leave(st);
				pg_reset(s, false);
				return r;
			}
			st->pg->trips++;
			s->res = PQexecPrepared(st->pg->conn, s->name, s->nparams, values, lengths,
			                        formats, 0);
			status = PQresultStatus(s->res);
			if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK || !again ||
			    !retry(st))
				break;
			PQclear(s->res);
			s->res = NULL;
		}
		conn_leave(st);
		if (s->inserts)
			st->pg->last_id_ok = false;
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

	conn_enter(st, sql);
	if (has_word(sql, "INSERT"))
		st->pg->last_id_ok = false;
	if (pending(st)) {
		/* the savepoints not sent yet, in the same message */
		pending_text(st, &text);
		strbuf_addstr(&text, sql);
		sql = text.buf;
		st->sp_sent = st->depth;
	}
	for (bool again = may_retry(st);; again = false) {
		st->pg->trips++;
		res = PQexec(st->pg->conn, sql);
		status = PQresultStatus(res);
		if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK || !again || !retry(st))
			break;
		PQclear(res);
	}
	if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK)
		r = pg_fail(st, res, "exec", err);
	conn_leave(st);
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
	r = flush_savepoints(st, err);
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

	conn_enter(st, sql);
	r = copy_in(st, sql, data, len, err);
	conn_leave(st);
	return r;
}

bool pg_last_id(struct store *st, int64_t *ret)
{
	*ret = st->pg->last_id;
	return st->pg->last_id_ok;
}

int64_t pg_round_trips(const struct store *st)
{
	return st->pg->trips;
}

bool pg_in_transaction(struct store *st)
{
	return PQtransactionStatus(st->pg->conn) != PQTRANS_IDLE;
}

int pg_server_version(struct store *st)
{
	return PQserverVersion(st->pg->conn); /* kept by libpq at connecting: no traffic */
}
