/* pg-internal: the PostgreSQL side's own types, shared by store/pg.c (connection, statements,
 * COPY, errors) and store/pg-bind.c (bindings and the current row's values). */
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

#endif
