/* store-internal: the connection and its statement cache, shared by store.c and query.c. */
#ifndef MAMORI_STORE_STORE_INTERNAL_H
#define MAMORI_STORE_STORE_INTERNAL_H

#include <sqlite3.h>

#include "store/sqlite.h"
#include "store/store.h"

/* One cached statement; its address is stable for the connection's life (struct query). */
struct query {
	struct query *next; /* the hash chain */
	struct store *st;
	const char *sql; /* the caller's constant text: compared by pointer, then text */
	unsigned hash;
	sqlite3_stmt *stmt;
	int bind_rc; /* the first failed binding since the last reset, else SQLITE_OK */
};

#define STORE_CACHE_BUCKETS 256

/* The pointer type of query_bind_bitset, read back by mamori_in_set. */
#define STORE_BITSET_TYPE "mamori_bitset"

struct store {
	sqlite3 *db;
	char *path;
	int depth; /* open transaction levels: 0 none, 1 BEGIN, >1 savepoints */
	struct query *cache[STORE_CACHE_BUCKETS];
};

/* The cached statement for sql, reset and unbound; NULL on error, with err set and the negative
 * errno-style code in *ret_err. */
struct query *store_cached(struct store *st, const char *sql, int *ret_err, struct strbuf *err);

#endif
