/* pg-lib: libpq, loaded when a data directory's store is PostgreSQL (base/dynlib.h). */
#ifndef MAMORI_STORE_PG_LIB_H
#define MAMORI_STORE_PG_LIB_H

#include <libpq-fe.h>

#include "base/strbuf.h"

/*
 * Linked, libpq (and the Kerberos, LDAP and SASL libraries under it) costs every mamori process
 * about 1 MB at start, the SQLite ward's and `mamori fim init` too; loaded here only a process
 * whose store is postgresql:// pays. store/pg*.c include this header after libpq-fe.h and call
 * the functions by their usual names: the macros below send each call through the pointer
 * pg_lib_load set. A function used for the first time is added to both lists (and pg-lib.c).
 */
struct pg_lib {
	__typeof__(PQclear) *p_PQclear;
	__typeof__(PQcmdTuples) *p_PQcmdTuples;
	__typeof__(PQconnectdbParams) *p_PQconnectdbParams;
	__typeof__(PQconninfoFree) *p_PQconninfoFree;
	__typeof__(PQconninfoParse) *p_PQconninfoParse;
	__typeof__(PQerrorMessage) *p_PQerrorMessage;
	__typeof__(PQexec) *p_PQexec;
	__typeof__(PQexecPrepared) *p_PQexecPrepared;
	__typeof__(PQfinish) *p_PQfinish;
	__typeof__(PQfreemem) *p_PQfreemem;
	__typeof__(PQftype) *p_PQftype;
	__typeof__(PQgetResult) *p_PQgetResult;
	__typeof__(PQgetisnull) *p_PQgetisnull;
	__typeof__(PQgetlength) *p_PQgetlength;
	__typeof__(PQgetvalue) *p_PQgetvalue;
	__typeof__(PQnfields) *p_PQnfields;
	__typeof__(PQntuples) *p_PQntuples;
	__typeof__(PQprepare) *p_PQprepare;
	__typeof__(PQputCopyData) *p_PQputCopyData;
	__typeof__(PQputCopyEnd) *p_PQputCopyEnd;
	__typeof__(PQreset) *p_PQreset;
	__typeof__(PQresultErrorField) *p_PQresultErrorField;
	__typeof__(PQresultStatus) *p_PQresultStatus;
	__typeof__(PQserverVersion) *p_PQserverVersion;
	__typeof__(PQsetNoticeProcessor) *p_PQsetNoticeProcessor;
	__typeof__(PQstatus) *p_PQstatus;
	__typeof__(PQtransactionStatus) *p_PQtransactionStatus;
};
extern struct pg_lib pg_lib;

/*
 * Loads libpq once per process (thread-safe). Returns 0, or -1 with err saying that the
 * PostgreSQL client library is missing and which Debian package gives it (libpq5).
 */
int pg_lib_load(struct strbuf *err);

#ifndef PG_LIB_NO_MACROS
/* NOLINTBEGIN(bugprone-macro-parentheses): each stands for a function's name */
#define PQclear              (pg_lib.p_PQclear)
#define PQcmdTuples          (pg_lib.p_PQcmdTuples)
#define PQconnectdbParams    (pg_lib.p_PQconnectdbParams)
#define PQconninfoFree       (pg_lib.p_PQconninfoFree)
#define PQconninfoParse      (pg_lib.p_PQconninfoParse)
#define PQerrorMessage       (pg_lib.p_PQerrorMessage)
#define PQexec               (pg_lib.p_PQexec)
#define PQexecPrepared       (pg_lib.p_PQexecPrepared)
#define PQfinish             (pg_lib.p_PQfinish)
#define PQfreemem            (pg_lib.p_PQfreemem)
#define PQftype              (pg_lib.p_PQftype)
#define PQgetResult          (pg_lib.p_PQgetResult)
#define PQgetisnull          (pg_lib.p_PQgetisnull)
#define PQgetlength          (pg_lib.p_PQgetlength)
#define PQgetvalue           (pg_lib.p_PQgetvalue)
#define PQnfields            (pg_lib.p_PQnfields)
#define PQntuples            (pg_lib.p_PQntuples)
#define PQprepare            (pg_lib.p_PQprepare)
#define PQputCopyData        (pg_lib.p_PQputCopyData)
#define PQputCopyEnd         (pg_lib.p_PQputCopyEnd)
#define PQreset              (pg_lib.p_PQreset)
#define PQresultErrorField   (pg_lib.p_PQresultErrorField)
#define PQresultStatus       (pg_lib.p_PQresultStatus)
#define PQserverVersion      (pg_lib.p_PQserverVersion)
#define PQsetNoticeProcessor (pg_lib.p_PQsetNoticeProcessor)
#define PQstatus             (pg_lib.p_PQstatus)
#define PQtransactionStatus  (pg_lib.p_PQtransactionStatus)
/* NOLINTEND(bugprone-macro-parentheses) */
#endif

#endif
