/* pg-internal: the PostgreSQL side's own types and calls, shared by store/pg.c (the connection,
 * pending savepoints, errors), store/pg-stmt.c (statements, COPY) and store/pg-bind.c (bindings
 * and the current row's values). */
#ifndef MAMORI_STORE_PG_INTERNAL_H
#define MAMORI_STORE_PG_INTERNAL_H

#include <libpq-fe.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store/pg-lib.h"
#include "store/pg-owner.h"

/* Type OIDs of pg_type that change how a text-format value is read. */
#define PG_BOOLOID   16
#define PG_BYTEAOID  17
#define PG_INT8OID   20
#define PG_INT4OID   23
#define PG_TEXTOID   25
#define PG_FLOAT8OID 701

/* Parameters a statement may have: SQLite's default limit is far above what Mamori binds. */
#define PG_MAX_PARAMS 1000

struct pg_conn {
	PGconn *conn;
	unsigned next_name; /* prepared statements are named s1, s2, ... on the connection */
	int64_t changes;    /* rows the last INSERT/UPDATE/DELETE changed */
	int64_t last_id;    /* the id the last INSERT returned (RETURNING id), when last_id_ok */
	bool last_id_ok;
	int64_t trips;         /* round trips to the server (store_round_trips) */
	struct pg_owner owner; /* one thread at a time (store/pg-owner.h) */
};

struct pg_param {
	const char *value; /* NULL: SQL NULL */
	unsigned type;     /* the type the binding implies (a pg_type OID), 0 for text or NULL */
	int len;
	int format;   /* 0 text, 1 binary (bytea) */
	char num[32]; /* an integer or a double, as text */
	char *owned;  /* a copy of text given with a length */
};

struct pg_stmt {
	char name[24];
	char *text;     /* the statement with $N placeholders */
	bool prepared;  /* PREPAREd on the server (else at the first step, see pg_prepare) */
	bool inserts;   /* an INSERT: after it, lastval() may have moved */
	bool returning; /* sent with " RETURNING id" appended at plain_len (see returning_id) */
	size_t plain_len;
	int nparams;
	struct pg_param *params;
	PGresult *res; /* the rows of the current execution, or NULL */
	int row, rows;
	int bind_err; /* the first failed binding since the last reset: a negative errno */
	/* bytea columns of the current row, decoded on demand */
	unsigned char **blob;
	size_t *blob_len;
	int blob_cols;
};

struct store;
struct strbuf;

/* store/pg.c, for store/pg-stmt.c: */
/* Around every call that talks to the server: see store/pg-owner.h. */
void pg_conn_enter(struct store *st, const char *what);
void pg_conn_leave(struct store *st);
/* A failed libpq call or result (res may be NULL) to a negative errno and a message in err. */
int pg_fail(struct store *st, const PGresult *res, const char *what, struct strbuf *err);
/* Before a statement: whether it may run again on a new connection if this one is lost. */
bool pg_may_retry(struct store *st);
/* After a failed statement that may run again: the connection was lost and is made again. */
bool pg_retry(struct store *st);
/* Savepoints and RELEASEs store.c queued that the server has not been sent yet. */
bool pg_pending(const struct store *st);
/* Appends them to out ("...; "), counted as sent. */
void pg_pending_text(struct store *st, struct strbuf *out);
/* Sends them on their own, before a statement that cannot carry them in its message. */
int pg_flush_savepoints(struct store *st, struct strbuf *err);

#endif
