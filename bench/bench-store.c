/* bench-store: durable insert rate through the store's cached statements (WAL, synchronous=FULL).
 */
#include <stdio.h>
#include <stdlib.h>

#include "base/parse.h"
#include "base/timeutil.h"
#include "store/sqlite.h"
#include "store/store.h"

int main(int argc, char **argv)
{
	struct strbuf err = STRBUF_INIT;
	struct store *st;
	uint64_t rows, per_txn;
	unsigned char payload[256];

	if (argc != 4 || parse_uint64(argv[2], 100000000, &rows) ||
	    parse_uint64(argv[3], 1000000, &per_txn) || per_txn == 0) {
		fprintf(stderr, "usage: bench-store DIR ROWS ROWS_PER_TXN\n");
		return 2;
	}
	for (size_t i = 0; i < sizeof(payload); i++)
		payload[i] = (unsigned char)(i * 7);
	if (store_open(argv[1], STORE_CREATE, &st, &err) < 0 ||
	    store_exec(st, "CREATE TABLE bench(id INTEGER PRIMARY KEY, payload BLOB NOT NULL)",
	               &err) < 0) {
		fprintf(stderr, "bench-store: %s\n", err.buf);
		return 1;
	}
	int64_t t0 = time_mono_ns();
	for (uint64_t i = 0; i < rows;) {
		if (store_begin(st, &err) < 0)
			goto fail;
		for (uint64_t j = 0; j < per_txn && i < rows; j++, i++) {
			sqlite3_stmt *s =
			    store_prepare(st, "INSERT INTO bench(id, payload) VALUES (?, ?)", &err);
			if (!s)
				goto fail;
			sqlite3_bind_int64(s, 1, (sqlite3_int64)i + 1);
			sqlite3_bind_blob(s, 2, payload, sizeof(payload), SQLITE_STATIC);
			if (sqlite3_step(s) != SQLITE_DONE)
				goto fail;
		}
		if (store_commit(st, &err) < 0)
			goto fail;
	}
	double secs = (double)(time_mono_ns() - t0) / 1e9;
	printf("%.0f\n", (double)rows / secs);
	store_close(st);
	strbuf_release(&err);
	return 0;
fail:
	fprintf(stderr, "bench-store: %s %s\n", err.buf, sqlite3_errmsg(store_db(st)));
	return 1;
}
