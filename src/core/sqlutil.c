/* sqlutil: the few SQLite column and binding helpers src/core repeats. */
#include <errno.h>

#include "base/cleanup.h"
#include "core/sqlutil.h"
#include "store/store.h"

char *sql_col_strdup(sqlite3_stmt *s, int i)
{
	const unsigned char *t = sqlite3_column_text(s, i);

	return t ? xstrndup((const char *)t, (size_t)sqlite3_column_bytes(s, i)) : NULL;
}

void sql_bind_text_or_null(sqlite3_stmt *s, int i, const char *text)
{
	if (text)
		sqlite3_bind_text(s, i, text, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(s, i);
}

void sql_bind_int64_or_null(sqlite3_stmt *s, int i, int64_t v)
{
	if (v)
		sqlite3_bind_int64(s, i, v);
	else
		sqlite3_bind_null(s, i);
}

int sql_count(struct store *st, const char *sql, const char *param, int64_t *ret,
              struct strbuf *err)
{
	sqlite3_stmt *s = store_prepare(st, sql, err);
	int rc;

	if (!s)
		return -EIO;
	if (param)
		sqlite3_bind_text(s, 1, param, -1, SQLITE_STATIC);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		*ret = sqlite3_column_int64(s, 0);
	sqlite3_reset(s);
	return rc == SQLITE_ROW ? 0 : store_error(st, rc, "counting", err);
}
