/*
 * sqlite: the SQLite connection under a store. For store/'s own files and for tests that reach
 * under the store (corrupting a row, counting statements); nothing above store/ includes it
 * (tests/cli/t0006-store-only.sh).
 */
#ifndef MAMORI_STORE_SQLITE_H
#define MAMORI_STORE_SQLITE_H

#include <sqlite3.h>

#include "store/store.h"

/* NULL on a PostgreSQL store (store_dialect): code that needs it refuses PostgreSQL. */
sqlite3 *store_db(struct store *st);
/*
 * Returns a prepared statement for sql from the connection's cache, reset
 * and with bindings cleared; do not finalize it. sql must be a string
 * literal (the cache keys on its text). NULL on error, with err set.
 */
sqlite3_stmt *store_prepare(struct store *st, const char *sql, struct strbuf *err);
/* Maps an SQLite result code to a negative errno and a message in err. */
int store_error(struct store *st, int rc, const char *what, struct strbuf *err);

/* Writers of this process waiting for the database's write gate (store_begin; tests). */
int store_gate_waiting(struct store *st);

#endif
