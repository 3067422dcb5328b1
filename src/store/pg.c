/* pg: the store on PostgreSQL through libpq: the connection (opening, the session, reconnecting,
 * closing), the savepoints not sent yet, and errors. Statements and COPY: store/pg-stmt.c. */
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
void pg_conn_enter(struct store *st, const char *what)
{
	pg_owner_enter(&st->pg->owner, what);
}

void pg_conn_leave(struct store *st)
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
	/*
	 * What fails the same the next time, not to be tried again as an I/O error may be (the
	 * log analysis keeps an alert that failed so, holding its mark): data the server cannot
	 * take (22: a character not in the database's encoding, a value out of range), a limit
	 * of the server's (54), and its internal errors (XX: XX001/XX002 are corrupt pages, as
	 * SQLite's CORRUPT, store_error).
	 */
	if (!strncmp(state, "22", 2)) {
		error_set(err, "PostgreSQL '%s' refused the data (%s: %s)", where, what, msg);
		return -EINVAL;
	}
	if (!strncmp(state, "54", 2)) {
		error_set(err, "over a limit of PostgreSQL '%s' (%s: %s)", where, what, msg);
		return -E2BIG;
	}
	if (!strncmp(state, "XX", 2)) {
		error_set(err,
		          "internal error or corrupt data in PostgreSQL '%s' (%s: %s); check the "
		          "server's log and run 'mamori doctor'",
		          where, what, msg);
		return -EPROTO;
	}
	error_set(err, "database error on '%s' (%s: %s)", where, what, msg);
	return -EIO;
}

/* A failed libpq call or result: its SQLSTATE and message (fail_state). */
int pg_fail(struct store *st, const PGresult *res, const char *what, struct strbuf *err)
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
bool pg_may_retry(struct store *st)
{
	PGTransactionStatusType ts = PQtransactionStatus(st->pg->conn);

	if (ts == PQTRANS_UNKNOWN && st->depth == 0 && reconnect(st) == 0)
		ts = PQtransactionStatus(st->pg->conn);
	return ts == PQTRANS_IDLE && st->depth == 0;
}

/* After a failed statement that may run again: the connection was lost and is made again. */
bool pg_retry(struct store *st)
{
	return PQstatus(st->pg->conn) == CONNECTION_BAD && reconnect(st) == 0;
}

/*
 * What store.c did and the server has not been sent yet (store-internal.h): RELEASEs (the
 * door's act ending), then savepoints store_begin opened (the next act beginning).
 */
bool pg_pending(const struct store *st)
{
	return st->n_released > 0 || (st->depth > 1 && st->sp_sent < st->depth);
}

void pg_pending_text(struct store *st, struct strbuf *out)
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
int pg_flush_savepoints(struct store *st, struct strbuf *err)
{
	struct strbuf text = STRBUF_INIT;
	PGresult *res;
	int r = 0;

	if (!pg_pending(st))
		return 0;
	pg_pending_text(st, &text);
	st->pg->trips++;
	res = PQexec(st->pg->conn, text.buf);
	if (PQresultStatus(res) != PGRES_COMMAND_OK && PQresultStatus(res) != PGRES_TUPLES_OK)
		r = pg_fail(st, res, "savepoint", err);
	PQclear(res);
	strbuf_release(&text);
	st->sp_sent = st->depth;
	return r;
}

void pg_close(struct store *st)
{
	if (!st->pg)
		return;
	pg_conn_enter(st, "closing");
	PQfinish(st->pg->conn);
	free(st->pg);
	st->pg = NULL;
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
