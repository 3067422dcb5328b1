/* pg-lib: libpq, loaded when a data directory's store is PostgreSQL (base/dynlib.h). */
#include <pthread.h>

#include "base/cleanup.h"
#include "base/dynlib.h"
#define PG_LIB_NO_MACROS
#include "store/pg-lib.h"

struct pg_lib pg_lib;
static pthread_once_t once = PTHREAD_ONCE_INIT;
static struct strbuf load_err = STRBUF_INIT;
static int load_rc;

#define SYM(f)                                                                                     \
	{                                                                                          \
#f, &pg_lib.p_##f                                                                  \
	}

static void load(void)
{
	const struct dynlib_sym syms[] = {
		SYM(PQclear),
		SYM(PQcmdTuples),
		SYM(PQconnectdbParams),
		SYM(PQconninfoFree),
		SYM(PQconninfoParse),
		SYM(PQerrorMessage),
		SYM(PQexec),
		SYM(PQexecPrepared),
		SYM(PQfinish),
		SYM(PQfreemem),
		SYM(PQftype),
		SYM(PQgetResult),
		SYM(PQgetisnull),
		SYM(PQgetlength),
		SYM(PQgetvalue),
		SYM(PQnfields),
		SYM(PQntuples),
		SYM(PQprepare),
		SYM(PQputCopyData),
		SYM(PQputCopyEnd),
		SYM(PQreset),
		SYM(PQresultErrorField),
		SYM(PQresultStatus),
		SYM(PQserverVersion),
		SYM(PQsetNoticeProcessor),
		SYM(PQstatus),
		SYM(PQtransactionStatus),
	};

	load_rc = dynlib_load("libpq.so.5", "libpq5", syms, ARRAY_SIZE(syms), &load_err);
}

int pg_lib_load(struct strbuf *err)
{
	pthread_once(&once, load);
	if (load_rc < 0)
		error_set(err,
		          "the PostgreSQL client library is missing, so a store on PostgreSQL "
		          "cannot be used: %s",
		          load_err.buf);
	return load_rc;
}
