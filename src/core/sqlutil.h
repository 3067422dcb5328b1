/* sqlutil: the few SQLite column and binding helpers src/core repeats. */
#ifndef MAMORI_CORE_SQLUTIL_H
#define MAMORI_CORE_SQLUTIL_H

#include <sqlite3.h>
#include <stdint.h>

#include "base/strbuf.h"

struct store;

/* A copy of column i (owned), or NULL when it is NULL. */
char *sql_col_strdup(sqlite3_stmt *s, int i);
/* Binds s as text, or NULL when s is NULL. The string must outlive the step. */
void sql_bind_text_or_null(sqlite3_stmt *s, int i, const char *text);
/* Binds v, or NULL when v is 0. */
void sql_bind_int64_or_null(sqlite3_stmt *s, int i, int64_t v);
/* Runs a one-row one-column integer query with at most one text parameter. */
int sql_count(struct store *st, const char *sql, const char *param, int64_t *ret,
              struct strbuf *err);

#endif
